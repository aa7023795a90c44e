#!/usr/bin/env bash
# Two replicas proved stateless (issue 15): one sandbox, two `edi-gateway serve` processes and
# nginx round-robin in front of them, then (tools/replicas/check.py, through nginx):
#   (a) a long request answered 202 by one replica is repeated (its Location) and completed by
#       the other;
#   (b) an event stream cut on one replica resumes on the other from Last-Event-ID, with no
#       event lost or repeated;
#   (c) a rolling restart of one replica (SIGTERM, then started again) under steady load loses
#       no request: every one answered, the held long ones with 202 + Location, and each of
#       those Locations then completed.
# Prints PASS/FAIL lines; exits 1 on a failure. Installs nginx (Debian) if missing.
# Usage: tools/replicas/run.sh [path/to/edi-gateway]   (default: target/debug/edi-gateway,
# built with the default `sandbox` feature: `cargo build --bin edi-gateway`)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${1:-target/debug/edi-gateway}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/edi-replicas.XXXXXX")
export DEBIAN_FRONTEND=noninteractive

step() { echo "== replicas: $*"; }

NGINX=$(command -v nginx || true)
if [ -z "$NGINX" ]; then
  step "installing nginx (Debian)"
  apt-get update -qq && apt-get install -y -qq nginx >/dev/null
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi

# Four free loopback ports: sandbox, replica 1, replica 2, nginx.
read -r SANDBOX_PORT PORT1 PORT2 LB_PORT < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
EOF
)
BASE=http://127.0.0.1:$LB_PORT

SANDBOX_PID='' GW1_PID='' GW2_PID='' NGINX_PID=''
cleanup() {
  for pid in $SANDBOX_PID $GW1_PID $GW2_PID $NGINX_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP_WORK:-}" = 1 ]; then echo "logs in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Waits until $1 answers (any HTTP status) within 30 s (a busy CI machine); else shows $2's log.
wait_up() {
  for _ in $(seq 1 300); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "FAIL: $1 did not come up" >&2; tail -n 20 "$2" >&2; return 1
}

step "sandbox on 127.0.0.1:$SANDBOX_PORT"
"$BIN" sandbox --listen "127.0.0.1:$SANDBOX_PORT" >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
wait_up "http://127.0.0.1:$SANDBOX_PORT/" "$WORK/sandbox.log"
# The developer key and the demo box, as the sandbox prints them on start.
DEV_KEY=$(sed -n 's/^developer key: //p' "$WORK/sandbox.log")
BOX=$(sed -n 's/.*boxId=\([^ ]*\).*/\1/p' "$WORK/sandbox.log")
if [ -z "$DEV_KEY" ] || [ -z "$BOX" ]; then
  echo "FAIL: no developer key or box in the sandbox's output" >&2; exit 1
fi

# One replica, started (again) on its port. Both replicas share one caller token, so each keeps
# half of Kontur's per-token limits (README "Scaling"); the sandbox enforces the whole (4 at
# once, 100 a second) and would answer 429 to a replica that took more.
start_replica() { # $1 = port, $2 = log name
  EDI_GATEWAY_DIADOC_URL="http://127.0.0.1:$SANDBOX_PORT" \
  EDI_GATEWAY_EDIN_URL="http://127.0.0.1:$SANDBOX_PORT" \
  EDI_GATEWAY_DIADOC_CLIENT_ID="$DEV_KEY" \
  EDI_GATEWAY_DIADOC_CONCURRENCY=2 EDI_GATEWAY_DIADOC_PER_SECOND=50 \
  EDI_GATEWAY_DRAIN_SECS=10 RUST_LOG=warn \
    "$BIN" serve --listen "127.0.0.1:$1" >>"$WORK/$2.log" 2>&1 &
  LAST_PID=$!
  # /openapi.json is served by any gateway without an upstream call (readiness, here).
  wait_up "http://127.0.0.1:$1/openapi.json" "$WORK/$2.log"
}
step "replicas on 127.0.0.1:$PORT1 and 127.0.0.1:$PORT2"
start_replica "$PORT1" gw1; GW1_PID=$LAST_PID
start_replica "$PORT2" gw2; GW2_PID=$LAST_PID

step "nginx round-robin on $BASE"
mkdir -p "$WORK/nginx"
USER_LINE=''
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
cat >"$WORK/nginx/nginx.conf" <<EOF
$USER_LINE
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream gateway {
    # A replica that refused a connection is skipped for 1 s only, so the restarted one is
    # used again soon.
    server 127.0.0.1:$PORT1 max_fails=1 fail_timeout=1s;
    server 127.0.0.1:$PORT2 max_fails=1 fail_timeout=1s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 60s;
      # A replica that stops accepting (SIGTERM) or closes a kept-alive connection: the
      # request goes to the other one (GETs only, nginx's default).
      proxy_next_upstream error timeout;
      add_header X-Replica \$upstream_addr always;
    }
  }
}
EOF
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
wait_up "$BASE/openapi.json" "$WORK/nginx/error.log"

TOKEN=$(curl -sf -X POST "$BASE/v1/diadoc/sessions" -H 'content-type: application/json' \
  -d '{"login":"demo","password":"demo"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
[ -n "$TOKEN" ] || { echo "FAIL: no token from the sandbox's demo login" >&2; exit 1; }

STATUS=0
# The first document of the box's feed, for (a); check.py's load uses the others.
read -r MSG DOC < <(curl -sf "$BASE/v1/diadoc/boxes/$BOX/events?limit=100" \
  -H "authorization: Bearer $TOKEN" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["events"]:
    for x in (e.get("message") or {}).get("entities", []):
        if x.get("documentInfo"):
            print(e["message"]["messageId"], x["entityId"]); sys.exit()')

step "(a) a 202 from one replica, completed by the other"
python3 tools/replicas/check.py long "$BASE" "$TOKEN" "$BOX" "$MSG" "$DOC" || STATUS=1

step "(b) an event stream cut on one replica, resumed on the other"
python3 tools/replicas/check.py sse "$BASE" "$TOKEN" "$BOX" || STATUS=1

step "(c) a rolling restart of one replica under steady load"
STOP=$WORK/stop-load
python3 tools/replicas/check.py load "$BASE" "$TOKEN" "$BOX" "$STOP" &
LOAD_PID=$!
sleep 2
START=$(date +%s%N)
kill -TERM "$GW1_PID"
# The drain: held long requests answer 202 at once; `serve` returns by EDI_GATEWAY_DRAIN_SECS.
for _ in $(seq 1 150); do kill -0 "$GW1_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$GW1_PID" 2>/dev/null; then echo "FAIL: replica 1 still runs 15 s after SIGTERM"; STATUS=1; fi
wait "$GW1_PID" 2>/dev/null && GONE=0 || GONE=$?
echo "  replica 1 exited (status $GONE) $((($(date +%s%N) - START) / 1000000)) ms after SIGTERM; starting it again"
start_replica "$PORT1" gw1; GW1_PID=$LAST_PID
sleep 2
touch "$STOP"
wait "$LOAD_PID" || STATUS=1

if [ "$STATUS" = 0 ]; then echo "PASS: two replicas"; else echo "FAIL: two replicas (KEEP_WORK=1 keeps the logs)"; fi
exit "$STATUS"
