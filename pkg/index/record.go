package index

import (
	"errors"
	"math"
	"unsafe"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// Kind is the one-byte form of a registry event name.
type Kind uint8

// Kinds of delivered records. Events that fail to decode are stored as kindMalformed or
// kindUnknown so that every cached range can report their exact count, but they are never
// delivered.
const (
	KindModelRegistered Kind = 1
	KindInferenceLogged Kind = 2
	KindBiasFlagged     Kind = 3

	kindUnknown   Kind = 254
	kindMalformed Kind = 255
)

// EventKind returns the registry name of k, or "" for a kind the registry does not define.
func (k Kind) EventKind() registry.EventKind {
	switch k {
	case KindModelRegistered:
		return registry.KindModelRegistered
	case KindInferenceLogged:
		return registry.KindInferenceLogged
	case KindBiasFlagged:
		return registry.KindBiasFlagged
	}
	return ""
}

// String returns the registry name of k.
func (k Kind) String() string {
	if name := k.EventKind(); name != "" {
		return string(name)
	}
	return "unknown"
}

func kindOf(name registry.EventKind) (Kind, bool) {
	switch name {
	case registry.KindModelRegistered:
		return KindModelRegistered, true
	case registry.KindInferenceLogged:
		return KindInferenceLogged, true
	case registry.KindBiasFlagged:
		return KindBiasFlagged, true
	}
	return 0, false
}

// Record is one registry event as the index delivers it.
type Record struct {
	Ledger    uint32
	CloseTime int64 // unix seconds
	Kind      Kind
	Risk      registry.RiskLevel // inference_logged only, otherwise 0
	ModelID   uint64
	// Raw holds the event's full fields when the index kept them, otherwise nil: for the
	// newest Options.KeepRawNewest cached events and for every streamed event. A query that
	// scans new ledgers may also see the raws of older events, read before its scan.
	// Raw is shared with the cache and must not be modified.
	Raw *Raw
}

// Raw is the part of an event that aggregates do not need: the ids and the decoded body.
type Raw struct {
	ID     string // event id, "<TOID>-<index>"
	TxHash string
	Event  registry.Event
}

// compact is the cached form of a Record: 24 bytes on 64-bit platforms.
type compact struct {
	modelID   uint64
	ledger    uint32
	closeTime uint32 // unix seconds; uint32 holds close times until the year 2106
	kind      Kind
	risk      uint8
}

// Size estimates used for Options.MaxBytes. They count the Go values, not allocator overhead.
const (
	recordBytes  = int64(unsafe.Sizeof(compact{}))
	rawBaseBytes = int64(unsafe.Sizeof(Raw{}))
	segmentBytes = int64(unsafe.Sizeof(segment{})) + 64 // plus its slot in the segment list
)

func rawBytes(r *Raw) int64 {
	e := &r.Event
	strings := len(r.ID) + len(r.TxHash) + len(e.Operator) + len(e.Auditor) +
		len(e.PayloadHash) + len(e.EvidenceHash) + len(e.Name) + len(e.Version) +
		len(e.WeightsHash) + len(e.TrainingDataCID)
	return rawBaseBytes + int64(strings)
}

// decodeRecord turns an event into its compact record. It reads only the topics, which carry
// the kind, model and risk level, because the value is most of the decoding work and counts
// do not need it. An event whose value is malformed is therefore counted, and only decodeRaw,
// which event tables use, rejects it.
func decodeRecord(ev soroban.Event) compact {
	rec := compact{ledger: ev.Ledger, closeTime: closeTimeOf(ev), kind: kindMalformed}

	header, err := registry.DecodeTopics(ev.Topics)
	switch {
	case errors.Is(err, registry.ErrUnknownEvent):
		rec.kind = kindUnknown
		return rec
	case err != nil:
		return rec
	}

	kind, ok := kindOf(header.Kind)
	if !ok {
		rec.kind = kindUnknown
		return rec
	}
	rec.kind = kind
	rec.risk = uint8(header.Risk)
	rec.modelID = header.ModelID
	return rec
}

// decodeRaw decodes the whole event for event tables. It returns nil when the event does not
// decode.
func decodeRaw(ev soroban.Event) *Raw {
	decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
	if err != nil {
		return nil
	}
	return &Raw{ID: ev.ID, TxHash: ev.TxHash, Event: decoded}
}

func closeTimeOf(ev soroban.Event) uint32 {
	unix := ev.ClosedAt.Unix()
	if unix < 0 || unix > math.MaxUint32 {
		return 0
	}
	return uint32(unix)
}

func (c *compact) record(raw *Raw) Record {
	return Record{
		Ledger:    c.ledger,
		CloseTime: int64(c.closeTime),
		Kind:      c.kind,
		Risk:      registry.RiskLevel(c.risk),
		ModelID:   c.modelID,
		Raw:       raw,
	}
}
