package soroban

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cannedResponse is the HTTP response a cannedServer sends.
type cannedResponse struct {
	status      int
	contentType string // "" sends no Content-Type header
	body        string
	hold        bool // wait until the client drops the request, then send nothing
}

// cannedServer serves each request on loopback with the next canned response, and repeats
// the last one when they run out. It counts requests by JSON-RPC method.
type cannedServer struct {
	mu        sync.Mutex
	responses []cannedResponse
	calls     map[string]int
	url       string
}

func startCannedServer(t *testing.T, responses ...cannedResponse) *cannedServer {
	t.Helper()
	s := &cannedServer{responses: responses, calls: map[string]int{}}
	server := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(server.Close)
	s.url = server.URL
	return s
}

func (s *cannedServer) serve(w http.ResponseWriter, r *http.Request) {
	// Reading the whole body also lets the server notice when the client drops the
	// connection, which ends r.Context().
	body, _ := io.ReadAll(r.Body)
	var call struct {
		Method string `json:"method"`
	}
	_ = json.Unmarshal(body, &call)

	s.mu.Lock()
	s.calls[call.Method]++
	resp := s.responses[0]
	if len(s.responses) > 1 {
		s.responses = s.responses[1:]
	}
	s.mu.Unlock()

	if resp.hold {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	if resp.contentType == "" {
		// A nil value keeps net/http from sniffing a Content-Type from the body.
		w.Header()["Content-Type"] = nil
	} else {
		w.Header().Set("Content-Type", resp.contentType)
	}
	w.WriteHeader(resp.status)
	_, _ = io.WriteString(w, resp.body)
}

func (s *cannedServer) callCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// client returns a client for s that retries at most twice without waiting.
func (s *cannedServer) client(t *testing.T, httpClient *http.Client) *Client {
	t.Helper()
	client := NewClient(s.url, httpClient, Options{MaxRetries: 2})
	recordSleeps(client)
	t.Cleanup(func() { _ = client.Close() })
	return client
}

const hintRPCURL = "check that the RPC URL points at the Soroban RPC endpoint, not at a web page or another API"

func TestGetEventsNotJSONRPC(t *testing.T) {
	tests := []struct {
		name     string
		response cannedResponse
		wantErr  string
		cause    string
	}{
		{name: "HTML page",
			response: cannedResponse{status: 200, contentType: "text/html; charset=utf-8", body: "<!doctype html><html><body>Welcome</body></html>"},
			wantErr:  `getEvents failed: response is not JSON-RPC (HTTP 200, Content-Type "text/html; charset=utf-8"): ` + hintRPCURL,
			cause:    `the response body starts with '<', not a JSON object`},
		{name: "HTML after white space",
			response: cannedResponse{status: 200, contentType: "text/html", body: "\r\n  <html></html>"},
			wantErr:  `getEvents failed: response is not JSON-RPC (HTTP 200, Content-Type "text/html"): ` + hintRPCURL,
			cause:    `the response body starts with '<', not a JSON object`},
		{name: "no Content-Type",
			response: cannedResponse{status: 200, body: "OK"},
			wantErr:  `getEvents failed: response is not JSON-RPC (HTTP 200 without a Content-Type): ` + hintRPCURL,
			cause:    `the response body starts with 'O', not a JSON object`},
		{name: "empty body",
			response: cannedResponse{status: 200, contentType: "application/json"},
			wantErr:  `getEvents failed: response is not JSON-RPC (HTTP 200, Content-Type "application/json"): ` + hintRPCURL,
			cause:    `the response body is empty`},
		{name: "JSON of another API",
			response: cannedResponse{status: 200, contentType: "application/json", body: `{"status":"healthy"}`},
			wantErr:  `getEvents failed: response is not JSON-RPC (HTTP 200, Content-Type "application/json"): ` + hintRPCURL,
			cause:    `the response object has neither "jsonrpc": "2.0" nor a result or error member`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := startCannedServer(t, tt.response)
			client := server.client(t, nil)

			result, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(new([]string)))

			assert.EqualError(t, err, tt.wantErr)
			var rpcErr *RPCError
			require.ErrorAs(t, err, &rpcErr)
			assert.Equal(t, tt.response.contentType, rpcErr.ContentType)
			assert.Equal(t, 0, rpcErr.HTTPStatus)
			assert.Equal(t, 0, rpcErr.Code)
			assert.EqualError(t, rpcErr.Unwrap(), tt.cause)
			assert.False(t, IsRetryable(err))
			assert.Equal(t, 1, result.Calls)
			assert.Equal(t, 1, server.callCount(protocol.GetEventsMethodName))
		})
	}
}

