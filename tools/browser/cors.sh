#!/usr/bin/env bash
# CORS in a real browser: headless Chromium opens a page served from another origin (another
# port) than the gateway's; its fetch() calls log in, list counteragents and download a
# protocol PDF from `edi-gateway demo` started with EDI_GATEWAY_CORS_ORIGINS naming the page's
# origin. Then the same page from an origin not allowed must be refused (its fetch fails), and
# Swagger UI (/docs) must still render under its Content-Security-Policy.
# Artifacts (screenshots, each page's console log, the demo's log): target/artifacts/cors/.
# Installs what it uses: playwright-core (npm) under target/browser, chromium (Debian) by apt.
# Every port is a free one picked at start. Exits non-zero on any failure.
# Usage: tools/browser/cors.sh [path/to/edi-gateway]   (default: target/debug/edi-gateway)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/target/browser
ART=$ROOT/target/artifacts/cors
BIN=${1:-target/debug/edi-gateway}
mkdir -p "$OUT" "$ART"
rm -f "$ART"/*
export DEBIAN_FRONTEND=noninteractive

step() { echo "== cors: $*"; }

# --- tools -------------------------------------------------------------------------------
if [ ! -d "$OUT/node/node_modules/playwright-core" ]; then
  step "installing playwright-core (npm; it drives the system's chromium, downloads no browser)"
  mkdir -p "$OUT/node"
  (cd "$OUT/node" && npm init -y >/dev/null && \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null)
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  step "installing chromium (Debian)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  CHROMIUM=$(command -v chromium)
fi

# --- three free ports: the gateway, the allowed page's origin, a refused page's origin -----
read -r GW_PORT PAGE_PORT EVIL_PORT < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
)
GATEWAY=http://127.0.0.1:$GW_PORT
PAGE_ORIGIN=http://127.0.0.1:$PAGE_PORT
EVIL_ORIGIN=http://127.0.0.1:$EVIL_PORT

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

step "starting $BIN demo on $GATEWAY, allowing $PAGE_ORIGIN"
EDI_GATEWAY_CORS_ORIGINS=$PAGE_ORIGIN "$BIN" demo --listen "127.0.0.1:$GW_PORT" >"$ART/demo.log" 2>&1 &
PIDS+=($!)
for port in "$PAGE_PORT" "$EVIL_PORT"; do
  python3 -m http.server "$port" --bind 127.0.0.1 --directory tools/browser >>"$OUT/http.log" 2>&1 &
  PIDS+=($!)
done
up() { curl -sf -o /dev/null "$1"; }
for _ in $(seq 1 150); do
  up "$GATEWAY/openapi.json" && up "$PAGE_ORIGIN/page.html" && up "$EVIL_ORIGIN/page.html" && break
  sleep 0.2
done
up "$GATEWAY/openapi.json" || { echo "the demo did not start:" >&2; cat "$ART/demo.log" >&2; exit 1; }
up "$PAGE_ORIGIN/page.html" && up "$EVIL_ORIGIN/page.html" || { echo "the page servers did not start" >&2; exit 1; }

# The protocol's path with the demo's real ids, from the commands the demo prints.
PROTOCOL=$(sed -nE "s#.*-o protocol\.pdf '$GATEWAY([^']+)'.*#\1#p" "$ART/demo.log" | head -n1)
[ -n "$PROTOCOL" ] || { echo "no protocol URL in the demo's output" >&2; exit 1; }

# --- the browser ------------------------------------------------------------------------------
step "chromium: $PAGE_ORIGIN (allowed), $EVIL_ORIGIN (refused), /docs"
cp tools/browser/cors.mjs "$OUT/node/cors.mjs"
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
ALLOWED="$PAGE_ORIGIN/page.html?mode=full&api=$(enc "$GATEWAY")&protocol=$(enc "$PROTOCOL")"
REFUSED="$EVIL_ORIGIN/page.html?mode=refused&api=$(enc "$GATEWAY")"
status=0
node "$OUT/node/cors.mjs" "$CHROMIUM" "$ART" "$GATEWAY" "$ALLOWED" "$REFUSED" || status=$?
if [ "$status" != 0 ]; then
  for log in "$ART"/*-console.log; do echo "--- $log" >&2; cat "$log" >&2; done
  echo "cors: FAIL (artifacts: target/artifacts/cors/)" >&2
  exit 1
fi
step "ok (artifacts: target/artifacts/cors/: allowed.png, refused.png, docs.png and their console logs)"
