package sorobantest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// maxRequestBytes bounds a request body; the largest legal request (200 ledger keys) is
// far below it.
const maxRequestBytes = 4 << 20

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// ServeHTTP serves JSON-RPC 2.0 POST requests, single or batched, on any path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "JSON-RPC requests must use POST", http.StatusMethodNotAllowed)
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil || len(body) > maxRequestBytes {
		http.Error(w, "request body unreadable or larger than 4 MiB", http.StatusRequestEntityTooLarge)
		return
	}

	body = bytes.TrimSpace(body)
	batch := len(body) > 0 && body[0] == '['
	var requests []rpcRequest
	if batch {
		err = json.Unmarshal(body, &requests)
	} else {
		var single rpcRequest
		err = json.Unmarshal(body, &single)
		requests = []rpcRequest{single}
	}
	if err != nil || len(requests) == 0 {
		writeJSON(w, rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"),
			Error: &Error{Code: CodeParseError, Message: "invalid JSON-RPC request body"}})
		return
	}

	if s.serveHTTPFault(w, r, requests) {
		return
	}

	responses := make([]rpcResponse, 0, len(requests))
	for _, req := range requests {
		resp, notification := s.call(r, req)
		if !notification {
			responses = append(responses, resp)
		}
	}

	switch {
	case len(responses) == 0:
		w.WriteHeader(http.StatusNoContent)
	case batch:
		writeJSON(w, responses)
	default:
		writeJSON(w, responses[0])
	}
}

// serveHTTPFault writes an injected HTTP-level fault as the response to the whole HTTP
// request, if one applies to any call in it, and reports whether it did.
func (s *Server) serveHTTPFault(w http.ResponseWriter, r *http.Request, requests []rpcRequest) bool {
	for _, req := range requests {
		f, ok := s.takeFault(req.Method, httpFaultKinds...)
		if !ok {
			continue
		}
		for _, other := range requests {
			s.countCall(other.Method)
		}

		switch f.Kind {
		case FaultTooManyRequests:
			if f.RetryAfter > 0 {
				seconds := int((f.RetryAfter + 999_999_999) / 1_000_000_000)
				w.Header().Set("Retry-After", strconv.Itoa(seconds))
			}
			http.Error(w, "rate limit exceeded: retry later", http.StatusTooManyRequests)
		case FaultUnavailable:
			http.Error(w, "service unavailable: request queue is full", http.StatusServiceUnavailable)
		case FaultGatewayTimeout:
			w.WriteHeader(http.StatusGatewayTimeout)
		}
		return true
	}
	return false
}

// call runs one JSON-RPC call and reports whether it was a notification (no id).
func (s *Server) call(r *http.Request, req rpcRequest) (rpcResponse, bool) {
	resp := rpcResponse{JSONRPC: "2.0", ID: req.ID}
	if len(resp.ID) == 0 {
		resp.ID = json.RawMessage("null")
	}
	notification := len(req.ID) == 0

	if req.JSONRPC != "2.0" || req.Method == "" {
		resp.Error = &Error{Code: CodeInvalidRequest, Message: `invalid request: "jsonrpc" must be "2.0" and "method" set`}
		return resp, false
	}

	s.countCall(req.Method)
	ctx, err := s.applyCallFaults(r.Context(), req.Method)
	if err != nil {
		resp.Error = toRPCError(err)
		return resp, notification
	}

	h, ok := s.handler(req.Method)
	if !ok {
		resp.Error = &Error{Code: CodeMethodNotFound, Message: "method \"" + req.Method + "\" not found"}
		return resp, notification
	}

	result, err := h(ctx, req.Params)
	if err != nil {
		resp.Error = toRPCError(err)
		return resp, notification
	}

	raw, err := json.Marshal(result)
	if err != nil {
		resp.Error = &Error{Code: CodeInternalError, Message: "marshal " + req.Method + " result: " + err.Error()}
		return resp, notification
	}
	resp.Result = raw
	return resp, notification
}

func toRPCError(err error) *Error {
	var rpcErr *Error
	if errors.As(err, &rpcErr) {
		return rpcErr
	}
	return &Error{Code: CodeInternalError, Message: err.Error()}
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "marshal JSON-RPC response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}
