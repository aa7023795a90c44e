#!/usr/bin/env bash
# Runs each fuzz target for a set time and reports per target: runs, coverage, crashes.
#
#   tools/fuzz.sh [seconds-per-target] [target…]     # default 600 s, every target
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`). Builds in
# fuzz/target (its own target dir; CARGO_TARGET_DIR is ignored here). New inputs the fuzzer finds
# go to fuzz/target/corpus-work/<target> (not committed); the committed seeds in
# fuzz/corpus/<target> are read only. A crash leaves its input in fuzz/artifacts/<target>/: fix
# the defect, then move the input into fuzz/corpus/<target>/ so `cargo test --test fuzz_corpus`
# keeps checking it. SANITIZER=address for ASan (slower; the gateway's own crates forbid unsafe).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
unset CARGO_TARGET_DIR
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json_to_proto proto_to_json query_params prefer_accept)
sanitizer=${SANITIZER:-none}
mkdir -p target/logs
cargo +nightly fuzz build -s "$sanitizer"
summary=()
for t in "${targets[@]}"; do
  mkdir -p "target/corpus-work/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  log="target/logs/$t.log"
  echo "== $t: ${secs}s (log: fuzz/$log)"
  status=0
  cargo +nightly fuzz run -s "$sanitizer" "$t" "target/corpus-work/$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[^ ]*\).*/\1/p' <<<"$last")
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  line="$t: runs=${runs:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} crashes=$crashes exit=$status"
  echo "$line"
  summary+=("$line")
done
echo "== summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
