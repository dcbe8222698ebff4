package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// rpcProcess is the P3 RPC server, `modeltrace-bench serve`, running in its own process so
// that its memory is not counted as the plugin's and its CPU time is its own.
type rpcProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	info  serveInfo
	http  *http.Client
}

// startRPCProcess starts the server and waits until it has generated the chain and listens.
func startRPCProcess(ctx context.Context, opts scaleOptions) (*rpcProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this executable to start the RPC server: %w", err)
	}
	cmd := exec.Command(self, "serve", "--ledgers", strconv.Itoa(opts.ledgers),
		"--events-per-ledger", strconv.Itoa(opts.perLedger))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the RPC server: %w", err)
	}
	p := &rpcProcess{cmd: cmd, stdin: stdin, http: &http.Client{Timeout: time.Minute}}

	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &p.info)
		}
		ready <- err
	}()
	select {
	case err = <-ready:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("RPC server did not report ready: %w", err)
	}
	return p, nil
}

// stop closes the server's standard input, which makes it exit, and kills it if it is still
// running after 5 s.
func (p *rpcProcess) stop() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = p.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// setCache sets what the server does with getEvents results.
func (p *rpcProcess) setCache(ctx context.Context, mode cacheMode) error {
	return p.control(ctx, http.MethodPost, "/cache?mode="+string(mode), nil)
}

func (p *rpcProcess) resetStats(ctx context.Context) error {
	return p.control(ctx, http.MethodPost, "/reset", nil)
}

func (p *rpcProcess) stats(ctx context.Context) (serverStats, error) {
	var stats serverStats
	err := p.control(ctx, http.MethodGet, "/stats", &stats)
	return stats, err
}

func (p *rpcProcess) control(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, p.info.Control+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("RPC server control %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("RPC server control %s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
