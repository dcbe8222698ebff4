package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// streamEnv is a datasource polling a test RPC server whose chain a generator extends.
type streamEnv struct {
	ds         *Datasource
	server     *sorobantest.Server
	gen        *sorobantest.Generator
	history    []sorobantest.StoredEvent // every event added so far, in chain order
	closeTimes map[uint32]time.Time
}

func newStreamEnv(t *testing.T) *streamEnv {
	t.Helper()
	gen, err := sorobantest.NewGenerator(sorobantest.GeneratorOptions{
		Seed: 7, Models: 3, EventsPerLedger: 6, BiasRate: 0.2,
	})
	require.NoError(t, err)
	server := sorobantest.NewServer(sorobantest.Config{})
	env := &streamEnv{server: server, gen: gen, closeTimes: map[uint32]time.Time{}}
	env.addLedgers(t, 5)

	httpServer := httptest.NewServer(server)
	t.Cleanup(httpServer.Close)
	settings := Settings{
		RPCURL:             httpServer.URL,
		Network:            "local",
		NetworkPassphrase:  PassphraseLocal,
		RegistryContractID: gen.ContractID(),
		Timeout:            5 * time.Second,
		MaxEventsPerQuery:  defaultMaxEventsPerQuery,
		LivePollInterval:   10 * time.Millisecond,
	}
	env.ds = NewDatasourceWithHTTPClient(settings, &http.Client{Timeout: settings.Timeout})
	env.ds.rpc = soroban.NewClient(httpServer.URL, nil, soroban.Options{RetryBaseDelay: time.Millisecond})
	t.Cleanup(env.ds.Dispose)
	return env
}

// addLedgers closes n generated ledgers and returns their events in chain order.
func (e *streamEnv) addLedgers(t *testing.T, n int) []sorobantest.StoredEvent {
	t.Helper()
	var events []sorobantest.StoredEvent
	for range n {
		block, err := e.gen.NextLedger()
		require.NoError(t, err)
		require.NoError(t, e.server.AddBlock(block))
		events = append(events, block.Events...)
		e.closeTimes[block.Sequence] = block.CloseTime
	}
	e.history = append(e.history, events...)
	return events
}

func (e *streamEnv) allEvents() []sorobantest.StoredEvent { return e.history }

// streamRecorder collects the frames a stream sends.
type streamRecorder struct {
	mu     sync.Mutex
	frames []*data.Frame
}

func (r *streamRecorder) Send(packet *backend.StreamPacket) error {
	var frame data.Frame
	if err := json.Unmarshal(packet.Data, &frame); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames = append(r.frames, &frame)
	return nil
}

func (r *streamRecorder) sent() []*data.Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*data.Frame(nil), r.frames...)
}

// eventIDs returns the event_id column of every events frame sent so far, in send order.
func (r *streamRecorder) eventIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, frame := range r.sent() {
		field, _ := frame.FieldByName("event_id")
		require.NotNil(t, field, "events frame has no event_id field")
		for i := range field.Len() {
			ids = append(ids, field.At(i).(string))
		}
	}
	return ids
}

// runStream starts RunStream on path and returns the recorder, a cancel function and the
// channel that receives RunStream's result.
func (e *streamEnv) runStream(t *testing.T, path string) (*streamRecorder, context.CancelFunc, <-chan error) {
	t.Helper()
	recorder := &streamRecorder{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	calls := e.server.Calls(protocol.GetEventsMethodName)
	go func() {
		done <- e.ds.RunStream(ctx, &backend.RunStreamRequest{Path: path}, backend.NewStreamSender(recorder))
	}()
	// The first getEvents call comes after the stream has placed its cursor.
	require.Eventually(t, func() bool {
		return e.server.Calls(protocol.GetEventsMethodName) > calls
	}, 5*time.Second, time.Millisecond, "stream never polled for events")
	return recorder, cancel, done
}

func eventID(ev sorobantest.StoredEvent) string {
	return protocol.Cursor{Ledger: ev.Ledger, Tx: ev.TxIndex, Op: ev.OpIndex, Event: ev.EventIndex}.String()
}

func eventIDsOf(events []sorobantest.StoredEvent, keep func(registry.Event) bool, t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, ev := range events {
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		require.NoError(t, err)
		if keep(decoded) {
			ids = append(ids, eventID(ev))
		}
	}
	return ids
}

func waitStopped(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(2 * time.Second):
		t.Fatal("RunStream did not return within 2s of cancellation")
	}
}

