package registry

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeTopicsMatchesDecodeEvent(t *testing.T) {
	for i, fe := range loadScenario(t).Events {
		full, err := DecodeEvent(fe.Topics, fe.Value)
		require.NoError(t, err, "event %d", i)

		header, err := DecodeTopics(fe.Topics)

		require.NoError(t, err, "event %d", i)
		assert.Equal(t, Header{Kind: full.Kind, ModelID: full.ModelID, Risk: full.Risk}, header, "event %d", i)
	}
}

func TestDecodeTopicsIgnoresValue(t *testing.T) {
	topics, _, err := EncodeEvent(sampleEvents()[KindInferenceLogged])
	require.NoError(t, err)

	header, err := DecodeTopics(topics)

	require.NoError(t, err)
	assert.Equal(t, Header{Kind: KindInferenceLogged, ModelID: 4, Risk: RiskMedium}, header)
	_, err = DecodeEvent(topics, "AAAA")
	assert.Error(t, err, "the same topics with a malformed value fail DecodeEvent")
}

func TestDecodeTopicsErrors(t *testing.T) {
	inference, _, err := EncodeEvent(sampleEvents()[KindInferenceLogged])
	require.NoError(t, err)
	flag, _, err := EncodeEvent(sampleEvents()[KindBiasFlagged])
	require.NoError(t, err)
	symbol := TopicSymbol(KindInferenceLogged)

	cases := map[string]struct {
		topics []string
		want   string
	}{
		"no topics":           {nil, "decode event: no topics, want 3 (event name, model_id and one more)"},
		"two topics":          {inference[:2], "decode inference_logged event: got 2 topics, want 3"},
		"bad base64":          {[]string{symbol, "!!", inference[2]}, "decode inference_logged event: topic 1: invalid base64: illegal base64 data at input byte 0"},
		"model not u64":       {[]string{symbol, inference[2], inference[2]}, "decode inference_logged event: topic 1 (model_id): got U32, want U64"},
		"risk too high":       {[]string{symbol, inference[1], U32Topic(7)}, "decode inference_logged event: topic 2 (risk_level): 7 is not a risk level (0 low to 3 critical)"},
		"auditor not address": {[]string{flag[0], flag[1], U32Topic(1)}, "decode bias_flagged event: topic 2: got U32, want Address"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeTopics(tc.topics)

			require.EqualError(t, err, tc.want)
		})
	}
}
