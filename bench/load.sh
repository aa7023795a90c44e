#!/usr/bin/env bash
# Performance harness: one command, one run, results in docs/PERFORMANCE.md.
#   1. transcoding micro-benchmarks (criterion, benches/transcode.rs);
#   2. HTTP load with wrk, same connections and pinning for every target:
#      the sandbox directly (protobuf), nginx as a plain reverse proxy in front of it, the
#      gateway with its cache off (miss path) and on (hit path), for a counteragent page and a
#      docflow batch; then the miss path at half its peak rate against the sandbox and nginx at
#      that rate, alternating for a few rounds;
#   3. long-wait capacity (examples/long_wait.rs): 10,000 concurrent protocol requests held
#      while the sandbox says "not ready" for 10 s; peak RSS and upstream polls.
# Installs wrk and nginx (Debian) if missing. Env: DURATION (s, default 10), CONNS (default 32),
# ROUNDS (paced rounds, default 3), ONLY=http (stop after the wrk section: no criterion, no long
# waits, no report), GATEWAY_BIN (the gateway binary to measure, e.g. an older build for a
# before/after comparison; the sandbox always comes from this tree).
# ONLY=stream measures only what a streamed download costs: the gateway (release build, its own
# process) against the sandbox (another process); its peak RSS (VmHWM) after start-up, a login
# and a small download, then again after downloading the sandbox's 50 MiB entity with curl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
mkdir -p "$OUT" docs
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ "${ONLY:-}" = stream ]; then
  echo "== building (release, the gateway only)"
  cargo build --release --locked --bin edi-gateway >/dev/null 2>&1 || cargo build --release --locked --bin edi-gateway
  BIN=$TARGET_DIR/release/edi-gateway
  GATEWAY_BIN=${GATEWAY_BIN:-$BIN}
  SB=127.0.0.1:18094 GW=127.0.0.1:18095
  for port in 18094 18095; do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is taken: stop what runs there" >&2; exit 1; fi
  done
  SPIDS=()
  trap 'for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
  up() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
  "$BIN" sandbox --listen "$SB" --no-kontur-limits >"$OUT/stream-sandbox.log" 2>&1 & SPIDS+=($!)
  up "http://$SB/"
  KEY=$(sed -nE 's/^developer key: (.*)$/\1/p' "$OUT/stream-sandbox.log")
  LARGE=$(grep '^large entity' "$OUT/stream-sandbox.log")
  SIZE=$(sed -nE 's/^large entity \(([0-9]+) bytes\).*/\1/p' <<<"$LARGE")
  LBOX=$(sed -nE 's/.*boxId=([^ ]+).*/\1/p' <<<"$LARGE")
  LMSG=$(sed -nE 's/.*messageId=([^ ]+).*/\1/p' <<<"$LARGE")
  LENT=$(sed -nE 's/.*entityId=([^ ]+).*/\1/p' <<<"$LARGE")
  EDI_GATEWAY_LISTEN=$GW EDI_GATEWAY_DIADOC_URL=http://$SB EDI_GATEWAY_DIADOC_CLIENT_ID=$KEY \
    "$GATEWAY_BIN" serve >"$OUT/stream-gateway.log" 2>&1 & GWPID=$!; SPIDS+=($GWPID)
  up "http://$GW/openapi.json"
  TOKEN=$(curl -sf -X POST "http://$GW/v1/diadoc/sessions" -H 'content-type: application/json' \
    -d '{"login":"demo","password":"demo"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  hwm() { awk '/^VmHWM/ {print $2}' "/proc/$GWPID/status"; }
  rss() { awk '/^VmRSS/ {print $2}' "/proc/$GWPID/status"; }
  FILE=http://$GW/v1/diadoc/boxes/$LBOX/messages/$LMSG/entities
  # Warm: the route's error path (an unknown entity), and its first megabyte (the caller leaves).
  curl -s -o /dev/null -H "authorization: Bearer $TOKEN" "$FILE/00000000-0000-0000-0000-000000000000/content" || true
  { curl -s -H "authorization: Bearer $TOKEN" "$FILE/$LENT/content" || true; } | head -c 1048576 >/dev/null
  IDLE_HWM=$(hwm) IDLE_RSS=$(rss)
  echo "== streaming a $SIZE-byte entity through the gateway (pid $GWPID)"
  GOT=$(curl -s -o /dev/null -w '%{size_download} %{time_total}' -H "authorization: Bearer $TOKEN" "$FILE/$LENT/content")
  PEAK_HWM=$(hwm) AFTER_RSS=$(rss)
  printf 'downloaded (bytes, s)\t%s\nidle   VmHWM %s kB (VmRSS %s kB)\nafter  VmHWM %s kB (VmRSS %s kB)\npeak - idle: %s kB\n' \
    "$GOT" "$IDLE_HWM" "$IDLE_RSS" "$PEAK_HWM" "$AFTER_RSS" "$((PEAK_HWM - IDLE_HWM))" | tee "$OUT/stream.txt"
  [ "${GOT%% *}" = "$SIZE" ] || { echo "expected $SIZE bytes" >&2; exit 1; }
  exit 0
fi
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
export DEBIAN_FRONTEND=noninteractive RUST_LOG=warn
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk nginx >/dev/null
fi
NCPU=$(nproc)
# Load generator on the first CPU, servers on the others (the last one when there are two).
CLIENT_CPU=0
SERVER_CPUS=$([ "$NCPU" -gt 1 ] && echo "1-$((NCPU - 1))" || echo 0)
pin_client() { taskset -c "$CLIENT_CPU" "$@"; }
# Servers get as many tokio workers as they have CPUs (nginx runs one worker on its one CPU):
# more threads than CPUs only adds context switches to the tail.
export TOKIO_WORKER_THREADS=$([ "$NCPU" -gt 1 ] && echo $((NCPU - 1)) || echo 1)
# Starts a pinned server in the background and remembers its pid (taskset execs the program,
# so the pid is the server's own and cleanup really stops it).
PIDS=()
start_server() { local log=$1; shift; taskset -c "$SERVER_CPUS" "$@" >"$log" 2>&1 & PIDS+=($!); }

echo "== building (release)"
cargo build --release --locked --bin edi-gateway --examples >/dev/null 2>&1 || cargo build --release --locked --bin edi-gateway --examples
BIN=$TARGET_DIR/release/edi-gateway
GATEWAY_BIN=${GATEWAY_BIN:-$BIN}

cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }

