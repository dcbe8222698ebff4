package soroban

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// JSON-RPC error codes that stellar-rpc sends and this package acts on.
const (
	codeInvalidRequest = -32600 // also used for a startLedger outside the retention window
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602 // also used for a page limit above the node's maximum
	codeInternal       = -32603
	codeRequestTimeout = -32001 // the node gave up on a request that ran too long
)

// ErrTooManyEvents is returned (wrapped with the ledger range and the count) when a scan
// would visit more events than Options.MaxEvents. The scan stops: its counts are partial.
var ErrTooManyEvents = errors.New("too many events")

// RPCError is a failed Soroban RPC call: an HTTP status other than 200, a JSON-RPC error,
// an HTTP 200 response that is not JSON-RPC, an unreadable response or a transport failure.
// HTTPStatus is set only for the first kind, Code only for the second and ContentType only
// for the third.
type RPCError struct {
	Method      string        // JSON-RPC method, e.g. "getEvents"
	Code        int           // JSON-RPC error code, e.g. -32600
	HTTPStatus  int           // HTTP status code, e.g. 429
	Message     string        // JSON-RPC error message, HTTP status text, or what failed otherwise
	ContentType string        // Content-Type header of a response that is not JSON-RPC
	RetryAfter  time.Duration // the Retry-After header of the HTTP response, zero if absent
	Retries     int           // how many times the call was retried before this error

	notJSONRPC bool  // the HTTP 200 response body is not a JSON-RPC response
	timeout    bool  // the transport timed out
	cause      error // the transport or decoding error behind Message, if any
}

// notJSONRPCError returns the error for an HTTP 200 response whose body is not a JSON-RPC
// response, such as a web page or another API served at the RPC URL.
func notJSONRPCError(method, contentType string, cause error) *RPCError {
	return &RPCError{
		Method:      method,
		Message:     "response is not JSON-RPC",
		ContentType: contentType,
		notJSONRPC:  true,
		cause:       cause,
	}
}

// Error returns the method, what failed, the retry count and a hint on what to do.
func (e *RPCError) Error() string {
	return fmt.Sprintf("%s failed: %s%s: %s", e.Method, e.describe(), retriedSuffix(e.Retries), e.hint())
}

// Unwrap returns the transport or decoding error behind e, if any.
func (e *RPCError) Unwrap() error { return e.cause }

func (e *RPCError) describe() string {
	switch {
	case e.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d %s from the RPC", e.HTTPStatus, http.StatusText(e.HTTPStatus))
	case e.Code != 0:
		return fmt.Sprintf("JSON-RPC error %d %q from the RPC", e.Code, e.Message)
	case e.notJSONRPC && e.ContentType == "":
		return e.Message + " (HTTP 200 without a Content-Type)"
	case e.notJSONRPC:
		return fmt.Sprintf("%s (HTTP 200, Content-Type %q)", e.Message, e.ContentType)
	default:
		return e.Message
	}
}

func (e *RPCError) hint() string {
	switch {
	case e.HTTPStatus != 0:
		return statusHint(e.HTTPStatus)
	case e.Code == codeRequestTimeout:
		return "the request ran too long on the node; narrow the time range or the filters"
	case e.Code == codeMethodNotFound:
		return "the node does not serve this method; upgrade stellar-rpc"
	case e.Code == codeInvalidRequest || e.Code == codeInvalidParams:
		return "the node rejected the request; check the ledger range and the filters"
	case e.Code != 0:
		return "the node reported an error; check its logs"
	case e.notJSONRPC:
		return "check that the RPC URL points at the Soroban RPC endpoint, not at a web page or another API"
	case e.timeout:
		return "the RPC did not respond in time; check the node's load or raise the timeout"
	default:
		return "check the RPC URL and that the node is reachable"
	}
}

