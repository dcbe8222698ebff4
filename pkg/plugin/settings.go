package plugin

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stellar/go-stellar-sdk/strkey"
)

// Network passphrases of the public Stellar networks and of a local standalone network.
const (
	PassphraseTestnet   = "Test SDF Network ; September 2015"
	PassphraseMainnet   = "Public Global Stellar Network ; September 2015"
	PassphraseFuturenet = "Test SDF Future Network ; October 2022"
	PassphraseLocal     = "Standalone Network ; February 2017"
)

// networkPassphrases maps each preset network name to its passphrase; "custom" takes the
// passphrase from the settings.
var networkPassphrases = map[string]string{
	"testnet":   PassphraseTestnet,
	"mainnet":   PassphraseMainnet,
	"futurenet": PassphraseFuturenet,
	"local":     PassphraseLocal,
}

// Defaults applied when a setting is left empty.
const (
	defaultTimeout           = 30 * time.Second
	defaultMaxEventsPerQuery = 5_000_000
)

// Settings is the validated configuration of one datasource instance.
type Settings struct {
	RPCURL                string
	Network               string
	NetworkPassphrase     string
	RegistryContractID    string
	UsageMeterContractID  string
	AttestationContractID string
	AuthHeaderName        string
	Timeout               time.Duration
	MaxEventsPerQuery     int
	LivePollInterval      time.Duration
	IndexMaxBytes         int64

	// authHeaderValue comes only from decrypted secure settings and is never serialised.
	authHeaderValue string
}

type jsonSettings struct {
	RPCURL                string `json:"rpcUrl"`
	Network               string `json:"network"`
	NetworkPassphrase     string `json:"networkPassphrase"`
	RegistryContractID    string `json:"registryContractId"`
	UsageMeterContractID  string `json:"usageMeterContractId"`
	AttestationContractID string `json:"attestationContractId"`
	AuthHeaderName        string `json:"authHeaderName"`
	TimeoutSeconds        int    `json:"timeoutSeconds"`
	MaxEventsPerQuery     int    `json:"maxEventsPerQuery"`
	LivePollMillis        int    `json:"livePollMs"`
	IndexMaxMiB           int64  `json:"indexMaxMiB"`
}

