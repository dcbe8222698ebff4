package traffic

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRiskMix(t *testing.T) {
	mix, err := ParseRiskMix("low:70, medium:20,HIGH:7,critical:3")
	require.NoError(t, err)
	assert.Equal(t, RiskMix{70, 20, 7, 3}, mix)

	mix, err = ParseRiskMix("critical:1")
	require.NoError(t, err)
	assert.Equal(t, RiskMix{0, 0, 0, 1}, mix)

	for _, bad := range []string{"", "severe:1", "low", "low:-1", "low:x", "low:0", "low:NaN", "low:+Inf", "low:1,high:inf"} {
		t.Run(bad, func(t *testing.T) {
			_, err := ParseRiskMix(bad)
			assert.Error(t, err)
		})
	}
}

func TestRiskMixPick(t *testing.T) {
	random := rand.New(rand.NewPCG(3, 4))
	counts := [4]int{}
	mix := RiskMix{1, 0, 3, 0}
	for range 4000 {
		counts[mix.Pick(random)]++
	}
	assert.Equal(t, 0, counts[RiskMedium])
	assert.Equal(t, 0, counts[RiskCritical])
	assert.InDelta(t, 1000, counts[RiskLow], 150)
	assert.InDelta(t, 3000, counts[RiskHigh], 150)
}

func baseArgs() []string {
	return []string{
		"--rpc-url=http://127.0.0.1:8000/rpc",
		"--passphrase=" + testPassphrase,
		"--contract=" + testContractID,
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte(testSigner(t).Seed()+"\n"), 0o600))

	opts, err := ParseFlags(append(baseArgs(), "--secret-file="+secretFile, "--seed=9"), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8000/rpc", opts.RPCURL)
	assert.Equal(t, testPassphrase, opts.Passphrase)
	assert.Equal(t, testSigner(t).Seed(), opts.secret)
	assert.Equal(t, Plan{
		ContractID: testContractID, Models: 3, Rate: 1, RiskMix: RiskMix{80, 19, 0.7, 0.3},
		BiasRate: 0.01, Duration: 10 * time.Minute, Seed: 9,
		SpikeEvery: 30 * time.Minute, SpikeFor: 5 * time.Minute, SpikeMix: RiskMix{55, 20, 18, 7},
	}, opts.Plan)
	assert.Equal(t, DefaultTxTimeout, opts.TxTimeout)
	assert.Equal(t, int64(DefaultBaseFee), opts.BaseFee)
	assert.InDelta(t, 1.0, opts.Plan.RiskMix.highShare(), 1e-9, "the default mix stays below the 5 % alert")
	assert.InDelta(t, 25.0, opts.Plan.SpikeMix.highShare(), 1e-9, "a spike fires the 5 % alert")
}

