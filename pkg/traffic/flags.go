package traffic

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	"github.com/stellar/go-stellar-sdk/keypair"
	"github.com/stellar/go-stellar-sdk/strkey"
)

// Options are the parsed command-line flags of `modeltrace traffic`.
type Options struct {
	RPCURL     string
	Passphrase string
	SecretFile string
	secret     string // from --secret or --secret-file; never logged
	Plan       Plan
	TxTimeout  time.Duration
	BaseFee    int64
}

// MaxRate is the highest --rate accepted, in calls per second. A higher rate would gain
// nothing, because each call waits for its ledger.
const MaxRate = 1000

// ParseFlags parses the arguments of `modeltrace traffic` and reads the secret file. With -h
// it prints the flags to output and returns flag.ErrHelp. A flag that does not parse returns
// an error that ends with the usage text, so the caller prints both to stderr.
func ParseFlags(args []string, output io.Writer) (Options, error) {
	var opts Options
	var riskMix, spikeMix string
	var usage bytes.Buffer
	flags := flag.NewFlagSet("traffic", flag.ContinueOnError)
	flags.SetOutput(&usage)
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: modeltrace traffic [flags]")
		flags.PrintDefaults()
	}
	flags.StringVar(&opts.RPCURL, "rpc-url", "", "Soroban RPC URL, e.g. http://localhost:8000/rpc (required)")
	flags.StringVar(&opts.Passphrase, "passphrase", "", "network passphrase, e.g. \"Standalone Network ; February 2017\" (required)")
	flags.StringVar(&opts.Plan.ContractID, "contract", "", "audit registry contract id, a C… strkey (required)")
	flags.StringVar(&opts.secret, "secret", "", "S… secret key of the operator and auditor account (visible in the process list: prefer --secret-file)")
	flags.StringVar(&opts.SecretFile, "secret-file", "", "file holding the S… secret key of the operator and auditor account")
	flags.Float64Var(&opts.Plan.Rate, "rate", 1, fmt.Sprintf("at most this many log_inference calls per second, above 0 and at most %d", MaxRate))
	flags.StringVar(&riskMix, "risk-mix", DefaultRiskMix, "relative weight of each risk level")
	flags.DurationVar(&opts.Plan.SpikeEvery, "spike-every", 30*time.Minute, "start a risk spike once per this period, at its end (0: no spikes)")
	flags.DurationVar(&opts.Plan.SpikeFor, "spike-for", 5*time.Minute, "length of each risk spike")
	flags.StringVar(&spikeMix, "spike-mix", DefaultSpikeMix, "relative weight of each risk level during a spike")
	flags.Float64Var(&opts.Plan.BiasRate, "bias-rate", 0.01, "chance from 0 to 1, per inference, of a flag_bias call on the same model")
	flags.IntVar(&opts.Plan.Models, "models", 3, "models to register before logging inferences")
	flags.DurationVar(&opts.Plan.Duration, "duration", 10*time.Minute, "stop after this long (0: no time limit, then --count is required)")
	flags.IntVar(&opts.Plan.Count, "count", 0, "stop after this many log_inference calls (0: no count limit)")
	flags.Uint64Var(&opts.Plan.Seed, "seed", 0, "seed of the random choices (0: a new seed each run)")
	flags.DurationVar(&opts.TxTimeout, "tx-timeout", DefaultTxTimeout, "how long to wait for each transaction to reach a ledger")
	flags.Int64Var(&opts.BaseFee, "base-fee", DefaultBaseFee, fmt.Sprintf("inclusion fee in stroops, at least %d, added to the simulated resource fee", DefaultBaseFee))
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = usage.WriteTo(output)
			return opts, err
		}
		usage.Reset()
		flags.Usage()
		return opts, fmt.Errorf("%w\n%s", err, strings.TrimRight(usage.String(), "\n"))
	}
	if flags.NArg() > 0 {
		return opts, fmt.Errorf("unexpected arguments %q: traffic takes only flags", flags.Args())
	}

	var err error
	if opts.Plan.RiskMix, err = ParseRiskMix(riskMix); err != nil {
		return opts, err
	}
	if opts.Plan.SpikeMix, err = ParseRiskMix(spikeMix); err != nil {
		return opts, fmt.Errorf("invalid --spike-mix: %w", err)
	}
	if opts.secret, err = readSecret(opts.secret, opts.SecretFile); err != nil {
		return opts, err
	}
	if opts.Plan.Seed == 0 {
		opts.Plan.Seed = uint64(time.Now().UnixNano())
	}
	return opts, opts.validate()
}

