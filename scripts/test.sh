#!/usr/bin/env bash
# The whole test suite, as README.md documents it and CI runs it: installs what the tests need
# (Chromium and ChromeDriver for the browser tests), then checks formatting, lints and runs every
# test of the workspace, end-to-end and browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# cargo prints one "test result" line per test binary, the last one often a doc-test run with
# nothing in it; close with the sum so the outcome of the whole suite reads on one line.
awk '/^test result:/ { p += $4; f += $6; i += $8 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, i }' "$log"
