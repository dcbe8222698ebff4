package plugintest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// closedURL returns a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := listener.Addr().String()
	require.NoError(t, listener.Close())
	return "http://" + addr
}

func TestBinaryCheckHealth(t *testing.T) {
	unknownContract := "CAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQC526"
	cases := []struct {
		name     string
		jsonData map[string]any
		status   backend.HealthStatus
		want     string
	}{
		{"good settings", nil, backend.HealthStatusOk,
			`Connected to "Standalone Network ; February 2017" at ledger 1029: registry ` + shared.fixture.ContractID + ` holds 6 models and 315 audit events.`},
		{"invalid contract id", map[string]any{"registryContractId": "CNOTACONTRACT"}, backend.HealthStatusError,
			`Invalid settings: invalid registryContractId: "CNOTACONTRACT" is not a contract id: expected a 56-character strkey starting with C`},
		{"invalid url", map[string]any{"rpcUrl": "localhost:8000"}, backend.HealthStatusError,
			`Invalid settings: invalid RPC URL "localhost:8000": use an http:// or https:// URL with a host`},
		{"unreachable rpc", map[string]any{"rpcUrl": closedURL(t)}, backend.HealthStatusError,
			"did not respond to getHealth"},
		{"wrong passphrase", map[string]any{"network": "testnet"}, backend.HealthStatusError,
			`Network passphrase mismatch: the RPC serves "Standalone Network ; February 2017" but the datasource is set to "Test SDF Network ; September 2015".`},
		{"contract not deployed", map[string]any{"registryContractId": unknownContract}, backend.HealthStatusError,
			"contract " + unknownContract + ` not found on network "Standalone Network ; February 2017": check the contract id and the network in the datasource settings`},
		{"usage meter not deployed", map[string]any{"usageMeterContractId": unknownContract}, backend.HealthStatusError,
			"The usage-meter contract " + unknownContract + ` was not found on network "Standalone Network ; February 2017": ` +
				"check usageMeterContractId, or clear it if this network has no usage-meter contract."},
		{"attestation not deployed", map[string]any{"attestationContractId": unknownContract}, backend.HealthStatusError,
			"The attestation-router contract " + unknownContract + ` was not found on network "Standalone Network ; February 2017": ` +
				"check attestationContractId, or clear it if this network has no attestation-router contract."},
		{"optional contract deployed", map[string]any{"usageMeterContractId": shared.fixture.ContractID}, backend.HealthStatusOk,
			"holds 6 models and 315 audit events."},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inst := shared.instance()
			for k, v := range tc.jsonData {
				inst.JSONData[k] = v
			}
			// A new Updated time makes the plugin build a new instance from these settings.
			inst.Updated = time.Unix(int64(100+i), 0)

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			result, err := shared.plugin.CheckHealth(ctx, inst)
			require.NoError(t, err)
			assert.Equal(t, tc.status, result.Status)
			assert.Contains(t, result.Message, tc.want)
		})
	}
}

func TestBinaryHealthNeverLeaksSecret(t *testing.T) {
	inst := shared.instance()
	inst.JSONData["authHeaderName"] = "X-Api-Key"
	inst.JSONData["rpcUrl"] = closedURL(t)
	inst.Secure = map[string]string{"authHeaderValue": "top-secret-value"}
	inst.Updated = time.Unix(500, 0)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	result, err := shared.plugin.CheckHealth(ctx, inst)
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusError, result.Status)
	assert.NotContains(t, result.Message, "top-secret-value")
	assert.NotContains(t, string(result.JSONDetails), "top-secret-value")
}
