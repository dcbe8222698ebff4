package traffic

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/stellar/go-stellar-sdk/txnbuild"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// maxConsecutiveErrors stops a run whose calls keep failing (wrong contract, unfunded account,
// RPC down) instead of retrying until the duration ends.
const maxConsecutiveErrors = 10

// Plan is the configuration of one traffic run: the calls to make and when to stop.
type Plan struct {
	ContractID string
	Models     int // models to register before logging inferences
	// Rate caps log_inference calls per second.
	// NOTE: calls go out one at a time from one account and each waits for its ledger, so the
	// achieved rate is at most about one call per ledger close, whatever Rate allows.
	Rate     float64
	RiskMix  RiskMix       // relative weight of each risk level
	BiasRate float64       // chance, per inference, of a flag_bias call on the same model
	Duration time.Duration // stop after this long; 0 means no time limit
	Count    int           // stop after this many log_inference calls; 0 means no count limit
	Seed     uint64        // seeds the random choices, so a run can be repeated
	// SpikeEvery and SpikeFor schedule risk spikes: the last SpikeFor of every SpikeEvery
	// period draws risk levels from SpikeMix. A SpikeEvery of 0 turns spikes off.
	SpikeEvery time.Duration
	SpikeFor   time.Duration
	SpikeMix   RiskMix
}

// Summary is the count of calls one traffic run made, by outcome.
type Summary struct {
	Models     []uint64
	Inferences int
	BiasFlags  int
	Failed     int // calls that reached a ledger with status FAILED
	Errors     int // calls that did not reach a ledger (simulation, send or poll errors)
}

// invoker is the part of Submitter that Run needs.
type invoker interface {
	Address() string
	Invoke(ctx context.Context, op *txnbuild.InvokeHostFunction) (Result, error)
}

// Run registers plan.Models models, then logs inferences until plan.Count calls, plan.Duration
// or ctx ends the run. Every call is logged with its transaction hash and result.
func Run(ctx context.Context, submitter invoker, plan Plan, logger *slog.Logger) (Summary, error) {
	if plan.Duration <= 0 && plan.Count <= 0 {
		return Summary{}, errors.New("traffic run is unbounded: set a duration or a count")
	}
	if err := checkRate(plan.Rate); err != nil {
		return Summary{}, err
	}
	if plan.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, plan.Duration)
		defer cancel()
	}
	random := rand.New(rand.NewPCG(plan.Seed, plan.Seed^0x9e3779b97f4a7c15))
	run := &runner{submitter: submitter, plan: plan, logger: logger, random: random, now: time.Now}

	if err := run.registerModels(ctx); err != nil {
		return run.summary, err
	}
	err := run.logInferences(ctx)
	logger.Info("traffic stopped", "models", len(run.summary.Models), "inferences", run.summary.Inferences,
		"bias_flags", run.summary.BiasFlags, "failed", run.summary.Failed, "errors", run.summary.Errors)
	return run.summary, err
}

type runner struct {
	submitter   invoker
	plan        Plan
	logger      *slog.Logger
	random      *rand.Rand
	summary     Summary
	attempts    int // log_inference calls submitted, whatever their outcome
	errorStreak int
	now         func() time.Time
	started     time.Time // start of logInferences, from which spikes are scheduled
	inSpike     bool
}

func (r *runner) registerModels(ctx context.Context) error {
	for i := 1; i <= r.plan.Models; i++ {
		name := fmt.Sprintf("traffic-model-%d", i)
		spec := ModelSpec{
			Name:            name,
			Version:         "1.0.0",
			WeightsHash:     sha256.Sum256([]byte(name + " weights")),
			TrainingDataCID: fmt.Sprintf("bafytraffic%dtrainingdata", i),
		}
		op, err := RegisterModelOp(r.plan.ContractID, r.submitter.Address(), spec)
		if err != nil {
			return err
		}
		result, err := r.submitter.Invoke(ctx, op)
		if err != nil {
			return fmt.Errorf("register model %s: %w", name, err)
		}
		id, ok := u64Result(result.ReturnValue)
		if !ok {
			return fmt.Errorf("register model %s: transaction %s returned no u64 model id", name, result.Hash)
		}
		r.summary.Models = append(r.summary.Models, id)
		r.logger.Info("model registered", "model_id", id, "name", name, "hash", result.Hash)
	}
	if len(r.summary.Models) == 0 {
		return errors.New("no models to log inferences for: set --models to 1 or more")
	}
	return nil
}

