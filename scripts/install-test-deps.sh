#!/usr/bin/env bash
# Installs what the browser end-to-end test needs: Debian's Chromium and its WebDriver; and
# cargo-fuzz for scripts/fuzz.sh.
#
# Idempotent: does nothing when both binaries and that cargo-fuzz version are already present.
# Non-interactive, so it can run from CI. Uses sudo only when not already root.
set -euo pipefail

# cargo-fuzz, for scripts/fuzz.sh: from crates.io, pinned, built with the pinned toolchain.
CARGO_FUZZ_VERSION=0.13.2
if [[ "$(cargo fuzz --version 2>/dev/null)" == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    echo "install-test-deps: cargo-fuzz $CARGO_FUZZ_VERSION already installed"
else
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

if [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" ]]; then
    echo "install-test-deps: chromium and chromedriver already installed"
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo --non-interactive)
else
    echo "install-test-deps: need root or sudo to install chromium and chromium-driver" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core

for bin in "$CHROMIUM" "$CHROMEDRIVER"; do
    if [[ ! -x "$bin" ]]; then
        echo "install-test-deps: $bin still missing after install" >&2
        exit 1
    fi
done
echo "install-test-deps: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
