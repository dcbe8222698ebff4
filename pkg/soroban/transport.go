package soroban

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	mu          sync.Mutex
	status      int
	retryAfter  time.Duration
	contentType string
	bodyStart   byte // the first byte of the response body that is not JSON white space
	err         error
	timedOut    bool // the HTTP client's timeout ended the request
}

func (x *exchange) record(resp *http.Response, err error, timedOut bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err, x.timedOut = err, timedOut
	if resp != nil {
		x.status = resp.StatusCode
		x.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		x.contentType = resp.Header.Get("Content-Type")
	}
}

// recordBody notes the first byte of the body that is not JSON white space, from the
// bytes p that one Read returned.
func (x *exchange) recordBody(p []byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.bodyStart != 0 {
		return
	}
	for _, b := range p {
		if b != ' ' && b != '\t' && b != '\n' && b != '\r' {
			x.bodyStart = b
			return
		}
	}
}

// notJSONRPC reports whether the transport saw an HTTP 200 response whose body does not
// start a JSON object or array, such as a web page or an empty body.
func (x *exchange) notJSONRPC() (contentType string, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.contentType, x.status == http.StatusOK && x.bodyStart != '{' && x.bodyStart != '['
}

func (x *exchange) recordFailure(err error, timedOut bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err, x.timedOut = err, timedOut
}

func (x *exchange) snapshot() (status int, retryAfter time.Duration, err error, timedOut bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status, x.retryAfter, x.err, x.timedOut
}

// recordingTransport runs one call's HTTP requests on the shared transport and records
// the outcome in an exchange. It also cancels a request when the call's context ends:
// jrpc2's HTTP channel builds requests without the caller's context, so otherwise a
// cancelled call would leave its request running until the HTTP client's timeout.
type recordingTransport struct {
	base     http.RoundTripper
	ctx      context.Context
	exchange *exchange
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The request context carries the HTTP client's timeout, and the call's context is added.
	ctx, cancel := context.WithCancelCause(req.Context())
	stop := context.AfterFunc(t.ctx, func() { cancel(context.Cause(t.ctx)) })
	release := func() {
		stop()
		cancel(nil)
	}

	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	t.exchange.record(resp, err, t.clientTimedOut(req))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release, transport: t, req: req}
	return resp, nil
}

// clientTimedOut reports whether the HTTP client's Timeout ended req while the call's
// context is still live. The transport then returns a plain "request canceled" error, and
// the client's timer can fire just before the request context's deadline does, so the
// deadline itself is compared.
func (t *recordingTransport) clientTimedOut(req *http.Request) bool {
	if t.ctx.Err() != nil {
		return false
	}
	deadline, ok := req.Context().Deadline()
	return req.Context().Err() != nil || (ok && !time.Now().Before(deadline))
}

// releasingBody records read failures, and releases the request's context watcher when
// the body is closed so that calls under a long-lived context do not accumulate watchers.
type releasingBody struct {
	io.ReadCloser
	once      sync.Once
	release   func()
	transport *recordingTransport
	req       *http.Request
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.transport.exchange.recordBody(p[:n])
	if err != nil && err != io.EOF {
		b.transport.exchange.recordFailure(err, b.transport.clientTimedOut(b.req))
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// callOnce makes one JSON-RPC call through a fresh rpcclient bound to ctx, and turns a
// failure into an *RPCError. A fresh client per call costs one goroutine and keeps each
// call's HTTP status apart from concurrent calls. The shared transport pools connections.
func (c *Client) callOnce(ctx context.Context, method string, fn func(*rpcclient.Client) error) error {
	httpClient, record := c.recordingClient(ctx)
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

// recordingClient returns an HTTP client for one call: the shared transport and the settings
// of the configured client, recording each response in the returned exchange.
func (c *Client) recordingClient(ctx context.Context) (*http.Client, *exchange) {
	record := &exchange{}
	return &http.Client{
		Transport:     &recordingTransport{base: c.transport, ctx: ctx, exchange: record},
		Timeout:       c.http.Timeout,
		Jar:           c.http.Jar,
		CheckRedirect: c.http.CheckRedirect,
	}, record
}

// classify builds the *RPCError for a failed call from what the transport recorded and
// the error jrpc2 returned.
func classify(method string, err error, record *exchange) error {
	status, retryAfter, transportErr, timedOut := record.snapshot()
	switch {
	case timedOut:
		return &RPCError{
			Method:  method,
			Message: "no response from the RPC within the HTTP client's timeout",
			timeout: true,
			cause:   transportErr,
		}
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
	if contentType, ok := record.notJSONRPC(); ok {
		return notJSONRPCError(method, contentType, err)
	}

	var jerr *jrpc2.Error
	if errors.As(err, &jerr) {
		return &RPCError{Method: method, Code: int(jerr.Code), Message: jerr.Message}
	}
	return &RPCError{
		Method:  method,
		Message: fmt.Sprintf("unreadable response: %v", err),
		cause:   err,
	}
}
