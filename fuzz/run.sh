#!/usr/bin/env bash
# Runs the cargo-fuzz targets. Usage:
#   fuzz/run.sh                 # every target, 30 s each
#   fuzz/run.sh key_import 600  # one target, ten minutes
#   SECONDS_PER_TARGET=20 fuzz/run.sh
#   fuzz/run.sh --list          # the targets
# Uses the nightly toolchain when one is installed; otherwise (or with ZATCA_FUZZ_STABLE=1, as
# on a CI machine that has only stable) stable with RUSTC_BOOTSTRAP=1 (the sanitizer flags
# cargo-fuzz passes are nightly-only). New crashes land in
# fuzz/artifacts/TARGET/; copy each into fuzz/regressions/TARGET/ once fixed, so the
# replay test (crates/zatca-fuzz-oracles/tests/replay.rs) keeps it fixed.
# Prints, per target, libFuzzer's final stats (executions, peak RSS); fails when a target
# does not build, when libFuzzer stops with an error, or when a crash/timeout file appears.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
if [[ ${ZATCA_FUZZ_STABLE:-} != 1 ]] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
if [[ ${1:-} == --list ]]; then
  exec "${fuzz[@]}" list
fi
secs=${2:-${SECONDS_PER_TARGET:-30}}
if [[ $# -ge 1 && -n $1 ]]; then targets=("$1"); else mapfile -t targets < <("${fuzz[@]}" list); fi
((${#targets[@]})) || { echo "no fuzz targets found" >&2; exit 1; }

# One build up front (all targets, or the one asked for), with its output shown when it fails.
build_log=$(mktemp)
if [[ $# -ge 1 && -n $1 ]]; then build=("$1"); else build=(); fi
if ! "${fuzz[@]}" build "${build[@]}" >"$build_log" 2>&1; then
  cat "$build_log" >&2
  # A linker killed by a signal ("compilation terminated") is most often a full disk.
  df -h . >&2
  grep -E 'MemTotal|MemAvailable' /proc/meminfo >&2
  echo "FAILED: the fuzz targets do not build" >&2
  exit 1
fi
rm -f "$build_log"

status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t: ${secs}s"
  # Fuzz a scratch copy so the committed seed corpus stays small.
  work=$(mktemp -d)
  cp -r "corpus/$t/." "$work/"
  log=$(mktemp)
  rc=0
  "${fuzz[@]}" run "$t" "$work" -- -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|==[0-9]+==|SUMMARY|.*(panicked|Test unit written))' "$log" || true
  rm -rf "$work"
  if compgen -G "artifacts/$t/crash-*" >/dev/null || compgen -G "artifacts/$t/timeout-*" >/dev/null \
    || compgen -G "artifacts/$t/oom-*" >/dev/null || compgen -G "artifacts/$t/leak-*" >/dev/null; then
    tail -n 40 "$log" >&2
    echo "FAILED: $t left crash, timeout, oom or leak files in fuzz/artifacts/$t" >&2
    status=1
  elif ((rc != 0)); then
    tail -n 40 "$log" >&2
    echo "FAILED: $t stopped with exit code $rc" >&2
    status=1
  fi
  rm -f "$log"
done
exit "$status"
