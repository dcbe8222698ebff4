#!/usr/bin/env bash
# Installs what the frontend checks need beyond npm: Debian's Chromium for `npm run e2e:browser`
# (playwright-core drives it and downloads no browser of its own), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  apt-get install -y chromium
fi

npm ci --no-audit --no-fund
