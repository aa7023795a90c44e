#!/usr/bin/env bash
# The fault harness (issue 13): builds the release gateway and examples/fault_harness.rs, then
# runs the gateway binary as its own process against an in-process sandbox that injects
# oversize replies (2 GiB streamed by default), oversize error bodies, garbage, HTML, resets,
# hangs, absurd Retry-Afters and echoed credentials, repeatedly and concurrently, plus a
# streamed file of the same size. Prints the gateway's peak RSS (VmHWM) and fails when it is
# above the bound or when any answer was not problem+json or carried a credential.
# Not a timed test, not part of `cargo test`.
#   bench/faults.sh [OVERSIZE_MIB=2048] [ROUNDS=3] [CONCURRENCY=8] [BOUND_MB=200]
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
echo "== building (release: the gateway and the harness)"
cargo build --release --locked --bin edi-gateway --example fault_harness
echo "== running"
EDI_GATEWAY_BIN=${EDI_GATEWAY_BIN:-$TARGET_DIR/release/edi-gateway} \
  "$TARGET_DIR/release/examples/fault_harness" "${1:-2048}" "${2:-3}" "${3:-8}" "${4:-200}"