func TestStreamSendsOnlyNewEventsOnce(t *testing.T) {
	env := newStreamEnv(t)
	recorder, cancel, done := env.runStream(t, "events")

	added := env.addLedgers(t, 3)
	want := eventIDsOf(added, func(registry.Event) bool { return true }, t)
	require.Len(t, want, 18)
	require.Eventually(t, func() bool { return len(recorder.eventIDs(t)) >= len(want) },
		5*time.Second, 5*time.Millisecond)
	waitStopped(t, cancel, done)

	assert.Equal(t, want, recorder.eventIDs(t))
}

func TestStreamResumesAfterOutage(t *testing.T) {
	env := newStreamEnv(t)
	recorder, cancel, done := env.runStream(t, "events")

	before := env.addLedgers(t, 2)
	require.Eventually(t, func() bool { return len(recorder.eventIDs(t)) == len(before) },
		5*time.Second, 5*time.Millisecond)

	env.server.Inject(sorobantest.Fault{Method: protocol.GetEventsMethodName, Kind: sorobantest.FaultUnavailable, Count: -1})
	failed := env.server.Calls(protocol.GetEventsMethodName)
	during := env.addLedgers(t, 3)
	require.Eventually(t, func() bool {
		return env.server.Calls(protocol.GetEventsMethodName) >= failed+12
	}, 5*time.Second, time.Millisecond, "stream stopped polling during the outage")
	assert.Len(t, recorder.eventIDs(t), len(before), "no events may arrive while every poll fails")
	env.server.ClearFaults()

	after := env.addLedgers(t, 2)
	all := append(append(before, during...), after...)
	want := eventIDsOf(all, func(registry.Event) bool { return true }, t)
	require.Eventually(t, func() bool { return len(recorder.eventIDs(t)) >= len(want) },
		5*time.Second, 5*time.Millisecond)
	waitStopped(t, cancel, done)

	assert.Equal(t, want, recorder.eventIDs(t))
}

func TestStreamFiltersModelAndRisk(t *testing.T) {
	env := newStreamEnv(t)
	recorder, cancel, done := env.runStream(t, "events/models-2/risk-high")

	added := env.addLedgers(t, 6)
	want := eventIDsOf(added, func(ev registry.Event) bool {
		highRisk := ev.Kind == registry.KindInferenceLogged && ev.Risk >= registry.RiskHigh
		return ev.ModelID == 2 && (highRisk || ev.Kind == registry.KindBiasFlagged)
	}, t)
	require.Len(t, want, 6)
	last := added[len(added)-1]
	require.Eventually(t, func() bool {
		return env.server.Calls(protocol.GetEventsMethodName) > 0 && len(recorder.eventIDs(t)) >= len(want)
	}, 5*time.Second, 5*time.Millisecond)
	// One more quiet poll, so a wrongly matched later event would have been sent.
	polls := env.server.Calls(protocol.GetEventsMethodName)
	require.Eventually(t, func() bool { return env.server.Calls(protocol.GetEventsMethodName) > polls+1 },
		5*time.Second, time.Millisecond)
	waitStopped(t, cancel, done)

	assert.Equal(t, want, recorder.eventIDs(t), "events after ledger %d", last.Ledger)
}

// riskTotals sums the risk stream's frames per bucket start and risk level.
func (r *streamRecorder) riskTotals(t *testing.T) map[time.Time]map[string]int64 {
	t.Helper()
	totals := map[time.Time]map[string]int64{}
	for _, frame := range r.sent() {
		for row := range frame.Rows() {
			at := frame.Fields[0].At(row).(time.Time)
			if totals[at] == nil {
				totals[at] = map[string]int64{}
			}
			for _, field := range frame.Fields[1:] {
				totals[at][field.Labels["risk"]] += field.At(row).(int64)
			}
		}
	}
	return totals
}