func (r *runner) logInferences(ctx context.Context) error {
	interval := time.Duration(float64(time.Second) / r.plan.Rate)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	r.started = r.now()

	for r.plan.Count <= 0 || r.attempts < r.plan.Count {
		select {
		case <-ctx.Done():
			return stopReason(ctx)
		case <-ticker.C:
		}

		r.attempts++
		modelID := r.summary.Models[r.random.IntN(len(r.summary.Models))]
		risk := r.currentMix().Pick(r.random)
		op, err := LogInferenceOp(r.plan.ContractID, r.submitter.Address(), modelID, r.randomHash(), risk)
		if err != nil {
			return err
		}
		if !r.record(ctx, op, &r.summary.Inferences, "model_id", modelID, "risk", RiskNames[risk]) {
			return fmt.Errorf("stopped after %d consecutive failed calls: check the contract id, the account and the RPC", maxConsecutiveErrors)
		}

		if r.random.Float64() >= r.plan.BiasRate {
			continue
		}
		op, err = FlagBiasOp(r.plan.ContractID, r.submitter.Address(), modelID, r.randomHash())
		if err != nil {
			return err
		}
		if !r.record(ctx, op, &r.summary.BiasFlags, "model_id", modelID) {
			return fmt.Errorf("stopped after %d consecutive failed calls: check the contract id, the account and the RPC", maxConsecutiveErrors)
		}
	}
	return nil
}

// record submits op, counts its outcome and logs it. It returns false once too many calls in a
// row have failed.
func (r *runner) record(ctx context.Context, op *txnbuild.InvokeHostFunction, succeeded *int, attrs ...any) bool {
	function := string(op.HostFunction.InvokeContract.FunctionName)
	result, err := r.submitter.Invoke(ctx, op)
	switch {
	case err == nil:
		*succeeded++
		r.errorStreak = 0
		r.logger.Info("call succeeded", append([]any{"function", function, "hash", result.Hash, "ledger", result.Ledger}, attrs...)...)
		return true
	case ctx.Err() != nil:
		// The run is stopping: the call was cut short, not failed.
		return true
	case errors.Is(err, ErrTxFailed):
		r.summary.Failed++
	default:
		r.summary.Errors++
	}
	r.errorStreak++
	r.logger.Error("call failed", append([]any{"function", function, "hash", result.Hash, "error", err}, attrs...)...)
	return r.errorStreak < maxConsecutiveErrors
}

// currentMix returns the risk mix for the next inference and logs when a spike starts or ends.
func (r *runner) currentMix() RiskMix {
	mix, spike := r.plan.mixAt(r.now().Sub(r.started))
	if spike != r.inSpike {
		r.inSpike = spike
		if spike {
			r.logger.Info("risk spike started", "high_risk_percent", mix.highShare(), "for", r.plan.SpikeFor)
		} else {
			r.logger.Info("risk spike ended", "high_risk_percent", mix.highShare())
		}
	}
	return mix
}

func (r *runner) randomHash() [32]byte {
	var hash [32]byte
	for i := 0; i < len(hash); i += 8 {
		value := r.random.Uint64()
		for j := 0; j < 8; j++ {
			hash[i+j] = byte(value >> (8 * j))
		}
	}
	return hash
}

// stopReason turns the end of the run's context into a result: the planned duration passing is
// a normal stop, a cancellation from outside is reported.
func stopReason(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil
	}
	return ctx.Err()
}

func u64Result(value *xdr.ScVal) (uint64, bool) {
	if value == nil || value.Type != xdr.ScValTypeScvU64 || value.U64 == nil {
		return 0, false
	}
	return uint64(*value.U64), true
}
