package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/toid"
	"github.com/stellar/go-stellar-sdk/xdr"

	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// maxBarePages bounds one bare loop; a day of 3 million events takes about 300 pages.
const maxBarePages = 5_000

// bareRun is one loop of raw getEvents calls over a list of ledger ranges.
type bareRun struct {
	elapsed time.Duration
	pages   int
	bytes   int64
	server  serverStats
}

// fetchBare requests the getEvents pages of ranges as the index does: a start and end ledger,
// then the cursor of each page, with the index's filter and the default page limit. It reads
// every response body but decodes nothing, extracting only the cursor and the latest ledger.
func (b *scaleBench) fetchBare(ctx context.Context, ranges []soroban.LedgerRange) (bareRun, error) {
	if err := b.rpc.resetStats(ctx); err != nil {
		return bareRun{}, err
	}
	filters, err := indexFilters(b.rpc.info.Contract)
	if err != nil {
		return bareRun{}, err
	}
	client := &http.Client{Timeout: time.Minute}
	var run bareRun
	var body bytes.Buffer

	start := time.Now()
	for _, rng := range ranges {
		req := protocol.GetEventsRequest{StartLedger: rng.Start, EndLedger: rng.End, Filters: filters,
			Pagination: &protocol.PaginationOptions{Limit: soroban.DefaultPageLimit}}
		for {
			if run.pages >= maxBarePages {
				return run, fmt.Errorf("the bare loop read %d pages without reaching ledger %d", run.pages, rng.End)
			}
			if err := postJSON(ctx, client, b.rpc.info.URL, run.pages+1, req, &body); err != nil {
				return run, err
			}
			run.pages++
			run.bytes += int64(body.Len())
			cursor, latest, err := pageTail(body.Bytes())
			if err != nil {
				return run, err
			}
			if cursor.Cmp(ledgerEnd(min(latest, rng.End-1))) >= 0 {
				break
			}
			req = protocol.GetEventsRequest{Filters: filters,
				Pagination: &protocol.PaginationOptions{Cursor: &cursor, Limit: soroban.DefaultPageLimit}}
		}
	}
	run.elapsed = time.Since(start)
	run.server, err = b.rpc.stats(ctx)
	return run, err
}

// postJSON sends one getEvents request and reads the whole response into body.
func postJSON(ctx context.Context, client *http.Client, url string, id int, params protocol.GetEventsRequest, body *bytes.Buffer) error {
	payload, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": protocol.GetEventsMethodName, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("bare getEvents call %d: %w", id, err)
	}
	defer resp.Body.Close()
	body.Reset()
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return fmt.Errorf("read bare getEvents response %d: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bare getEvents call %d: HTTP %d", id, resp.StatusCode)
	}
	return nil
}

// pageTail finds the cursor and the latest ledger in a getEvents response without decoding
// the events. Event objects hold neither key, so their last occurrences are the result's.
func pageTail(body []byte) (protocol.Cursor, uint32, error) {
	if bytes.Contains(body[:min(len(body), 64)], []byte(`"error"`)) {
		return protocol.Cursor{}, 0, fmt.Errorf("getEvents failed: %s", body[:min(len(body), 300)])
	}
	cursorText, ok := valueAfter(body, `"cursor":"`, '"')
	latestText, ok2 := valueAfter(body, `"latestLedger":`, ',')
	if !ok || !ok2 {
		return protocol.Cursor{}, 0, fmt.Errorf("getEvents response has no cursor or latestLedger: %.300s", body)
	}
	cursor, err := protocol.ParseCursor(cursorText)
	if err != nil {
		return protocol.Cursor{}, 0, fmt.Errorf("getEvents returned an invalid cursor %q: %w", cursorText, err)
	}
	latest, err := strconv.ParseUint(latestText, 10, 32)
	if err != nil {
		return protocol.Cursor{}, 0, fmt.Errorf("getEvents returned an invalid latestLedger %q: %w", latestText, err)
	}
	return cursor, uint32(latest), nil
}

// valueAfter returns the text between the last occurrence of key and the next end byte.
func valueAfter(body []byte, key string, end byte) (string, bool) {
	i := bytes.LastIndex(body, []byte(key))
	if i < 0 {
		return "", false
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, end)
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}

// ledgerEnd returns the cursor after every event of ledger seq.
func ledgerEnd(seq uint32) protocol.Cursor {
	return protocol.Cursor{Ledger: seq, Tx: toid.TransactionMask, Op: toid.OperationMask, Event: math.MaxUint32}
}

// indexFilters returns the getEvents filters the index scans the registry contract with.
func indexFilters(contract string) ([]protocol.EventFilter, error) {
	var out []protocol.EventFilter
	for _, f := range index.New(nil, contract, index.Options{}).Filters() {
		filter := protocol.EventFilter{
			EventType:   protocol.EventTypeSet{protocol.EventTypeContract: nil},
			ContractIDs: f.ContractIDs,
		}
		for _, segments := range f.Topics {
			var topic protocol.TopicFilter
			for _, segment := range segments {
				if segment == protocol.WildCardExactOne || segment == protocol.WildCardZeroOrMore {
					wildcard := segment
					topic = append(topic, protocol.SegmentFilter{Wildcard: &wildcard})
					continue
				}
				var value xdr.ScVal
				if err := xdr.SafeUnmarshalBase64(segment, &value); err != nil {
					return nil, fmt.Errorf("index topic segment %q: %w", segment, err)
				}
				topic = append(topic, protocol.SegmentFilter{ScVal: &value})
			}
			filter.Topics = append(filter.Topics, topic)
		}
		out = append(out, filter)
	}
	return out, nil
}
