package plugin

import (
	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// maxTopicFilters is the number of topic filters one getEvents request can carry: 5 filters
// of 5 topic filters each.
const maxTopicFilters = 5 * 5

const anyTopic = "*"

// eventFilters builds getEvents filters for q over the given event kinds. Model and risk
// filters run on the RPC server when their combinations fit in one request. Otherwise the
// filter widens to a wildcard and the handler filters the decoded events itself.
func eventFilters(contractID string, kinds []registry.EventKind, q Query) []soroban.Filter {
	narrow := topicsFor(kinds, q, true, true)
	if len(narrow) <= maxTopicFilters {
		return packFilters(contractID, narrow)
	}
	byModel := topicsFor(kinds, q, true, false)
	if len(byModel) <= maxTopicFilters {
		return packFilters(contractID, byModel)
	}
	byRisk := topicsFor(kinds, q, false, true)
	if len(byRisk) <= maxTopicFilters {
		return packFilters(contractID, byRisk)
	}
	return packFilters(contractID, topicsFor(kinds, q, false, false))
}

func topicsFor(kinds []registry.EventKind, q Query, useModels, useRisk bool) [][]string {
	models := []string{anyTopic}
	if useModels && len(q.ModelIDs) > 0 {
		models = models[:0]
		for _, id := range q.ModelIDs {
			models = append(models, registry.U64Topic(id))
		}
	}

	var topics [][]string
	for _, kind := range kinds {
		third := []string{anyTopic}
		if kind == registry.KindInferenceLogged && useRisk && q.MinRisk > registry.RiskLow {
			third = third[:0]
			for _, level := range registry.RiskLevels {
				if level >= q.MinRisk {
					third = append(third, registry.U32Topic(uint32(level)))
				}
			}
		}
		for _, model := range models {
			for _, last := range third {
				topics = append(topics, []string{registry.TopicSymbol(kind), model, last})
			}
		}
	}
	return topics
}

// packFilters groups topic filters five to a filter, as getEvents allows.
func packFilters(contractID string, topics [][]string) []soroban.Filter {
	var filters []soroban.Filter
	for start := 0; start < len(topics); start += 5 {
		end := min(start+5, len(topics))
		filters = append(filters, soroban.Filter{ContractIDs: []string{contractID}, Topics: topics[start:end]})
	}
	return filters
}

// accepts reports whether a decoded event passes q's model and risk filters.
func (q Query) accepts(ev registry.Event) bool {
	if !q.wantsModel(ev.ModelID) {
		return false
	}
	if ev.Kind == registry.KindInferenceLogged && ev.Risk < q.MinRisk {
		return false
	}
	return true
}

// acceptsRecord applies q's model and risk filters to an index record.
func (q Query) acceptsRecord(r index.Record) bool {
	if !q.wantsModel(r.ModelID) {
		return false
	}
	if r.Kind == index.KindInferenceLogged && r.Risk < q.MinRisk {
		return false
	}
	return true
}
