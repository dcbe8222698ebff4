package sorobantest

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// FaultKind names a failure the server can inject.
type FaultKind int

// Fault kinds. An HTTP-level kind fails the whole HTTP request, and the others act on one call.
const (
	// FaultLatency delays the call by Fault.Delay, then serves it normally.
	FaultLatency FaultKind = iota + 1
	// FaultTimeout returns stellar-rpc's JSON-RPC error -32001 "request exceeded
	// processing limit threshold", after Fault.Delay if set.
	FaultTimeout
	// FaultGatewayTimeout sends HTTP 504 with an empty body, as stellar-rpc does when
	// a request runs past its HTTP duration limit.
	FaultGatewayTimeout
	// FaultUnavailable sends HTTP 503 with a text body, as a node with a full request
	// queue or a proxy in front of it does.
	FaultUnavailable
	// FaultTooManyRequests sends HTTP 429 with a Retry-After header of Fault.RetryAfter
	// rounded up to whole seconds (no header when RetryAfter is 0).
	FaultTooManyRequests
	// FaultMalformedXDR serves the next Count getEvents events with topics and value
	// that are valid base64 but not decodable XDR ScVals.
	FaultMalformedXDR
	// FaultOutOfRetention moves the oldest ledger forward by Fault.Ledgers for the
	// faulted calls, or to the latest ledger when Ledgers is 0, as if the node had just
	// pruned those ledgers.
	FaultOutOfRetention
)

var httpFaultKinds = []FaultKind{FaultGatewayTimeout, FaultUnavailable, FaultTooManyRequests}

// String returns the kind's name, e.g. "timeout".
func (k FaultKind) String() string {
	switch k {
	case FaultLatency:
		return "latency"
	case FaultTimeout:
		return "timeout"
	case FaultGatewayTimeout:
		return "gateway_timeout"
	case FaultUnavailable:
		return "unavailable"
	case FaultTooManyRequests:
		return "too_many_requests"
	case FaultMalformedXDR:
		return "malformed_xdr"
	case FaultOutOfRetention:
		return "out_of_retention"
	}
	return fmt.Sprintf("fault_%d", int(k))
}

// Fault describes an injected failure.
type Fault struct {
	Method     string        // JSON-RPC method it applies to; "" applies to every method
	Kind       FaultKind     // failure to inject
	Count      int           // calls affected, or events for FaultMalformedXDR. 0 means 1, and negative means until ClearFaults
	RetryAfter time.Duration // FaultTooManyRequests: the Retry-After value
	Delay      time.Duration // FaultLatency and FaultTimeout: how long the call takes
	Ledgers    uint32        // FaultOutOfRetention: how far the oldest ledger moves; 0 moves it to the latest ledger
}

type activeFault struct {
	Fault
	remaining int // negative: unlimited
}

type retentionShiftKey struct{}

// Inject queues a fault. Faults of the same kind and method apply in the order injected.
func (s *Server) Inject(f Fault) {
	count := f.Count
	if count == 0 {
		count = 1
	}

	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	if f.Kind == FaultMalformedXDR {
		if count < 0 {
			s.corrupt = -1
		} else if s.corrupt >= 0 {
			s.corrupt += count
		}
		return
	}
	s.faults = append(s.faults, &activeFault{Fault: f, remaining: count})
}

// ClearFaults drops every queued fault, including pending malformed events.
func (s *Server) ClearFaults() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = nil
	s.corrupt = 0
}

// Calls returns how many calls of a method the server received, including calls that got
// an injected fault and calls of unknown methods.
func (s *Server) Calls(method string) int {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	return s.calls[method]
}

// ResetCalls sets every call counter back to zero.
func (s *Server) ResetCalls() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	clear(s.calls)
}

func (s *Server) countCall(method string) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.calls[method]++
}

// takeFault consumes one use of the first queued fault for method with one of kinds.
func (s *Server) takeFault(method string, kinds ...FaultKind) (Fault, bool) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for i, f := range s.faults {
		if (f.Method != "" && f.Method != method) || !slices.Contains(kinds, f.Kind) {
			continue
		}
		if f.remaining > 0 {
			f.remaining--
			if f.remaining == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// takeCorrupt reports whether the next served event gets malformed XDR.
func (s *Server) takeCorrupt() bool {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	switch {
	case s.corrupt < 0:
		return true
	case s.corrupt > 0:
		s.corrupt--
		return true
	}
	return false
}

// applyCallFaults runs the call-level faults for method. It returns the error to send,
// or a context carrying a retention shift for the handler.
func (s *Server) applyCallFaults(ctx context.Context, method string) (context.Context, error) {
	if f, ok := s.takeFault(method, FaultLatency); ok {
		if err := sleep(ctx, f.Delay); err != nil {
			return ctx, err
		}
	}

	if f, ok := s.takeFault(method, FaultTimeout); ok {
		if err := sleep(ctx, f.Delay); err != nil {
			return ctx, err
		}
		return ctx, &Error{Code: CodeRequestTimeout, Message: "request exceeded processing limit threshold"}
	}

	if f, ok := s.takeFault(method, FaultOutOfRetention); ok {
		ctx = context.WithValue(ctx, retentionShiftKey{}, f.Ledgers)
	}
	return ctx, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &Error{Code: CodeInternalError, Message: "request canceled by the client: " + ctx.Err().Error()}
	}
}
