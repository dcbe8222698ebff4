package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testContractID = "CAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQC526"

func instance(jsonData string, secure map[string]string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{JSONData: []byte(jsonData), DecryptedSecureJSONData: secure}
}

func TestLoadSettingsPresetNetwork(t *testing.T) {
	s, err := LoadSettings(instance(`{"rpcUrl":"http://127.0.0.1:8000","network":"local","registryContractId":"`+testContractID+`"}`, nil))
	require.NoError(t, err)

	assert.Equal(t, "http://127.0.0.1:8000", s.RPCURL)
	assert.Equal(t, "local", s.Network)
	assert.Equal(t, PassphraseLocal, s.NetworkPassphrase)
	assert.Equal(t, testContractID, s.RegistryContractID)
	assert.Equal(t, 30*time.Second, s.Timeout)
	assert.Equal(t, defaultMaxEventsPerQuery, s.MaxEventsPerQuery)
	assert.Equal(t, defaultPollInterval, s.LivePollInterval)
}

func TestLoadSettingsCustomNetwork(t *testing.T) {
	s, err := LoadSettings(instance(`{"rpcUrl":"https://rpc.example","network":"custom","networkPassphrase":"My Net","registryContractId":"`+testContractID+`","timeoutSeconds":5,"maxEventsPerQuery":10,"livePollMs":200,"indexMaxMiB":64}`, nil))
	require.NoError(t, err)

	assert.Equal(t, "My Net", s.NetworkPassphrase)
	assert.Equal(t, 5*time.Second, s.Timeout)
	assert.Equal(t, 10, s.MaxEventsPerQuery)
	assert.Equal(t, 200*time.Millisecond, s.LivePollInterval)
	assert.Equal(t, int64(64<<20), s.IndexMaxBytes)
}

func TestLoadSettingsAuthHeaderStaysPrivate(t *testing.T) {
	s, err := LoadSettings(instance(`{"rpcUrl":"https://rpc.example","network":"testnet","registryContractId":"`+testContractID+`","authHeaderName":"X-Api-Key"}`,
		map[string]string{"authHeaderValue": "s3cret"}))
	require.NoError(t, err)

	name, set := s.AuthHeader()
	assert.Equal(t, "X-Api-Key", name)
	assert.True(t, set)
	assert.NotContains(t, jsonOf(t, s), "s3cret")
}

func TestLoadSettingsErrors(t *testing.T) {
	cases := []struct {
		name     string
		jsonData string
		secure   map[string]string
		want     string
	}{
		{"bad json", `{`, nil, "invalid datasource settings JSON: unexpected end of JSON input: numbers must be whole, e.g. timeoutSeconds 30"},
		{"fraction", `{"timeoutSeconds":1.5}`, nil, "invalid datasource settings JSON: json: cannot unmarshal number 1.5 into Go struct field jsonSettings.timeoutSeconds of type int: numbers must be whole, e.g. timeoutSeconds 30"},
		{"header name with a space", `{"rpcUrl":"http://a","network":"testnet","registryContractId":"` + testContractID + `","authHeaderName":"Bad Header"}`, nil,
			`invalid authHeaderName "Bad Header": an HTTP header name cannot contain " "; use letters, digits and - only, e.g. Authorization or X-Api-Key`},
		{"negative timeout", `{"timeoutSeconds":-5}`, nil, "invalid timeoutSeconds -5: use a positive number of seconds, or leave it empty for the default"},
		{"negative poll", `{"livePollMs":-1}`, nil, "invalid livePollMs -1: use a positive number of milliseconds, or leave it empty for the default"},
		{"huge index", `{"indexMaxMiB":2000000}`, nil, "invalid indexMaxMiB 2000000: use at most 1048576 (1 TiB), or leave it empty for the default"},
		{"missing url", `{"network":"testnet","registryContractId":"` + testContractID + `"}`, nil,
			"RPC URL is missing: set rpcUrl to the Soroban RPC endpoint, e.g. https://soroban-testnet.stellar.org"},
		{"url without scheme", `{"rpcUrl":"localhost:8000","network":"testnet","registryContractId":"` + testContractID + `"}`, nil,
			`invalid RPC URL "localhost:8000": use an http:// or https:// URL with a host`},
		{"unknown network", `{"rpcUrl":"http://a","network":"moon","registryContractId":"` + testContractID + `"}`, nil,
			`invalid network "moon": use testnet, mainnet, futurenet, local or custom`},
		{"custom without passphrase", `{"rpcUrl":"http://a","network":"custom","registryContractId":"` + testContractID + `"}`, nil,
			"network passphrase is missing: set networkPassphrase for a custom network, or choose testnet, mainnet, futurenet or local"},
		{"passphrase contradicts preset", `{"rpcUrl":"http://a","network":"mainnet","networkPassphrase":"Other","registryContractId":"` + testContractID + `"}`, nil,
			`network passphrase "Other" does not match network "mainnet" ("Public Global Stellar Network ; September 2015"): clear the passphrase or choose the custom network`},
		{"missing contract", `{"rpcUrl":"http://a","network":"testnet"}`, nil,
			"registry contract id is missing: set registryContractId to the audit-registry contract (C...)"},
		{"account id as contract", `{"rpcUrl":"http://a","network":"testnet","registryContractId":"GAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQDZ7H"}`, nil,
			`invalid registryContractId: "GAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQDZ7H" is not a contract id: expected a 56-character strkey starting with C`},
		{"secret without header name", `{"rpcUrl":"http://a","network":"testnet","registryContractId":"` + testContractID + `"}`, map[string]string{"authHeaderValue": "x"},
			"auth header name is missing: set authHeaderName (e.g. Authorization) for the configured auth header value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSettings(instance(tc.jsonData, tc.secure))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