SB=127.0.0.1:18090 NGX=127.0.0.1:18091 MISS=127.0.0.1:18092 HIT=127.0.0.1:18093
for port in 18090 18091 18092 18093; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is taken: stop what runs there" >&2; exit 1; fi
done
# The sandbox keeps Kontur's per-token limits by default, and so does the gateway: both off
# here, since the harness measures the gateway's own cost, with one token at thousands of rps.
start_server "$OUT/sandbox.log" "$BIN" sandbox --listen "$SB" --no-kontur-limits
wait_for "http://$SB/"
cat >"$OUT/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $OUT/nginx-body;
  proxy_temp_path $OUT/nginx-proxy;
  fastcgi_temp_path $OUT/nginx-fastcgi;
  uwsgi_temp_path $OUT/nginx-uwsgi;
  scgi_temp_path $OUT/nginx-scgi;
  upstream sandbox { server $SB; keepalive 64; }
  server {
    listen $NGX;
    client_max_body_size 16m;
    location / {
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
start_server "$OUT/nginx.log" nginx -c "$OUT/nginx.conf" -p "$OUT"
gateway() { # $1 listen, $2 cache TTL
  EDI_GATEWAY_LISTEN=$1 EDI_GATEWAY_DIADOC_URL=http://$SB EDI_GATEWAY_DIADOC_CLIENT_ID=$KEY \
    EDI_GATEWAY_DIADOC_CONCURRENCY=0 EDI_GATEWAY_DIADOC_PER_SECOND=0 \
  EDI_GATEWAY_CACHE_TTL_SECS=$2 start_server "$OUT/gateway-$2.log" "$GATEWAY_BIN" serve
}
wait_for "http://$NGX/"
"$TARGET_DIR/release/examples/bench_fixtures" "http://$SB" "$OUT" >/dev/null
KEY=$(cat "$OUT/key")
gateway "$MISS" 0
gateway "$HIT" 600
wait_for "http://$MISS/openapi.json"; wait_for "http://$HIT/openapi.json"
BOX=$(cat "$OUT/box") TOKEN=$(cat "$OUT/token") AUTH=$(cat "$OUT/auth")

RESULTS=$OUT/results.tsv
: >"$RESULTS"
# wrk → "name  rps  p50_ms  p99_ms"
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
run() { # name, extra wrk args...
  local name=$1; shift
  local log="$OUT/wrk-$name.txt"
  pin_client wrk -t1 -c"${RUN_CONNS:-$CONNS}" -d"${DURATION}s" --latency "$@" >"$log" 2>&1
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$log")
  p50=$(awk '$1=="50%" {print $2}' "$log" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' "$log" | to_ms)
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$log")
  [ -z "$non2xx" ] || { echo "$name: $non2xx non-2xx responses" >&2; cat "$log" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99" | tee -a "$RESULTS"
}
PAGE_UP="/V3/GetCounteragents?myBoxId=$BOX"
PAGE_GW="/v1/diadoc/boxes/$BOX/counteragents"
BATCH_UP="/V5/GetDocflows?boxId=$BOX"   # what the gateway route calls (lifecycle.md §1.4)
BATCH_GW="/v1/diadoc/boxes/$BOX/docflows:batchGet"
curl -sf -o /dev/null -H "authorization: Bearer $TOKEN" "http://$HIT$PAGE_GW"   # warm the cache

echo "== wrk: $CONNS connections, ${DURATION}s each, client on CPU $CLIENT_CPU, servers on CPU $SERVER_CPUS"
run page-sandbox       -H "Authorization: $AUTH" "http://$SB$PAGE_UP"
run page-nginx         -H "Authorization: $AUTH" "http://$NGX$PAGE_UP"
run page-gateway-miss  -H "Authorization: Bearer $TOKEN" "http://$MISS$PAGE_GW"
run page-gateway-hit   -H "Authorization: Bearer $TOKEN" "http://$HIT$PAGE_GW"
BODY=$OUT/docflows.pb CTYPE=application/x-protobuf run batch-sandbox -s bench/post.lua -H "Authorization: $AUTH" "http://$SB$BATCH_UP"
BODY=$OUT/docflows.pb CTYPE=application/x-protobuf run batch-nginx -s bench/post.lua -H "Authorization: $AUTH" "http://$NGX$BATCH_UP"
BODY=$OUT/docflows.json CTYPE=application/json run batch-gateway-miss -s bench/post.lua -H "Authorization: Bearer $TOKEN" "http://$MISS$BATCH_GW"
# Half of the miss path's peak, the same rate straight to the sandbox and through nginx: the
# difference in p99 is what the gateway (or any HTTP hop) adds. p99 of 10 s on a shared VM
# swings by milliseconds, so the three runs alternate for $ROUNDS rounds and the report takes
# the median p99 of each.
PEAK=$(awk '$1=="page-gateway-miss" {print $2}' "$RESULTS")
HALF=$(awk -v p="$PEAK" 'BEGIN {printf "%d", p/2}')
for round in $(seq 1 "${ROUNDS:-3}"); do
  RUN_CONNS=8 CONNS=8 RATE=$HALF run "page-sandbox-at-half-$round" -s bench/rate.lua -H "Authorization: $AUTH" "http://$SB$PAGE_UP"
  RUN_CONNS=8 CONNS=8 RATE=$HALF run "page-nginx-at-half-$round" -s bench/rate.lua -H "Authorization: $AUTH" "http://$NGX$PAGE_UP"
  RUN_CONNS=8 CONNS=8 RATE=$HALF run "page-gateway-miss-at-half-$round" -s bench/rate.lua -H "Authorization: Bearer $TOKEN" "http://$MISS$PAGE_GW"
done
cleanup; PIDS=()
wait 2>/dev/null || true
if [ "${ONLY:-}" = http ]; then echo "done (ONLY=http): $RESULTS"; exit 0; fi

unset TOKIO_WORKER_THREADS
echo "== transcoding (criterion)"
cargo bench --locked --bench transcode -- --warm-up-time 1 --measurement-time 3 2>&1 | tee "$OUT/criterion.txt" | grep -E "^(page|batch)/|thrpt|page:" || true

echo "== long-wait capacity (10,000 requests, ready after 10 polls 1 s apart; HTTP/1.1, then HTTP/2)"
"$TARGET_DIR/release/examples/long_wait" 10000 50 10 h1 | tee "$OUT/long_wait.txt"
"$TARGET_DIR/release/examples/long_wait" 10000 50 10 h2 | cut -c1-300 | tee -a "$OUT/long_wait.txt"

echo "== writing docs/PERFORMANCE.md"
python3 bench/report.py "$OUT" > docs/PERFORMANCE.md
echo "done: docs/PERFORMANCE.md"
