package sorobantest

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/toid"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// StoredEvent is a contract event as the server stores it.
type StoredEvent struct {
	Ledger     uint32
	TxIndex    uint32 // 1-based position of the transaction in the ledger
	OpIndex    uint32
	EventIndex uint32 // 0-based position of the event in the operation
	ContractID string // C... strkey
	TxHash     string // hex; empty derives a stable hash from (Ledger, TxIndex)
	Topics     []string
	Value      string // base64 XDR ScVal
}

// pruneBatch is how many ledgers fall out of retention before the store frees them, so
// pruning costs little per added ledger.
const pruneBatch = 1024

// derivedTxHash marks an event whose hash is computed from its ledger and transaction.
const derivedTxHash = ^uint32(0)

type ledgerRecord struct {
	seq       uint32
	closeTime int64
}

// eventRecord is one stored event in 40 bytes. Topic lists, contract ids and tx hashes
// are interned in tables; the value's XDR bytes live in the arena.
type eventRecord struct {
	toid     int64 // (ledger, tx, op) packed as in the event id
	index    uint32
	contract uint32 // index into store.contracts
	topics   uint32 // index into store.topicSets
	txHash   uint32 // index into store.txHashes, or derivedTxHash
	valueLen uint32
	valueRef uint64 // arena chunk << 32 | offset
}

func (e eventRecord) cursor() protocol.Cursor {
	id := toid.Parse(e.toid)
	return protocol.Cursor{
		Ledger: uint32(id.LedgerSequence),
		Tx:     uint32(id.TransactionOrder),
		Op:     uint32(id.OperationOrder),
		Event:  e.index,
	}
}

// compareEvent orders an event against a cursor. Comparing the packed TOIDs orders by
// (ledger, tx, op) because every part is non-negative and fits its bit field.
func compareEvent(e eventRecord, c protocol.Cursor) int {
	id := toid.New(int32(c.Ledger), int32(c.Tx), int32(c.Op)).ToInt64()
	if n := cmp.Compare(e.toid, id); n != 0 {
		return n
	}
	return cmp.Compare(e.index, c.Event)
}

type contractRecord struct {
	strkey string
	id     xdr.ContractId
}

type topicSet struct {
	encoded []string
	decoded []xdr.ScVal // nil when a topic does not decode; such events match no topic filter
}

type entryRecord struct {
	data, ext    string // base64 XDR LedgerEntryData and LedgerEntryExt
	lastModified uint32
}

type store struct {
	ledgers   []ledgerRecord // ascending by seq
	events    []eventRecord  // ascending by cursor
	contracts []contractRecord
	topicSets []topicSet
	txHashes  [][32]byte
	values    arena
	entries   map[string]entryRecord // by canonical base64 LedgerKey

	contractIndex map[string]uint32
	topicIndex    map[string]uint32
	txHashIndex   map[[32]byte]uint32
}

func newStore() store {
	return store{
		entries:       map[string]entryRecord{},
		contractIndex: map[string]uint32{},
		topicIndex:    map[string]uint32{},
		txHashIndex:   map[[32]byte]uint32{},
	}
}

// AddLedger stores a closed ledger. Ledgers are normally added in ascending order; an
// existing sequence has its close time replaced.
func (s *Server) AddLedger(seq uint32, closeTime time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()

	rec := ledgerRecord{seq: seq, closeTime: closeTime.Unix()}
	n := len(s.store.ledgers)
	if n == 0 || s.store.ledgers[n-1].seq < seq {
		s.store.ledgers = append(s.store.ledgers, rec)
	} else {
		i, found := slices.BinarySearchFunc(s.store.ledgers, seq, func(l ledgerRecord, seq uint32) int {
			return cmp.Compare(l.seq, seq)
		})
		if found {
			s.store.ledgers[i] = rec
		} else {
			s.store.ledgers = slices.Insert(s.store.ledgers, i, rec)
		}
	}
	s.pruneLocked()
}

// AddEvent stores an event. It panics on input AppendEvent rejects, because tests build
// events from known-good data; use AppendEvent to get the error instead.
func (s *Server) AddEvent(ev StoredEvent) {
	if err := s.AppendEvent(ev); err != nil {
		panic(err)
	}
}

