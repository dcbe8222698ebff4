package soroban

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordSleeps replaces the client's retry wait with one that records the delays.
func recordSleeps(client *Client) *[]time.Duration {
	var mu sync.Mutex
	delays := &[]time.Duration{}
	client.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*delays = append(*delays, d)
		return ctx.Err()
	}
	return delays
}

func TestRetries(t *testing.T) {
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name        string
		faults      []fault
		maxRetries  int
		wantCalls   int
		wantErr     string
		wantStatus  int
		wantCode    int
		wantDelays  []time.Duration // exact delays; nil means backoff delays, checked by range
		wantRetries int
	}{
		{name: "503 queue full twice", faults: []fault{{status: 503}, {status: 503}}, wantCalls: 3, wantRetries: 2},
		{name: "504 once", faults: []fault{{status: 504}}, wantCalls: 2, wantRetries: 1},
		{name: "502 once", faults: []fault{{status: 502}}, wantCalls: 2, wantRetries: 1},
		{name: "429 with Retry-After seconds", faults: []fault{{status: 429, retryAfter: "3"}},
			wantCalls: 2, wantRetries: 1, wantDelays: []time.Duration{3 * time.Second}},
		{name: "429 with Retry-After date is capped", faults: []fault{{status: 429, retryAfter: httpDate}},
			wantCalls: 2, wantRetries: 1, wantDelays: []time.Duration{DefaultMaxRetryAfter}},
		{name: "JSON-RPC request timeout", faults: []fault{{code: codeRequestTimeout, message: "request timed out"}},
			wantCalls: 2, wantRetries: 1},
		{name: "429 until retries run out", maxRetries: 4,
			faults:    []fault{{status: 429}, {status: 429}, {status: 429}, {status: 429}, {status: 429}},
			wantCalls: 5, wantStatus: 429,
			wantErr: "getEvents failed: HTTP 429 Too Many Requests from the RPC (retried 4 times): " +
				"lower the dashboard refresh rate or raise the provider quota"},
		{name: "500 with one retry allowed", maxRetries: 1, faults: []fault{{status: 500}, {status: 500}},
			wantCalls: 2, wantStatus: 500,
			wantErr: "getEvents failed: HTTP 500 Internal Server Error from the RPC (retried once): " +
				"the node or a proxy in front of it failed; retry later or check the node's logs"},
		{name: "501 is not retried", faults: []fault{{status: 501}}, wantCalls: 1, wantStatus: 501,
			wantErr: "getEvents failed: HTTP 501 Not Implemented from the RPC: " +
				"the server does not implement this request; check that the RPC URL points at the Soroban RPC endpoint"},
		{name: "408 once", faults: []fault{{status: 408}}, wantCalls: 2, wantRetries: 1},
		{name: "401 is not retried", faults: []fault{{status: 401}}, wantCalls: 1, wantStatus: 401,
			wantErr: "getEvents failed: HTTP 401 Unauthorized from the RPC: " +
				"check the auth header name and value in the datasource settings"},
		{name: "invalid params are not retried", faults: []fault{{code: codeInvalidParams, message: "filter 1 invalid"}},
			wantCalls: 1, wantCode: codeInvalidParams,
			wantErr: `getEvents failed: JSON-RPC error -32602 "filter 1 invalid" from the RPC: ` +
				"the node rejected the request; check the ledger range and the filters"},
		{name: "internal error is not retried", faults: []fault{{code: codeInternal, message: "db locked"}},
			wantCalls: 1, wantCode: codeInternal,
			wantErr: `getEvents failed: JSON-RPC error -32603 "db locked" from the RPC: the node reported an error; check its logs`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1, 100, uniformTimes)
			node.addEvents(10, 2)
			node.inject(protocol.GetEventsMethodName, tt.faults...)
			client := node.start(t, Options{MaxRetries: tt.maxRetries})
			delays := recordSleeps(client)

			var ids []string
			result, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(&ids))

			assert.Equal(t, tt.wantCalls, node.callCount(protocol.GetEventsMethodName))
			assert.Equal(t, tt.wantCalls, result.Calls)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				var rpcErr *RPCError
				require.ErrorAs(t, err, &rpcErr)
				assert.Equal(t, tt.wantStatus, rpcErr.HTTPStatus)
				assert.Equal(t, tt.wantCode, rpcErr.Code)
				assert.Empty(t, ids)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, node.eventIDs(1, 101), ids)
			assert.Equal(t, tt.wantRetries, result.Retries)
			if tt.wantDelays != nil {
				assert.Equal(t, tt.wantDelays, *delays)
			}
		})
	}
}

