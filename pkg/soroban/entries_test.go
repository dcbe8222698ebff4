package soroban

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accountKey returns the ledger key of a test account whose id encodes i.
func accountKey(t *testing.T, i int) xdr.LedgerKey {
	t.Helper()
	var id xdr.Uint256
	binary.BigEndian.PutUint32(id[28:], uint32(i)+1)
	account := xdr.AccountId(xdr.PublicKey{Type: xdr.PublicKeyTypePublicKeyTypeEd25519, Ed25519: &id})
	key, err := account.LedgerKey()
	require.NoError(t, err)
	return key
}

// storeAccount stores the account entry of key on node, with balance as its balance.
func (n *fakeNode) storeAccount(t *testing.T, key xdr.LedgerKey, balance int64) string {
	t.Helper()
	data := xdr.LedgerEntryData{
		Type:    xdr.LedgerEntryTypeAccount,
		Account: &xdr.AccountEntry{AccountId: key.Account.AccountId, Balance: xdr.Int64(balance)},
	}
	keyText, err := xdr.MarshalBase64(key)
	require.NoError(t, err)
	dataText, err := xdr.MarshalBase64(data)
	require.NoError(t, err)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.entries[keyText] = protocol.LedgerEntryResult{KeyXDR: keyText, DataXDR: dataText, LastModifiedLedger: uint32(balance)}
	return keyText
}

func (n *fakeNode) sentKeyCounts(t *testing.T) []int {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	var counts []int
	for _, raw := range n.requests[protocol.GetLedgerEntriesMethodName] {
		var req protocol.GetLedgerEntriesRequest
		require.NoError(t, json.Unmarshal(raw, &req))
		counts = append(counts, len(req.Keys))
	}
	return counts
}

func TestLedgerEntries(t *testing.T) {
	t.Run("batches and matches by key", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.latestPerCall = true
		var keys []xdr.LedgerKey
		stored := map[string]int64{}
		for i := range 450 {
			key := accountKey(t, i)
			keys = append(keys, key)
			if i%3 != 0 { // every third key is missing
				stored[node.storeAccount(t, key, int64(1000+i))] = int64(1000 + i)
			}
		}
		client := node.start(t, Options{})

		entries, latest, calls, err := client.LedgerEntries(background, keys)

		require.NoError(t, err)
		assert.Equal(t, 3, calls)
		assert.Equal(t, []int{200, 200, 50}, node.sentKeyCounts(t))
		assert.Equal(t, uint32(101), latest, "the lowest latest ledger of the batches")
		assert.Len(t, entries, 300)
		for keyText, balance := range stored {
			entry, ok := entries[keyText]
			require.True(t, ok, "key %s", keyText)
			require.NotNil(t, entry.Data.Account)
			assert.Equal(t, xdr.Int64(balance), entry.Data.Account.Balance)
			assert.Equal(t, xdr.Uint32(balance), entry.LastModifiedLedgerSeq)
		}
		missing, err := xdr.MarshalBase64(keys[0])
		require.NoError(t, err)
		assert.NotContains(t, entries, missing)
	})

	t.Run("duplicate keys are sent once", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		key := accountKey(t, 7)
		keyText := node.storeAccount(t, key, 5)
		client := node.start(t, Options{})

		entries, latest, calls, err := client.LedgerEntries(background, []xdr.LedgerKey{key, key})

		require.NoError(t, err)
		assert.Equal(t, 1, calls)
		assert.Equal(t, []int{1}, node.sentKeyCounts(t))
		assert.Equal(t, uint32(100), latest)
		assert.Len(t, entries, 1)
		assert.Contains(t, entries, keyText)
	})

	t.Run("no keys", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})

		entries, latest, calls, err := client.LedgerEntries(background, nil)

		require.NoError(t, err)
		assert.Empty(t, entries)
		assert.Equal(t, uint32(0), latest)
		assert.Equal(t, 0, calls)
	})

	t.Run("unrequested key", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		requested, other := accountKey(t, 1), accountKey(t, 2)
		node.storeAccount(t, other, 9)
		requestedText, err := xdr.MarshalBase64(requested)
		require.NoError(t, err)
		node.mu.Lock()
		node.entries[requestedText] = node.entries[mustBase64(t, other)]
		node.mu.Unlock()
		client := node.start(t, Options{})

		_, _, calls, err := client.LedgerEntries(background, []xdr.LedgerKey{requested})

		require.Error(t, err)
		assert.Contains(t, err.Error(), "that was not requested")
		assert.Equal(t, 1, calls)
	})

	t.Run("batch failure is retried", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.inject(protocol.GetLedgerEntriesMethodName, fault{status: 503})
		key := accountKey(t, 3)
		node.storeAccount(t, key, 11)
		client := node.start(t, Options{})

		entries, _, calls, err := client.LedgerEntries(background, []xdr.LedgerKey{key})

		require.NoError(t, err)
		assert.Len(t, entries, 1)
		assert.Equal(t, 2, calls)
	})
}

func mustBase64(t *testing.T, value any) string {
	t.Helper()
	text, err := xdr.MarshalBase64(value)
	require.NoError(t, err)
	return text
}