// checkRate rejects rates that are not finite, not above 0 or above MaxRate. The interval
// between calls, 1 s / rate, must stay positive for time.NewTicker.
func checkRate(rate float64) error {
	if !(rate > 0 && rate <= MaxRate) {
		return fmt.Errorf("invalid --rate %v: use a number of calls per second above 0 and at most %d", rate, MaxRate)
	}
	return nil
}

func (o Options) validate() error {
	if err := checkRate(o.Plan.Rate); err != nil {
		return err
	}
	switch {
	case o.RPCURL == "":
		return errors.New("missing --rpc-url: set the Soroban RPC URL")
	case o.Passphrase == "":
		return errors.New("missing --passphrase: set the network passphrase")
	case o.Plan.ContractID == "":
		return errors.New("missing --contract: set the audit registry contract id")
	case !isContractID(o.Plan.ContractID):
		return fmt.Errorf("invalid --contract %q: use the audit registry's C… contract strkey", o.Plan.ContractID)
	case !(o.Plan.BiasRate >= 0 && o.Plan.BiasRate <= 1):
		return fmt.Errorf("invalid --bias-rate %v: use a chance from 0 to 1", o.Plan.BiasRate)
	case o.Plan.Models < 1:
		return fmt.Errorf("invalid --models %d: register at least 1 model", o.Plan.Models)
	case o.Plan.Duration < 0 || o.Plan.Count < 0:
		return errors.New("invalid --duration or --count: use 0 or more")
	case o.Plan.Duration == 0 && o.Plan.Count == 0:
		return errors.New("traffic run is unbounded: set --duration or --count")
	case o.TxTimeout < time.Second:
		return fmt.Errorf("invalid --tx-timeout %s: use at least 1s", o.TxTimeout)
	case o.BaseFee < DefaultBaseFee:
		return fmt.Errorf("invalid --base-fee %d: use at least %d stroops, the minimum inclusion fee per operation", o.BaseFee, DefaultBaseFee)
	case o.Plan.SpikeEvery < 0:
		return fmt.Errorf("invalid --spike-every %s: use 0 (no spikes) or a positive period", o.Plan.SpikeEvery)
	case o.Plan.SpikeEvery > 0 && (o.Plan.SpikeFor <= 0 || o.Plan.SpikeFor >= o.Plan.SpikeEvery):
		return fmt.Errorf("invalid --spike-for %s: use a length above 0 and shorter than --spike-every %s", o.Plan.SpikeFor, o.Plan.SpikeEvery)
	}
	return nil
}

func isContractID(id string) bool {
	_, err := strkey.Decode(strkey.VersionByteContract, id)
	return err == nil
}

func readSecret(secret, path string) (string, error) {
	if secret != "" && path != "" {
		return "", errors.New("both --secret and --secret-file are set: use one")
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read --secret-file: %w", err)
		}
		secret = strings.TrimSpace(string(raw))
	}
	if secret == "" {
		return "", errors.New("missing secret key: set --secret-file (or --secret)")
	}
	return secret, nil
}

// Command runs `modeltrace traffic` with the given arguments, logging to stdout.
func Command(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := ParseFlags(args, stdout)
	if err != nil {
		return err
	}
	signer, err := keypair.ParseFull(opts.secret)
	if err != nil {
		// The parser's message may quote the input, so it is not passed on.
		return errors.New("invalid secret key: use an S… Stellar secret seed")
	}

	logger := slog.New(slog.NewTextHandler(stdout, nil))
	client := rpcclient.NewClient(opts.RPCURL, &http.Client{Timeout: 30 * time.Second})
	defer client.Close()

	submitter, err := NewSubmitter(ctx, client, opts.Passphrase, signer, SubmitterOptions{
		BaseFee:   opts.BaseFee,
		TxTimeout: opts.TxTimeout,
		Logger:    logger,
	})
	if err != nil {
		return err
	}
	logger.Info("traffic starting", "rpc_url", opts.RPCURL, "contract", opts.Plan.ContractID,
		"account", signer.Address(), "models", opts.Plan.Models, "rate", opts.Plan.Rate,
		"duration", opts.Plan.Duration, "count", opts.Plan.Count, "seed", opts.Plan.Seed,
		"high_risk_percent", opts.Plan.RiskMix.highShare(), "spike_every", opts.Plan.SpikeEvery,
		"spike_for", opts.Plan.SpikeFor, "spike_high_risk_percent", opts.Plan.SpikeMix.highShare())
	_, err = Run(ctx, submitter, opts.Plan, logger)
	return err
}
