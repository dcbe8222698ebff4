// Package soroban reads Soroban RPC (stellar-rpc) nodes through go-stellar-sdk's rpcclient:
// contract event scans with cursor pagination and de-duplication, time to ledger mapping,
// retention clamping, retries with backoff, and batched ledger entry reads.
package soroban

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// Defaults for the zero values of Options.
const (
	DefaultPageLimit      = 10000 // stellar-rpc's default maximum getEvents limit
	DefaultMaxRetries     = 4
	DefaultRetryBaseDelay = 250 * time.Millisecond
	DefaultMaxRetryAfter  = 10 * time.Second
	maxBackoff            = 5 * time.Second
	maxTimeoutRetries     = 1
	defaultHTTPTimeout    = 30 * time.Second
)

// Options tunes paging, retries and limits. The zero value uses the defaults.
type Options struct {
	// PageLimit is the number of events per getEvents page, and 0 means DefaultPageLimit.
	// When a node rejects the limit, the client lowers it and keeps the lower value.
	PageLimit int
	// MaxRetries is how often a call is retried after an HTTP 408, 429, 500, 502, 503 or 504,
	// a JSON-RPC -32001 or a transport failure. A request that ran into the HTTP client's
	// timeout is retried once at most, since each attempt costs the whole timeout. 0 means
	// DefaultMaxRetries and a negative value disables retries.
	MaxRetries int
	// RetryBaseDelay is the first backoff delay. Each retry doubles it, up to 5 s, with
	// random jitter. 0 means DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	// MaxRetryAfter is the longest wait a Retry-After header can impose before a retry.
	// 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// MaxEvents is the maximum number of events a scan may visit, and 0 means unlimited. A
	// scan that would visit more stops with ErrTooManyEvents.
	MaxEvents int
	// Logger receives a Debug record for each retry. Nil disables logging.
	Logger *slog.Logger
	// LedgerTimes remembers the ledger close times the client receives, so LedgerWindow needs
	// fewer getLedgers reads. Nil gives the client a LedgerTimes of its own.
	LedgerTimes *LedgerTimes
}

func (o Options) withDefaults() Options {
	if o.PageLimit <= 0 {
		o.PageLimit = DefaultPageLimit
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.LedgerTimes == nil {
		o.LedgerTimes = NewLedgerTimes()
	}
	return o
}

// Client reads one Soroban RPC node. It is safe for concurrent use.
type Client struct {
	url       string
	http      *http.Client
	transport http.RoundTripper
	opts      Options
	pageLimit atomic.Int64 // the current getEvents limit, lowered when a node rejects it
	closed    atomic.Bool

	// sleep waits for a retry delay. Tests replace it to record delays without waiting.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client for the JSON-RPC endpoint rpcURL. httpClient carries the auth
// headers and timeouts, and its transport is shared by all calls. A nil httpClient means
// a plain client with a 30 s timeout.
func NewClient(rpcURL string, httpClient *http.Client, opts Options) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	transport := httpClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	c := &Client{
		url:       rpcURL,
		http:      httpClient,
		transport: transport,
		opts:      opts.withDefaults(),
		sleep:     sleepContext,
	}
	c.pageLimit.Store(int64(c.opts.PageLimit))
	return c
}

// Close stops further calls and closes the idle connections of the HTTP client.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.http.CloseIdleConnections()
	return nil
}

// Health calls getHealth. An unhealthy node responds with a JSON-RPC error.
func (c *Client) Health(ctx context.Context) (protocol.GetHealthResponse, error) {
	var resp protocol.GetHealthResponse
	err := c.call(ctx, protocol.GetHealthMethodName, &callStats{}, func(rc *rpcclient.Client) (err error) {
		resp, err = rc.GetHealth(ctx)
		return err
	})
	return resp, err
}

// Network calls getNetwork: the network passphrase and protocol version.
func (c *Client) Network(ctx context.Context) (protocol.GetNetworkResponse, error) {
	var resp protocol.GetNetworkResponse
	err := c.call(ctx, protocol.GetNetworkMethodName, &callStats{}, func(rc *rpcclient.Client) (err error) {
		resp, err = rc.GetNetwork(ctx)
		return err
	})
	return resp, err
}

// LatestLedger calls getLatestLedger.
func (c *Client) LatestLedger(ctx context.Context) (protocol.GetLatestLedgerResponse, error) {
	var resp protocol.GetLatestLedgerResponse
	err := c.call(ctx, protocol.GetLatestLedgerMethodName, &callStats{}, func(rc *rpcclient.Client) (err error) {
		resp, err = rc.GetLatestLedger(ctx)
		return err
	})
	return resp, err
}

// callStats counts the HTTP requests of one operation.
type callStats struct {
	calls   int // requests sent, retries included
	retries int
}

// errClientClosed is returned by calls made after Close.
var errClientClosed = errors.New("soroban RPC client is closed: the datasource was disposed; retry the query")

// call runs fn, retrying retryable failures with exponential backoff and jitter, or after
// the Retry-After delay the node asked for. A cancelled context stops it at once.
func (c *Client) call(ctx context.Context, method string, stats *callStats, fn func(*rpcclient.Client) error) error {
	return c.retry(ctx, method, stats, func() error { return c.callOnce(ctx, method, fn) })
}

// retry runs once until it succeeds, fails with an error that is not retryable, or runs out of
// retries. once returns an *RPCError for a failed call.
func (c *Client) retry(ctx context.Context, method string, stats *callStats, once func() error) error {
	timeouts := 0
	for attempt := 0; ; attempt++ {
		if c.closed.Load() {
			return errClientClosed
		}
		stats.calls++
		err := once()
		if err == nil {
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s stopped: %w", method, ctxErr)
		}

		var rpcErr *RPCError
		if errors.As(err, &rpcErr) {
			rpcErr.Retries = attempt
			if rpcErr.timeout {
				timeouts++
			}
		}
		if attempt >= c.opts.MaxRetries || !IsRetryable(err) || timeouts > maxTimeoutRetries {
			return err
		}
		delay := c.retryDelay(attempt, rpcErr)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return err
		}
		if c.opts.Logger != nil {
			c.opts.Logger.DebugContext(ctx, "Retrying Soroban RPC call",
				"method", method, "attempt", attempt+1, "delay", delay, "error", err)
		}
		if err := c.sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s stopped while waiting to retry: %w", method, err)
		}
		stats.retries++
	}
}

// retryDelay returns the wait before retry attempt+1: the node's Retry-After (capped at
// MaxRetryAfter) if it sent one, else RetryBaseDelay·2^attempt (capped at 5 s) with the
// upper half jittered.
func (c *Client) retryDelay(attempt int, rpcErr *RPCError) time.Duration {
	if rpcErr != nil && rpcErr.RetryAfter > 0 {
		return min(rpcErr.RetryAfter, c.opts.MaxRetryAfter)
	}
	delay := c.opts.RetryBaseDelay
	for i := 0; i < attempt && delay < maxBackoff; i++ {
		delay *= 2
	}
	delay = min(delay, maxBackoff)
	half := delay / 2
	return half + rand.N(half+1)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