// LoadSettings parses and validates the instance settings. Errors name the field and the fix.
func LoadSettings(instance backend.DataSourceInstanceSettings) (Settings, error) {
	var raw jsonSettings
	if len(instance.JSONData) > 0 {
		if err := json.Unmarshal(instance.JSONData, &raw); err != nil {
			return Settings{}, fmt.Errorf("invalid datasource settings JSON: %w: numbers must be whole, e.g. timeoutSeconds 30", err)
		}
	}
	if err := raw.validateNumbers(); err != nil {
		return Settings{}, err
	}

	s := Settings{
		RPCURL:                strings.TrimSpace(raw.RPCURL),
		Network:               strings.ToLower(strings.TrimSpace(raw.Network)),
		NetworkPassphrase:     strings.TrimSpace(raw.NetworkPassphrase),
		RegistryContractID:    strings.TrimSpace(raw.RegistryContractID),
		UsageMeterContractID:  strings.TrimSpace(raw.UsageMeterContractID),
		AttestationContractID: strings.TrimSpace(raw.AttestationContractID),
		AuthHeaderName:        strings.TrimSpace(raw.AuthHeaderName),
		Timeout:               time.Duration(raw.TimeoutSeconds) * time.Second,
		MaxEventsPerQuery:     raw.MaxEventsPerQuery,
		LivePollInterval:      time.Duration(raw.LivePollMillis) * time.Millisecond,
		IndexMaxBytes:         raw.IndexMaxMiB << 20,
		authHeaderValue:       instance.DecryptedSecureJSONData["authHeaderValue"],
	}
	if s.Timeout <= 0 {
		s.Timeout = defaultTimeout
	}
	if s.MaxEventsPerQuery <= 0 {
		s.MaxEventsPerQuery = defaultMaxEventsPerQuery
	}
	if s.LivePollInterval <= 0 {
		s.LivePollInterval = defaultPollInterval
	}
	if err := s.resolvePassphrase(); err != nil {
		return Settings{}, err
	}
	if err := s.validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// validateNumbers rejects negative limits: 0 or an absent field means the default.
func (raw jsonSettings) validateNumbers() error {
	numbers := []struct {
		field, unit string
		value       int64
	}{
		{"timeoutSeconds", "seconds", int64(raw.TimeoutSeconds)},
		{"maxEventsPerQuery", "events", int64(raw.MaxEventsPerQuery)},
		{"livePollMs", "milliseconds", int64(raw.LivePollMillis)},
		{"indexMaxMiB", "MiB", raw.IndexMaxMiB},
	}
	for _, n := range numbers {
		if n.value < 0 {
			return fmt.Errorf("invalid %s %d: use a positive number of %s, or leave it empty for the default", n.field, n.value, n.unit)
		}
	}
	if raw.IndexMaxMiB > 1<<20 {
		return fmt.Errorf("invalid indexMaxMiB %d: use at most %d (1 TiB), or leave it empty for the default", raw.IndexMaxMiB, 1<<20)
	}
	return nil
}

func (s *Settings) resolvePassphrase() error {
	if s.Network == "" {
		s.Network = "custom"
		if s.NetworkPassphrase == "" {
			s.Network = "testnet"
		}
	}
	if s.Network == "custom" {
		if s.NetworkPassphrase == "" {
			return fmt.Errorf("network passphrase is missing: set networkPassphrase for a custom network, " +
				"or choose testnet, mainnet, futurenet or local")
		}
		return nil
	}

	preset, ok := networkPassphrases[s.Network]
	if !ok {
		return fmt.Errorf("invalid network %q: use testnet, mainnet, futurenet, local or custom", s.Network)
	}
	if s.NetworkPassphrase != "" && s.NetworkPassphrase != preset {
		return fmt.Errorf("network passphrase %q does not match network %q (%q): "+
			"clear the passphrase or choose the custom network", s.NetworkPassphrase, s.Network, preset)
	}
	s.NetworkPassphrase = preset
	return nil
}

func (s *Settings) validate() error {
	if s.RPCURL == "" {
		return fmt.Errorf("RPC URL is missing: set rpcUrl to the Soroban RPC endpoint, e.g. https://soroban-testnet.stellar.org")
	}
	parsed, err := url.Parse(s.RPCURL)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return fmt.Errorf("invalid RPC URL %q: use an http:// or https:// URL with a host", s.RPCURL)
	}
	if s.RegistryContractID == "" {
		return fmt.Errorf("registry contract id is missing: set registryContractId to the audit-registry contract (C...)")
	}
	contracts := []struct{ field, value string }{
		{"registryContractId", s.RegistryContractID},
		{"usageMeterContractId", s.UsageMeterContractID},
		{"attestationContractId", s.AttestationContractID},
	}
	for _, c := range contracts {
		if c.value == "" {
			continue
		}
		if err := ValidateContractID(c.value); err != nil {
			return fmt.Errorf("invalid %s: %w", c.field, err)
		}
	}
	if bad := strings.IndexFunc(s.AuthHeaderName, notHeaderTokenChar); bad >= 0 {
		return fmt.Errorf("invalid authHeaderName %q: an HTTP header name cannot contain %q; use letters, digits and - only, e.g. Authorization or X-Api-Key",
			s.AuthHeaderName, s.AuthHeaderName[bad:bad+1])
	}
	if s.authHeaderValue != "" && s.AuthHeaderName == "" {
		return fmt.Errorf("auth header name is missing: set authHeaderName (e.g. Authorization) for the configured auth header value")
	}
	return nil
}

// notHeaderTokenChar reports whether r may not appear in an HTTP header name, a token of
// RFC 9110 section 5.6.2.
func notHeaderTokenChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

// ValidateContractID checks that id is a contract strkey (C..., 56 characters, valid checksum).
func ValidateContractID(id string) error {
	if _, err := strkey.Decode(strkey.VersionByteContract, id); err != nil {
		return fmt.Errorf("%q is not a contract id: expected a 56-character strkey starting with C (%v)", id, err)
	}
	return nil
}

// AuthHeader returns the configured auth header name and whether a secret value is set.
// The value itself is only handed to the HTTP client.
func (s Settings) AuthHeader() (name string, set bool) {
	return s.AuthHeaderName, s.authHeaderValue != ""
}