func TestRetryBackoffDelays(t *testing.T) {
	client := NewClient("http://127.0.0.1:1", nil, Options{RetryBaseDelay: 100 * time.Millisecond})
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{attempt: 0, min: 50 * time.Millisecond, max: 100 * time.Millisecond},
		{attempt: 1, min: 100 * time.Millisecond, max: 200 * time.Millisecond},
		{attempt: 3, min: 400 * time.Millisecond, max: 800 * time.Millisecond},
		{attempt: 10, min: 2500 * time.Millisecond, max: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("attempt %d", tt.attempt), func(t *testing.T) {
			for range 50 {
				delay := client.retryDelay(tt.attempt, nil)
				assert.GreaterOrEqual(t, delay, tt.min)
				assert.LessOrEqual(t, delay, tt.max)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	t.Run("during a request", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.inject(protocol.GetHealthMethodName, fault{hold: true})
		client := node.start(t, Options{})
		ctx, cancel := context.WithCancel(background)
		go func() {
			for node.callCount(protocol.GetHealthMethodName) == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()

		_, err := client.Health(ctx)

		require.ErrorIs(t, err, context.Canceled)
		<-node.aborted // the held HTTP request was aborted, not left running
		assert.Equal(t, 1, node.callCount(protocol.GetHealthMethodName))
	})

	t.Run("during a retry wait", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.inject(protocol.GetEventsMethodName, fault{status: 503})
		client := node.start(t, Options{RetryBaseDelay: time.Hour})
		ctx, cancel := context.WithCancel(background)
		client.sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return sleepContext(ctx, d)
		}

		result, err := client.ScanEvents(ctx, LedgerRange{1, 101}, nil, collect(new([]string)))

		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, result.Calls)
		assert.Equal(t, 1, node.callCount(protocol.GetEventsMethodName))
	})

	t.Run("deadline before Retry-After", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.inject(protocol.GetEventsMethodName, fault{status: 429, retryAfter: "5"})
		client := node.start(t, Options{})
		delays := recordSleeps(client)
		ctx, cancel := context.WithTimeout(background, time.Minute)
		defer cancel()
		ctx, cancelSooner := context.WithDeadline(ctx, time.Now().Add(2*time.Second))
		defer cancelSooner()

		_, err := client.ScanEvents(ctx, LedgerRange{1, 101}, nil, collect(new([]string)))

		var rpcErr *RPCError
		require.ErrorAs(t, err, &rpcErr)
		assert.Equal(t, 429, rpcErr.HTTPStatus)
		assert.Equal(t, 5*time.Second, rpcErr.RetryAfter)
		assert.Empty(t, *delays)
		assert.Equal(t, 1, node.callCount(protocol.GetEventsMethodName))
	})
}

