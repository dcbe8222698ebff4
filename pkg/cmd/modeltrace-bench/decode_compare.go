package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// nodeRates is the JSON line bench/decode.mjs prints.
type nodeRates struct {
	Events       int     `json:"events"`
	Node         string  `json:"node"`
	StellarSDK   string  `json:"stellar_sdk"`
	ScValBucket  float64 `json:"scval_bucket_events_per_s"`
	TopicsBucket float64 `json:"topics_bucket_events_per_s"`
	Base64       float64 `json:"base64_events_per_s"`
	Mismatches   int     `json:"mismatches"`
}

// decodeEvents is the number of events per timed round on both sides of P1.
const decodeEvents = 200_000

// benchDecode is P1. The Go and the Node side each run in their own process on the same CPU,
// pinned with taskset when it is installed. Go runs with GOMAXPROCS=1 and Node with
// --single-threaded, so both are measured per core.
func benchDecode(ctx context.Context, env *benchEnv) error {
	pin := pinToOneCPU()
	script := filepath.Join(env.opts.root, "bench", "decode.mjs")
	nodeArgs := append(pin, env.opts.node, "--single-threaded", script,
		"--scenario", scenarioPath(env.opts.root), "--events", strconv.Itoa(decodeEvents))
	var node nodeRates
	if err := runJSON(ctx, nodeArgs, nil, &node); err != nil {
		return fmt.Errorf("node side: %w: run `npm ci --prefix bench` first", err)
	}
	if node.Mismatches > 0 {
		return fmt.Errorf("node side: %d scenario events decoded to another name or model id than the scenario states", node.Mismatches)
	}

	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this executable to run the Go side: %w", err)
	}
	goArgs := append(pin, self, "decode", "--scenario", scenarioPath(env.opts.root), "--events", strconv.Itoa(decodeEvents))
	var goSide decodeRates
	if err := runJSON(ctx, goArgs, []string{"GOMAXPROCS=1"}, &goSide); err != nil {
		return fmt.Errorf("go side: %w", err)
	}

	reportDecode(env.report, pin, goSide, node)
	return nil
}

// reportDecode adds the P1 figures. The index decodes only the topics of an event because they
// carry everything a count needs. So each figure compares like with like: the index path with
// Node and base64 on the topics, and a full decode with both on the whole event.
func reportDecode(r *report, pin []string, goSide decodeRates, node nodeRates) {
	r.add(figure{ID: "P1", Name: "decode + bucket as the index runs it (topics), Go ÷ Node stellar-sdk",
		Measured: goSide.Index / node.TopicsBucket, Target: 10, Unit: "×"})
	r.add(figure{ID: "P1", Name: "decode + bucket of the whole event, Go ÷ Node stellar-sdk",
		Measured: goSide.Direct / node.ScValBucket, Target: 10, Unit: "×"})
	r.add(figure{ID: "P1", Name: "decode + bucket as the index runs it ÷ base64 of the topics, Go",
		Measured: goSide.Index / goSide.Base64Topics, Target: 0.5, Unit: "×"})
	r.add(figure{ID: "P1", Name: "decode + bucket of the whole event ÷ base64 of topics and value, Go",
		Measured: goSide.Direct / goSide.Base64, Target: 0.5, Unit: "×"})

	pinned := "not pinned (taskset not found)"
	if len(pin) > 0 {
		pinned = "pinned with `" + joinArgs(pin) + "`"
	}
	r.note("P1", "%d fixture-encoded events a round (the %s events repeated), median of 3 rounds after a warm-up; both sides %s",
		decodeEvents, scenarioFile, pinned)
	r.note("P1", "Go (%s, GOMAXPROCS=%d): index.Query of a cold index into frames.RiskCounter %s; registry.DecodeEvent into RiskCounter %s; base64 of the topics %s, of topics and value %s",
		runtime.Version(), goSide.GoMaxProcs, perSecond(goSide.Index), perSecond(goSide.Direct),
		perSecond(goSide.Base64Topics), perSecond(goSide.Base64))
	r.note("P1", "Node %s (--single-threaded), @stellar/stellar-sdk %s: xdr.ScVal.fromXDR + scValToNative into a bucket counter, of the topics %s, of topics and value %s; Buffer.from base64 of topics and value %s",
		node.Node, node.StellarSDK, perSecond(node.TopicsBucket), perSecond(node.ScValBucket), perSecond(node.Base64))
	r.note("P1", "the index path against a Node indexer that decodes the whole event, as the two would run: %.1f×",
		goSide.Index/node.ScValBucket)
	r.note("P1", "both sides counted %d inferences a round", goSide.Inferences)
}

// pinToOneCPU returns the taskset prefix that pins a command to the last CPU, or nil when
// taskset is not installed.
func pinToOneCPU() []string {
	if _, err := exec.LookPath("taskset"); err != nil {
		return nil
	}
	return []string{"taskset", "-c", strconv.Itoa(runtime.NumCPU() - 1)}
}

// runJSON runs args with extra environment variables and decodes the last line of its
// output as JSON into dst.
func runJSON(ctx context.Context, args, extraEnv []string, dst any) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", joinArgs(args), err, bytes.TrimSpace(stderr.Bytes()))
	}
	lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], dst); err != nil {
		return fmt.Errorf("%s printed no JSON result line: %w: %s", joinArgs(args), err, stdout.Bytes())
	}
	return nil
}

func joinArgs(args []string) string { return strings.Join(args, " ") }

// perSecond formats an events/s rate, e.g. "412,300 events/s".
func perSecond(rate float64) string {
	return groupThousands(int64(rate)) + " events/s"
}

// groupThousands formats a non-negative n with commas between groups of three digits.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
