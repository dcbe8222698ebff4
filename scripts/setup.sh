#!/usr/bin/env bash
# Installs the tools and packages the build and tests need: mage, npm packages, Debian's
# Chromium for the browser check, and a Rust toolchain through rustup when cargo is missing.
# Each step is skipped when its tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v mage >/dev/null 2>&1; then
  go install github.com/magefile/mage@v1.17.2
fi

go mod download

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

npm ci --no-audit --no-fund

# The contract tests need cargo and rustc 1.91 or newer (the rust-version of soroban-sdk 27).
# rustup downloads toolchains from the Rust project's own servers, not from a package registry,
# so the install can fail on a machine that reaches only registries. Debian 12's cargo package
# (0.66, for Rust 1.65) is too old.
fail_without_rust() {
  echo "setup.sh: $1. Install Rust $RUST_MIN or newer with rustup (https://rustup.rs)," \
    "put ~/.cargo/bin on PATH, and run scripts/setup.sh again." >&2
  exit 1
}
RUST_MIN=1.91
# `cargo --version` also fails for rustup's cargo proxy when no toolchain is installed.
if ! cargo --version >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ] && ! command -v cargo >/dev/null 2>&1; then
    fail_without_rust "cargo is in $HOME/.cargo/bin, which is not on PATH"
  fi
  if ! command -v rustup >/dev/null 2>&1; then
    fail_without_rust "cargo and rustup not found"
  fi
  rustup toolchain install stable --profile minimal ||
    fail_without_rust "rustup failed to install the stable toolchain"
  rustup default stable
fi
rustc_version="$(rustc --version 2>/dev/null | cut -d' ' -f2)" || fail_without_rust "rustc not found"
if [ "$(printf '%s\n' "$RUST_MIN" "$rustc_version" | sort -V | head -n1)" != "$RUST_MIN" ]; then
  fail_without_rust "rustc $rustc_version is older than $RUST_MIN"
fi
