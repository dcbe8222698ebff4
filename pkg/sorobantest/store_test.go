package sorobantest

import (
	"bytes"
	"encoding/base64"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStorePrunesOldLedgers(t *testing.T) {
	s := NewServer(Config{RetentionWindow: 10})
	small := u64Topic(t, 1)
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 600<<10))
	for seq := uint32(1); seq <= 1100; seq++ {
		value := small
		if seq >= 1020 {
			value = big // from here on each value fills most of a 1 MiB chunk
		}
		s.AddLedger(seq, closeAt(seq))
		s.AddEvent(StoredEvent{Ledger: seq, TxIndex: 1, ContractID: testContract, Topics: []string{}, Value: value})
	}

	assert.Len(t, s.store.ledgers, 76)
	assert.Equal(t, uint32(1025), s.store.ledgers[0].seq)
	require.Len(t, s.store.events, 76)
	assert.Equal(t, uint32(1025), s.store.events[0].cursor().Ledger)

	live := 0
	for _, c := range s.store.values.chunks {
		if c != nil {
			live++
		}
	}
	assert.Equal(t, 76, live, "chunks of pruned values are freed")

	var h protocol.GetHealthResponse
	url := serve(t, s)
	result(t, url, "getHealth", nil, &h)
	assert.Equal(t, uint32(1091), h.OldestLedger)
	resp := getEvents(t, url, map[string]any{"startLedger": 1091})
	assert.Len(t, resp.Events, 10)
	assert.Equal(t, big, resp.Events[0].ValueXDR)
}

func TestStoreInsertOrder(t *testing.T) {
	s := NewServer(Config{})
	v := u64Topic(t, 1)
	s.AddLedger(5, closeAt(5))
	s.AddLedger(3, closeAt(3))
	s.AddLedger(4, closeAt(4))
	s.AddLedger(4, closeAt(40))
	for _, tx := range []uint32{3, 1, 2} {
		s.AddEvent(StoredEvent{Ledger: 4, TxIndex: tx, ContractID: testContract, Value: v})
	}
	s.AddEvent(StoredEvent{Ledger: 3, TxIndex: 9, ContractID: testContract, Value: v})

	err := s.AppendEvent(StoredEvent{Ledger: 4, TxIndex: 2, ContractID: testContract, Value: v})
	assert.EqualError(t, err, "event id "+protocol.Cursor{Ledger: 4, Tx: 2}.String()+
		" is already stored: give each event a unique (ledger, tx, op, event) index")
	assert.EqualError(t, s.AppendEvent(StoredEvent{Ledger: 4, ContractID: "GABC", Value: v}),
		`contract id "GABC" is not a C... strkey: strkey is 4 bytes long; minimum valid length is 5`)
	assert.Error(t, s.AppendEvent(StoredEvent{Ledger: 4, ContractID: testContract, Value: "%%"}))
	assert.EqualError(t, s.AppendEvent(StoredEvent{Ledger: 4, ContractID: testContract, TxHash: "ab", Value: v}),
		`tx hash "ab" is not 64 hex digits: pass a hex SHA-256 hash or leave it empty`)

	resp := getEvents(t, serve(t, s), map[string]any{"startLedger": 3})
	assert.Equal(t, []string{
		protocol.Cursor{Ledger: 3, Tx: 9}.String(),
		protocol.Cursor{Ledger: 4, Tx: 1}.String(),
		protocol.Cursor{Ledger: 4, Tx: 2}.String(),
		protocol.Cursor{Ledger: 4, Tx: 3}.String(),
	}, eventIDs(resp.Events))
	assert.Equal(t, closeTimeString(closeAt(40).Unix()), resp.Events[1].LedgerClosedAt)

	t.Run("given tx hash", func(t *testing.T) {
		hash := "aa" + string(bytes.Repeat([]byte("0"), 62))
		s.AddEvent(StoredEvent{Ledger: 5, TxIndex: 1, ContractID: testContract, TxHash: hash, Value: v})
		resp := getEvents(t, serve(t, s), map[string]any{"startLedger": 5})
		require.Len(t, resp.Events, 1)
		assert.Equal(t, hash, resp.Events[0].TransactionHash)
	})
}
