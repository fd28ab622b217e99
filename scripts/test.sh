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
cargo test --workspace --locked
