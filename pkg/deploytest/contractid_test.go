package deploytest

import (
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/stellar/go-stellar-sdk/keypair"
	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readDotEnv parses the committed .env with the parser docker compose uses.
func readDotEnv(t *testing.T) map[string]string {
	t.Helper()
	values, err := dotenv.ReadFile(filepath.Join(repoRoot(t), ".env"), func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	return values
}

func TestDotEnvContractIDMatchesDeployerAndSalt(t *testing.T) {
	values := readDotEnv(t)
	salt, err := ParseSalt(values["MODELTRACE_DEPLOY_SALT"])
	require.NoError(t, err)

	got, err := ContractIDFromAddress(values["MODELTRACE_NETWORK_PASSPHRASE"], values["MODELTRACE_DEPLOYER_ADDRESS"], salt)
	require.NoError(t, err)

	assert.Equal(t, "Standalone Network ; February 2017", values["MODELTRACE_NETWORK_PASSPHRASE"])
	assert.Equal(t, got, values["MODELTRACE_REGISTRY_CONTRACT_ID"])
	assert.Equal(t, "CCCAQ4BPQHN6KGI5POBSA3S3DZBAI7DFTCUZ2EFWETCBM24QUNITGPEO", got)
}

func TestDotEnvKeysMatchAddresses(t *testing.T) {
	values := readDotEnv(t)
	cases := []struct {
		secret, address, label string
	}{
		{"MODELTRACE_DEPLOYER_SECRET", "MODELTRACE_DEPLOYER_ADDRESS", "modeltrace local deployer"},
		{"MODELTRACE_TRAFFIC_SECRET", "MODELTRACE_TRAFFIC_ADDRESS", "modeltrace local traffic operator"},
	}
	for _, tc := range cases {
		t.Run(tc.secret, func(t *testing.T) {
			full, err := keypair.ParseFull(values[tc.secret])
			require.NoError(t, err)
			assert.Equal(t, values[tc.address], full.Address())

			derived, err := keypair.FromRawSeed(sha256.Sum256([]byte(tc.label)))
			require.NoError(t, err)
			assert.Equal(t, derived.Seed(), values[tc.secret])
		})
	}
}

// TestContractIDPreimageLayout encodes the preimage by hand, field by field, so a mistake in the
// XDR union arms of ContractIDFromAddress cannot hide behind the same library call.
func TestContractIDPreimageLayout(t *testing.T) {
	const passphrase = "Standalone Network ; February 2017"
	deployer, err := keypair.FromRawSeed(sha256.Sum256([]byte("layout check")))
	require.NoError(t, err)
	var salt [32]byte
	for i := range salt {
		salt[i] = byte(i)
	}

	var preimage []byte
	preimage = binary.BigEndian.AppendUint32(preimage, 8) // ENVELOPE_TYPE_CONTRACT_ID
	networkID := sha256.Sum256([]byte(passphrase))
	preimage = append(preimage, networkID[:]...)
	preimage = binary.BigEndian.AppendUint32(preimage, 0) // CONTRACT_ID_PREIMAGE_FROM_ADDRESS
	preimage = binary.BigEndian.AppendUint32(preimage, 0) // SC_ADDRESS_TYPE_ACCOUNT
	preimage = binary.BigEndian.AppendUint32(preimage, 0) // PUBLIC_KEY_TYPE_ED25519
	rawKey, err := strkey.Decode(strkey.VersionByteAccountID, deployer.Address())
	require.NoError(t, err)
	preimage = append(preimage, rawKey...)
	preimage = append(preimage, salt[:]...)
	hash := sha256.Sum256(preimage)
	want, err := strkey.Encode(strkey.VersionByteContract, hash[:])
	require.NoError(t, err)

	got, err := ContractIDFromAddress(passphrase, deployer.Address(), salt)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestContractIDFromAddressErrors(t *testing.T) {
	_, err := ContractIDFromAddress("Standalone Network ; February 2017", "GNOTANADDRESS", [32]byte{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid deployer address "GNOTANADDRESS"`)

	for _, salt := range []string{"", "zz", "00"} {
		_, err := ParseSalt(salt)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "use 64 hex digits")
	}
}
