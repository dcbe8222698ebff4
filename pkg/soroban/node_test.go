package soroban

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/strkey"
)

// fakeNode is a small Soroban RPC node for these tests. It serves getHealth, getNetwork,
// getLatestLedger, getLedgers, getEvents and getLedgerEntries with stellar-rpc's paging
// rules (10,000-ledger scan window, cursor or ledger range, end-of-window cursors), and
// responds with injected faults first.
type fakeNode struct {
	mu sync.Mutex

	oldest, latest uint32
	closeTimes     map[uint32]int64
	events         []protocol.EventInfo // chain order
	entries        map[string]protocol.LedgerEntryResult

	maxLimit      uint   // largest getEvents limit accepted
	limitMessage  string // replaces the "limit must not exceed N" message when set
	overlap       int    // events before the cursor that a cursor request sends again
	repeatCursor  bool   // cursor requests get no events and their own cursor back
	noCloseTimes  bool   // getHealth leaves out the close times
	latestPerCall bool   // getLedgerEntries reports latest+call number as its latest ledger

	faults   map[string][]fault
	calls    map[string]int
	requests map[string][]json.RawMessage
	aborted  chan struct{} // receives when a held request's context ends
}

// fault is an injected response: an HTTP status, a JSON-RPC error, or a request held until
// the client gives up.
type fault struct {
	status     int
	retryAfter string
	code       int
	message    string
	hold       bool
}

// testContractID is the strkey of a contract id of 32 bytes 0x01.
var testContractID = strkey.MustEncode(strkey.VersionByteContract, bytes.Repeat([]byte{1}, 32))

func newFakeNode(t *testing.T, oldest, latest uint32, closeTime func(seq uint32) int64) *fakeNode {
	t.Helper()
	n := &fakeNode{
		oldest:     oldest,
		latest:     latest,
		closeTimes: map[uint32]int64{},
		entries:    map[string]protocol.LedgerEntryResult{},
		maxLimit:   10000,
		faults:     map[string][]fault{},
		calls:      map[string]int{},
		requests:   map[string][]json.RawMessage{},
		aborted:    make(chan struct{}, 16),
	}
	for seq := oldest; seq <= latest; seq++ {
		n.closeTimes[seq] = closeTime(seq)
	}
	return n
}

// uniformTimes closes ledger seq at 1,767,225,600 + 5·seq seconds.
func uniformTimes(seq uint32) int64 { return 1767225600 + 5*int64(seq) }

// start serves n on loopback and returns a client for it.
func (n *fakeNode) start(t *testing.T, opts Options) *Client {
	t.Helper()
	server := httptest.NewServer(n)
	t.Cleanup(server.Close)
	if opts.RetryBaseDelay == 0 {
		opts.RetryBaseDelay = time.Millisecond
	}
	client := NewClient(server.URL, server.Client(), opts)
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// addEvents appends count events in ledger seq, one transaction each, after those present.
func (n *fakeNode) addEvents(seq uint32, count int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	tx := uint32(1)
	for _, ev := range n.events {
		if uint32(ev.Ledger) == seq {
			tx++
		}
	}
	for i := 0; i < count; i++ {
		id := protocol.Cursor{Ledger: seq, Tx: tx + uint32(i), Op: 0, Event: 0}
		n.events = append(n.events, protocol.EventInfo{
			EventType:       protocol.EventTypeContract,
			Ledger:          int32(seq),
			LedgerClosedAt:  time.Unix(n.closeTimes[seq], 0).UTC().Format(time.RFC3339),
			ContractID:      testContractID,
			ID:              id.String(),
			TxIndex:         id.Tx,
			TransactionHash: fmt.Sprintf("%064x", uint64(seq)<<20|uint64(id.Tx)),
			TopicXDR:        []string{fmt.Sprintf("topic-%d-%d", seq, id.Tx)},
			ValueXDR:        fmt.Sprintf("value-%d-%d", seq, id.Tx),
		})
	}
	slices.SortFunc(n.events, func(a, b protocol.EventInfo) int {
		return mustCursor(a.ID).Cmp(mustCursor(b.ID))
	})
}

// extend closes ledgers up to latest.
func (n *fakeNode) extend(latest uint32, closeTime func(seq uint32) int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for seq := n.latest + 1; seq <= latest; seq++ {
		n.closeTimes[seq] = closeTime(seq)
	}
	n.latest = latest
}

func (n *fakeNode) inject(method string, faults ...fault) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults[method] = append(n.faults[method], faults...)
}

