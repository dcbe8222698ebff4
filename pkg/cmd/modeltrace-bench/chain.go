package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// generateChain adds ledgers generated with opts to server and returns the generator, placed
// after the last ledger, and the number of events added.
func generateChain(server *sorobantest.Server, opts sorobantest.GeneratorOptions, ledgers int) (*sorobantest.Generator, int, error) {
	gen, err := sorobantest.NewGenerator(opts)
	if err != nil {
		return nil, 0, err
	}
	events := 0
	for range ledgers {
		block, err := gen.NextLedger()
		if err != nil {
			return nil, 0, err
		}
		if err := server.AddBlock(block); err != nil {
			return nil, 0, err
		}
		events += len(block.Events)
	}
	return gen, events, nil
}

// callCounts is the number of JSON-RPC calls a server received, by method.
type callCounts map[string]int

// snapshotCalls returns the server's call counts of every method that was called.
func snapshotCalls(server *sorobantest.Server) callCounts {
	counts := callCounts{}
	for _, method := range server.Methods() {
		if n := server.Calls(method); n > 0 {
			counts[method] = n
		}
	}
	return counts
}

func (c callCounts) total() int {
	total := 0
	for _, n := range c {
		total += n
	}
	return total
}

// String lists the counts by method, e.g. "getEvents 18, getHealth 1 (19 calls)".
func (c callCounts) String() string {
	if len(c) == 0 {
		return "no calls"
	}
	parts := make([]string, 0, len(c))
	for _, method := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%s %d", method, c[method]))
	}
	noun := "calls"
	if c.total() == 1 {
		noun = "call"
	}
	return fmt.Sprintf("%s (%d %s)", strings.Join(parts, ", "), c.total(), noun)
}

// frameChecksum sums the numeric values and counts the rows of every frame in resp, so two
// runs of the same queries can be compared.
func frameChecksum(resp *backend.QueryDataResponse) float64 {
	sum := 0.0
	for _, r := range resp.Responses {
		for _, frame := range r.Frames {
			sum += float64(frameRows(frame)) + seriesTotal(frame)
		}
	}
	return sum
}

// seriesTotal sums the numeric fields of a frame: all counts of a time series frame.
func seriesTotal(frame *data.Frame) float64 {
	sum := 0.0
	for _, field := range frame.Fields {
		if !field.Type().Numeric() {
			continue
		}
		for i := range field.Len() {
			if v, err := field.FloatAt(i); err == nil {
				sum += v
			}
		}
	}
	return sum
}

func frameRows(frame *data.Frame) int {
	if len(frame.Fields) == 0 {
		return 0
	}
	return frame.Fields[0].Len()
}
