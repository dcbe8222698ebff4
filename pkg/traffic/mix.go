package traffic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Default risk mixes. DefaultRiskMix keeps high and critical at 1 % of inferences, below the
// 5 % of the bundled alert rule, and DefaultSpikeMix raises them to 25 % so a spike fires it.
const (
	DefaultRiskMix  = "low:80,medium:19,high:0.7,critical:0.3"
	DefaultSpikeMix = "low:55,medium:20,high:18,critical:7"
)

// RiskMix holds the relative weight of each risk level, indexed by level.
type RiskMix [4]float64

// ParseRiskMix reads "low:70,medium:20,high:7,critical:3". Levels left out get weight 0 and
// the weights need not add up to 100. Weights must be finite and 0 or more.
func ParseRiskMix(text string) (RiskMix, error) {
	var mix RiskMix
	total := 0.0
	for _, part := range strings.Split(text, ",") {
		name, weightText, ok := strings.Cut(strings.TrimSpace(part), ":")
		level := riskIndex(strings.TrimSpace(name))
		weight, err := strconv.ParseFloat(strings.TrimSpace(weightText), 64)
		if !ok || level < 0 || err != nil || !(weight >= 0) || math.IsInf(weight, 0) {
			return mix, fmt.Errorf("invalid risk mix entry %q: use level:weight with levels %v, e.g. %q", part, RiskNames, DefaultRiskMix)
		}
		mix[level] = weight
		total += weight
	}
	if total <= 0 {
		return mix, fmt.Errorf("invalid risk mix %q: at least one weight must be above 0", text)
	}
	return mix, nil
}

// Pick draws a risk level with probability proportional to its weight.
func (m RiskMix) Pick(random *rand.Rand) uint32 {
	total := m[0] + m[1] + m[2] + m[3]
	point := random.Float64() * total
	for level, weight := range m {
		if point < weight {
			return uint32(level)
		}
		point -= weight
	}
	return RiskCritical
}

func riskIndex(name string) int {
	for i, known := range RiskNames {
		if strings.EqualFold(name, known) {
			return i
		}
	}
	return -1
}

// mixAt returns the risk mix of a call made elapsed after the run started: SpikeMix during the
// last SpikeFor of every SpikeEvery period, else RiskMix. The first spike therefore starts
// SpikeEvery - SpikeFor after the start, so a new run begins with normal traffic.
func (p Plan) mixAt(elapsed time.Duration) (RiskMix, bool) {
	if p.SpikeEvery <= 0 || p.SpikeFor <= 0 {
		return p.RiskMix, false
	}
	if elapsed%p.SpikeEvery >= p.SpikeEvery-p.SpikeFor {
		return p.SpikeMix, true
	}
	return p.RiskMix, false
}

// highShare returns the percentage of weight on high and critical.
func (m RiskMix) highShare() float64 {
	return 100 * (m[RiskHigh] + m[RiskCritical]) / (m[0] + m[1] + m[2] + m[3])
}
