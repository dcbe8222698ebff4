package sorobantest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func faultServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := NewServer(Config{RetentionWindow: 100})
	chain(t, s, 1, 150, 1)
	return s, serve(t, s)
}

func TestFaultHTTPKinds(t *testing.T) {
	cases := []struct {
		name       string
		fault      Fault
		status     int
		body       string
		retryAfter string
	}{
		{"unavailable", Fault{Method: "getHealth", Kind: FaultUnavailable}, http.StatusServiceUnavailable,
			"service unavailable: request queue is full\n", ""},
		{"gateway timeout", Fault{Method: "getHealth", Kind: FaultGatewayTimeout}, http.StatusGatewayTimeout, "", ""},
		{"too many requests", Fault{Method: "getHealth", Kind: FaultTooManyRequests, RetryAfter: 1500 * time.Millisecond},
			http.StatusTooManyRequests, "rate limit exceeded: retry later\n", "2"},
		{"any method", Fault{Kind: FaultUnavailable}, http.StatusServiceUnavailable,
			"service unavailable: request queue is full\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, url := faultServer(t)
			s.Inject(tc.fault)

			r := call(t, url, "getHealth", nil)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.body, string(r.Body))
			assert.Equal(t, tc.retryAfter, r.Header.Get("Retry-After"))

			again := call(t, url, "getHealth", nil)
			assert.Equal(t, http.StatusOK, again.Status)
			assert.Nil(t, again.Error)
			assert.Equal(t, 2, s.Calls("getHealth"))
		})
	}
}

func TestFaultCounts(t *testing.T) {
	s, url := faultServer(t)

	t.Run("count and method", func(t *testing.T) {
		s.Inject(Fault{Method: "getEvents", Kind: FaultUnavailable, Count: 2})
		assert.Equal(t, http.StatusOK, call(t, url, "getHealth", nil).Status)
		assert.Equal(t, http.StatusServiceUnavailable, call(t, url, "getEvents", map[string]any{"startLedger": 60}).Status)
		assert.Equal(t, http.StatusServiceUnavailable, call(t, url, "getEvents", map[string]any{"startLedger": 60}).Status)
		assert.Equal(t, http.StatusOK, call(t, url, "getEvents", map[string]any{"startLedger": 60}).Status)
		assert.Equal(t, 3, s.Calls("getEvents"))
		assert.Equal(t, 1, s.Calls("getHealth"))
	})

	t.Run("until cleared", func(t *testing.T) {
		s.Inject(Fault{Method: "getNetwork", Kind: FaultGatewayTimeout, Count: -1})
		for range 3 {
			assert.Equal(t, http.StatusGatewayTimeout, call(t, url, "getNetwork", nil).Status)
		}
		s.ClearFaults()
		assert.Equal(t, http.StatusOK, call(t, url, "getNetwork", nil).Status)
		assert.Equal(t, 4, s.Calls("getNetwork"))
	})

	t.Run("reset calls", func(t *testing.T) {
		s.ResetCalls()
		assert.Equal(t, 0, s.Calls("getEvents"))
	})
}

func TestFaultTimeoutAndLatency(t *testing.T) {
	s, url := faultServer(t)

	t.Run("json-rpc timeout", func(t *testing.T) {
		s.Inject(Fault{Method: "getLatestLedger", Kind: FaultTimeout})
		err := rpcError(t, url, "getLatestLedger", nil)
		assert.Equal(t, Error{Code: -32001, Message: "request exceeded processing limit threshold"}, err)
		var l protocol.GetLatestLedgerResponse
		result(t, url, "getLatestLedger", nil, &l)
		assert.Equal(t, uint32(150), l.Sequence)
	})

	t.Run("latency", func(t *testing.T) {
		s.Inject(Fault{Method: "getLatestLedger", Kind: FaultLatency, Delay: 60 * time.Millisecond})
		start := time.Now()
		var l protocol.GetLatestLedgerResponse
		result(t, url, "getLatestLedger", nil, &l)
		assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
		assert.Equal(t, uint32(150), l.Sequence)
	})

	t.Run("client gives up", func(t *testing.T) {
		s.Inject(Fault{Method: "getLatestLedger", Kind: FaultLatency, Delay: 10 * time.Second})
		client := http.Client{Timeout: 50 * time.Millisecond}
		start := time.Now()
		body := strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"getLatestLedger"}`)
		_, err := client.Post(url, "application/json", body)
		require.Error(t, err)
		assert.Less(t, time.Since(start), 5*time.Second)
		s.ClearFaults()
	})
}

func TestFaultMalformedXDR(t *testing.T) {
	s, url := faultServer(t)
	s.Inject(Fault{Kind: FaultMalformedXDR, Count: 2})

	resp := getEvents(t, url, map[string]any{"startLedger": 60, "pagination": map[string]any{"limit": 3}})
	require.Len(t, resp.Events, 3)
	for i, e := range resp.Events {
		var v xdr.ScVal
		err := xdr.SafeUnmarshalBase64(e.ValueXDR, &v)
		topicErr := xdr.SafeUnmarshalBase64(e.TopicXDR[1], &v)
		if i < 2 {
			assert.Error(t, err, "event %d value", i)
			assert.Error(t, topicErr, "event %d topic", i)
			assert.Equal(t, symbolTopic(t, "ping"), e.TopicXDR[0])
		} else {
			assert.NoError(t, err, "event %d value", i)
			assert.NoError(t, topicErr, "event %d topic", i)
		}
	}

	again := getEvents(t, url, map[string]any{"startLedger": 60, "pagination": map[string]any{"limit": 1}})
	assert.Equal(t, u64Topic(t, 60), again.Events[0].ValueXDR)
}

func TestFaultOutOfRetention(t *testing.T) {
	s, url := faultServer(t)

	t.Run("to the latest ledger", func(t *testing.T) {
		s.Inject(Fault{Method: "getEvents", Kind: FaultOutOfRetention})
		err := rpcError(t, url, "getEvents", map[string]any{"startLedger": 60})
		assert.Equal(t, Error{Code: CodeInvalidRequest, Message: "startLedger must be within the ledger range: 150 - 150"}, err)
		resp := getEvents(t, url, map[string]any{"startLedger": 60, "pagination": map[string]any{"limit": 1}})
		assert.Len(t, resp.Events, 1)
	})

	t.Run("by ten ledgers", func(t *testing.T) {
		s.Inject(Fault{Kind: FaultOutOfRetention, Ledgers: 10, Count: 2})
		var h protocol.GetHealthResponse
		result(t, url, "getHealth", nil, &h)
		assert.Equal(t, uint32(61), h.OldestLedger)
		err := rpcError(t, url, "getEvents", map[string]any{"startLedger": 55})
		assert.Equal(t, "startLedger must be within the ledger range: 61 - 150", err.Message)
		result(t, url, "getHealth", nil, &h)
		assert.Equal(t, uint32(51), h.OldestLedger)
	})

	t.Run("set retention window", func(t *testing.T) {
		s.SetRetentionWindow(20)
		var h protocol.GetHealthResponse
		result(t, url, "getHealth", nil, &h)
		assert.Equal(t, uint32(131), h.OldestLedger)
		assert.Equal(t, uint32(20), h.LedgerRetentionWindow)
	})
}

func TestFaultKindString(t *testing.T) {
	assert.Equal(t, "too_many_requests", FaultTooManyRequests.String())
	assert.Equal(t, "fault_99", FaultKind(99).String())
}