func TestTransportFailures(t *testing.T) {
	t.Run("client timeout is retried", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.inject(protocol.GetHealthMethodName, fault{hold: true})
		server := httptest.NewServer(node)
		defer server.Close()
		httpClient := server.Client()
		httpClient.Timeout = 100 * time.Millisecond
		client := NewClient(server.URL, httpClient, Options{RetryBaseDelay: time.Millisecond})

		health, err := client.Health(background)

		require.NoError(t, err)
		assert.Equal(t, uint32(100), health.LatestLedger)
		assert.Equal(t, 2, node.callCount(protocol.GetHealthMethodName))
	})

	t.Run("client timeout is retried once", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.inject(protocol.GetHealthMethodName, fault{hold: true}, fault{hold: true}, fault{hold: true})
		server := httptest.NewServer(node)
		defer server.Close()
		httpClient := server.Client()
		httpClient.Timeout = 100 * time.Millisecond
		client := NewClient(server.URL, httpClient, Options{RetryBaseDelay: time.Millisecond})

		_, err := client.Health(background)

		var rpcErr *RPCError
		require.ErrorAs(t, err, &rpcErr)
		assert.Equal(t, 1, rpcErr.Retries)
		assert.Equal(t, 2, node.callCount(protocol.GetHealthMethodName))
	})

	t.Run("connection refused is not retried", func(t *testing.T) {
		server := httptest.NewServer(http.NotFoundHandler())
		url := server.URL
		server.Close()
		client := NewClient(url, nil, Options{})

		_, err := client.LatestLedger(background)

		var rpcErr *RPCError
		require.ErrorAs(t, err, &rpcErr)
		assert.Equal(t, 0, rpcErr.HTTPStatus)
		assert.Equal(t, 0, rpcErr.Retries)
		assert.False(t, IsRetryable(err))
		assert.True(t, strings.HasPrefix(err.Error(), "getLatestLedger failed: no response from the RPC: "), err.Error())
		assert.True(t, strings.HasSuffix(err.Error(), ": check the RPC URL and that the node is reachable"), err.Error())
	})

	t.Run("auth header value stays out of errors", func(t *testing.T) {
		const secret = "Bearer s3cret-token"
		seen := make(chan string, 1)
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen <- r.Header.Get("Authorization")
			http.Error(w, "invalid token "+r.Header.Get("Authorization"), http.StatusUnauthorized)
		}))
		defer server.Close()
		httpClient := &http.Client{Transport: headerTransport{name: "Authorization", value: secret}}
		client := NewClient(server.URL, httpClient, Options{})

		_, err := client.Network(background)

		require.Error(t, err)
		assert.Equal(t, secret, <-seen)
		assert.NotContains(t, err.Error(), "s3cret")
		assert.Equal(t, "getNetwork failed: HTTP 401 Unauthorized from the RPC: "+
			"check the auth header name and value in the datasource settings", err.Error())
	})

	t.Run("closed client", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})
		require.NoError(t, client.Close())

		_, err := client.Health(background)

		require.ErrorIs(t, err, errClientClosed)
		assert.Equal(t, 0, node.callCount(protocol.GetHealthMethodName))
	})
}

// headerTransport adds one header to every request, like the plugin SDK's auth middleware.
type headerTransport struct{ name, value string }

