package plugin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// Stream kinds: the first segment of a Live channel path.
const (
	streamEvents = "events"
	streamRisk   = "risk"
)

// streamSpec is a parsed Live channel path: "events" or "risk", then optional
// "models-1-2" and "risk-high" segments.
type streamSpec struct {
	Kind     string
	ModelIDs []uint64
	MinRisk  registry.RiskLevel
}

// path returns the canonical channel path of s.
func (s streamSpec) path() string {
	parts := []string{s.Kind}
	if len(s.ModelIDs) > 0 {
		ids := make([]string, len(s.ModelIDs))
		for i, id := range s.ModelIDs {
			ids[i] = strconv.FormatUint(id, 10)
		}
		parts = append(parts, "models-"+strings.Join(ids, "-"))
	}
	if s.MinRisk > registry.RiskLow {
		parts = append(parts, "risk-"+s.MinRisk.String())
	}
	return strings.Join(parts, "/")
}

// parseStreamPath parses a channel path written by streamSpec.path.
func parseStreamPath(path string) (streamSpec, error) {
	segments := strings.Split(path, "/")
	spec := streamSpec{Kind: segments[0]}
	if spec.Kind != streamEvents && spec.Kind != streamRisk {
		return streamSpec{}, fmt.Errorf("unknown stream %q: use a path starting with %q or %q", path, streamEvents, streamRisk)
	}

	for _, segment := range segments[1:] {
		switch {
		case strings.HasPrefix(segment, "models-"):
			ids, err := parseModelIDs(strings.Split(strings.TrimPrefix(segment, "models-"), "-"))
			if err != nil {
				return streamSpec{}, fmt.Errorf("invalid stream path %q: %w", path, err)
			}
			spec.ModelIDs = ids
		case strings.HasPrefix(segment, "risk-"):
			level, err := registry.ParseRiskLevel(strings.TrimPrefix(segment, "risk-"))
			if err != nil {
				return streamSpec{}, fmt.Errorf("invalid stream path %q: %w", path, err)
			}
			spec.MinRisk = level
		default:
			return streamSpec{}, fmt.Errorf("invalid stream path %q: unknown segment %q", path, segment)
		}
	}
	return spec, nil
}

// query returns the Query whose filters the stream applies.
func (s streamSpec) query() Query {
	kinds := registry.EventKinds
	if s.Kind == streamRisk {
		kinds = []registry.EventKind{registry.KindInferenceLogged}
	}
	return Query{Type: s.Kind, ModelIDs: s.ModelIDs, MinRisk: s.MinRisk, EventKinds: kinds}
}
