package traffic

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
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

	for _, bad := range []string{"", "severe:1", "low", "low:-1", "low:x", "low:0"} {
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
		ContractID: testContractID, Models: 3, Rate: 1, RiskMix: RiskMix{70, 20, 7, 3},
		BiasRate: 0.01, Duration: 10 * time.Minute, Seed: 9,
	}, opts.Plan)
	assert.Equal(t, DefaultTxTimeout, opts.TxTimeout)
}

func TestParseFlagsErrors(t *testing.T) {
	secret := "--secret=" + testSigner(t).Seed()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no rpc", []string{secret}, "missing --rpc-url"},
		{"no secret", baseArgs(), "missing secret key"},
		{"both secrets", append(baseArgs(), secret, "--secret-file=/nonexistent"), "both --secret and --secret-file"},
		{"missing file", append(baseArgs(), "--secret-file=/nonexistent/secret"), "read --secret-file"},
		{"unbounded", append(baseArgs(), secret, "--duration=0"), "traffic run is unbounded"},
		{"bad rate", append(baseArgs(), secret, "--rate=0"), "invalid --rate 0"},
		{"bad bias", append(baseArgs(), secret, "--bias-rate=2"), "invalid --bias-rate 2"},
		{"bad models", append(baseArgs(), secret, "--models=0"), "invalid --models 0"},
		{"bad mix", append(baseArgs(), secret, "--risk-mix=x:1"), `invalid risk mix entry "x:1"`},
		{"extra args", append(baseArgs(), secret, "extra"), "unexpected arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFlags(tc.args, &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
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
