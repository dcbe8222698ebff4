package registry

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Strkeys and hashes taken from the scenario fixture.
const (
	operatorKey = "GDHV434GESQHPBOZ7WSHQQZUSH7GQYFVVIDECYFALF5RLWQY4R4RGLOJ"
	auditorKey  = "GCS4JQLPHPAKLXBIHIGFAG7V55MGWKCG5WVI2IQ5XZPFFY5PAZ7WQNKR"
	contractKey = "CBG7JOC27MD5UDSFPYAHE3HUSLZP6HPZJNV2Z37UKVMOTWHNHWALZWLL"
	hashA       = "f932ff693283aaa5f5d4e568734fcb3b480e4e1960a9baea53b462da2e560568"
	hashB       = "5e9218a68c0d58f9f9c7c447ca8fb2610dc4735a0623f9103639b9566acdfcbe"
)

func sampleEvents() map[EventKind]Event {
	return map[EventKind]Event{
		KindModelRegistered: {
			Kind: KindModelRegistered, ModelID: 1, Operator: operatorKey,
			Name: "fraud-scorer", Version: "2.1.0", WeightsHash: hashA,
			TrainingDataCID: "bafkreifaqcawrd4dhp523dhaslp2enot7qy326kkw4fh4hnqqed663rerm",
		},
		KindInferenceLogged: {
			Kind: KindInferenceLogged, ModelID: 4, Risk: RiskMedium, EventID: 1,
			Operator: operatorKey, PayloadHash: hashB,
		},
		KindBiasFlagged: {
			Kind: KindBiasFlagged, ModelID: 3, EventID: 36, Auditor: auditorKey, EvidenceHash: hashA,
		},
	}
}

func TestEventRoundTrip(t *testing.T) {
	cases := []struct {
		name   string
		event  Event
		topics []string
		value  string
	}{
		{
			name:  "model_registered",
			event: sampleEvents()[KindModelRegistered],
			topics: []string{
				"AAAADwAAABBtb2RlbF9yZWdpc3RlcmVk",
				"AAAABQAAAAAAAAAB",
				"AAAAEgAAAAAAAAAAz15vhiSgd4XZ/aR4QzSR/mhgtaoGQWCgWXsV2hjkeRM=",
			},
			value: "AAAAEQAAAAEAAAAEAAAADwAAAARuYW1lAAAADgAAAAxmcmF1ZC1zY29yZXIAAAAPAAAAEXRyYWluaW5nX2RhdGFfY2lkAAAAAAAADgAAADtiYWZrcmVpZmFxY2F3cmQ0ZGhwNTIzZGhhc2xwMmVub3Q3cXkzMjZra3c0Zmg0aG5xcWVkNjYzcmVybQAAAAAPAAAAB3ZlcnNpb24AAAAADgAAAAUyLjEuMAAAAAAAAA8AAAAMd2VpZ2h0c19oYXNoAAAADQAAACD5Mv9pMoOqpfXU5WhzT8s7SA5OGWCpuupTtGLaLlYFaA==",
		},
		{
			name:   "inference_logged",
			event:  sampleEvents()[KindInferenceLogged],
			topics: []string{"AAAADwAAABBpbmZlcmVuY2VfbG9nZ2Vk", "AAAABQAAAAAAAAAE", "AAAAAwAAAAE="},
			value:  "AAAAEQAAAAEAAAADAAAADwAAAAhldmVudF9pZAAAAAUAAAAAAAAAAQAAAA8AAAAIb3BlcmF0b3IAAAASAAAAAAAAAADPXm+GJKB3hdn9pHhDNJH+aGC1qgZBYKBZexXaGOR5EwAAAA8AAAAMcGF5bG9hZF9oYXNoAAAADQAAACBekhimjA1Y+fnHxEfKj7JhDcRzWgYj+RA2OblWas38vg==",
		},
		{
			name:  "bias_flagged",
			event: sampleEvents()[KindBiasFlagged],
			topics: []string{
				"AAAADwAAAAxiaWFzX2ZsYWdnZWQ=",
				"AAAABQAAAAAAAAAD",
				"AAAAEgAAAAAAAAAApcTBbzvApdwoOgxQG/XvWGsoRu2qjSIdvl5S468Gf2g=",
			},
			value: "AAAAEQAAAAEAAAACAAAADwAAAAhldmVudF9pZAAAAAUAAAAAAAAAJAAAAA8AAAANZXZpZGVuY2VfaGFzaAAAAAAAAA0AAAAg+TL/aTKDqqX11OVoc0/LO0gOThlgqbrqU7Ri2i5WBWg=",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topics, value, err := EncodeEvent(tc.event)
			require.NoError(t, err)
			assert.Equal(t, tc.topics, topics)
			assert.Equal(t, tc.value, value)

			got, err := DecodeEvent(tc.topics, tc.value)
			require.NoError(t, err)
			assert.Equal(t, tc.event, got)
		})
	}
}

