package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// streamOptions sizes P5.
type streamOptions struct {
	ledgers int
	poll    time.Duration
}

// streamPath is the Live channel path of the stream of all registry events.
const streamPath = "events"

// streamPerLedger is the number of contract calls in each ledger P5 publishes.
const streamPerLedger = 5

// packetAt is a stream packet and the time it reached the client.
type packetAt struct {
	at   time.Time
	data []byte
}

// benchStream is P5: the plugin binary runs the "events" stream over gRPC RunStream while the
// test server closes ledgers at random points of the poll cycle. The latency of a ledger is
// the time from AddBlock to the arrival of the frame with its events at this client.
func benchStream(ctx context.Context, env *benchEnv) error {
	opts := env.opts.stream
	server := sorobantest.NewServer(sorobantest.Config{})
	gen, _, err := generateChain(server, sorobantest.GeneratorOptions{Seed: 5, EventsPerLedger: streamPerLedger, BiasRate: 0.1}, 20)
	if err != nil {
		return err
	}
	rpc := httptest.NewServer(server)
	defer rpc.Close()
	p, err := startPlugin(env.plugin)
	if err != nil {
		return err
	}
	defer p.Stop()

	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	inst := instance("p5", rpc.URL, gen.ContractID(), map[string]any{"livePollMs": opts.poll.Milliseconds()})
	packets, err := openStream(streamCtx, p, inst.PluginContext())
	if err != nil {
		return err
	}
	if err := waitForCalls(ctx, server, protocol.GetLatestLedgerMethodName, 10*time.Second); err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(5, 5))
	latencies := make([]time.Duration, 0, opts.ledgers)
	for range opts.ledgers {
		time.Sleep(time.Duration(rng.Float64() * float64(opts.poll)))
		block, err := gen.NextLedger()
		if err != nil {
			return err
		}
		published := time.Now()
		if err := server.AddBlock(block); err != nil {
			return err
		}
		arrived, err := awaitLedger(packets, block, 5*opts.poll)
		if err != nil {
			return err
		}
		latencies = append(latencies, arrived.Sub(published))
	}
	cancel()

	slices.Sort(latencies)
	median, worst := latencies[len(latencies)/2], latencies[len(latencies)-1]
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	pollMS := ms(opts.poll)
	env.report.add(figure{ID: "P5", Name: fmt.Sprintf("stream latency, median of %d ledgers", len(latencies)),
		Measured: ms(median), Target: pollMS, AtMost: true, Unit: "ms"})
	env.report.add(figure{ID: "P5", Name: fmt.Sprintf("stream latency, max of %d ledgers", len(latencies)),
		Measured: ms(worst), Target: pollMS, AtMost: true, Unit: "ms"})
	env.report.note("P5", "channel path %q, livePollMs %d, %d events a ledger; ledgers published at random points of the poll cycle; every frame held exactly its ledger's events; min %s, median %s, max %s",
		streamPath, opts.poll.Milliseconds(), streamPerLedger, round(latencies[0]), round(median), round(worst))
	return nil
}

// openStream subscribes to the events channel, starts RunStream and delivers its packets,
// stamped with their arrival time, until ctx ends or the stream fails.
func openStream(ctx context.Context, p *pluginProcess, pc backend.PluginContext) (<-chan packetAt, error) {
	proto := backend.ToProto().PluginContext(pc)
	sub, err := p.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: proto, Path: streamPath})
	if err != nil {
		return nil, fmt.Errorf("subscribe to %q: %w", streamPath, err)
	}
	if sub.Status != pluginv2.SubscribeStreamResponse_OK {
		return nil, fmt.Errorf("subscribe to %q: status %s, expected OK", streamPath, sub.Status)
	}
	stream, err := p.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{PluginContext: proto, Path: streamPath})
	if err != nil {
		return nil, fmt.Errorf("run stream %q: %w", streamPath, err)
	}
	packets := make(chan packetAt, 64)
	go func() {
		defer close(packets)
		for {
			packet, err := stream.Recv()
			if err != nil {
				return
			}
			packets <- packetAt{at: time.Now(), data: packet.Data}
		}
	}()
	return packets, nil
}

// waitForCalls waits until server has received a call of method: the stream's first poll
// reads the latest ledger to place its cursor.
func waitForCalls(ctx context.Context, server *sorobantest.Server, method string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for server.Calls(method) == 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("the stream sent no %s call within %s: it did not start", method, timeout)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// awaitLedger waits for the frame of block's events and returns when it arrived. The frame
// must hold exactly the block's events, all from its ledger.
func awaitLedger(packets <-chan packetAt, block sorobantest.Block, timeout time.Duration) (time.Time, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case packet, ok := <-packets:
		if !ok {
			return time.Time{}, fmt.Errorf("the stream ended before ledger %d arrived", block.Sequence)
		}
		var frame data.Frame
		if err := json.Unmarshal(packet.data, &frame); err != nil {
			return time.Time{}, fmt.Errorf("decode the stream frame: %w", err)
		}
		if err := checkLedgerFrame(&frame, block); err != nil {
			return time.Time{}, err
		}
		return packet.at, nil
	case <-timer.C:
		return time.Time{}, fmt.Errorf("ledger %d did not reach the client within %s", block.Sequence, timeout)
	}
}

func checkLedgerFrame(frame *data.Frame, block sorobantest.Block) error {
	field, _ := frame.FieldByName("ledger")
	if field == nil {
		return fmt.Errorf("the stream frame has no ledger field")
	}
	if field.Len() != len(block.Events) {
		return fmt.Errorf("the stream frame for ledger %d has %d rows, expected %d (one per event)",
			block.Sequence, field.Len(), len(block.Events))
	}
	for i := range field.Len() {
		if ledger, ok := field.At(i).(uint32); !ok || ledger != block.Sequence {
			return fmt.Errorf("row %d of the stream frame is from ledger %v, expected %d", i, field.At(i), block.Sequence)
		}
	}
	return nil
}
