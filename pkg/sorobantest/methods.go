package sorobantest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
)

func (s *Server) getHealth(ctx context.Context, _ json.RawMessage) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	rng, err := s.ledgerRange(ctx)
	if err != nil {
		return nil, err
	}
	return protocol.GetHealthResponse{
		Status:                "healthy",
		LatestLedger:          rng.latest.seq,
		LatestLedgerCloseTime: rng.latest.closeTime,
		OldestLedger:          rng.oldest.seq,
		OldestLedgerCloseTime: rng.oldest.closeTime,
		LedgerRetentionWindow: s.cfg.RetentionWindow,
	}, nil
}

func (s *Server) getNetwork(_ context.Context, _ json.RawMessage) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return protocol.GetNetworkResponse{
		Passphrase:      s.cfg.NetworkPassphrase,
		ProtocolVersion: s.cfg.ProtocolVersion,
	}, nil
}

func (s *Server) getLatestLedger(ctx context.Context, _ json.RawMessage) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	rng, err := s.ledgerRange(ctx)
	if err != nil {
		return nil, err
	}
	return protocol.GetLatestLedgerResponse{
		Hash:            LedgerHash(rng.latest.seq),
		ProtocolVersion: uint32(s.cfg.ProtocolVersion),
		Sequence:        rng.latest.seq,
		LedgerCloseTime: rng.latest.closeTime,
	}, nil
}

// getLedgers follows stellar-rpc v28. startLedger is inclusive, a cursor names the last
// ledger already read, the start must be in the served range, and a page contains at most
// MaxLedgersLimit ledgers.
func (s *Server) getLedgers(ctx context.Context, params json.RawMessage) (any, error) {
	var req protocol.GetLedgersRequest
	if err := decodeParams(params, &req); err != nil {
		return nil, err
	}
	if err := rejectJSONFormat(req.Format); err != nil {
		return nil, err
	}

	s.mu.RLock()
	defer s.mu.RUnlock()

	rng, err := s.ledgerRange(ctx)
	if err != nil {
		return nil, err
	}
	seqRange := protocol.LedgerSeqRange{FirstLedger: rng.oldest.seq, LastLedger: rng.latest.seq}
	if err := req.Validate(MaxLedgersLimit, seqRange); err != nil {
		return nil, &Error{Code: CodeInvalidRequest, Message: err.Error()}
	}

	start, limit, err := ledgersPage(req, seqRange)
	if err != nil {
		return nil, &Error{Code: CodeInvalidParams, Message: err.Error()}
	}

	end := min(uint64(start)+uint64(limit)-1, uint64(rng.latest.seq))
	ledgers := make([]protocol.LedgerInfo, 0, limit)
	for i := s.ledgerIndex(start); i < len(s.store.ledgers) && uint64(s.store.ledgers[i].seq) <= end; i++ {
		l := s.store.ledgers[i]
		ledgers = append(ledgers, protocol.LedgerInfo{
			Hash:            LedgerHash(l.seq),
			Sequence:        l.seq,
			LedgerCloseTime: l.closeTime,
		})
	}

	var cursor string
	switch {
	case len(ledgers) > 0:
		cursor = strconv.FormatUint(uint64(ledgers[len(ledgers)-1].Sequence), 10)
	case req.Pagination != nil && req.Pagination.Cursor != "":
		cursor = req.Pagination.Cursor
	default:
		cursor = strconv.FormatUint(uint64(start-1), 10)
	}

	return protocol.GetLedgersResponse{
		Ledgers:               ledgers,
		LatestLedger:          rng.latest.seq,
		LatestLedgerCloseTime: rng.latest.closeTime,
		OldestLedger:          rng.oldest.seq,
		OldestLedgerCloseTime: rng.oldest.closeTime,
		Cursor:                cursor,
	}, nil
}

// ledgersPage returns the first ledger and the page size of a validated getLedgers request.
func ledgersPage(req protocol.GetLedgersRequest, rng protocol.LedgerSeqRange) (uint32, uint, error) {
	if req.Pagination == nil {
		return req.StartLedger, DefaultLedgersLimit, nil
	}

	start := req.StartLedger
	if cursor := req.Pagination.Cursor; cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 32)
		if err != nil {
			return 0, 0, err
		}
		start = uint32(n) + 1
		if !protocol.IsLedgerWithinRange(start, rng) {
			return 0, 0, fmt.Errorf(
				"cursor ('%s') must be between the oldest ledger: %d and the latest ledger: %d for this rpc instance",
				cursor, rng.FirstLedger, rng.LastLedger)
		}
	}

	limit := req.Pagination.Limit
	if limit == 0 {
		limit = DefaultLedgersLimit
	}
	return start, limit, nil
}

// getLedgerEntries returns the stored entries for at most MaxLedgerEntryKeys keys, in
// request order. Keys without an entry are left out, as stellar-rpc does.
func (s *Server) getLedgerEntries(ctx context.Context, params json.RawMessage) (any, error) {
	var req protocol.GetLedgerEntriesRequest
	if err := decodeParams(params, &req); err != nil {
		return nil, err
	}
	if err := protocol.IsValidFormat(req.Format); err != nil {
		return nil, &Error{Code: CodeInvalidParams, Message: err.Error()}
	}
	if err := rejectJSONFormat(req.Format); err != nil {
		return nil, err
	}
	if len(req.Keys) > MaxLedgerEntryKeys {
		return nil, &Error{Code: CodeInvalidParams, Message: fmt.Sprintf(
			"key count (%d) exceeds maximum supported (%d)", len(req.Keys), MaxLedgerEntryKeys)}
	}

	keys := make([]string, 0, len(req.Keys))
	for i, k := range req.Keys {
		var lk xdr.LedgerKey
		if err := xdr.SafeUnmarshalBase64(k, &lk); err != nil {
			return nil, &Error{Code: CodeInvalidParams, Message: fmt.Sprintf(
				"cannot unmarshal key value %s at index %d", k, i)}
		}
		if lk.Type == xdr.LedgerEntryTypeTtl {
			return nil, &Error{Code: CodeInvalidParams, Message: "ledger ttl entries cannot be queried directly"}
		}
		canonical, err := xdr.MarshalBase64(lk)
		if err != nil {
			return nil, &Error{Code: CodeInternalError, Message: err.Error()}
		}
		keys = append(keys, canonical)
	}

	s.mu.RLock()
	defer s.mu.RUnlock()

	rng, err := s.ledgerRange(ctx)
	if err != nil {
		return nil, err
	}
	resp := protocol.GetLedgerEntriesResponse{Entries: []protocol.LedgerEntryResult{}, LatestLedger: rng.latest.seq}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		rec, ok := s.store.entries[k]
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		resp.Entries = append(resp.Entries, protocol.LedgerEntryResult{
			KeyXDR:             k,
			DataXDR:            rec.data,
			ExtensionXDR:       rec.ext,
			LastModifiedLedger: rec.lastModified,
		})
	}
	return resp, nil
}

// LedgerHash returns the hex hash the server reports for a ledger: SHA-256 of its
// sequence, big-endian. Real hashes cover the ledger header; these only need to be stable.
func LedgerHash(seq uint32) string {
	var buf [4]byte
	binary.BigEndian.PutUint32(buf[:], seq)
	sum := sha256.Sum256(buf[:])
	return hex.EncodeToString(sum[:])
}