func (h headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(req)
}

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "nil", err: nil, want: false},
		{name: "HTTP 429", err: &RPCError{HTTPStatus: 429}, want: true},
		{name: "HTTP 503", err: &RPCError{HTTPStatus: 503}, want: true},
		{name: "HTTP 504 wrapped", err: fmt.Errorf("scan: %w", &RPCError{HTTPStatus: 504}), want: true},
		{name: "HTTP 400", err: &RPCError{HTTPStatus: 400}, want: false},
		{name: "HTTP 405", err: &RPCError{HTTPStatus: 405}, want: false},
		{name: "HTTP 408", err: &RPCError{HTTPStatus: 408}, want: true},
		{name: "HTTP 500", err: &RPCError{HTTPStatus: 500}, want: true},
		{name: "HTTP 501", err: &RPCError{HTTPStatus: 501}, want: false},
		{name: "HTTP 502", err: &RPCError{HTTPStatus: 502}, want: true},
		{name: "HTTP 505", err: &RPCError{HTTPStatus: 505}, want: false},
		{name: "not JSON-RPC", err: notJSONRPCError("getEvents", "text/html", io.EOF), want: false},
		{name: "JSON-RPC -32001", err: &RPCError{Code: codeRequestTimeout}, want: true},
		{name: "JSON-RPC -32600", err: &RPCError{Code: codeInvalidRequest}, want: false},
		{name: "transport timeout", err: &RPCError{cause: timeoutError{}}, want: true},
		{name: "bare timeout", err: timeoutError{}, want: true},
		{name: "context canceled", err: context.Canceled, want: false},
		{name: "deadline exceeded", err: fmt.Errorf("getEvents stopped: %w", context.DeadlineExceeded), want: false},
		{name: "other", err: errors.New("boom"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsRetryable(tt.err))
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{value: "", want: 0},
		{value: "7", want: 7 * time.Second},
		{value: " 120 ", want: 2 * time.Minute},
		{value: "0", want: 0},
		{value: "-3", want: 0},
		{value: "Fri, 04 Dec 2026 14:00:30 GMT", want: 30 * time.Second},
		{value: "Fri, 04 Dec 2026 13:59:00 GMT", want: 0},
		{value: "soon", want: 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.value), func(t *testing.T) {
			assert.Equal(t, tt.want, parseRetryAfter(tt.value, now))
		})
	}
}

func TestRPCErrorMessages(t *testing.T) {
	tests := []struct {
		err  *RPCError
		want string
	}{
		{err: &RPCError{Method: "getEvents", HTTPStatus: 503, Retries: 2},
			want: "getEvents failed: HTTP 503 Service Unavailable from the RPC (retried 2 times): " +
				"the node's request queue is full; retry later or use a less loaded node"},
		{err: &RPCError{Method: "getEvents", HTTPStatus: 504},
			want: "getEvents failed: HTTP 504 Gateway Timeout from the RPC: " +
				"the request ran too long on the node; narrow the time range or the filters"},
		{err: &RPCError{Method: "getEvents", Code: codeRequestTimeout, Message: "request timed out", Retries: 1},
			want: `getEvents failed: JSON-RPC error -32001 "request timed out" from the RPC (retried once): ` +
				"the request ran too long on the node; narrow the time range or the filters"},
		{err: &RPCError{Method: "getLedgers", Code: codeMethodNotFound, Message: "method not found"},
			want: `getLedgers failed: JSON-RPC error -32601 "method not found" from the RPC: ` +
				"the node does not serve this method; upgrade stellar-rpc"},
		{err: &RPCError{Method: "getHealth", HTTPStatus: 501},
			want: "getHealth failed: HTTP 501 Not Implemented from the RPC: " +
				"the server does not implement this request; check that the RPC URL points at the Soroban RPC endpoint"},
		{err: &RPCError{Method: "getHealth", HTTPStatus: 408, Retries: 4},
			want: "getHealth failed: HTTP 408 Request Timeout from the RPC (retried 4 times): " +
				"the node or a proxy in front of it timed out reading the request; retry later or check the network to the node"},
		{err: &RPCError{Method: "getHealth", HTTPStatus: 511},
			want: "getHealth failed: HTTP 511 Network Authentication Required from the RPC: " +
				"the node or a proxy in front of it failed; check the logs of the node and of any proxy in front of it"},
		{err: notJSONRPCError("getEvents", "", nil),
			want: "getEvents failed: response is not JSON-RPC (HTTP 200 without a Content-Type): " +
				"check that the RPC URL points at the Soroban RPC endpoint, not at a web page or another API"},
		{err: &RPCError{Method: "getHealth", HTTPStatus: 404},
			want: "getHealth failed: HTTP 404 Not Found from the RPC: check that the RPC URL is the node's JSON-RPC endpoint"},
		{err: &RPCError{Method: "getHealth", Message: "no response from the RPC: i/o timeout", timeout: true},
			want: "getHealth failed: no response from the RPC: i/o timeout: " +
				"the RPC did not respond in time; check the node's load or raise the timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.want[:30], func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}
