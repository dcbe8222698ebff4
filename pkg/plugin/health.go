package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/stellar/go-stellar-sdk/xdr"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// healthDetails is the JSON detail Grafana shows under the health message.
type healthDetails struct {
	Step          string `json:"step"`
	LatestLedger  uint32 `json:"latestLedger,omitempty"`
	OldestLedger  uint32 `json:"oldestLedger,omitempty"`
	Protocol      int    `json:"protocolVersion,omitempty"`
	TotalModels   uint64 `json:"totalModels,omitempty"`
	TotalEvents   uint64 `json:"totalEvents,omitempty"`
	ReadAtLedger  uint32 `json:"readAtLedger,omitempty"`
	ContractID    string `json:"contractId,omitempty"`
	NetworkPhrase string `json:"networkPassphrase,omitempty"`
}

// CheckHealth checks the settings in order: the RPC URL responds to getHealth, the network
// passphrase matches getNetwork, and the registry contract instance exists on that network.
// The message says which step failed and how to fix it.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	logger := log.DefaultLogger.FromContext(ctx)
	if d.settingsErr != nil {
		return healthError("settings", fmt.Sprintf("Invalid settings: %v", d.settingsErr)), nil
	}

	health, err := d.rpc.Health(ctx)
	if err != nil {
		logger.Warn("Health check failed", "step", "rpc", "url", d.settings.RPCURL, "error", err)
		return healthError("rpc", fmt.Sprintf("The RPC at %s did not respond to getHealth: %v. Check the RPC URL, that the node is running and reachable from Grafana, and the auth header.",
			d.settings.RPCURL, err)), nil
	}
	if health.Status != "" && health.Status != "healthy" {
		return healthError("rpc", fmt.Sprintf("The RPC at %s reports status %q: wait for it to catch up or use another node.", d.settings.RPCURL, health.Status)), nil
	}

	network, err := d.rpc.Network(ctx)
	if err != nil {
		return healthError("network", fmt.Sprintf("The RPC at %s did not respond to getNetwork: %v.", d.settings.RPCURL, err)), nil
	}
	if network.Passphrase != d.settings.NetworkPassphrase {
		return healthError("network", fmt.Sprintf("Network passphrase mismatch: the RPC serves %q but the datasource is set to %q. Choose the network the RPC serves, or point the RPC URL at a node of the configured network.",
			network.Passphrase, d.settings.NetworkPassphrase)), nil
	}

	stats, ledger, err := d.readStats(ctx)
	if err != nil {
		var rpcErr *soroban.RPCError
		if errors.As(err, &rpcErr) {
			return healthError("contract", fmt.Sprintf("Reading contract %s failed: %v.", d.settings.RegistryContractID, err)), nil
		}
		return healthError("contract", err.Error()), nil
	}
	if message, err := d.checkOptionalContracts(ctx); err != nil {
		return healthError("contract", fmt.Sprintf("Reading the optional contracts failed: %v.", err)), nil
	} else if message != "" {
		return healthError("contract", message), nil
	}

	details, _ := json.Marshal(healthDetails{
		Step: "ok", LatestLedger: health.LatestLedger, OldestLedger: health.OldestLedger,
		Protocol: network.ProtocolVersion, TotalModels: stats.TotalModels, TotalEvents: stats.TotalEvents,
		ReadAtLedger: ledger, ContractID: d.settings.RegistryContractID, NetworkPhrase: network.Passphrase,
	})
	return &backend.CheckHealthResult{
		Status: backend.HealthStatusOk,
		Message: fmt.Sprintf("Connected to %q at ledger %d: registry %s holds %d models and %d audit events.",
			network.Passphrase, health.LatestLedger, d.settings.RegistryContractID, stats.TotalModels, stats.TotalEvents),
		JSONDetails: details,
	}, nil
}

func healthError(step, message string) *backend.CheckHealthResult {
	details, _ := json.Marshal(healthDetails{Step: step})
	return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: message, JSONDetails: details}
}

// checkOptionalContracts returns a message naming the first configured usage-meter or
// attestation contract whose instance is not on the network, or "" when all are there.
func (d *Datasource) checkOptionalContracts(ctx context.Context) (string, error) {
	contracts := []struct{ field, name, id string }{
		{"usageMeterContractId", "usage-meter", d.settings.UsageMeterContractID},
		{"attestationContractId", "attestation-router", d.settings.AttestationContractID},
	}
	var keys []xdr.LedgerKey
	for _, c := range contracts {
		if c.id == "" {
			continue
		}
		key, err := registry.InstanceKey(c.id)
		if err != nil {
			return fmt.Sprintf("Invalid %s %q: %v.", c.field, c.id, err), nil
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return "", nil
	}

	entries, _, _, err := d.rpc.LedgerEntries(ctx, keys)
	if err != nil {
		return "", err
	}
	for _, c := range contracts {
		if c.id == "" {
			continue
		}
		key, _ := registry.InstanceKey(c.id)
		if _, ok := entries[mustKeyString(key)]; !ok {
			return fmt.Sprintf("The %s contract %s was not found on network %q: check %s, or clear it if this network has no %s contract.",
				c.name, c.id, d.settings.NetworkPassphrase, c.field, c.name), nil
		}
	}
	return "", nil
}
