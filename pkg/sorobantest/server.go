// Package sorobantest is a Soroban-RPC-compatible JSON-RPC 2.0 server for tests and the
// sandbox. It serves getHealth, getNetwork, getLatestLedger, getLedgers, getEvents and
// getLedgerEntries with the request and response types of go-stellar-sdk's protocols/rpc.
// It enforces the limits and error messages of stellar-rpc v28 and can inject faults:
// latency, timeouts, HTTP 5xx and 429, malformed XDR and a moved retention window.
package sorobantest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// Network identity a Server reports unless Config sets another.
const (
	DefaultNetworkPassphrase = "Standalone Network ; February 2017"
	DefaultProtocolVersion   = 23
)

// Limits and defaults of stellar-rpc v28 that Config and the handlers fall back to.
const (
	DefaultMaxEventsLimit  = 10000
	DefaultEventsLimit     = 100
	DefaultRetentionWindow = 120960
	DefaultLedgersLimit    = 50
	MaxLedgersLimit        = 200
	MaxLedgerEntryKeys     = 200
	// LedgerScanLimit is the number of ledgers one getEvents request scans at most.
	LedgerScanLimit = 10000
)

// JSON-RPC error codes the server returns.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
	// CodeRequestTimeout is stellar-rpc's code for a request that ran past its duration limit.
	CodeRequestTimeout = -32001
)

// Config sets the network identity and the limits of a Server.
type Config struct {
	NetworkPassphrase string // default DefaultNetworkPassphrase
	ProtocolVersion   int    // default DefaultProtocolVersion
	MaxEventsLimit    int    // getEvents page maximum; default DefaultMaxEventsLimit
	RetentionWindow   uint32 // ledgers kept; default DefaultRetentionWindow
}

// HandlerFunc serves one JSON-RPC method. It returns the result to marshal, or an error:
// an *Error keeps its code, any other error becomes an internal error (-32603).
type HandlerFunc func(ctx context.Context, params json.RawMessage) (any, error)

// Error is a JSON-RPC error object returned by a handler.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Error returns the message with its code.
func (e *Error) Error() string {
	return fmt.Sprintf("json-rpc error %d: %s", e.Code, e.Message)
}

// Server is an http.Handler speaking Soroban RPC over JSON-RPC 2.0. It is safe for
// concurrent use: tests add ledgers and events while clients read.
type Server struct {
	cfg Config

	mu    sync.RWMutex
	store store

	handlersMu sync.RWMutex
	handlers   map[string]HandlerFunc

	faultsMu sync.Mutex
	faults   []*activeFault
	calls    map[string]int
	corrupt  int // events still to serve with malformed XDR
}

// NewServer returns an empty server. Add ledgers before serving: a server without
// ledgers returns an internal error from every ledger-dependent method, as an
// uninitialized stellar-rpc node does.
func NewServer(cfg Config) *Server {
	if cfg.NetworkPassphrase == "" {
		cfg.NetworkPassphrase = DefaultNetworkPassphrase
	}
	if cfg.ProtocolVersion == 0 {
		cfg.ProtocolVersion = DefaultProtocolVersion
	}
	if cfg.MaxEventsLimit <= 0 {
		cfg.MaxEventsLimit = DefaultMaxEventsLimit
	}
	if cfg.RetentionWindow == 0 {
		cfg.RetentionWindow = DefaultRetentionWindow
	}

	s := &Server{
		cfg:      cfg,
		store:    newStore(),
		handlers: map[string]HandlerFunc{},
		calls:    map[string]int{},
	}
	s.Handle(protocol.GetHealthMethodName, s.getHealth)
	s.Handle(protocol.GetNetworkMethodName, s.getNetwork)
	s.Handle(protocol.GetLatestLedgerMethodName, s.getLatestLedger)
	s.Handle(protocol.GetLedgersMethodName, s.getLedgers)
	s.Handle(protocol.GetEventsMethodName, s.getEvents)
	s.Handle(protocol.GetLedgerEntriesMethodName, s.getLedgerEntries)
	return s
}

// Config returns the configuration with defaults filled in.
func (s *Server) Config() Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

// SetRetentionWindow changes the number of ledgers the server keeps. Ledgers and events
// older than the new window become unreachable at once and are pruned later.
func (s *Server) SetRetentionWindow(ledgers uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.RetentionWindow = max(ledgers, 1)
}

// Handle registers or replaces the handler of a JSON-RPC method, so other files can add
// methods such as simulateTransaction. Calls, faults and counters apply to it as well.
func (s *Server) Handle(method string, h HandlerFunc) {
	s.handlersMu.Lock()
	defer s.handlersMu.Unlock()
	s.handlers[method] = h
}

// Methods returns the names of the registered methods, sorted.
func (s *Server) Methods() []string {
	s.handlersMu.RLock()
	defer s.handlersMu.RUnlock()
	return slices.Sorted(maps.Keys(s.handlers))
}

func (s *Server) handler(method string) (HandlerFunc, bool) {
	s.handlersMu.RLock()
	defer s.handlersMu.RUnlock()
	h, ok := s.handlers[method]
	return h, ok
}

// decodeParams unmarshals params into dst. Absent or null params leave dst at its zero value.
func decodeParams(params json.RawMessage, dst any) error {
	if len(params) == 0 || string(params) == "null" {
		return nil
	}
	if err := json.Unmarshal(params, dst); err != nil {
		return &Error{Code: CodeInvalidParams, Message: "invalid parameters: " + err.Error()}
	}
	return nil
}

func closeTimeString(unix int64) string {
	return time.Unix(unix, 0).UTC().Format(time.RFC3339)
}