func (n *fakeNode) callCount(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[method]
}

type rpcRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

type rpcFailure struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (n *fakeNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req rpcRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	n.calls[req.Method]++
	n.requests[req.Method] = append(n.requests[req.Method], req.Params)
	var injected *fault
	if queue := n.faults[req.Method]; len(queue) > 0 {
		injected = &queue[0]
		n.faults[req.Method] = queue[1:]
	}
	n.mu.Unlock()

	if injected != nil && n.serveFault(w, r, req, *injected) {
		return
	}
	n.mu.Lock()
	result, failure := n.dispatch(req)
	n.mu.Unlock()
	writeRPC(w, req.ID, result, failure)
}

// serveFault responds with f and reports whether it did.
func (n *fakeNode) serveFault(w http.ResponseWriter, r *http.Request, req rpcRequest, f fault) bool {
	switch {
	case f.hold:
		<-r.Context().Done()
		n.aborted <- struct{}{}
		return true
	case f.status != 0:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		http.Error(w, http.StatusText(f.status), f.status)
		return true
	case f.code != 0:
		writeRPC(w, req.ID, nil, &rpcFailure{Code: f.code, Message: f.message})
		return true
	}
	return false
}

func writeRPC(w http.ResponseWriter, id json.RawMessage, result any, failure *rpcFailure) {
	body := map[string]any{"jsonrpc": "2.0", "id": id}
	if failure != nil {
		body["error"] = failure
	} else {
		body["result"] = result
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (n *fakeNode) dispatch(req rpcRequest) (any, *rpcFailure) {
	switch req.Method {
	case protocol.GetHealthMethodName:
		return n.health(), nil
	case protocol.GetNetworkMethodName:
		return protocol.GetNetworkResponse{Passphrase: "Standalone Network ; February 2017", ProtocolVersion: 23}, nil
	case protocol.GetLatestLedgerMethodName:
		return protocol.GetLatestLedgerResponse{Sequence: n.latest, LedgerCloseTime: n.closeTimes[n.latest]}, nil
	case protocol.GetLedgersMethodName:
		return n.ledgers(req.Params)
	case protocol.GetEventsMethodName:
		return n.getEvents(req.Params)
	case protocol.GetLedgerEntriesMethodName:
		return n.ledgerEntries(req.Params)
	}
	return nil, &rpcFailure{Code: codeMethodNotFound, Message: "method not found"}
}

func (n *fakeNode) health() protocol.GetHealthResponse {
	resp := protocol.GetHealthResponse{
		Status:                "healthy",
		LatestLedger:          n.latest,
		OldestLedger:          n.oldest,
		LedgerRetentionWindow: n.latest - n.oldest + 1,
	}
	if !n.noCloseTimes {
		resp.LatestLedgerCloseTime = n.closeTimes[n.latest]
		resp.OldestLedgerCloseTime = n.closeTimes[n.oldest]
	}
	return resp
}

func (n *fakeNode) ledgers(params json.RawMessage) (any, *rpcFailure) {
	var req protocol.GetLedgersRequest
	if err := json.Unmarshal(params, &req); err != nil {
		return nil, &rpcFailure{Code: codeInvalidParams, Message: err.Error()}
	}
	if err := req.Validate(200, protocol.LedgerSeqRange{FirstLedger: n.oldest, LastLedger: n.latest}); err != nil {
		return nil, &rpcFailure{Code: codeInvalidRequest, Message: err.Error()}
	}
	limit := uint32(50)
	if req.Pagination != nil && req.Pagination.Limit > 0 {
		limit = uint32(req.Pagination.Limit)
	}
	resp := protocol.GetLedgersResponse{LatestLedger: n.latest, OldestLedger: n.oldest}
	for seq := req.StartLedger; seq < req.StartLedger+limit && seq <= n.latest; seq++ {
		resp.Ledgers = append(resp.Ledgers, protocol.LedgerInfo{Sequence: seq, LedgerCloseTime: n.closeTimes[seq]})
	}
	return resp, nil
}

func (n *fakeNode) getEvents(params json.RawMessage) (any, *rpcFailure) {
	var req protocol.GetEventsRequest
	if err := json.Unmarshal(params, &req); err != nil {
		return nil, &rpcFailure{Code: codeInvalidParams, Message: err.Error()}
	}
	if err := req.Valid(n.maxLimit); err != nil {
		message := err.Error()
		if n.limitMessage != "" && req.Pagination != nil && req.Pagination.Limit > n.maxLimit {
			message = n.limitMessage
		}
		return nil, &rpcFailure{Code: codeInvalidParams, Message: message}
	}

	if n.repeatCursor && req.Pagination != nil && req.Pagination.Cursor != nil {
		return protocol.GetEventsResponse{Events: []protocol.EventInfo{}, Cursor: req.Pagination.Cursor.String(), LatestLedger: n.latest}, nil
	}
	start, limit := protocol.Cursor{Ledger: req.StartLedger}, uint(100)
	if req.Pagination != nil {
		if req.Pagination.Cursor != nil {
			start = *req.Pagination.Cursor
			start.Event++ // the page starts after the cursor
		}
		if req.Pagination.Limit > 0 {
			limit = req.Pagination.Limit
		}
	}
	if start.Ledger < n.oldest || start.Ledger > n.latest {
		return nil, &rpcFailure{Code: codeInvalidRequest,
			Message: fmt.Sprintf("startLedger must be within the ledger range: %d - %d", n.oldest, n.latest)}
	}
	end := min(start.Ledger+10000, n.latest+1)
	if req.EndLedger != 0 {
		end = min(end, req.EndLedger)
	}

	first, _ := slices.BinarySearchFunc(n.events, start, func(ev protocol.EventInfo, c protocol.Cursor) int {
		return mustCursor(ev.ID).Cmp(c)
	})
	if req.Pagination != nil && req.Pagination.Cursor != nil {
		first = max(0, first-n.overlap)
	}
	found := []protocol.EventInfo{}
	for _, ev := range n.events[first:] {
		if uint32(ev.Ledger) >= end || uint(len(found)) == limit {
			break
		}
		if matchesContract(req.Filters, ev.ContractID) {
			found = append(found, ev)
		}
	}
	cursor := ledgerEnd(end - 1).String()
	if uint(len(found)) == limit {
		cursor = found[len(found)-1].ID
	}
	return protocol.GetEventsResponse{
		Events: found, Cursor: cursor, LatestLedger: n.latest, OldestLedger: n.oldest,
		LatestLedgerCloseTime: n.closeTimes[n.latest], OldestLedgerCloseTime: n.closeTimes[n.oldest],
	}, nil
}

func matchesContract(filters []protocol.EventFilter, contractID string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if len(f.ContractIDs) == 0 || slices.Contains(f.ContractIDs, contractID) {
			return true
		}
	}
	return false
}

func (n *fakeNode) ledgerEntries(params json.RawMessage) (any, *rpcFailure) {
	var req protocol.GetLedgerEntriesRequest
	if err := json.Unmarshal(params, &req); err != nil {
		return nil, &rpcFailure{Code: codeInvalidParams, Message: err.Error()}
	}
	if len(req.Keys) > 200 {
		return nil, &rpcFailure{Code: codeInvalidParams, Message: fmt.Sprintf("key count (%d) exceeds maximum supported (200)", len(req.Keys))}
	}
	resp := protocol.GetLedgerEntriesResponse{LatestLedger: n.latest}
	if n.latestPerCall {
		resp.LatestLedger += uint32(n.calls[protocol.GetLedgerEntriesMethodName])
	}
	// Answer in reverse order, so the client must match results by key.
	for i := len(req.Keys) - 1; i >= 0; i-- {
		if entry, ok := n.entries[req.Keys[i]]; ok {
			resp.Entries = append(resp.Entries, entry)
		}
	}
	return resp, nil
}

// background is the context of calls that are not cancelled.
var background = context.Background()
