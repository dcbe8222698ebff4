package registry

import (
	"errors"
	"fmt"

	"github.com/stellar/go-stellar-sdk/xdr"
)

// Event is a decoded registry event. Which fields are set depends on Kind.
type Event struct {
	Kind            EventKind
	ModelID         uint64
	Risk            RiskLevel // inference_logged only
	EventID         uint64    // inference_logged and bias_flagged
	Operator        string    // strkey; model_registered and inference_logged
	Auditor         string    // strkey; bias_flagged
	PayloadHash     string    // 64 lower-case hex digits; inference_logged
	EvidenceHash    string    // 64 lower-case hex digits; bias_flagged
	Name, Version   string    // model_registered
	WeightsHash     string    // 64 lower-case hex digits; model_registered
	TrainingDataCID string    // model_registered
}

// ErrUnknownEvent is returned, wrapped, by DecodeEvent for a well-formed event whose first
// topic is a Symbol that names no registry event.
var ErrUnknownEvent = errors.New("not a ModelTrace registry event")

// eventTopicCount is the number of topics of every registry event: the name, model_id and
// one more #[topic] field.
const eventTopicCount = 3

// kindTopics maps the base64 first topic of each kind to the kind, so DecodeEvent recognises
// the name without decoding it.
var kindTopics = func() map[string]EventKind {
	topics := make(map[string]EventKind, len(EventKinds))
	for _, kind := range EventKinds {
		topics[TopicSymbol(kind)] = kind
	}
	return topics
}()

// TopicSymbol returns the base64 XDR ScVal Symbol(kind): the first topic of kind's events,
// for getEvents topic filters.
func TopicSymbol(kind EventKind) string {
	return mustMarshal(symbolVal(string(kind)))
}

// U64Topic returns the base64 XDR ScVal U64(v), such as a model_id topic filter segment.
func U64Topic(v uint64) string {
	return mustMarshal(u64Val(v))
}

// U32Topic returns the base64 XDR ScVal U32(v), such as a risk_level topic filter segment.
func U32Topic(v uint32) string {
	return mustMarshal(u32Val(v))
}

// mustMarshal encodes a value built in this package. Such a value always encodes, so an error
// here is a bug in the package.
func mustMarshal(v xdr.ScVal) string {
	s, err := xdr.MarshalBase64(v)
	if err != nil {
		panic(fmt.Sprintf("registry: encode %s ScVal: %v", typeName(v.Type), err))
	}
	return s
}

// DecodeEvent decodes a registry event from its base64 XDR topics and value, as getEvents
// returns them. It returns an error wrapping ErrUnknownEvent when the first topic is a Symbol
// that names no registry event, and a descriptive error for any malformed input.
func DecodeEvent(topics []string, value string) (Event, error) {
	if len(topics) == 0 {
		return Event{}, errors.New("decode event: no topics, want 3 (event name, model_id and one more)")
	}
	kind, err := decodeKind(topics[0])
	if err != nil {
		return Event{}, err
	}
	if len(topics) != eventTopicCount {
		return Event{}, fmt.Errorf("decode %s event: got %d topics, want %d", kind, len(topics), eventTopicCount)
	}

	d := getDecoder()
	defer d.release()
	second, third, body := &d.vals[0], &d.vals[1], &d.vals[2]
	if err := d.decode(topics[1], second); err != nil {
		return Event{}, fmt.Errorf("decode %s event: topic 1: %w", kind, err)
	}
	if err := d.decode(topics[2], third); err != nil {
		return Event{}, fmt.Errorf("decode %s event: topic 2: %w", kind, err)
	}
	if err := d.decode(value, body); err != nil {
		return Event{}, fmt.Errorf("decode %s event: value: %w", kind, err)
	}

	ev, err := decodeEventVals(kind, second, third, body)
	if err != nil {
		return Event{}, fmt.Errorf("decode %s event: %w", kind, err)
	}
	return ev, nil
}

// decodeKind returns the kind named by an event's first topic.
func decodeKind(topic string) (EventKind, error) {
	if kind, ok := kindTopics[topic]; ok {
		return kind, nil
	}

	d := getDecoder()
	defer d.release()
	v := &d.vals[0]
	if err := d.decode(topic, v); err != nil {
		return "", fmt.Errorf("decode event: topic 0: %w", err)
	}
	name, err := symbolOf(*v)
	if err != nil {
		return "", fmt.Errorf("decode event: topic 0 (event name): %w", err)
	}
	for _, kind := range EventKinds {
		if name == string(kind) {
			return kind, nil
		}
	}
	return "", fmt.Errorf("decode event %q: %w", name, ErrUnknownEvent)
}

