// Package sorobanstub mirrors the agreed pkg/soroban types until that package compiles.
// TODO: delete once pkg/index imports pkg/soroban.
package sorobanstub

import "time"

// LedgerRange is a half-open ledger range [Start, End).
type LedgerRange struct{ Start, End uint32 }

// Event is one contract event as getEvents returns it.
type Event struct {
	ID         string
	Ledger     uint32
	ClosedAt   time.Time
	ContractID string
	TxHash     string
	Topics     []string
	Value      string
}

// Filter selects events by contract and topics.
type Filter struct {
	ContractIDs []string
	Topics      [][]string
}

// ScanResult describes a finished scan.
type ScanResult struct {
	Pages, Calls, Events, Duplicates int
	Cursor                           string
	LatestLedger                     uint32
}
