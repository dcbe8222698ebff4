// Package registrystub mirrors the agreed pkg/registry API until that package compiles.
// Its encoding is JSON, not XDR.
// TODO: delete once pkg/index imports pkg/registry.
package registrystub

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// EventKind names a registry event.
type EventKind string

// Registry event kinds.
const (
	KindModelRegistered EventKind = "model_registered"
	KindInferenceLogged EventKind = "inference_logged"
	KindBiasFlagged     EventKind = "bias_flagged"
)

// EventKinds lists every kind.
var EventKinds = []EventKind{KindModelRegistered, KindInferenceLogged, KindBiasFlagged}

// RiskLevel is an inference risk level.
type RiskLevel uint32

// Risk levels.
const (
	RiskLow RiskLevel = iota
	RiskMedium
	RiskHigh
	RiskCritical
)

// Event is a decoded registry event.
type Event struct {
	Kind            EventKind
	ModelID         uint64
	Risk            RiskLevel
	EventID         uint64
	Operator        string
	Auditor         string
	PayloadHash     string
	EvidenceHash    string
	Name, Version   string
	WeightsHash     string
	TrainingDataCID string
}

// ErrUnknownEvent marks an event whose name is not a registry event.
var ErrUnknownEvent = errors.New("unknown event")

// TopicSymbol returns the first topic for kind.
func TopicSymbol(kind EventKind) string {
	return base64.StdEncoding.EncodeToString([]byte("sym:" + string(kind)))
}

// EncodeEvent encodes e.
func EncodeEvent(e Event) ([]string, string, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, "", err
	}
	return []string{TopicSymbol(e.Kind), "*", "*"}, base64.StdEncoding.EncodeToString(body), nil
}

// DecodeEvent decodes an event encoded by EncodeEvent.
func DecodeEvent(topics []string, value string) (Event, error) {
	if len(topics) == 0 {
		return Event{}, errors.New("no topics")
	}
	known := false
	for _, k := range EventKinds {
		if topics[0] == TopicSymbol(k) {
			known = true
		}
	}
	if !known {
		return Event{}, fmt.Errorf("topic %q: %w", topics[0], ErrUnknownEvent)
	}
	body, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return Event{}, err
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return Event{}, err
	}
	return e, nil
}