func TestGetEventsJSONRPCAfterWhiteSpace(t *testing.T) {
	server := startCannedServer(t, cannedResponse{status: 200, contentType: "application/json",
		body: "\r\n\t " + `{"jsonrpc":"2.0","id":1,"result":{"events":[],"latestLedger":100,"cursor":"0000000429496729599-4294967295"}}`})
	client := server.client(t, nil)

	resp, err := client.getEventsOnce(background, protocol.GetEventsRequest{StartLedger: 1})

	require.NoError(t, err)
	assert.Equal(t, uint32(100), resp.LatestLedger)
	assert.Equal(t, "0000000429496729599-4294967295", resp.Cursor)
	assert.Empty(t, resp.Events)
}

// TestHTTPStatusRetries checks each status on the getEvents path, which decodes responses
// itself, and on the getHealth path, which goes through rpcclient: both must retry the same
// statuses and give the same message.
func TestHTTPStatusRetries(t *testing.T) {
	tests := []struct {
		status    int
		wantCalls int
		wantErr   string // after "<method> failed: "
	}{
		{status: 400, wantCalls: 1, wantErr: "HTTP 400 Bad Request from the RPC: check the RPC URL and any proxy in front of the node"},
		{status: 404, wantCalls: 1, wantErr: "HTTP 404 Not Found from the RPC: check that the RPC URL is the node's JSON-RPC endpoint"},
		{status: 405, wantCalls: 1, wantErr: "HTTP 405 Method Not Allowed from the RPC: check that the RPC URL is the node's JSON-RPC endpoint"},
		{status: 408, wantCalls: 3, wantErr: "HTTP 408 Request Timeout from the RPC (retried 2 times): " +
			"the node or a proxy in front of it timed out reading the request; retry later or check the network to the node"},
		{status: 413, wantCalls: 1, wantErr: "HTTP 413 Request Entity Too Large from the RPC: check the RPC URL and any proxy in front of the node"},
		{status: 429, wantCalls: 3, wantErr: "HTTP 429 Too Many Requests from the RPC (retried 2 times): " +
			"lower the dashboard refresh rate or raise the provider quota"},
		{status: 500, wantCalls: 3, wantErr: "HTTP 500 Internal Server Error from the RPC (retried 2 times): " +
			"the node or a proxy in front of it failed; retry later or check the node's logs"},
		{status: 501, wantCalls: 1, wantErr: "HTTP 501 Not Implemented from the RPC: " +
			"the server does not implement this request; check that the RPC URL points at the Soroban RPC endpoint"},
		{status: 502, wantCalls: 3, wantErr: "HTTP 502 Bad Gateway from the RPC (retried 2 times): " +
			"the node or a proxy in front of it failed; retry later or check the node's logs"},
		{status: 503, wantCalls: 3, wantErr: "HTTP 503 Service Unavailable from the RPC (retried 2 times): " +
			"the node's request queue is full; retry later or use a less loaded node"},
		{status: 504, wantCalls: 3, wantErr: "HTTP 504 Gateway Timeout from the RPC (retried 2 times): " +
			"the request ran too long on the node; narrow the time range or the filters"},
		{status: 505, wantCalls: 1, wantErr: "HTTP 505 HTTP Version Not Supported from the RPC: " +
			"the node or a proxy in front of it failed; check the logs of the node and of any proxy in front of it"},
	}
	paths := []struct {
		method string
		call   func(*Client) error
	}{
		{protocol.GetEventsMethodName, func(c *Client) error {
			_, err := c.ScanEvents(background, LedgerRange{1, 101}, nil, collect(new([]string)))
			return err
		}},
		{protocol.GetHealthMethodName, func(c *Client) error {
			_, err := c.Health(background)
			return err
		}},
	}
	for _, tt := range tests {
		for _, path := range paths {
			t.Run(http.StatusText(tt.status)+" "+path.method, func(t *testing.T) {
				server := startCannedServer(t, cannedResponse{status: tt.status, contentType: "text/plain", body: "proxy says no"})
				client := server.client(t, nil)

				err := path.call(client)

				assert.EqualError(t, err, path.method+" failed: "+tt.wantErr)
				assert.Equal(t, tt.wantCalls, server.callCount(path.method))
				var rpcErr *RPCError
				require.ErrorAs(t, err, &rpcErr)
				assert.Equal(t, tt.status, rpcErr.HTTPStatus)
				assert.Equal(t, tt.wantCalls-1, rpcErr.Retries)
				assert.Equal(t, tt.wantCalls > 1, IsRetryable(err))
				if tt.wantCalls == 1 {
					assert.NotContains(t, err.Error(), "retry later")
				}
			})
		}
	}
}

