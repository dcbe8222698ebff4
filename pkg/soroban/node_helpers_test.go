package soroban

import (
	"encoding/json"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// Helpers that read what the fake node stored or was sent.

// sentLimits returns the pagination limit of every getEvents request.
func (n *fakeNode) sentLimits(t *testing.T) []uint {
	t.Helper()
	var limits []uint
	for _, req := range n.eventRequests(t) {
		limits = append(limits, req.Pagination.Limit)
	}
	return limits
}

func (n *fakeNode) eventRequests(t *testing.T) []protocol.GetEventsRequest {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []protocol.GetEventsRequest
	for _, raw := range n.requests[protocol.GetEventsMethodName] {
		var req protocol.GetEventsRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			t.Fatalf("decode recorded getEvents request %s: %v", raw, err)
		}
		out = append(out, req)
	}
	return out
}

func mustCursor(id string) protocol.Cursor {
	c, err := protocol.ParseCursor(id)
	if err != nil {
		panic(err)
	}
	return c
}

// collect returns a visit function that appends event ids to ids.
func collect(ids *[]string) func(Event) error {
	return func(ev Event) error {
		*ids = append(*ids, ev.ID)
		return nil
	}
}

// eventIDs returns the ids of the node's events in ledgers [start, end), in chain order.
func (n *fakeNode) eventIDs(start, end uint32) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []string
	for _, ev := range n.events {
		if uint32(ev.Ledger) >= start && uint32(ev.Ledger) < end {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}
