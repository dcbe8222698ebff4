package soroban

import (
	"context"
	"fmt"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// maxLedgerKeys is stellar-rpc's limit of keys per getLedgerEntries request.
const maxLedgerKeys = 200

// LedgerEntries fetches keys in batches of at most 200 and matches the results by key:
// keys the node does not have are absent from entries. Duplicate keys are sent once.
// latestLedger is the lowest latest ledger the batches reported, so every entry is at
// least as new as that ledger. calls counts the requests sent, retries included.
func (c *Client) LedgerEntries(ctx context.Context, keys []xdr.LedgerKey) (entries map[string]xdr.LedgerEntry, latestLedger uint32, calls int, err error) {
	encoded, err := encodeKeys(keys)
	if err != nil {
		return nil, 0, 0, err
	}
	entries = make(map[string]xdr.LedgerEntry, len(encoded))
	stats := &callStats{}
	for first := 0; first < len(encoded); first += maxLedgerKeys {
		batch := encoded[first:min(first+maxLedgerKeys, len(encoded))]
		var resp protocol.GetLedgerEntriesResponse
		err := c.call(ctx, protocol.GetLedgerEntriesMethodName, stats, func(rc *rpcclient.Client) (err error) {
			resp, err = rc.GetLedgerEntries(ctx, protocol.GetLedgerEntriesRequest{Keys: batch})
			return err
		})
		if err != nil {
			return nil, latestLedger, stats.calls, err
		}
		if err := addEntries(entries, batch, resp.Entries); err != nil {
			return nil, latestLedger, stats.calls, err
		}
		if latestLedger == 0 || resp.LatestLedger < latestLedger {
			latestLedger = resp.LatestLedger
		}
	}
	return entries, latestLedger, stats.calls, nil
}

// encodeKeys returns the base64 XDR of keys, without duplicates, in their first order.
func encodeKeys(keys []xdr.LedgerKey) ([]string, error) {
	seen := make(map[string]bool, len(keys))
	encoded := make([]string, 0, len(keys))
	for i, key := range keys {
		text, err := xdr.MarshalBase64(key)
		if err != nil {
			return nil, fmt.Errorf("encode ledger key %d (type %s): %w", i+1, key.Type, err)
		}
		if !seen[text] {
			seen[text] = true
			encoded = append(encoded, text)
		}
	}
	return encoded, nil
}

// addEntries decodes results into entries by key. A result for a key that was not
// requested means the node returned results for another request, so it is an error.
func addEntries(entries map[string]xdr.LedgerEntry, requested []string, results []protocol.LedgerEntryResult) error {
	wanted := make(map[string]bool, len(requested))
	for _, key := range requested {
		wanted[key] = true
	}
	for _, result := range results {
		if !wanted[result.KeyXDR] {
			return fmt.Errorf("getLedgerEntries returned key %q that was not requested: the RPC node misbehaves; try another node", result.KeyXDR)
		}
		entry, err := decodeEntry(result)
		if err != nil {
			return err
		}
		entries[result.KeyXDR] = entry
	}
	return nil
}

// decodeEntry builds the ledger entry from a result: its data, extension and last
// modified ledger are sent as separate fields.
func decodeEntry(result protocol.LedgerEntryResult) (xdr.LedgerEntry, error) {
	entry := xdr.LedgerEntry{LastModifiedLedgerSeq: xdr.Uint32(result.LastModifiedLedger)}
	if err := xdr.SafeUnmarshalBase64(result.DataXDR, &entry.Data); err != nil {
		return xdr.LedgerEntry{}, fmt.Errorf("getLedgerEntries returned invalid entry data for key %q: %w", result.KeyXDR, err)
	}
	if result.ExtensionXDR != "" {
		if err := xdr.SafeUnmarshalBase64(result.ExtensionXDR, &entry.Ext); err != nil {
			return xdr.LedgerEntry{}, fmt.Errorf("getLedgerEntries returned an invalid entry extension for key %q: %w", result.KeyXDR, err)
		}
	}
	return entry, nil
}
