package traffic

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

func countFunctions(t *testing.T, fake *testRPC) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, envelope := range fake.txs.Accepted() {
		call := envelope.Operations()[0].Body.InvokeHostFunctionOp.HostFunction.InvokeContract
		counts[string(call.FunctionName)]++
	}
	return counts
}

func TestRunRegistersThenLogs(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	var logs bytes.Buffer
	plan := Plan{
		ContractID: testContractID, Models: 2, Rate: 1000, Count: 6, BiasRate: 1, Seed: 7,
		RiskMix: RiskMix{0, 0, 1, 0},
	}

	summary, err := Run(context.Background(), submitter, plan, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)

	assert.Equal(t, []uint64{1, 2}, summary.Models)
	assert.Equal(t, 6, summary.Inferences)
	assert.Equal(t, 6, summary.BiasFlags)
	assert.Equal(t, 0, summary.Failed)
	assert.Equal(t, 0, summary.Errors)
	assert.Equal(t, map[string]int{"register_model": 2, "log_inference": 6, "flag_bias": 6}, countFunctions(t, fake))

	for _, envelope := range fake.txs.Accepted() {
		call := envelope.Operations()[0].Body.InvokeHostFunctionOp.HostFunction.InvokeContract
		if call.FunctionName == "log_inference" {
			assert.Equal(t, RiskHigh, uint32(*call.Args[3].U32), "the risk mix allows only high")
			assert.Contains(t, []uint64{1, 2}, uint64(*call.Args[1].U64), "model ids come from register_model")
		}
	}
	assert.Equal(t, 14, strings.Count(logs.String(), "hash="))
	assert.Contains(t, logs.String(), "msg=\"traffic stopped\" models=2 inferences=6 bias_flags=6 failed=0 errors=0")
}

func TestRunCountsFailedCalls(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.Script(sorobantest.TxOutcome{}, sorobantest.TxOutcome{Failed: true}, sorobantest.TxOutcome{}, sorobantest.TxOutcome{Failed: true})
	plan := Plan{ContractID: testContractID, Models: 1, Rate: 1000, Count: 4, Seed: 1, RiskMix: RiskMix{1, 0, 0, 0}}

	summary, err := Run(context.Background(), submitter, plan, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.Equal(t, 2, summary.Inferences)
	assert.Equal(t, 2, summary.Failed)
	assert.Equal(t, 0, summary.BiasFlags)
}

func TestRunStopsAfterConsecutiveErrors(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	plan := Plan{ContractID: testContractID, Models: 1, Rate: 1000, Count: 50, Seed: 1, RiskMix: RiskMix{1, 0, 0, 0}}
	_, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.NoError(t, err)
	fake.txs.SetSimulationError("HostError: Error(Contract, #2)")

	// The model registration fails too, so give Run a submitter that has models already.
	runner := &runner{submitter: submitter, plan: plan, logger: slog.New(slog.DiscardHandler), random: rand.New(rand.NewPCG(1, 2)), now: time.Now}
	runner.summary.Models = []uint64{1}
	err = runner.logInferences(context.Background())
	require.Error(t, err)
	assert.Equal(t, "stopped after 10 consecutive failed calls: check the contract id, the account and the RPC", err.Error())
	assert.Equal(t, maxConsecutiveErrors, runner.summary.Errors)
}

func TestRunStopsAtDuration(t *testing.T) {
	submitter, _ := newTestSubmitter(t, 5*time.Second)
	plan := Plan{ContractID: testContractID, Models: 1, Rate: 20, Duration: 150 * time.Millisecond, Seed: 1, RiskMix: RiskMix{1, 1, 1, 1}}

	summary, err := Run(context.Background(), submitter, plan, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	assert.LessOrEqual(t, summary.Inferences, 3, "20 calls/s for 150ms allows at most 3")
}

func TestRunCancelled(t *testing.T) {
	submitter, _ := newTestSubmitter(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	plan := Plan{ContractID: testContractID, Models: 1, Rate: 1, Count: 10, Seed: 1, RiskMix: RiskMix{1, 0, 0, 0}}

	_, err := Run(ctx, submitter, plan, slog.New(slog.DiscardHandler))
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunRejectsUnboundedPlan(t *testing.T) {
	_, err := Run(context.Background(), nil, Plan{Rate: 1, Models: 1}, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Equal(t, "traffic run is unbounded: set a duration or a count", err.Error())
}

func TestPlanMixAt(t *testing.T) {
	plan := Plan{RiskMix: RiskMix{1, 0, 0, 0}, SpikeMix: RiskMix{0, 0, 1, 0}, SpikeEvery: 30 * time.Minute, SpikeFor: 5 * time.Minute}
	cases := []struct {
		elapsed   time.Duration
		wantSpike bool
	}{
		{0, false},
		{25*time.Minute - time.Nanosecond, false},
		{25 * time.Minute, true},
		{30*time.Minute - time.Nanosecond, true},
		{30 * time.Minute, false},
		{55 * time.Minute, true},
	}
	for _, tc := range cases {
		t.Run(tc.elapsed.String(), func(t *testing.T) {
			mix, spike := plan.mixAt(tc.elapsed)
			assert.Equal(t, tc.wantSpike, spike)
			if tc.wantSpike {
				assert.Equal(t, plan.SpikeMix, mix)
			} else {
				assert.Equal(t, plan.RiskMix, mix)
			}
		})
	}

	plan.SpikeEvery = 0
	_, spike := plan.mixAt(25 * time.Minute)
	assert.False(t, spike, "SpikeEvery 0 turns spikes off")
}

func TestRunSpikesRiskMix(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	var logs bytes.Buffer
	plan := Plan{
		ContractID: testContractID, Models: 1, Rate: 1000, Count: 6, Seed: 3,
		RiskMix: RiskMix{1, 0, 0, 0}, SpikeMix: RiskMix{0, 0, 0, 1}, SpikeEvery: 4 * time.Minute, SpikeFor: 2 * time.Minute,
	}
	// Each reading of the clock moves it one minute on. The run start reads it first, so
	// inferences 2, 3 and 6 fall in the last 2 minutes of a 4-minute period.
	clock := time.Unix(1_767_225_600, 0)
	run := &runner{submitter: submitter, plan: plan, logger: slog.New(slog.NewTextHandler(&logs, nil)),
		random: rand.New(rand.NewPCG(1, 2)), now: func() time.Time {
			now := clock
			clock = clock.Add(time.Minute)
			return now
		}}
	require.NoError(t, run.registerModels(context.Background()))
	require.NoError(t, run.logInferences(context.Background()))

	var risks []uint32
	for _, envelope := range fake.txs.Accepted() {
		call := envelope.Operations()[0].Body.InvokeHostFunctionOp.HostFunction.InvokeContract
		if call.FunctionName == FuncLogInference {
			risks = append(risks, uint32(*call.Args[3].U32))
		}
	}
	assert.Equal(t, []uint32{RiskLow, RiskCritical, RiskCritical, RiskLow, RiskLow, RiskCritical}, risks)
	assert.Equal(t, 2, strings.Count(logs.String(), `msg="risk spike started" high_risk_percent=100 for=2m0s`))
	assert.Equal(t, 1, strings.Count(logs.String(), `msg="risk spike ended" high_risk_percent=0`))
}