// bucketTotals counts the inferences of events per bucket of width interval and risk level,
// for buckets in [from, end).
func bucketTotals(t *testing.T, events []sorobantest.StoredEvent, closeTimes map[uint32]time.Time, interval time.Duration, from, end time.Time) map[time.Time]map[string]int64 {
	t.Helper()
	totals := map[time.Time]map[string]int64{}
	for at := from; at.Before(end); at = at.Add(interval) {
		totals[at] = map[string]int64{"low": 0, "medium": 0, "high": 0, "critical": 0}
	}
	for _, ev := range events {
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		require.NoError(t, err)
		closed := closeTimes[ev.Ledger]
		if decoded.Kind != registry.KindInferenceLogged || closed.Before(from) || !closed.Before(end) {
			continue
		}
		totals[bucketStart(closed, interval)][decoded.Risk.String()]++
	}
	return totals
}

func TestStreamRiskSendsClosedBuckets(t *testing.T) {
	env := newStreamEnv(t)
	_, startClosed := env.gen.Ledger()
	recorder, cancel, done := env.runStream(t, "risk/interval-10000")

	env.addLedgers(t, 6)
	_, lastClosed := env.gen.Ledger()
	from, end := bucketStart(startClosed, 10*time.Second), bucketStart(lastClosed, 10*time.Second)
	require.Eventually(t, func() bool { return len(recorder.riskTotals(t)) == 3 }, 5*time.Second, 5*time.Millisecond)
	waitStopped(t, cancel, done)

	assert.Equal(t, bucketTotals(t, env.allEvents(), env.closeTimes, 10*time.Second, from, end), recorder.riskTotals(t))
	for _, frame := range recorder.sent() {
		require.Len(t, frame.Fields, 5)
		assert.Equal(t, "time", frame.Fields[0].Name)
		for i, level := range registry.RiskLevels {
			assert.Equal(t, data.Labels{"risk": level.String()}, frame.Fields[i+1].Labels)
		}
	}
}

func TestStreamRiskStartsAtFrom(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	from := bucketStart(first, 10*time.Second)
	path := fmt.Sprintf("risk/risk-medium/total/interval-10000/from-%d", from.UnixMilli())
	recorder, cancel, done := env.runStream(t, path)

	env.addLedgers(t, 2)
	_, lastClosed := env.gen.Ledger()
	end := bucketStart(lastClosed, 10*time.Second)
	require.Eventually(t, func() bool { return len(recorder.riskTotals(t)) == int(end.Sub(from)/(10*time.Second)) },
		5*time.Second, 5*time.Millisecond)
	waitStopped(t, cancel, done)

	want := map[time.Time]map[string]int64{}
	for at, counts := range bucketTotals(t, env.allEvents(), env.closeTimes, 10*time.Second, from, end) {
		want[at] = map[string]int64{"": counts["medium"] + counts["high"] + counts["critical"]}
	}
	assert.Equal(t, want, recorder.riskTotals(t))
}

func TestStreamStopsWhileRPCHangs(t *testing.T) {
	env := newStreamEnv(t)
	_, cancel, done := env.runStream(t, "events")

	env.server.Inject(sorobantest.Fault{Method: protocol.GetEventsMethodName, Kind: sorobantest.FaultLatency, Delay: time.Minute, Count: -1})
	calls := env.server.Calls(protocol.GetEventsMethodName)
	require.Eventually(t, func() bool { return env.server.Calls(protocol.GetEventsMethodName) > calls },
		5*time.Second, time.Millisecond)
	waitStopped(t, cancel, done)
}

func TestStreamStopsOnDispose(t *testing.T) {
	env := newStreamEnv(t)
	_, _, done := env.runStream(t, "risk/risk-critical")

	env.ds.Dispose()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(2 * time.Second):
		t.Fatal("RunStream did not return within 2s of Dispose")
	}
}

func TestStreamRejectsUnknownPath(t *testing.T) {
	env := newStreamEnv(t)

	err := env.ds.RunStream(context.Background(), &backend.RunStreamRequest{Path: "ledgers"}, backend.NewStreamSender(&streamRecorder{}))

	require.EqualError(t, err, `unknown stream "ledgers": use a path starting with "events" or "risk"`)
}

