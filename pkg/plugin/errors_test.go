package plugin

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

func TestErrorResponseClassifies(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		source backend.ErrorSource
		status backend.Status
	}{
		{"bad input", downstream(errors.New("invalid limit")), backend.ErrorSourceDownstream, backend.StatusBadRequest},
		{"throttled", &soroban.RPCError{Method: "getEvents", HTTPStatus: 429}, backend.ErrorSourceDownstream, backend.StatusTooManyRequests},
		{"node failure", fmt.Errorf("read events: %w", &soroban.RPCError{Method: "getEvents", HTTPStatus: 503}),
			backend.ErrorSourceDownstream, backend.StatusBadGateway},
		{"json-rpc error", &soroban.RPCError{Method: "getEvents", Code: -32600}, backend.ErrorSourceDownstream, backend.StatusBadGateway},
		{"too many events", fmt.Errorf("scan: %w", soroban.ErrTooManyEvents), backend.ErrorSourceDownstream, backend.StatusBadRequest},
		{"timeout", fmt.Errorf("scan: %w", context.DeadlineExceeded), backend.ErrorSourceDownstream, backend.StatusTimeout},
		{"canceled", context.Canceled, backend.ErrorSourceDownstream, statusClientClosedRequest},
		{"plugin bug", errors.New("index invariant broken"), backend.ErrorSourcePlugin, backend.StatusInternal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := errorResponse(tc.err)

			assert.Equal(t, tc.source, resp.ErrorSource)
			assert.Equal(t, tc.status, resp.Status)
			assert.ErrorIs(t, resp.Error, tc.err)
		})
	}
}

func TestErrorResponseTimeoutHint(t *testing.T) {
	resp := errorResponse(fmt.Errorf("read events: %w", context.DeadlineExceeded))

	assert.EqualError(t, resp.Error, "read events: context deadline exceeded: the RPC did not respond within the timeout; "+
		"narrow the time range or raise the timeout in the datasource settings")
}
