package sorobantest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

// benchEvents is the store size of BenchmarkGetEventsPage: 3 million events, 20 per ledger.
const (
	benchEvents    = 3_000_000
	benchPerLedger = 20
)

var (
	benchOnce   sync.Once
	benchServer *Server
)

func benchStore(b *testing.B) *Server {
	benchOnce.Do(func() {
		s := NewServer(Config{RetentionWindow: benchEvents})
		ping := symbolTopic(b, "ping")
		topics := make([]string, benchPerLedger)
		for j := range topics {
			topics[j] = u64Topic(b, uint64(j))
		}
		value := u64Topic(b, 42)
		ledgers := uint32(benchEvents / benchPerLedger)
		for seq := uint32(2); seq < 2+ledgers; seq++ {
			s.AddLedger(seq, closeAt(seq))
			for j := range benchPerLedger {
				s.AddEvent(StoredEvent{Ledger: seq, TxIndex: uint32(j + 1), ContractID: testContract,
					Topics: []string{ping, topics[j]}, Value: value})
			}
		}
		benchServer = s
	})
	return benchServer
}

// BenchmarkGetEventsPage serves full 10,000-event pages over the JSON-RPC handler from a
// store of 3 million events, with and without a topic filter.
func BenchmarkGetEventsPage(b *testing.B) {
	s := benchStore(b)
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	b.Logf("heap in use with %d events: %d MiB", benchEvents, m.HeapInuse>>20)

	filtered := fmt.Sprintf(`,"filters":[{"topics":[["*",%q]]}]`, u64Topic(b, 3))
	for _, tc := range []struct{ name, filter string }{{"all", ""}, {"one topic", filtered}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := range b.N {
				start := 2 + (i*7919)%(benchEvents/benchPerLedger-1000)
				body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"getEvents","params":{"startLedger":%d,"pagination":{"limit":10000}%s}}`,
					start, tc.filter)
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body)))
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"error"`)) {
					b.Fatalf("getEvents failed: %d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
