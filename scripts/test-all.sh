#!/usr/bin/env bash
# Runs every test of the project: Go (unit and plugin-binary integration), the Soroban
# contracts (Rust, native), and the frontend (typecheck, lint, jest, build, browser check).
# Installs what the tests need first, so it works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$(go env GOPATH)/bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "Install test dependencies"
scripts/setup.sh

step "Go: format, vet and tests"
unformatted="$(gofmt -l pkg)"
if [ -n "$unformatted" ]; then
  printf 'gofmt would change these files; run gofmt -w on them:\n%s\n' "$unformatted" >&2
  exit 1
fi
# ./pkg/... rather than ./..., because node_modules contains a Go package of its own.
go vet ./pkg/...
go test -count=1 ./pkg/...

step "Rust: contract tests"
(cd contracts && cargo test --locked)

step "Frontend: typecheck, lint, unit tests, build"
npm run typecheck
npm run lint
npm run test:ci
npm run build

step "Backend build into dist/"
mage -v build:linux build:linuxARM64

step "Frontend: browser check in Chromium"
npm run e2e:browser

printf '\nAll test suites passed.\n'
