package sorobantest

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/stellar/go-stellar-sdk/xdr"
)

// ledgerRange is the span of ledgers the server serves: oldest to latest, inclusive.
type ledgerRange struct {
	oldest, latest ledgerRecord
}

var errNotInitialized = &Error{Code: CodeInternalError, Message: "data stores are not initialized"}

// ledgerRange returns the served range: the oldest ledger is the later of the first stored
// ledger and latest - RetentionWindow + 1. An out-of-retention fault in ctx moves it
// forward. The caller holds s.mu.
func (s *Server) ledgerRange(ctx context.Context) (ledgerRange, error) {
	ledgers := s.store.ledgers
	if len(ledgers) == 0 {
		return ledgerRange{}, errNotInitialized
	}
	latest := ledgers[len(ledgers)-1]

	oldestSeq := s.retentionStart(latest.seq)
	if shift, ok := ctx.Value(retentionShiftKey{}).(uint32); ok {
		if shift == 0 {
			oldestSeq = latest.seq
		} else {
			oldestSeq = min(latest.seq, oldestSeq+shift)
		}
	}

	i := s.ledgerIndex(oldestSeq)
	return ledgerRange{oldest: ledgers[i], latest: latest}, nil
}

// retentionStart returns latest - RetentionWindow + 1, at least 1.
func (s *Server) retentionStart(latest uint32) uint32 {
	if latest < s.cfg.RetentionWindow {
		return 1
	}
	return latest - s.cfg.RetentionWindow + 1
}

// ledgerIndex returns the index of the first stored ledger with a sequence >= seq.
func (s *Server) ledgerIndex(seq uint32) int {
	i, _ := slices.BinarySearchFunc(s.store.ledgers, seq, func(l ledgerRecord, seq uint32) int {
		return cmp.Compare(l.seq, seq)
	})
	return i
}

// closeTime returns the close time of a stored ledger, or false if it is unknown.
func (s *Server) closeTime(seq uint32) (int64, bool) {
	i := s.ledgerIndex(seq)
	if i == len(s.store.ledgers) || s.store.ledgers[i].seq != seq {
		return 0, false
	}
	return s.store.ledgers[i].closeTime, true
}

// pruneLocked frees ledgers and events older than the retention window once pruneBatch
// ledgers have fallen out of it, as stellar-rpc trims its database.
func (s *Server) pruneLocked() {
	st := &s.store
	if len(st.ledgers) == 0 {
		return
	}
	oldest := s.retentionStart(st.ledgers[len(st.ledgers)-1].seq)
	k := s.ledgerIndex(oldest)
	if k < pruneBatch {
		return
	}
	st.ledgers = slices.Clone(st.ledgers[k:])

	j, _ := slices.BinarySearchFunc(st.events, oldest, func(e eventRecord, seq uint32) int {
		return cmp.Compare(e.cursor().Ledger, seq)
	})
	st.events = slices.Clone(st.events[j:])

	firstChunk := uint64(len(st.values.chunks))
	for _, e := range st.events {
		firstChunk = min(firstChunk, e.valueRef>>32)
	}
	st.values.freeBefore(firstChunk)
}

// SetLedgerEntry stores a ledger entry under its key, both base64 XDR. It panics on
// input PutLedgerEntry rejects; use PutLedgerEntry to get the error instead.
func (s *Server) SetLedgerEntry(key, entry string) {
	if err := s.PutLedgerEntry(key, entry); err != nil {
		panic(err)
	}
}

// PutLedgerEntry stores a ledger entry (base64 XDR LedgerEntry) under its key (base64 XDR
// LedgerKey). It fails when either does not decode.
func (s *Server) PutLedgerEntry(key, entry string) error {
	canonical, err := canonicalKey(key)
	if err != nil {
		return err
	}

	var le xdr.LedgerEntry
	if err := xdr.SafeUnmarshalBase64(entry, &le); err != nil {
		return fmt.Errorf("ledger entry for key %s is not a base64 XDR LedgerEntry: %w", key, err)
	}
	rec := entryRecord{lastModified: uint32(le.LastModifiedLedgerSeq)}
	if rec.data, err = xdr.MarshalBase64(le.Data); err != nil {
		return fmt.Errorf("encode data of ledger entry %s: %w", key, err)
	}
	if rec.ext, err = xdr.MarshalBase64(le.Ext); err != nil {
		return fmt.Errorf("encode ext of ledger entry %s: %w", key, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.entries[canonical] = rec
	return nil
}

// DeleteLedgerEntry removes the entry stored under key, if any.
func (s *Server) DeleteLedgerEntry(key string) error {
	canonical, err := canonicalKey(key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.store.entries, canonical)
	return nil
}

func canonicalKey(key string) (string, error) {
	var lk xdr.LedgerKey
	if err := xdr.SafeUnmarshalBase64(key, &lk); err != nil {
		return "", fmt.Errorf("ledger key %q is not a base64 XDR LedgerKey: %w", key, err)
	}
	canonical, err := xdr.MarshalBase64(lk)
	if err != nil {
		return "", fmt.Errorf("encode ledger key %q: %w", key, err)
	}
	return canonical, nil
}