func TestParseFlagsErrors(t *testing.T) {
	secret := "--secret=" + testSigner(t).Seed()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no rpc", []string{secret}, "missing --rpc-url: set the Soroban RPC URL"},
		{"no secret", baseArgs(), "missing secret key: set --secret-file (or --secret)"},
		{"both secrets", append(baseArgs(), secret, "--secret-file=/nonexistent"), "both --secret and --secret-file are set: use one"},
		{"missing file", append(baseArgs(), "--secret-file=/nonexistent/secret"), "read --secret-file: open /nonexistent/secret: no such file or directory"},
		{"unbounded", append(baseArgs(), secret, "--duration=0"), "traffic run is unbounded: set --duration or --count"},
		{"zero rate", append(baseArgs(), secret, "--rate=0"), "invalid --rate 0: use a number of calls per second above 0 and at most 1000"},
		{"infinite rate", append(baseArgs(), secret, "--rate=+Inf"), "invalid --rate +Inf: use a number of calls per second above 0 and at most 1000"},
		{"NaN rate", append(baseArgs(), secret, "--rate=NaN"), "invalid --rate NaN: use a number of calls per second above 0 and at most 1000"},
		{"huge rate", append(baseArgs(), secret, "--rate=2e9"), "invalid --rate 2e+09: use a number of calls per second above 0 and at most 1000"},
		{"bad bias", append(baseArgs(), secret, "--bias-rate=2"), "invalid --bias-rate 2: use a chance from 0 to 1"},
		{"NaN bias", append(baseArgs(), secret, "--bias-rate=NaN"), "invalid --bias-rate NaN: use a chance from 0 to 1"},
		{"bad models", append(baseArgs(), secret, "--models=0"), "invalid --models 0: register at least 1 model"},
		{"bad mix", append(baseArgs(), secret, "--risk-mix=x:1"),
			`invalid risk mix entry "x:1": use level:weight with levels [low medium high critical], e.g. "low:80,medium:19,high:0.7,critical:0.3"`},
		{"bad spike mix", append(baseArgs(), secret, "--spike-mix=low:0"), `invalid --spike-mix: invalid risk mix "low:0": at least one weight must be above 0`},
		{"zero fee", append(baseArgs(), secret, "--base-fee=0"), "invalid --base-fee 0: use at least 100 stroops, the minimum inclusion fee per operation"},
		{"negative fee", append(baseArgs(), secret, "--base-fee=-5"), "invalid --base-fee -5: use at least 100 stroops, the minimum inclusion fee per operation"},
		{"bad contract", []string{"--rpc-url=http://127.0.0.1:8000/rpc", "--passphrase=p", "--contract=GABC", secret},
			`invalid --contract "GABC": use the audit registry's C… contract strkey`},
		{"negative spike", append(baseArgs(), secret, "--spike-every=-1m"), "invalid --spike-every -1m0s: use 0 (no spikes) or a positive period"},
		{"long spike", append(baseArgs(), secret, "--spike-every=5m", "--spike-for=5m"),
			"invalid --spike-for 5m0s: use a length above 0 and shorter than --spike-every 5m0s"},
		{"extra args", append(baseArgs(), secret, "extra"), `unexpected arguments ["extra"]: traffic takes only flags`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFlags(tc.args, &bytes.Buffer{})
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestParseFlagsUsageOnParseError(t *testing.T) {
	var output bytes.Buffer
	_, err := ParseFlags([]string{"--rate=fast"}, &output)
	require.Error(t, err)

	lines := strings.Split(err.Error(), "\n")
	assert.Equal(t, `invalid value "fast" for flag -rate: parse error`, lines[0])
	assert.Equal(t, "usage: modeltrace traffic [flags]", lines[1])
	assert.Contains(t, err.Error(), "  -spike-every duration")
	assert.Empty(t, output.String(), "usage goes into the error, not to the output")
}

func TestParseFlagsHelp(t *testing.T) {
	var output bytes.Buffer
	_, err := ParseFlags([]string{"-h"}, &output)
	require.ErrorIs(t, err, flag.ErrHelp)
	assert.True(t, strings.HasPrefix(output.String(), "usage: modeltrace traffic [flags]\n"), output.String())
	assert.Contains(t, output.String(), "  -base-fee int")
}

func TestCommandRejectsContractBeforeRPC(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the RPC must not be called: %s %s", r.Method, r.URL)
	}))
	defer server.Close()

	args := []string{"--rpc-url=" + server.URL, "--passphrase=" + testPassphrase, "--contract=CNOTACONTRACT", "--secret=" + testSigner(t).Seed()}
	err := Command(context.Background(), args, &bytes.Buffer{})
	require.Error(t, err)
	assert.Equal(t, `invalid --contract "CNOTACONTRACT": use the audit registry's C… contract strkey`, err.Error())
}

func TestCommandHidesInvalidSecret(t *testing.T) {
	var output bytes.Buffer
	err := Command(context.Background(), append(baseArgs(), "--secret=SNOTAVALIDSECRETVALUE"), &output)
	require.Error(t, err)
	assert.Equal(t, "invalid secret key: use an S… Stellar secret seed", err.Error())
	assert.NotContains(t, output.String(), "SNOTAVALIDSECRETVALUE")
}

func TestCommandRunsAgainstFakeRPC(t *testing.T) {
	signer := testSigner(t)
	fake, server := newTestRPC(t, signer.Address(), startSequence)
	args := []string{
		"--rpc-url=" + server.URL, "--passphrase=" + testPassphrase, "--contract=" + testContractID,
		"--secret=" + signer.Seed(), "--models=1", "--count=2", "--rate=1000", "--bias-rate=0",
	}

	var output bytes.Buffer
	require.NoError(t, Command(context.Background(), args, &output))
	assert.Equal(t, map[string]int{"register_model": 1, "log_inference": 2}, countFunctions(t, fake))
	assert.Contains(t, output.String(), "msg=\"traffic stopped\" models=1 inferences=2")
	assert.NotContains(t, output.String(), signer.Seed(), "the secret must never be logged")
}
