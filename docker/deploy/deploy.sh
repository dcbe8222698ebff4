#!/usr/bin/env bash
# Funds the deployer and traffic accounts through the local friendbot, deploys the audit
# registry with a fixed salt and checks that the network assigned the expected contract id.
# Writes MODELTRACE_REGISTRY_CONTRACT_ID to $OUT_DIR/registry.env for the other services.
set -euo pipefail

: "${STELLAR_RPC_URL:?set STELLAR_RPC_URL to the local RPC, e.g. http://stellar:8000/rpc}"
: "${STELLAR_NETWORK_PASSPHRASE:?set STELLAR_NETWORK_PASSPHRASE}"
: "${FRIENDBOT_URL:?set FRIENDBOT_URL, e.g. http://stellar:8000/friendbot}"
: "${DEPLOYER_SECRET:?set DEPLOYER_SECRET (S... seed of the deployer account)}"
: "${DEPLOYER_ADDRESS:?set DEPLOYER_ADDRESS (G... address of the deployer account)}"
: "${DEPLOY_SALT:?set DEPLOY_SALT (64 hex digits)}"
: "${EXPECTED_CONTRACT_ID:?set EXPECTED_CONTRACT_ID (C... id computed from deployer and salt)}"
OUT_DIR="${OUT_DIR:-/out}"
WASM="${WASM:-/wasm/audit_registry.wasm}"
FUND_ADDRESSES="${FUND_ADDRESSES:-}"
FRIENDBOT_ATTEMPTS="${FRIENDBOT_ATTEMPTS:-90}"

log() { printf '%s deploy: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Funds one account, retrying while friendbot starts, because local quickstart enables it only
# after the protocol upgrade.
fund() {
  local address="$1" attempt status
  for attempt in $(seq 1 "$FRIENDBOT_ATTEMPTS"); do
    status="$(curl -s -o /tmp/friendbot.json -w '%{http_code}' "${FRIENDBOT_URL}?addr=${address}" || true)"
    if [ "$status" = "200" ]; then
      log "funded ${address}"
      return 0
    fi
    if grep -q -e 'createAccountAlreadyExist' -e 'op_already_exists' /tmp/friendbot.json 2>/dev/null; then
      log "${address} already exists"
      return 0
    fi
    log "friendbot answered HTTP ${status:-none} for ${address} (attempt ${attempt}/${FRIENDBOT_ATTEMPTS}), retrying in 2s"
    sleep 2
  done
  log "could not fund ${address} through ${FRIENDBOT_URL}: check that the stellar service runs with --local"
  return 1
}

write_env() {
  mkdir -p "$OUT_DIR"
  printf 'MODELTRACE_REGISTRY_CONTRACT_ID=%s\n' "$1" > "$OUT_DIR/registry.env"
  log "wrote $OUT_DIR/registry.env"
}

export STELLAR_ACCOUNT="$DEPLOYER_SECRET"

fund "$DEPLOYER_ADDRESS"
for address in $FUND_ADDRESSES; do
  fund "$address"
done

# A rerun against the same chain finds the contract already there: deploying again with the
# same salt would fail, so check first.
if stellar contract fetch --id "$EXPECTED_CONTRACT_ID" --out-file /tmp/existing.wasm >/dev/null 2>&1; then
  log "registry ${EXPECTED_CONTRACT_ID} already deployed"
  write_env "$EXPECTED_CONTRACT_ID"
  exit 0
fi

log "deploying ${WASM} with salt ${DEPLOY_SALT}"
deployed="$(stellar contract deploy --wasm "$WASM" --salt "$DEPLOY_SALT" | tail -n 1 | tr -d '[:space:]')"

if [ "$deployed" != "$EXPECTED_CONTRACT_ID" ]; then
  log "deployed contract id ${deployed} differs from the expected ${EXPECTED_CONTRACT_ID}:" \
    "check DEPLOYER_SECRET, DEPLOY_SALT and the network passphrase against .env"
  exit 1
fi
log "registry deployed at ${deployed}"
write_env "$deployed"
