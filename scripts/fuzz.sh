#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 60) and fails if any of them
# finds a crash, a panic, a timeout or runs out of memory; the input that did it is kept under
# fuzz/artifacts/<target>/ and its path is printed, with the command that replays it.
#
#   scripts/fuzz.sh [SECONDS]        FUZZ_TARGETS="matcher client_frame" to run only some.
#
# Runs on the pinned stable toolchain, with no nightly: cargo-fuzz's default sanitizer is
# AddressSanitizer, which it can only enable with `-Zsanitizer=address`, a nightly flag (rustc
# 1.95 has no stable sanitizer flag). `--sanitizer none` keeps every other flag it passes, all
# stable codegen options: the SanitizerCoverage instrumentation that guides libFuzzer
# (`-Cpasses=sancov-module`, `-Cllvm-args=...`), `--cfg fuzzing`, and debug assertions with
# overflow checks in an optimised build. Relais forbids unsafe code, so ASan would mostly watch
# our dependencies; panics, overflows, hangs and runaway memory are what the targets catch.
#
# Seeds live in fuzz/corpus/<target>/ and are only read: what libFuzzer learns goes to
# fuzz/work/<target>/ (ignored by git), so a local run resumes where the last one stopped and
# the repository keeps its few seed files.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS]  (a positive whole number of seconds per target)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: cargo-fuzz is not installed; run scripts/install-test-deps.sh" >&2
    exit 1
fi

targets=${FUZZ_TARGETS:-client_frame agent_frame corpus_file corpus_sources matcher}
# The dictionary of each target's input format (fuzz/dicts/).
declare -A dict=(
    [client_frame]=json [agent_frame]=json
    [corpus_file]=toml [corpus_sources]=toml
    [matcher]=text
)

# The fuzz crate is its own workspace, out of reach of `cargo fmt --all`: check it here.
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
# cargo-fuzz has no --locked: check the fuzz workspace's own Cargo.lock first, as CI wants.
cargo fetch --locked --manifest-path fuzz/Cargo.toml
echo "== fuzz: building targets (stable toolchain, --sanitizer none)"
cargo fuzz build --sanitizer none
# Run the built binaries directly rather than through `cargo fuzz run`, which rebuilds before
# each target: one build serves the whole run.
bin="$root/fuzz/target/x86_64-unknown-linux-gnu/release"

passed=0
failed=0
for target in $targets; do
    work="$root/fuzz/work/$target"
    log="$root/fuzz/work/$target.log"
    artifacts="$root/fuzz/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    echo "== fuzz: $target for ${seconds}s"
    status=0
    # -timeout: an input taking longer than 10 s is a hang, reported like a crash.
    "$bin/$target" -artifact_prefix="$artifacts/" -max_total_time="$seconds" -timeout=10 \
        -print_final_stats=1 -dict="$root/fuzz/dicts/${dict[$target]}.dict" \
        "$work" "$root/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    # libFuzzer's last status line: "#<runs> DONE cov: <edges> ft: <features> corp: ...".
    grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 |
        sed "s/^/   $target: /" || true
    if [[ $status -eq 0 ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "   $target: FAILED (exit $status); last lines of $log:"
        tail -n 30 "$log" | sed 's/^/     | /'
        grep -hoE 'Test unit written to [^ ]+' "$log" | sed 's/^Test unit written to /   artifact: /' || true
        echo "   reproduce: $bin/$target <artifact>"
    fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
