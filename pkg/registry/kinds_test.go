package registry

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRiskLevel(t *testing.T) {
	cases := []struct {
		in   string
		want RiskLevel
	}{
		{"low", RiskLow},
		{"medium", RiskMedium},
		{"high", RiskHigh},
		{"critical", RiskCritical},
		{"HIGH", RiskHigh},
		{" Critical ", RiskCritical},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRiskLevel(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseRiskLevelErrors(t *testing.T) {
	for _, in := range []string{"", "severe", "2", "high-ish"} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseRiskLevel(in)
			require.Error(t, err)
			assert.Equal(t, `invalid risk level "`+in+`": use low, medium, high or critical`, err.Error())
			assert.Equal(t, RiskLow, got)
		})
	}
}

func TestRiskLevelString(t *testing.T) {
	assert.Equal(t, "low", RiskLow.String())
	assert.Equal(t, "medium", RiskMedium.String())
	assert.Equal(t, "high", RiskHigh.String())
	assert.Equal(t, "critical", RiskCritical.String())
	assert.Equal(t, "risk_4", RiskLevel(4).String())
	assert.Equal(t, "risk_4294967295", RiskLevel(1<<32-1).String())
}

func TestRiskLevelIsHigh(t *testing.T) {
	assert.False(t, RiskLow.IsHigh())
	assert.False(t, RiskMedium.IsHigh())
	assert.True(t, RiskHigh.IsHigh())
	assert.True(t, RiskCritical.IsHigh())
	assert.False(t, RiskLevel(4).IsHigh())
}

func TestRiskLevelsOrder(t *testing.T) {
	assert.Equal(t, []RiskLevel{0, 1, 2, 3}, RiskLevels)
	for _, r := range RiskLevels {
		parsed, err := ParseRiskLevel(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, parsed)
	}
}

func TestParseEventKind(t *testing.T) {
	cases := []struct {
		in   string
		want EventKind
	}{
		{"model_registered", KindModelRegistered},
		{"inference_logged", KindInferenceLogged},
		{"bias_flagged", KindBiasFlagged},
		{"Bias_Flagged", KindBiasFlagged},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseEventKind(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	assert.Equal(t, []EventKind{KindModelRegistered, KindInferenceLogged, KindBiasFlagged}, EventKinds)
}

func TestParseEventKindErrors(t *testing.T) {
	for _, in := range []string{"", "inference", "model registered"} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseEventKind(in)
			require.Error(t, err)
			assert.Equal(t, `invalid event kind "`+in+`": use model_registered, inference_logged or bias_flagged`, err.Error())
			assert.Equal(t, EventKind(""), got)
		})
	}
}
