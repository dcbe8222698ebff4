package registry

import (
	"fmt"

	"github.com/stellar/go-stellar-sdk/xdr"
)

// Header is the part of a registry event that its topics carry: the kind, model and risk level.
type Header struct {
	Kind    EventKind
	ModelID uint64
	Risk    RiskLevel // inference_logged only
}

// DecodeTopics decodes the topics of a registry event and not its value, which holds most of
// the event's bytes. Counting events by kind, model and risk level needs only the topics. It
// checks the topics as DecodeEvent does, so a malformed value goes unnoticed here.
func DecodeTopics(topics []string) (Header, error) {
	if len(topics) == 0 {
		return Header{}, fmt.Errorf("decode event: no topics, want %d (event name, model_id and one more)", eventTopicCount)
	}
	kind, err := decodeKind(topics[0])
	if err != nil {
		return Header{}, err
	}
	if len(topics) != eventTopicCount {
		return Header{}, fmt.Errorf("decode %s event: got %d topics, want %d", kind, len(topics), eventTopicCount)
	}

	d := getDecoder()
	defer d.release()
	second, third := &d.vals[0], &d.vals[1]
	if err := d.decode(topics[1], second); err != nil {
		return Header{}, fmt.Errorf("decode %s event: topic 1: %w", kind, err)
	}
	if err := d.decode(topics[2], third); err != nil {
		return Header{}, fmt.Errorf("decode %s event: topic 2: %w", kind, err)
	}

	h := Header{Kind: kind}
	if h.ModelID, err = u64Of(*second); err != nil {
		return Header{}, fmt.Errorf("decode %s event: topic 1 (model_id): %w", kind, err)
	}
	if kind != KindInferenceLogged {
		if third.Type != xdr.ScValTypeScvAddress {
			return Header{}, fmt.Errorf("decode %s event: topic 2: got %s, want Address", kind, typeName(third.Type))
		}
		return h, nil
	}
	risk, err := u32Of(*third)
	if err != nil {
		return Header{}, fmt.Errorf("decode %s event: topic 2 (risk_level): %w", kind, err)
	}
	if h.Risk = RiskLevel(risk); !h.Risk.Valid() {
		return Header{}, fmt.Errorf("decode %s event: topic 2 (risk_level): %d is not a risk level (0 low to 3 critical)", kind, risk)
	}
	return h, nil
}
