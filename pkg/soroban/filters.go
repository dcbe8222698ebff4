package soroban

import (
	"fmt"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// Filter selects contract events, as one getEvents filter. An event matches when its
// contract is one of ContractIDs (any contract if empty) and its topics match one of
// Topics (any topics if empty).
type Filter struct {
	// ContractIDs are contract strkeys (C…), at most 5.
	ContractIDs []string
	// Topics are at most 5 topic filters of 1 to 4 segments. A segment is a base64 XDR
	// ScVal, "*" for exactly one topic of any value, or "**" (last segment only) for zero or
	// more further topics. Without "**" an event must have exactly as many topics as the
	// filter has segments.
	Topics [][]string
}

// requestFilters checks filters against stellar-rpc's limits and converts them to the
// request form, so that a bad filter fails here with its position instead of on the node.
func requestFilters(filters []Filter) ([]protocol.EventFilter, error) {
	if len(filters) > protocol.MaxFiltersLimit {
		return nil, fmt.Errorf("invalid event filters: %d filters, getEvents accepts at most %d; "+
			"combine contract ids or topics into fewer filters", len(filters), protocol.MaxFiltersLimit)
	}
	out := make([]protocol.EventFilter, 0, len(filters))
	for i, filter := range filters {
		converted, err := requestFilter(filter)
		if err != nil {
			return nil, fmt.Errorf("invalid event filter %d: %w", i+1, err)
		}
		out = append(out, converted)
	}
	return out, nil
}

func requestFilter(filter Filter) (protocol.EventFilter, error) {
	if len(filter.ContractIDs) > protocol.MaxContractIDsLimit {
		return protocol.EventFilter{}, fmt.Errorf("%d contract ids, at most %d are accepted; split them over more filters",
			len(filter.ContractIDs), protocol.MaxContractIDsLimit)
	}
	for j, id := range filter.ContractIDs {
		if _, err := strkey.Decode(strkey.VersionByteContract, id); err != nil {
			return protocol.EventFilter{}, fmt.Errorf("contract id %d %q is not a contract strkey (C…): check the contract id", j+1, id)
		}
	}
	if len(filter.Topics) > protocol.MaxTopicsLimit {
		return protocol.EventFilter{}, fmt.Errorf("%d topic filters, at most %d are accepted; split them over more filters",
			len(filter.Topics), protocol.MaxTopicsLimit)
	}

	topics := make([]protocol.TopicFilter, 0, len(filter.Topics))
	for j, segments := range filter.Topics {
		topic, err := topicFilter(segments)
		if err != nil {
			return protocol.EventFilter{}, fmt.Errorf("topic filter %d: %w", j+1, err)
		}
		topics = append(topics, topic)
	}
	return protocol.EventFilter{
		EventType:   protocol.EventTypeSet{protocol.EventTypeContract: nil},
		ContractIDs: filter.ContractIDs,
		Topics:      topics,
	}, nil
}

func topicFilter(segments []string) (protocol.TopicFilter, error) {
	topic := make(protocol.TopicFilter, 0, len(segments))
	for k, segment := range segments {
		switch {
		case segment == protocol.WildCardZeroOrMore && k != len(segments)-1:
			return nil, fmt.Errorf("segment %d: %q is only allowed as the last segment", k+1, segment)
		case segment == protocol.WildCardExactOne || segment == protocol.WildCardZeroOrMore:
			wildcard := segment
			topic = append(topic, protocol.SegmentFilter{Wildcard: &wildcard})
		default:
			var value xdr.ScVal
			if err := xdr.SafeUnmarshalBase64(segment, &value); err != nil {
				return nil, fmt.Errorf("segment %d %q is neither a base64 XDR ScVal nor \"*\" or \"**\": %w", k+1, segment, err)
			}
			topic = append(topic, protocol.SegmentFilter{ScVal: &value})
		}
	}
	if err := topic.Valid(); err != nil {
		return nil, fmt.Errorf("%w (segments: %d, allowed: %d to %d plus a trailing \"**\")",
			err, len(segments), protocol.MinTopicCount, protocol.MaxTopicCount)
	}
	return topic, nil
}
