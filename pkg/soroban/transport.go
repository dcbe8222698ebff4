package soroban

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/creachadair/jrpc2"
	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
)

// exchange records what the HTTP layer saw during one JSON-RPC call. jrpc2 turns a non-200
// status or a transport failure into an error message string, which loses the status code,
// the Retry-After header and the error type, so the transport keeps them here.
type exchange struct {
	mu         sync.Mutex
	status     int
	retryAfter time.Duration
	err        error
}

func (x *exchange) record(resp *http.Response, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err = err
	if resp != nil {
		x.status = resp.StatusCode
		x.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
}

func (x *exchange) snapshot() (status int, retryAfter time.Duration, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status, x.retryAfter, x.err
}

// recordingTransport runs one call's HTTP requests on the shared transport, binds them to
// the call's context (jrpc2's HTTP channel builds requests without one, so cancellation
// would otherwise wait for the response) and records the outcome in an exchange.
type recordingTransport struct {
	base     http.RoundTripper
	ctx      context.Context
	exchange *exchange
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req.WithContext(t.ctx))
	t.exchange.record(resp, err)
	return resp, err
}

// callOnce makes one JSON-RPC call through a fresh rpcclient bound to ctx, and turns a
// failure into an *RPCError. A fresh client per call costs one goroutine and keeps each
// call's HTTP status apart from concurrent calls; connections are pooled by the shared
// transport.
func (c *Client) callOnce(ctx context.Context, method string, fn func(*rpcclient.Client) error) error {
	record := &exchange{}
	httpClient := &http.Client{
		Transport:     &recordingTransport{base: c.transport, ctx: ctx, exchange: record},
		Timeout:       c.http.Timeout,
		Jar:           c.http.Jar,
		CheckRedirect: c.http.CheckRedirect,
	}
	rc := rpcclient.NewClient(c.url, httpClient)
	err := fn(rc)
	if ctx.Err() != nil {
		// Closing waits for the aborted request's goroutine: do not make the caller wait.
		go rc.Close()
	} else {
		rc.Close()
	}
	if err == nil {
		return nil
	}
	return classify(method, err, record)
}

// classify builds the *RPCError for a failed call from what the transport recorded and
// the error jrpc2 returned.
func classify(method string, err error, record *exchange) error {
	status, retryAfter, transportErr := record.snapshot()
	switch {
	case transportErr != nil:
		return &RPCError{
			Method:  method,
			Message: fmt.Sprintf("no response from the RPC: %v", transportErr),
			timeout: isTimeout(transportErr),
			cause:   transportErr,
		}
	case status != 0 && status != http.StatusOK:
		return &RPCError{
			Method:     method,
			HTTPStatus: status,
			Message:    http.StatusText(status),
			RetryAfter: retryAfter,
		}
	}

	var jerr *jrpc2.Error
	if errors.As(err, &jerr) {
		return &RPCError{Method: method, Code: int(jerr.Code), Message: jerr.Message}
	}
	return &RPCError{
		Method:  method,
		Message: fmt.Sprintf("unreadable response: %v; check that the RPC URL points at a Soroban RPC node", err),
		cause:   err,
	}
}