// TestTimeoutThenNotImplemented checks on both paths that a request the HTTP client's
// timeout ends is retried, and that the 501 the retry gets is not.
func TestTimeoutThenNotImplemented(t *testing.T) {
	tests := []struct {
		method string
		call   func(*Client) error
	}{
		{protocol.GetEventsMethodName, func(c *Client) error {
			_, err := c.ScanEvents(background, LedgerRange{1, 101}, nil, collect(new([]string)))
			return err
		}},
		{protocol.GetLatestLedgerMethodName, func(c *Client) error {
			_, err := c.LatestLedger(background)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			server := startCannedServer(t, cannedResponse{hold: true},
				cannedResponse{status: 501, contentType: "text/html", body: "<h1>Not Implemented</h1>"})
			client := server.client(t, &http.Client{Timeout: 100 * time.Millisecond})

			err := tt.call(client)

			assert.EqualError(t, err, tt.method+" failed: HTTP 501 Not Implemented from the RPC (retried once): "+
				"the server does not implement this request; check that the RPC URL points at the Soroban RPC endpoint")
			assert.Equal(t, 2, server.callCount(tt.method))
			assert.False(t, IsRetryable(err))
		})
	}
}

func TestNotJSONRPCErrorFields(t *testing.T) {
	cause := errors.New("the response body is empty")
	err := notJSONRPCError("getNetwork", "text/html", cause)

	assert.Equal(t, `getNetwork failed: response is not JSON-RPC (HTTP 200, Content-Type "text/html"): `+hintRPCURL, err.Error())
	assert.Equal(t, "getNetwork", err.Method)
	assert.Equal(t, "response is not JSON-RPC", err.Message)
	assert.Equal(t, "text/html", err.ContentType)
	assert.ErrorIs(t, err, cause)
	assert.False(t, IsRetryable(err))
}

// TestRPCClientNotJSONRPC checks that the calls through rpcclient report a body that is not
// JSON-RPC as getEvents does. A JSON body without a JSON-RPC member is left out: jrpc2
// discards a response without an id, so the call waits until its context ends.
func TestRPCClientNotJSONRPC(t *testing.T) {
	tests := []struct {
		name     string
		response cannedResponse
		wantErr  string
	}{
		{name: "HTML page",
			response: cannedResponse{status: 200, contentType: "text/html; charset=utf-8", body: "<!doctype html><html><body>Welcome</body></html>"},
			wantErr:  `getHealth failed: response is not JSON-RPC (HTTP 200, Content-Type "text/html; charset=utf-8"): ` + hintRPCURL},
		{name: "HTML after white space",
			response: cannedResponse{status: 200, contentType: "text/html", body: "\r\n  <html></html>"},
			wantErr:  `getHealth failed: response is not JSON-RPC (HTTP 200, Content-Type "text/html"): ` + hintRPCURL},
		{name: "no Content-Type",
			response: cannedResponse{status: 200, body: "OK"},
			wantErr:  `getHealth failed: response is not JSON-RPC (HTTP 200 without a Content-Type): ` + hintRPCURL},
		{name: "empty body",
			response: cannedResponse{status: 200, contentType: "application/json"},
			wantErr:  `getHealth failed: response is not JSON-RPC (HTTP 200, Content-Type "application/json"): ` + hintRPCURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := startCannedServer(t, tt.response)
			client := server.client(t, nil)

			_, err := client.Health(background)

			assert.EqualError(t, err, tt.wantErr)
			var rpcErr *RPCError
			require.ErrorAs(t, err, &rpcErr)
			assert.Equal(t, tt.response.contentType, rpcErr.ContentType)
			assert.Equal(t, 0, rpcErr.HTTPStatus)
			assert.Equal(t, 0, rpcErr.Code)
			assert.False(t, IsRetryable(err))
			assert.Equal(t, 1, server.callCount(protocol.GetHealthMethodName))
		})
	}
}