// AppendEvent stores an event in chain order. Its ledger need not be added yet, but the
// event is served only once the ledger is known. It fails on an invalid contract id,
// tx hash or base64 text, and on an id that is already stored.
func (s *Server) AppendEvent(ev StoredEvent) error {
	value, err := base64.StdEncoding.DecodeString(ev.Value)
	if err != nil {
		return fmt.Errorf("event %d/%d/%d/%d: value is not base64: %w: pass base64 XDR ScVal text",
			ev.Ledger, ev.TxIndex, ev.OpIndex, ev.EventIndex, err)
	}
	if ev.TxIndex > toid.TransactionMask || ev.OpIndex > toid.OperationMask || ev.Ledger > 1<<31-1 {
		return fmt.Errorf("event %d/%d/%d/%d: ledger, tx index or op index out of the TOID range",
			ev.Ledger, ev.TxIndex, ev.OpIndex, ev.EventIndex)
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	rec := eventRecord{
		toid:  toid.New(int32(ev.Ledger), int32(ev.TxIndex), int32(ev.OpIndex)).ToInt64(),
		index: ev.EventIndex,
	}
	if rec.contract, err = s.store.internContract(ev.ContractID); err != nil {
		return err
	}
	if rec.txHash, err = s.store.internTxHash(ev.TxHash); err != nil {
		return err
	}
	rec.topics = s.store.internTopics(ev.Topics)
	return s.store.insertEvent(rec, value)
}

func (st *store) insertEvent(rec eventRecord, value []byte) error {
	c := rec.cursor()
	i := len(st.events)
	if i > 0 && compareEvent(st.events[i-1], c) >= 0 {
		var found bool
		i, found = slices.BinarySearchFunc(st.events, c, compareEvent)
		if found {
			return fmt.Errorf("event id %s is already stored: give each event a unique (ledger, tx, op, event) index", c)
		}
	}

	rec.valueRef, rec.valueLen = st.values.add(value)
	if i == len(st.events) {
		st.events = append(st.events, rec)
	} else {
		st.events = slices.Insert(st.events, i, rec)
	}
	return nil
}

func (st *store) internContract(id string) (uint32, error) {
	if i, ok := st.contractIndex[id]; ok {
		return i, nil
	}
	raw, err := strkey.Decode(strkey.VersionByteContract, id)
	if err != nil {
		return 0, fmt.Errorf("contract id %q is not a C... strkey: %w", id, err)
	}
	rec := contractRecord{strkey: id}
	copy(rec.id[:], raw)
	st.contracts = append(st.contracts, rec)
	i := uint32(len(st.contracts) - 1)
	st.contractIndex[id] = i
	return i, nil
}

func (st *store) internTxHash(hash string) (uint32, error) {
	if hash == "" {
		return derivedTxHash, nil
	}
	raw, err := hex.DecodeString(hash)
	if err != nil || len(raw) != 32 {
		return 0, fmt.Errorf("tx hash %q is not 64 hex digits: pass a hex SHA-256 hash or leave it empty", hash)
	}
	h := [32]byte(raw)
	if i, ok := st.txHashIndex[h]; ok {
		return i, nil
	}
	st.txHashes = append(st.txHashes, h)
	i := uint32(len(st.txHashes) - 1)
	st.txHashIndex[h] = i
	return i, nil
}

func (st *store) internTopics(topics []string) uint32 {
	key := strings.Join(topics, ",")
	if i, ok := st.topicIndex[key]; ok {
		return i
	}
	set := topicSet{encoded: slices.Clone(topics), decoded: make([]xdr.ScVal, len(topics))}
	for i, t := range topics {
		if err := xdr.SafeUnmarshalBase64(t, &set.decoded[i]); err != nil {
			set.decoded = nil
			break
		}
	}
	st.topicSets = append(st.topicSets, set)
	i := uint32(len(st.topicSets) - 1)
	st.topicIndex[key] = i
	return i
}

func (st *store) txHashHex(e eventRecord) string {
	if e.txHash != derivedTxHash {
		return hex.EncodeToString(st.txHashes[e.txHash][:])
	}
	return DerivedTxHash(e.cursor().Ledger, e.cursor().Tx)
}

// DerivedTxHash returns the hex hash the server reports for a transaction stored without
// one: SHA-256 of the ledger sequence and tx index, big-endian.
func DerivedTxHash(ledger, txIndex uint32) string {
	var buf [8]byte
	binary.BigEndian.PutUint32(buf[:4], ledger)
	binary.BigEndian.PutUint32(buf[4:], txIndex)
	sum := sha256.Sum256(buf[:])
	return hex.EncodeToString(sum[:])
}
