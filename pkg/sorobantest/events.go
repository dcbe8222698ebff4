package sorobantest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// malformedXDR is valid base64 of four bytes that no ScVal decodes from: the type
// discriminant 0x7fffffff is not an ScValType.
const malformedXDR = "f////w=="

// getEvents follows stellar-rpc v28. Validation errors are -32602 and a start outside the
// served range is -32600. A cursor continues after the event it names, endLedger is
// exclusive, and one request scans at most LedgerScanLimit ledgers. Every response
// carries a cursor: the last event of a full page, else the end of the scanned window.
func (s *Server) getEvents(ctx context.Context, params json.RawMessage) (any, error) {
	var req protocol.GetEventsRequest
	if err := decodeParams(params, &req); err != nil {
		return nil, err
	}
	if err := req.Valid(uint(s.Config().MaxEventsLimit)); err != nil {
		return nil, &Error{Code: CodeInvalidParams, Message: err.Error()}
	}
	if err := rejectJSONFormat(req.Format); err != nil {
		return nil, err
	}

	s.mu.RLock()
	defer s.mu.RUnlock()

	rng, err := s.ledgerRange(ctx)
	if err != nil {
		return nil, err
	}

	start, limit := eventsStart(req)
	endLedger := min(uint64(start.Ledger)+LedgerScanLimit, uint64(rng.latest.seq)+1)
	if req.EndLedger != 0 {
		endLedger = min(uint64(req.EndLedger), endLedger)
	}

	if start.Ledger < rng.oldest.seq || start.Ledger > rng.latest.seq {
		return nil, &Error{Code: CodeInvalidRequest, Message: fmt.Sprintf(
			"startLedger must be within the ledger range: %d - %d", rng.oldest.seq, rng.latest.seq)}
	}

	events, err := s.scanEvents(req, start, protocol.Cursor{Ledger: uint32(endLedger)}, limit)
	if err != nil {
		return nil, err
	}

	resp := protocol.GetEventsResponse{
		Events:                events,
		LatestLedger:          rng.latest.seq,
		OldestLedger:          rng.oldest.seq,
		LatestLedgerCloseTime: rng.latest.closeTime,
		OldestLedgerCloseTime: rng.oldest.closeTime,
	}
	if uint(len(events)) == limit {
		resp.Cursor = events[len(events)-1].ID
	} else {
		end := protocol.MaxCursor
		end.Ledger = uint32(endLedger) - 1
		resp.Cursor = end.String()
	}
	return resp, nil
}

// eventsStart returns the first cursor to serve and the page size. A request cursor names
// the last event already seen, so the page starts right after it.
func eventsStart(req protocol.GetEventsRequest) (protocol.Cursor, uint) {
	start := protocol.Cursor{Ledger: req.StartLedger}
	limit := uint(DefaultEventsLimit)
	if req.Pagination != nil {
		if req.Pagination.Cursor != nil {
			start = *req.Pagination.Cursor
			start.Event++
		}
		if req.Pagination.Limit > 0 {
			limit = req.Pagination.Limit
		}
	}
	return start, limit
}

// scanEvents collects up to limit matching events in [start, end) with
// protocol.EventFilter.Matches. Topics are decoded once when stored, and the match result
// of each (contract, topic list) pair is cached for the request.
func (s *Server) scanEvents(req protocol.GetEventsRequest, start, end protocol.Cursor, limit uint) ([]protocol.EventInfo, error) {
	st := &s.store
	lo, _ := slices.BinarySearchFunc(st.events, start, compareEvent)
	hi, _ := slices.BinarySearchFunc(st.events, end, compareEvent)

	matches := map[uint64]bool{}
	found := make([]protocol.EventInfo, 0, min(limit, uint(max(hi-lo, 0))))
	for i := lo; i < hi && uint(len(found)) < limit; i++ {
		e := st.events[i]
		key := uint64(e.contract)<<32 | uint64(e.topics)
		match, ok := matches[key]
		if !ok {
			match = req.Matches(st.diagnosticEvent(e))
			matches[key] = match
		}
		if !match {
			continue
		}

		info, ok := s.eventInfo(e)
		if !ok {
			continue // the event's ledger is not stored yet
		}
		found = append(found, info)
	}
	return found, nil
}

// diagnosticEvent builds the event shape protocol.EventFilter.Matches reads: contract id,
// type and topics. The data is left empty because no filter reads it.
func (st *store) diagnosticEvent(e eventRecord) xdr.DiagnosticEvent {
	id := st.contracts[e.contract].id
	topics := st.topicSets[e.topics].decoded
	return xdr.DiagnosticEvent{
		InSuccessfulContractCall: true,
		Event: xdr.ContractEvent{
			ContractId: &id,
			Type:       xdr.ContractEventTypeContract,
			Body: xdr.ContractEventBody{
				V:  0,
				V0: &xdr.ContractEventV0{Topics: topics, Data: xdr.ScVal{Type: xdr.ScValTypeScvVoid}},
			},
		},
	}
}

func (s *Server) eventInfo(e eventRecord) (protocol.EventInfo, bool) {
	st := &s.store
	c := e.cursor()
	closeTime, ok := s.closeTime(c.Ledger)
	if !ok {
		return protocol.EventInfo{}, false
	}

	info := protocol.EventInfo{
		EventType:                protocol.EventTypeContract,
		Ledger:                   int32(c.Ledger),
		LedgerClosedAt:           closeTimeString(closeTime),
		ContractID:               st.contracts[e.contract].strkey,
		ID:                       c.String(),
		OpIndex:                  c.Op,
		TxIndex:                  c.Tx,
		TransactionHash:          st.txHashHex(e),
		InSuccessfulContractCall: true,
		TopicXDR:                 st.topicSets[e.topics].encoded,
		ValueXDR:                 base64.StdEncoding.EncodeToString(st.values.get(e.valueRef, e.valueLen)),
	}
	if s.takeCorrupt() {
		info.TopicXDR = slices.Clone(info.TopicXDR)
		if n := len(info.TopicXDR); n > 0 {
			info.TopicXDR[n-1] = malformedXDR
		}
		info.ValueXDR = malformedXDR
	}
	return info, true
}

// rejectJSONFormat rejects xdrFormat "json": this server encodes XDR as base64 only.
func rejectJSONFormat(format string) error {
	if format == protocol.FormatJSON {
		return &Error{Code: CodeInvalidParams, Message: `xdrFormat "json" is not supported by the sorobantest server: omit xdrFormat or send "base64"`}
	}
	return nil
}
