package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// userError is bad input from the user or the dashboard: a downstream error.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }
func (e userError) Unwrap() error { return e.err }

func downstream(err error) error { return userError{err: err} }

// errorSource classifies err: RPC failures, throttling, timeouts and bad input are downstream;
// anything else is a plugin bug.
func errorSource(err error) backend.ErrorSource {
	var rpcErr *soroban.RPCError
	var uErr userError
	switch {
	case errors.As(err, &uErr),
		errors.As(err, &rpcErr),
		errors.Is(err, soroban.ErrTooManyEvents),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled):
		return backend.ErrorSourceDownstream
	}
	return backend.ErrorSourcePlugin
}

// statusClientClosedRequest is the status Grafana uses for a request its client cancelled.
const statusClientClosedRequest backend.Status = 499

// errorStatus maps err to the status Grafana shows.
func errorStatus(err error) backend.Status {
	var rpcErr *soroban.RPCError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return backend.StatusTimeout
	case errors.Is(err, context.Canceled):
		return statusClientClosedRequest
	case errors.As(err, &rpcErr):
		if rpcErr.HTTPStatus == 429 {
			return backend.StatusTooManyRequests
		}
		return backend.StatusBadGateway
	}
	var uErr userError
	if errors.As(err, &uErr) || errors.Is(err, soroban.ErrTooManyEvents) {
		return backend.StatusBadRequest
	}
	return backend.StatusInternal
}

// errorResponse turns err into a per-query response with status and error source.
func errorResponse(err error) backend.DataResponse {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: the RPC did not respond within the timeout; narrow the time range or raise the timeout in the datasource settings", err)
	}
	return backend.DataResponse{
		Error:       err,
		Status:      errorStatus(err),
		ErrorSource: errorSource(err),
	}
}
