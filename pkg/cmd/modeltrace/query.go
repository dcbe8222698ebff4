package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/plugin"
)

// authValueEnv names the environment variable that holds the auth header value, so the
// secret never appears on a command line.
const authValueEnv = "MODELTRACE_RPC_AUTH_VALUE"

func init() {
	commands["query"] = command{
		summary: "run a datasource query against an RPC URL and print the frames",
		run:     runQuery,
	}
}

// queryOptions are the parsed flags of `modeltrace query`.
type queryOptions struct {
	Settings backend.DataSourceInstanceSettings
	Query    backend.DataQuery
	Output   string
	Alert    bool
}

// queryFlags are the raw flag values that become the datasource settings and the query.
type queryFlags struct {
	rpcURL, network, passphrase, contract, authHeader string
	queryJSON, from, to                               string
	timeoutSeconds                                    int
	interval                                          time.Duration
}

// defaultTimeoutSeconds repeats the datasource default for timeoutSeconds, which pkg/plugin
// does not export.
const defaultTimeoutSeconds = 30

// lookbackHelp lists the units that now-<duration> accepts.
const lookbackHelp = "now-<duration> with units ms, s, m, h, d (24 h) or w (7 d), e.g. now-7d or now-1d12h"

func parseQueryFlags(args []string, output io.Writer, now time.Time) (queryOptions, error) {
	var f queryFlags
	opts := queryOptions{}
	flags := flag.NewFlagSet("query", flag.ContinueOnError)
	flags.SetOutput(output)
	flags.StringVar(&f.rpcURL, "rpc-url", "http://127.0.0.1:8000", "Soroban RPC endpoint")
	flags.StringVar(&f.network, "network", "local", "testnet, mainnet, futurenet, local or custom")
	flags.StringVar(&f.passphrase, "passphrase", "", "network passphrase (required with --network custom)")
	flags.StringVar(&f.contract, "contract", "", "audit-registry contract id (C...)")
	flags.StringVar(&f.authHeader, "auth-header", "", "auth header name; its value is read from $"+authValueEnv)
	flags.IntVar(&f.timeoutSeconds, "timeout", defaultTimeoutSeconds, "timeout of each RPC request in seconds, like the datasource's timeoutSeconds")
	flags.StringVar(&f.queryJSON, "query", `{"queryType":"stats"}`, "query JSON as a panel sends it, e.g. {\"queryType\":\"riskSeries\",\"minRisk\":\"high\"}")
	flags.StringVar(&f.from, "from", "now-1h", "start of the time range: RFC 3339 or "+lookbackHelp)
	flags.StringVar(&f.to, "to", "now", "end of the time range: RFC 3339, now or now-<duration> with the units of --from")
	flags.DurationVar(&f.interval, "interval", time.Minute, "bucket width of time series")
	flags.StringVar(&opts.Output, "output", "table", "table or json")
	flags.BoolVar(&opts.Alert, "from-alert", false, "send the query as Grafana's alert evaluation does (FromAlert header)")
	if err := flags.Parse(args); err != nil {
		return opts, err
	}
	if flags.NArg() > 0 {
		return opts, fmt.Errorf("unexpected arguments %q: query takes only flags", flags.Args())
	}
	if opts.Output != "table" && opts.Output != "json" {
		return opts, fmt.Errorf("invalid --output %q: use table or json", opts.Output)
	}
	if f.timeoutSeconds < 1 {
		return opts, fmt.Errorf("invalid --timeout %d: use a whole number of seconds of at least 1", f.timeoutSeconds)
	}

	fromTime, err := parseTime(f.from, now)
	if err != nil {
		return opts, fmt.Errorf("invalid --from: %w", err)
	}
	toTime, err := parseTime(f.to, now)
	if err != nil {
		return opts, fmt.Errorf("invalid --to: %w", err)
	}
	if !json.Valid([]byte(f.queryJSON)) {
		return opts, fmt.Errorf("invalid --query %q: it is not valid JSON", f.queryJSON)
	}

	opts.Settings = f.instanceSettings(os.Getenv(authValueEnv))
	opts.Query = backend.DataQuery{
		RefID: "A", JSON: json.RawMessage(f.queryJSON), Interval: f.interval, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: fromTime, To: toTime},
	}
	return opts, nil
}

// instanceSettings builds the settings Grafana would send for a datasource configured like
// the flags, with authValue as the decrypted secure authHeaderValue.
func (f queryFlags) instanceSettings(authValue string) backend.DataSourceInstanceSettings {
	jsonData, _ := json.Marshal(map[string]any{
		"rpcUrl": f.rpcURL, "network": f.network, "networkPassphrase": f.passphrase,
		"registryContractId": f.contract, "authHeaderName": f.authHeader,
		"timeoutSeconds": f.timeoutSeconds,
	})
	return backend.DataSourceInstanceSettings{
		UID: "modeltrace-cli", Type: plugin.PluginID, JSONData: jsonData,
		DecryptedSecureJSONData: map[string]string{"authHeaderValue": authValue},
	}
}

