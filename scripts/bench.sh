#!/usr/bin/env bash
# Runs the performance benchmarks P1–P5 (see bench/README.md) and prints each measured figure
# next to its target, then writes the same table to bench/results.md.
#
# It is not part of scripts/test-all.sh: the figures depend on the machine, and a run takes
# about 7 minutes on 2 cores (at most 12, then it is stopped). It installs the Node side
# (npm ci --prefix bench), builds the plugin binary and the benchmark driver into a temporary
# directory, and starts every server on 127.0.0.1.
#
# Usage: scripts/bench.sh [flags of `modeltrace-bench run`, e.g. --only P1,P3]
# Exit status: 0 when every target is met, 3 when a figure misses its target, 1 on an error.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix bench --no-audit --no-fund --loglevel=error

build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT
go build -o "$build_dir/modeltrace-bench" ./pkg/cmd/modeltrace-bench
go build -o "$build_dir/gpx_modeltrace-soroban-datasource" ./pkg

timeout --kill-after=10s 12m \
  "$build_dir/modeltrace-bench" run --plugin "$build_dir/gpx_modeltrace-soroban-datasource" "$@"
