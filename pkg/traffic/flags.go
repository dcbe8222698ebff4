package traffic

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	"github.com/stellar/go-stellar-sdk/keypair"
)

// DefaultRiskMix is the risk mix used when --risk-mix is not set.
const DefaultRiskMix = "low:70,medium:20,high:7,critical:3"

// RiskMix holds the relative weight of each risk level, indexed by level.
type RiskMix [4]float64

// ParseRiskMix reads "low:70,medium:20,high:7,critical:3". Levels left out get weight 0 and
// the weights need not add up to 100.
func ParseRiskMix(text string) (RiskMix, error) {
	var mix RiskMix
	total := 0.0
	for _, part := range strings.Split(text, ",") {
		name, weightText, ok := strings.Cut(strings.TrimSpace(part), ":")
		level := riskIndex(strings.TrimSpace(name))
		weight, err := strconv.ParseFloat(strings.TrimSpace(weightText), 64)
		if !ok || level < 0 || err != nil || weight < 0 {
			return mix, fmt.Errorf("invalid risk mix entry %q: use level:weight with levels %v, e.g. %q", part, RiskNames, DefaultRiskMix)
		}
		mix[level] = weight
		total += weight
	}
	if total <= 0 {
		return mix, fmt.Errorf("invalid risk mix %q: at least one weight must be above 0", text)
	}
	return mix, nil
}

// Pick draws a risk level with probability proportional to its weight.
func (m RiskMix) Pick(random *rand.Rand) uint32 {
	total := m[0] + m[1] + m[2] + m[3]
	point := random.Float64() * total
	for level, weight := range m {
		if point < weight {
			return uint32(level)
		}
		point -= weight
	}
	return RiskCritical
}

func riskIndex(name string) int {
	for i, known := range RiskNames {
		if strings.EqualFold(name, known) {
			return i
		}
	}
	return -1
}

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

// ParseFlags parses the arguments of `modeltrace traffic` and reads the secret file.
func ParseFlags(args []string, output io.Writer) (Options, error) {
	var opts Options
	var riskMix string
	flags := flag.NewFlagSet("traffic", flag.ContinueOnError)
	flags.SetOutput(output)
	flags.StringVar(&opts.RPCURL, "rpc-url", "", "Soroban RPC URL, e.g. http://localhost:8000/rpc (required)")
	flags.StringVar(&opts.Passphrase, "passphrase", "", "network passphrase, e.g. \"Standalone Network ; February 2017\" (required)")
	flags.StringVar(&opts.Plan.ContractID, "contract", "", "audit registry contract id, a C… strkey (required)")
	flags.StringVar(&opts.secret, "secret", "", "S… secret key of the operator and auditor account (visible in the process list: prefer --secret-file)")
	flags.StringVar(&opts.SecretFile, "secret-file", "", "file holding the S… secret key of the operator and auditor account")
	flags.Float64Var(&opts.Plan.Rate, "rate", 1, "at most this many log_inference calls per second")
	flags.StringVar(&riskMix, "risk-mix", DefaultRiskMix, "relative weight of each risk level")
	flags.Float64Var(&opts.Plan.BiasRate, "bias-rate", 0.01, "chance from 0 to 1, per inference, of a flag_bias call on the same model")
	flags.IntVar(&opts.Plan.Models, "models", 3, "models to register before logging inferences")
	flags.DurationVar(&opts.Plan.Duration, "duration", 10*time.Minute, "stop after this long (0: no time limit, then --count is required)")
	flags.IntVar(&opts.Plan.Count, "count", 0, "stop after this many log_inference calls (0: no count limit)")
	flags.Uint64Var(&opts.Plan.Seed, "seed", 0, "seed of the random choices (0: a new seed each run)")
	flags.DurationVar(&opts.TxTimeout, "tx-timeout", DefaultTxTimeout, "how long to wait for each transaction to reach a ledger")
	flags.Int64Var(&opts.BaseFee, "base-fee", DefaultBaseFee, "inclusion fee in stroops, added to the simulated resource fee")
	if err := flags.Parse(args); err != nil {
		return opts, err
	}
	if flags.NArg() > 0 {
		return opts, fmt.Errorf("unexpected arguments %q: traffic takes only flags", flags.Args())
	}

	var err error
	if opts.Plan.RiskMix, err = ParseRiskMix(riskMix); err != nil {
		return opts, err
	}
	if opts.secret, err = readSecret(opts.secret, opts.SecretFile); err != nil {
		return opts, err
	}
	if opts.Plan.Seed == 0 {
		opts.Plan.Seed = uint64(time.Now().UnixNano())
	}
	return opts, opts.validate()
}

func (o Options) validate() error {
	switch {
	case o.RPCURL == "":
		return errors.New("missing --rpc-url: set the Soroban RPC URL")
	case o.Passphrase == "":
		return errors.New("missing --passphrase: set the network passphrase")
	case o.Plan.ContractID == "":
		return errors.New("missing --contract: set the audit registry contract id")
	case o.Plan.Rate <= 0:
		return fmt.Errorf("invalid --rate %v: use a number of calls per second above 0", o.Plan.Rate)
	case o.Plan.BiasRate < 0 || o.Plan.BiasRate > 1:
		return fmt.Errorf("invalid --bias-rate %v: use a chance from 0 to 1", o.Plan.BiasRate)
	case o.Plan.Models < 1:
		return fmt.Errorf("invalid --models %d: register at least 1 model", o.Plan.Models)
	case o.Plan.Duration < 0 || o.Plan.Count < 0:
		return errors.New("invalid --duration or --count: use 0 or more")
	case o.Plan.Duration == 0 && o.Plan.Count == 0:
		return errors.New("traffic run is unbounded: set --duration or --count")
	case o.TxTimeout < time.Second:
		return fmt.Errorf("invalid --tx-timeout %s: use at least 1s", o.TxTimeout)
	}
	return nil
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
		"duration", opts.Plan.Duration, "count", opts.Plan.Count, "seed", opts.Plan.Seed)
	_, err = Run(ctx, submitter, opts.Plan, logger)
	return err
}