func TestSubscribeStreamPaths(t *testing.T) {
	env := newStreamEnv(t)
	cases := []struct {
		path string
		want backend.SubscribeStreamStatus
	}{
		{"events", backend.SubscribeStreamStatusOK},
		{"risk", backend.SubscribeStreamStatusOK},
		{"events/models-1-3/risk-medium", backend.SubscribeStreamStatusOK},
		{"risk/risk-critical", backend.SubscribeStreamStatusOK},
		{"ledgers", backend.SubscribeStreamStatusNotFound},
		{"events/models-x", backend.SubscribeStreamStatusNotFound},
		{"events/models-0", backend.SubscribeStreamStatusNotFound},
		{"risk/risk-extreme", backend.SubscribeStreamStatusNotFound},
		{"events/extra", backend.SubscribeStreamStatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := env.ds.SubscribeStream(context.Background(), &backend.SubscribeStreamRequest{Path: tc.path})
			require.NoError(t, err)
			assert.Equal(t, tc.want, resp.Status)
		})
	}
}

func TestPublishStreamDenied(t *testing.T) {
	env := newStreamEnv(t)

	resp, err := env.ds.PublishStream(context.Background(), &backend.PublishStreamRequest{Path: "events"})

	require.NoError(t, err)
	assert.Equal(t, backend.PublishStreamStatusPermissionDenied, resp.Status)
}

func TestStreamPathRoundTrip(t *testing.T) {
	specs := []struct {
		spec streamSpec
		path string
	}{
		{streamSpec{Kind: streamRisk, ModelIDs: []uint64{4, 12}, MinRisk: registry.RiskHigh, GroupByModel: true,
			Interval: 30 * time.Second, From: time.UnixMilli(1767225600000).UTC()},
			"risk/models-4-12/risk-high/group/interval-30000/from-1767225600000"},
		{streamSpec{Kind: streamRisk, Total: true, Interval: time.Minute}, "risk/total/interval-60000"},
		{streamSpec{Kind: streamEvents, EventKinds: []registry.EventKind{registry.KindBiasFlagged}, AfterLedger: 1029},
			"events/kinds-bias_flagged/after-1029"},
		{streamSpec{Kind: streamEvents, ModelIDs: []uint64{1}}, "events/models-1"},
	}
	for _, tc := range specs {
		t.Run(tc.path, func(t *testing.T) {
			parsed, err := parseStreamPath(tc.spec.path())

			require.NoError(t, err)
			assert.Equal(t, tc.path, tc.spec.path())
			assert.Equal(t, tc.spec, parsed)
		})
	}
}

func TestStreamPathErrors(t *testing.T) {
	cases := map[string]string{
		"ledgers":                       `unknown stream "ledgers": use a path starting with "events" or "risk"`,
		"events/models-x":               `invalid stream path "events/models-x": invalid model id "x" in modelIds: use decimal model ids starting at 1, e.g. ["1", "2"]`,
		"risk/risk-extreme":             `invalid stream path "risk/risk-extreme": invalid risk level "extreme": use low, medium, high or critical`,
		"events/extra":                  `invalid stream path "events/extra": unknown segment "extra"`,
		"events/total":                  `invalid stream path "events/total": an events stream takes only models, risk, kinds and after segments`,
		"risk/after-10":                 `invalid stream path "risk/after-10": a risk stream takes no kinds or after segment`,
		"risk/group":                    `invalid stream path "risk/group": a risk stream grouped by model needs a models segment`,
		"risk/interval-0":               `invalid stream path "risk/interval-0": segment "interval-0" needs a positive whole number after the dash`,
		"risk/interval-60000/from-1000": `invalid stream path "risk/interval-60000/from-1000": from 1000 ms is not a multiple of the interval 60000 ms`,
	}
	for path, want := range cases {
		t.Run(path, func(t *testing.T) {
			_, err := parseStreamPath(path)

			require.EqualError(t, err, want)
		})
	}
}
