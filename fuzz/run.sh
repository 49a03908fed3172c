#!/usr/bin/env bash
# Runs the cargo-fuzz targets. Usage:
#   fuzz/run.sh                 # every target, 30 s each
#   fuzz/run.sh key_import 600  # one target, ten minutes
#   SECONDS_PER_TARGET=20 fuzz/run.sh
# Uses the nightly toolchain when one is installed; otherwise stable with RUSTC_BOOTSTRAP=1
# (the sanitizer flags cargo-fuzz passes are nightly-only). New crashes land in
# fuzz/artifacts/TARGET/; copy each into fuzz/regressions/TARGET/ once fixed, so the
# replay test (crates/zatca-fuzz-oracles/tests/replay.rs) keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
secs=${2:-${SECONDS_PER_TARGET:-30}}
if [[ $# -ge 1 && -n $1 ]]; then targets=("$1"); else mapfile -t targets < <("${fuzz[@]}" list); fi
"${fuzz[@]}" build "${targets[@]:0:1}" >/dev/null 2>&1 || true
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t: ${secs}s"
  # Fuzz a scratch copy so the committed seed corpus stays small.
  work=$(mktemp -d)
  cp -r "corpus/$t/." "$work/"
  "${fuzz[@]}" run "$t" "$work" -- -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|.*(panicked|Test unit written))' || true
  rm -rf "$work"
  if compgen -G "artifacts/$t/crash-*" >/dev/null || compgen -G "artifacts/$t/timeout-*" >/dev/null; then
    echo "FAILED: $t left crash or timeout files in fuzz/artifacts/$t" >&2
    exit 1
  fi
done