// parseTime reads an RFC 3339 time, "now" or "now-<duration>".
func parseTime(value string, now time.Time) (time.Time, error) {
	if value == "now" {
		return now, nil
	}
	if rest, ok := strings.CutPrefix(value, "now-"); ok {
		d, err := parseLookback(rest)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %w", value, err)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: use RFC 3339 (2026-01-01T00:00:00Z), now or %s", value, lookbackHelp)
	}
	return t, nil
}

// lookbackPattern splits a duration into whole weeks, whole days and a Go duration, in
// that order, e.g. "1w2d3h30m" into "1", "2" and "3h30m".
var lookbackPattern = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?(.*)$`)

// errLookbackTooLong is the error for a duration longer than time.Duration holds (about 292 years).
var errLookbackTooLong = fmt.Errorf("longer than the maximum of %dd: use a shorter duration",
	math.MaxInt64/int64(24*time.Hour))

// parseLookback reads the duration of now-<duration>: a Go duration such as 90m, optionally
// after whole weeks (w, 7 days) and days (d, 24 hours), such as 7d or 1w2d12h.
func parseLookback(text string) (time.Duration, error) {
	invalid := fmt.Errorf("use %s", lookbackHelp)
	match := lookbackPattern.FindStringSubmatch(text)
	weeks, days, rest := match[1], match[2], match[3]
	if weeks == "" && days == "" && rest == "" {
		return 0, invalid
	}

	var total time.Duration
	for _, part := range []struct {
		digits string
		unit   time.Duration
	}{{weeks, 7 * 24 * time.Hour}, {days, 24 * time.Hour}} {
		if part.digits == "" {
			continue
		}
		n, err := strconv.ParseInt(part.digits, 10, 64)
		if err != nil || n > (math.MaxInt64-int64(total))/int64(part.unit) {
			return 0, errLookbackTooLong
		}
		total += time.Duration(n) * part.unit
	}
	if rest == "" {
		return total, nil
	}

	// ParseDuration accepts a sign, which would turn now-<duration> into a time ahead of now.
	if rest[0] == '-' || rest[0] == '+' {
		return 0, invalid
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, invalid
	}
	if d > math.MaxInt64-total {
		return 0, errLookbackTooLong
	}
	return total + d, nil
}

// runQuery runs one query through the same code path as the plugin and prints its frames.
func runQuery(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseQueryFlags(args, stdout, time.Now())
	if err != nil {
		return err
	}
	// NewDatasource accepts invalid settings so that Grafana can show the error per query.
	// The CLI checks them first to stop with the error at once.
	if _, err := plugin.LoadSettings(opts.Settings); err != nil {
		return fmt.Errorf("invalid settings: %w", err)
	}

	// The plugin logs per-query details at Debug for Grafana; the CLI prints only warnings.
	log.DefaultLogger = log.NewWithLevel(log.Warn)
	instance, err := plugin.NewDatasource(ctx, opts.Settings)
	if err != nil {
		return err
	}
	ds, ok := instance.(*plugin.Datasource)
	if !ok {
		return fmt.Errorf("plugin.NewDatasource returned a %T, not a *plugin.Datasource: this is a bug in modeltrace", instance)
	}
	defer ds.Dispose()
	req := &backend.QueryDataRequest{Queries: []backend.DataQuery{opts.Query}, Headers: map[string]string{}}
	if opts.Alert {
		req.SetHTTPHeader("FromAlert", "true")
	}
	resp, err := ds.QueryData(ctx, req)
	if err != nil {
		return err
	}
	res := resp.Responses["A"]
	if res.Error != nil {
		return fmt.Errorf("query failed (%s error): %w", res.ErrorSource, res.Error)
	}
	return printFrames(stdout, res.Frames, opts.Output)
}

func printFrames(w io.Writer, frames data.Frames, output string) error {
	if output == "json" {
		encoded, err := json.MarshalIndent(frames, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(encoded))
		return err
	}
	for _, frame := range frames {
		table, err := frame.StringTable(-1, -1)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, table)
		if frame.Meta != nil {
			fmt.Fprintf(w, "executed: %s\n", frame.Meta.ExecutedQueryString)
			for _, notice := range frame.Meta.Notices {
				fmt.Fprintf(w, "notice (%s): %s\n", notice.Severity, notice.Text)
			}
		}
	}
	return nil
}