func TestEventRoundTripEveryRisk(t *testing.T) {
	for _, risk := range RiskLevels {
		t.Run(risk.String(), func(t *testing.T) {
			ev := sampleEvents()[KindInferenceLogged]
			ev.Risk = risk
			topics, value, err := EncodeEvent(ev)
			require.NoError(t, err)
			assert.Equal(t, U32Topic(uint32(risk)), topics[2])

			got, err := DecodeEvent(topics, value)
			require.NoError(t, err)
			assert.Equal(t, risk, got.Risk)
			assert.Equal(t, ev, got)
		})
	}
}

func TestEventAddressKinds(t *testing.T) {
	cases := map[string]string{
		"account":  operatorKey,
		"contract": contractKey,
		"muxed":    "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ",
	}
	for name, address := range cases {
		t.Run(name, func(t *testing.T) {
			ev := sampleEvents()[KindBiasFlagged]
			ev.Auditor = address
			topics, value, err := EncodeEvent(ev)
			require.NoError(t, err)

			got, err := DecodeEvent(topics, value)
			require.NoError(t, err)
			assert.Equal(t, address, got.Auditor)
		})
	}
}

func TestTopicHelpers(t *testing.T) {
	assert.Equal(t, "AAAADwAAABBpbmZlcmVuY2VfbG9nZ2Vk", TopicSymbol(KindInferenceLogged))
	assert.Equal(t, "AAAABQAAAAAAAAAE", U64Topic(4))
	assert.Equal(t, "AAAABf//////////", U64Topic(^uint64(0)))
	assert.Equal(t, "AAAAAwAAAAI=", U32Topic(2))
}

func TestEncodeEventErrors(t *testing.T) {
	events := sampleEvents()
	badRisk := events[KindInferenceLogged]
	badRisk.Risk = 4
	badOperator := events[KindModelRegistered]
	badOperator.Operator = "GABC"
	seed := events[KindInferenceLogged]
	seed.Operator = "SBK2VIYYSVG76E7VC3QHYARNFLY2EAQXDHRC7BMXBBGIFG74ARPRMNQM"
	shortHash := events[KindBiasFlagged]
	shortHash.EvidenceHash = "abcd"
	unknown := Event{Kind: "model_retired", ModelID: 2}

	cases := []struct {
		name  string
		event Event
		want  string
	}{
		{"risk out of range", badRisk, "encode inference_logged event of model 4: invalid risk level 4: want 0 (low) to 3 (critical)"},
		{"bad operator", badOperator, `encode model_registered event of model 1: invalid operator "GABC": strkey is 4 bytes long; minimum valid length is 5`},
		{"seed as operator", seed, `encode inference_logged event of model 4: invalid operator "SBK2VIYYSVG76E7VC3QHYARNFLY2EAQXDHRC7BMXBBGIFG74ARPRMNQM": not an account (G…), contract (C…) or muxed account (M…) strkey`},
		{"short hash", shortHash, `encode bias_flagged event of model 3: invalid evidence_hash "abcd": want 64 hex digits`},
		{"unknown kind", unknown, `encode model_retired event of model 2: invalid event kind "model_retired": use model_registered, inference_logged or bias_flagged`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topics, value, err := EncodeEvent(tc.event)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.Nil(t, topics)
			assert.Empty(t, value)
		})
	}
}

func TestDecodeEventUnknown(t *testing.T) {
	ev := sampleEvents()[KindInferenceLogged]
	topics, value, err := EncodeEvent(ev)
	require.NoError(t, err)
	topics[0] = mustMarshal(symbolVal("model_retired"))

	_, err = DecodeEvent(topics, value)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrUnknownEvent))
	assert.Equal(t, `decode event "model_retired": not a ModelTrace registry event`, err.Error())
}

func TestDecodeEventSlowKindPath(t *testing.T) {
	// A Symbol topic encoded with non-canonical base64 padding bits still names the kind.
	ev := sampleEvents()[KindBiasFlagged]
	topics, value, err := EncodeEvent(ev)
	require.NoError(t, err)
	topics[0] = "AAAADwAAAAxiaWFzX2ZsYWdnZWR="
	require.NotEqual(t, TopicSymbol(KindBiasFlagged), topics[0])

	got, err := DecodeEvent(topics, value)
	require.NoError(t, err)
	assert.Equal(t, ev, got)
}

// withMap re-encodes an event value with edit applied to its map entries.
func withMap(t *testing.T, value string, edit func(xdr.ScMap) xdr.ScMap) string {
	t.Helper()
	var v xdr.ScVal
	require.NoError(t, xdr.SafeUnmarshalBase64(value, &v))
	return mustMarshal(mapVal(edit(**v.Map)))
}

func TestDecodeEventConcurrent(t *testing.T) {
	topics, value, err := EncodeEvent(sampleEvents()[KindInferenceLogged])
	require.NoError(t, err)

	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 200 {
				got, err := DecodeEvent(topics, value)
				if err == nil && got != sampleEvents()[KindInferenceLogged] {
					err = fmt.Errorf("decoded %+v", got)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}
