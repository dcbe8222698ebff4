package registry

import (
	"testing"
)

// encodedEvent is an event in its getEvents form.
type encodedEvent struct {
	topics []string
	value  string
}

func encodeAll(b *testing.B, events []Event) []encodedEvent {
	out := make([]encodedEvent, len(events))
	for i, ev := range events {
		topics, value, err := EncodeEvent(ev)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = encodedEvent{topics: topics, value: value}
	}
	return out
}

// BenchmarkDecodeEvent measures DecodeEvent per event kind and over the scenario fixture's mix
// of kinds, and reports events decoded per second.
func BenchmarkDecodeEvent(b *testing.B) {
	cases := map[string][]encodedEvent{
		"model_registered": encodeAll(b, []Event{sampleEvents()[KindModelRegistered]}),
		"inference_logged": encodeAll(b, []Event{sampleEvents()[KindInferenceLogged]}),
		"bias_flagged":     encodeAll(b, []Event{sampleEvents()[KindBiasFlagged]}),
	}
	var mix []encodedEvent
	for _, fe := range loadScenario(b).Events {
		mix = append(mix, encodedEvent{topics: fe.Topics, value: fe.Value})
	}
	cases["scenario"] = mix

	for _, name := range []string{"model_registered", "inference_logged", "bias_flagged", "scenario"} {
		events := cases[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				ev := events[n%len(events)]
				if _, err := DecodeEvent(ev.topics, ev.value); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkDecodeTopics measures DecodeTopics over the scenario fixture's events, the path
// that counting takes.
func BenchmarkDecodeTopics(b *testing.B) {
	events := loadScenario(b).Events
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := DecodeTopics(events[n%len(events)].Topics); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
