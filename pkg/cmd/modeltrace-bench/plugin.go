package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/modeltrace/soroban-datasource/pkg/plugintest"
)

// pluginProcess is a running plugin binary and its process id.
type pluginProcess struct {
	*plugintest.Plugin
	pid int
}

// startPlugin launches the plugin binary over gRPC and finds its process id: the child of
// this process that runs binary.
func startPlugin(binary string) (*pluginProcess, error) {
	p, err := plugintest.Start(binary, os.Stderr)
	if err != nil {
		return nil, err
	}
	pid, err := childRunning(binary)
	if err != nil {
		p.Stop()
		return nil, err
	}
	return &pluginProcess{Plugin: p, pid: pid}, nil
}

// childRunning returns the pid of the child process of this process whose executable is binary.
func childRunning(binary string) (int, error) {
	want, err := filepath.EvalSymlinks(binary)
	if err != nil {
		return 0, fmt.Errorf("resolve plugin binary %s: %w", binary, err)
	}
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return 0, err
	}
	self := os.Getpid()
	for _, dir := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(dir))
		exe, err := os.Readlink(filepath.Join(dir, "exe"))
		if err != nil || exe != want {
			continue
		}
		if parent, err := parentPID(dir); err == nil && parent == self {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child process runs %s: /proc must be readable to measure the plugin's memory", want)
}

// parentPID reads the PPid line of /proc/<pid>/status.
func parentPID(dir string) (int, error) {
	value, err := statusField(filepath.Join(dir, "status"), "PPid")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(value)
}

// peakRSSMB returns VmHWM, the peak resident set size, of process pid in MB (10^6 bytes).
func peakRSSMB(pid int) (float64, error) {
	value, err := statusField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM")
	if err != nil {
		return 0, err
	}
	kb, err := strconv.ParseFloat(strings.TrimSuffix(value, " kB"), 64)
	if err != nil {
		return 0, fmt.Errorf("parse VmHWM %q of process %d: %w", value, pid, err)
	}
	return kb * 1024 / 1e6, nil
}

// statusField returns the value of one "Name:\tvalue" line of a /proc status file.
func statusField(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		key, value, ok := strings.Cut(scanner.Text(), ":")
		if ok && key == name {
			return strings.TrimSpace(value), nil
		}
	}
	return "", fmt.Errorf("%s has no %s line", path, name)
}

// instance returns the datasource settings Grafana would send for the registry contract on
// the local test network at rpcURL; extra adds jsonData fields.
func instance(uid, rpcURL, contract string, extra map[string]any) plugintest.Instance {
	jsonData := map[string]any{"rpcUrl": rpcURL, "network": "local", "registryContractId": contract}
	for k, v := range extra {
		jsonData[k] = v
	}
	return plugintest.Instance{UID: uid, JSONData: jsonData}
}

// panelQuery builds the query of one panel over [from, to] with 1-minute buckets.
func panelQuery(refID string, model map[string]any, from, to time.Time) backend.DataQuery {
	raw, _ := json.Marshal(model)
	return backend.DataQuery{
		RefID: refID, JSON: raw, Interval: time.Minute, MaxDataPoints: 1440,
		TimeRange: backend.TimeRange{From: from, To: to},
	}
}

// responseError returns the first error of a QueryData response, or nil.
func responseError(resp *backend.QueryDataResponse) error {
	for refID, r := range resp.Responses {
		if r.Error != nil {
			return fmt.Errorf("query %s failed: %w", refID, r.Error)
		}
	}
	return nil
}