func decodeEventVals(kind EventKind, second, third, body *xdr.ScVal) (Event, error) {
	ev := Event{Kind: kind}
	var err error
	if ev.ModelID, err = u64Of(*second); err != nil {
		return Event{}, fmt.Errorf("topic 1 (model_id): %w", err)
	}
	data, err := mapOf(*body)
	if err != nil {
		return Event{}, fmt.Errorf("value: %w", err)
	}
	r := fieldReader{m: data, what: "value"}

	switch kind {
	case KindModelRegistered:
		if ev.Operator, err = addressOf(*third); err != nil {
			return Event{}, fmt.Errorf("topic 2 (operator): %w", err)
		}
		ev.Name = readField(&r, "name", stringOf)
		ev.TrainingDataCID = readField(&r, "training_data_cid", stringOf)
		ev.Version = readField(&r, "version", stringOf)
		ev.WeightsHash = readField(&r, "weights_hash", hashOf)
	case KindInferenceLogged:
		risk, err := u32Of(*third)
		if err != nil {
			return Event{}, fmt.Errorf("topic 2 (risk_level): %w", err)
		}
		if ev.Risk = RiskLevel(risk); !ev.Risk.Valid() {
			return Event{}, fmt.Errorf("topic 2 (risk_level): %d is not a risk level (0 low to 3 critical)", risk)
		}
		ev.EventID = readField(&r, "event_id", u64Of)
		ev.Operator = readField(&r, "operator", addressOf)
		ev.PayloadHash = readField(&r, "payload_hash", hashOf)
	case KindBiasFlagged:
		if ev.Auditor, err = addressOf(*third); err != nil {
			return Event{}, fmt.Errorf("topic 2 (auditor): %w", err)
		}
		ev.EventID = readField(&r, "event_id", u64Of)
		ev.EvidenceHash = readField(&r, "evidence_hash", hashOf)
	}
	if r.err != nil {
		return Event{}, r.err
	}
	return ev, nil
}

// EncodeEvent encodes e as the contract's host emits it: base64 XDR topics and a value whose
// map keys are in the host's sorted order, byte-identical to getEvents output.
func EncodeEvent(e Event) (topics []string, value string, err error) {
	second, third, body, err := eventVals(e)
	if err != nil {
		return nil, "", fmt.Errorf("encode %s event of model %d: %w", e.Kind, e.ModelID, err)
	}

	topics = []string{TopicSymbol(e.Kind), mustMarshal(second), mustMarshal(third)}
	value, err = xdr.MarshalBase64(body)
	if err != nil {
		return nil, "", fmt.Errorf("encode %s event of model %d: %w", e.Kind, e.ModelID, err)
	}
	return topics, value, nil
}

// eventVals builds the second and third topics and the value of e. Map entries are listed
// in sorted key order because the host sorts map keys.
func eventVals(e Event) (second, third, body xdr.ScVal, err error) {
	second = u64Val(e.ModelID)
	var b valueBuilder
	switch e.Kind {
	case KindModelRegistered:
		third, err = addressVal("operator", e.Operator)
		b.add("name", stringVal(e.Name))
		b.add("training_data_cid", stringVal(e.TrainingDataCID))
		b.add("version", stringVal(e.Version))
		b.addHash("weights_hash", e.WeightsHash)
	case KindInferenceLogged:
		if !e.Risk.Valid() {
			err = fmt.Errorf("invalid risk level %d: want 0 (low) to 3 (critical)", uint32(e.Risk))
		}
		third = u32Val(uint32(e.Risk))
		b.add("event_id", u64Val(e.EventID))
		b.addAddress("operator", e.Operator)
		b.addHash("payload_hash", e.PayloadHash)
	case KindBiasFlagged:
		third, err = addressVal("auditor", e.Auditor)
		b.add("event_id", u64Val(e.EventID))
		b.addHash("evidence_hash", e.EvidenceHash)
	default:
		err = fmt.Errorf("invalid event kind %q: use model_registered, inference_logged or bias_flagged", e.Kind)
	}
	if err == nil {
		err = b.err
	}
	return second, third, mapVal(b.entries), err
}

// valueBuilder collects the entries of a struct-like ScMap and keeps the first error.
type valueBuilder struct {
	entries xdr.ScMap
	err     error
}

func (b *valueBuilder) add(name string, v xdr.ScVal) {
	b.entries = append(b.entries, xdr.ScMapEntry{Key: symbolVal(name), Val: v})
}

func (b *valueBuilder) addHash(name, hexHash string) {
	v, err := hashVal(name, hexHash)
	b.keep(err)
	b.add(name, v)
}

func (b *valueBuilder) addAddress(name, address string) {
	v, err := addressVal(name, address)
	b.keep(err)
	b.add(name, v)
}

func (b *valueBuilder) keep(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}
