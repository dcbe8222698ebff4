#!/usr/bin/env bash
# Installs the tools and packages the build and tests need: mage, npm packages, and Debian's
# Chromium for the browser check. Each step is skipped when its tool is already there.
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