// statusHint returns what to do about an HTTP status other than 200. Only the statuses that
// retryableStatus accepts suggest retrying later.
func statusHint(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "lower the dashboard refresh rate or raise the provider quota"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "check the auth header name and value in the datasource settings"
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return "check that the RPC URL is the node's JSON-RPC endpoint"
	case http.StatusRequestTimeout:
		return "the node or a proxy in front of it timed out reading the request; retry later or check the network to the node"
	case http.StatusNotImplemented:
		return "the server does not implement this request; check that the RPC URL points at the Soroban RPC endpoint"
	case http.StatusServiceUnavailable:
		return "the node's request queue is full; retry later or use a less loaded node"
	case http.StatusGatewayTimeout:
		return "the request ran too long on the node; narrow the time range or the filters"
	case http.StatusInternalServerError, http.StatusBadGateway:
		return "the node or a proxy in front of it failed; retry later or check the node's logs"
	}
	if status >= 500 {
		return "the node or a proxy in front of it failed; check the logs of the node and of any proxy in front of it"
	}
	return "check the RPC URL and any proxy in front of the node"
}

func retriedSuffix(retries int) string {
	switch retries {
	case 0:
		return ""
	case 1:
		return " (retried once)"
	default:
		return fmt.Sprintf(" (retried %d times)", retries)
	}
}

// IsRetryable reports whether err is worth retrying: an HTTP 408, 429, 500, 502, 503 or 504,
// the JSON-RPC request timeout (-32001), the HTTP client's timeout or a dropped connection.
// Other HTTP statuses, other JSON-RPC errors, a response that is not JSON-RPC, context
// cancellation and the caller's deadline are not retryable.
func IsRetryable(err error) bool {
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		switch {
		case rpcErr.HTTPStatus != 0:
			return retryableStatus(rpcErr.HTTPStatus)
		case rpcErr.Code != 0:
			return rpcErr.Code == codeRequestTimeout
		case rpcErr.notJSONRPC:
			return false
		case rpcErr.timeout:
			// The HTTP client's timeout for one request, not the caller's deadline: a
			// call whose context ended returns the context error instead of an RPCError.
			return true
		}
	}
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return isTransient(err)
}

// retryableStatus reports whether a later attempt may get past an HTTP status: a timeout,
// throttling, or a failure of the node or a proxy. Other statuses, such as 400, 405 or 501,
// come from the request or the URL, so a retry would get the same status.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isTransient reports whether a transport error is a timeout or a dropped connection.
func isTransient(err error) bool {
	return isTimeout(err) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date. It returns
// zero for an absent, malformed or past value.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(value); err == nil {
		if seconds <= 0 {
			return 0
		}
		return time.Duration(seconds) * time.Second
	}
	at, err := http.ParseTime(value)
	if err != nil || !at.After(now) {
		return 0
	}
	return at.Sub(now)
}

// retentionPattern matches stellar-rpc's out-of-retention message, e.g.
// "startLedger must be within the ledger range: 1000 - 121959".
var retentionPattern = regexp.MustCompile(`ledger range: (\d+) - (\d+)`)

// retentionRange returns the oldest and latest ledger named by an out-of-retention error.
func retentionRange(err error) (oldest, latest uint32, ok bool) {
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Code != codeInvalidRequest {
		return 0, 0, false
	}
	match := retentionPattern.FindStringSubmatch(rpcErr.Message)
	if match == nil {
		return 0, 0, false
	}
	low, errLow := strconv.ParseUint(match[1], 10, 32)
	high, errHigh := strconv.ParseUint(match[2], 10, 32)
	if errLow != nil || errHigh != nil {
		return 0, 0, false
	}
	return uint32(low), uint32(high), true
}

// limitPattern matches the number in stellar-rpc's "limit must not exceed 10000".
var limitPattern = regexp.MustCompile(`exceed (\d+)`)

// reducedLimit returns the page limit to retry with when err rejects the limit current:
// the maximum the node names if it is lower, else half of current.
func reducedLimit(err error, current int) (int, bool) {
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Code != codeInvalidParams ||
		!strings.Contains(strings.ToLower(rpcErr.Message), "limit") || current <= 1 {
		return 0, false
	}
	if match := limitPattern.FindStringSubmatch(rpcErr.Message); match != nil {
		named, err := strconv.Atoi(match[1])
		if err == nil && named >= 1 && named < current {
			return named, true
		}
	}
	return current / 2, true
}
