package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
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

func parseQueryFlags(args []string, output io.Writer, now time.Time) (queryOptions, error) {
	var rpcURL, network, passphrase, contract, authHeader, queryJSON, from, to string
	var interval time.Duration
	opts := queryOptions{}
	flags := flag.NewFlagSet("query", flag.ContinueOnError)
	flags.SetOutput(output)
	flags.StringVar(&rpcURL, "rpc-url", "http://127.0.0.1:8000", "Soroban RPC endpoint")
	flags.StringVar(&network, "network", "local", "testnet, mainnet, futurenet, local or custom")
	flags.StringVar(&passphrase, "passphrase", "", "network passphrase (required with --network custom)")
	flags.StringVar(&contract, "contract", "", "audit-registry contract id (C...)")
	flags.StringVar(&authHeader, "auth-header", "", "auth header name; its value is read from $"+authValueEnv)
	flags.StringVar(&queryJSON, "query", `{"queryType":"stats"}`, "query JSON as a panel sends it, e.g. {\"queryType\":\"riskSeries\",\"minRisk\":\"high\"}")
	flags.StringVar(&from, "from", "now-1h", "start of the time range: RFC 3339 or now-<duration>")
	flags.StringVar(&to, "to", "now", "end of the time range: RFC 3339, now or now-<duration>")
	flags.DurationVar(&interval, "interval", time.Minute, "bucket width of time series")
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

	fromTime, err := parseTime(from, now)
	if err != nil {
		return opts, fmt.Errorf("invalid --from: %w", err)
	}
	toTime, err := parseTime(to, now)
	if err != nil {
		return opts, fmt.Errorf("invalid --to: %w", err)
	}
	if !json.Valid([]byte(queryJSON)) {
		return opts, fmt.Errorf("invalid --query %q: it is not valid JSON", queryJSON)
	}

	jsonData, _ := json.Marshal(map[string]any{
		"rpcUrl": rpcURL, "network": network, "networkPassphrase": passphrase,
		"registryContractId": contract, "authHeaderName": authHeader,
	})
	opts.Settings = backend.DataSourceInstanceSettings{
		UID: "modeltrace-cli", JSONData: jsonData,
		DecryptedSecureJSONData: map[string]string{"authHeaderValue": os.Getenv(authValueEnv)},
	}
	opts.Query = backend.DataQuery{
		RefID: "A", JSON: json.RawMessage(queryJSON), Interval: interval, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: fromTime, To: toTime},
	}
	return opts, nil
}

// parseTime reads an RFC 3339 time, "now" or "now-<duration>".
func parseTime(value string, now time.Time) (time.Time, error) {
	if value == "now" {
		return now, nil
	}
	if rest, ok := strings.CutPrefix(value, "now-"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("%q: use now-<duration>, e.g. now-6h", value)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: use RFC 3339 (2026-01-01T00:00:00Z), now or now-<duration>", value)
	}
	return t, nil
}

// runQuery runs one query through the same code path as the plugin and prints its frames.
func runQuery(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseQueryFlags(args, stdout, time.Now())
	if err != nil {
		return err
	}
	settings, err := plugin.LoadSettings(opts.Settings)
	if err != nil {
		return fmt.Errorf("invalid settings: %w", err)
	}

	// The plugin logs per-query details at Debug for Grafana; the CLI prints only warnings.
	log.DefaultLogger = log.NewWithLevel(log.Warn)
	ds := plugin.NewDatasourceWithHTTPClient(settings, &http.Client{Timeout: settings.Timeout})
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
