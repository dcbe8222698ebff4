// Package deploytest loads and checks the deployment files of the repository: docker-compose.yaml,
// the committed .env, the Grafana provisioning files and the bundled dashboard. Its loaders are
// exported so that integration tests can send the same dashboard targets and alert queries
// through the plugin binary.
package deploytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// ContractIDFromAddress computes the id of a contract that deployer creates with salt on the
// network with the given passphrase, the same way the Soroban host does: the SHA-256 of the XDR
// HashIdPreimage ENVELOPE_TYPE_CONTRACT_ID { networkId = SHA-256(passphrase),
// CONTRACT_ID_PREIMAGE_FROM_ADDRESS { deployer, salt } }. It returns the C… strkey.
func ContractIDFromAddress(passphrase, deployer string, salt [32]byte) (string, error) {
	accountID, err := xdr.AddressToAccountId(deployer)
	if err != nil {
		return "", fmt.Errorf("invalid deployer address %q: %w: use a G… account strkey", deployer, err)
	}

	preimage := xdr.HashIdPreimage{
		Type: xdr.EnvelopeTypeEnvelopeTypeContractId,
		ContractId: &xdr.HashIdPreimageContractId{
			NetworkId: xdr.Hash(sha256.Sum256([]byte(passphrase))),
			ContractIdPreimage: xdr.ContractIdPreimage{
				Type: xdr.ContractIdPreimageTypeContractIdPreimageFromAddress,
				FromAddress: &xdr.ContractIdPreimageFromAddress{
					Address: xdr.ScAddress{
						Type:      xdr.ScAddressTypeScAddressTypeAccount,
						AccountId: &accountID,
					},
					Salt: xdr.Uint256(salt),
				},
			},
		},
	}

	var buf bytes.Buffer
	if _, err := xdr.Marshal(&buf, preimage); err != nil {
		return "", fmt.Errorf("encode contract id preimage for deployer %s: %w", deployer, err)
	}
	id := sha256.Sum256(buf.Bytes())
	return strkey.Encode(strkey.VersionByteContract, id[:])
}

// ParseSalt decodes a 64-digit hex salt, the form `stellar contract deploy --salt` takes.
func ParseSalt(text string) ([32]byte, error) {
	var salt [32]byte
	raw, err := hex.DecodeString(text)
	if err != nil || len(raw) != len(salt) {
		return salt, fmt.Errorf("invalid deploy salt %q: use 64 hex digits (32 bytes)", text)
	}
	copy(salt[:], raw)
	return salt, nil
}
