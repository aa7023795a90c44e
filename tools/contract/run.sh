#!/usr/bin/env bash
# Contract checks of the OpenAPI document by tools no one here wrote, against a live `demo`:
#   1. openapi-spec-validator (PyPI) accepts openapi/openapi.json;
#   2. schemathesis (PyPI) fuzzes every operation: no 5xx, no response that breaks the spec;
#   3. openapi-typescript (npm) generates a client whose types `tsc --strict` accepts, used by
#      tools/contract/ts/usage.ts the way a web frontend would;
#   4. headless Chromium (Debian) loads /docs and must list the operations; the screenshot is
#      saved as artifacts/contract/docs.png (with the DOM and the schemathesis reports).
# It installs what it uses (a venv under target/contract, npm packages there, chromium by apt).
# Usage: tools/contract/run.sh [path/to/edi-gateway]   (default: target/debug/edi-gateway)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/target/contract
mkdir -p "$OUT"
BIN=${1:-target/debug/edi-gateway}
PORT=${CONTRACT_PORT:-18080}
BASE=http://127.0.0.1:$PORT
export DEBIAN_FRONTEND=noninteractive

step() { echo "== contract: $*"; }

# --- tools -------------------------------------------------------------------------------
if [ ! -x "$OUT/venv/bin/st" ]; then
  step "installing openapi-spec-validator and schemathesis (PyPI)"
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q --disable-pip-version-check \
    'openapi-spec-validator>=0.7,<0.8' 'schemathesis>=4,<5'
fi
if [ ! -x "$OUT/node/node_modules/.bin/openapi-typescript" ]; then
  step "installing openapi-typescript and typescript (npm)"
  mkdir -p "$OUT/node"
  (cd "$OUT/node" && npm init -y >/dev/null && \
    npm install --silent --no-audit --no-fund openapi-typescript@7 typescript@5 >/dev/null)
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  step "installing chromium (Debian)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  CHROMIUM=$(command -v chromium)
fi

# --- 1. the document validates ------------------------------------------------------------
step "openapi-spec-validator"
"$OUT/venv/bin/openapi-spec-validator" openapi/openapi.json

# --- 3. a TypeScript client type-checks ---------------------------------------------------
step "openapi-typescript + tsc --strict"
"$OUT/node/node_modules/.bin/openapi-typescript" openapi/openapi.json -o "$OUT/api.d.ts" >/dev/null
cp tools/contract/ts/usage.ts "$OUT/usage.ts"
"$OUT/node/node_modules/.bin/tsc" --strict --noEmit --target es2022 --module es2022 \
  --moduleResolution bundler "$OUT/usage.ts"

# --- a live demo ------------------------------------------------------------------------------
step "starting $BIN demo on $BASE"
"$BIN" demo --listen "127.0.0.1:$PORT" >"$OUT/demo.log" 2>&1 &
DEMO=$!
trap 'kill $DEMO 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "$BASE/openapi.json" >/dev/null && break
  sleep 0.1
done
curl -sf "$BASE/openapi.json" | cmp -s - openapi/openapi.json || {
  echo "the served document differs from openapi/openapi.json" >&2; exit 1; }
token() { sed -E 's/.*"token":"([^"]+)".*/\1/'; }
DIADOC=$(curl -sf -X POST "$BASE/v1/diadoc/sessions" -H 'content-type: application/json' \
  -d '{"login":"demo","password":"demo"}' | token)
EDIN=$(curl -sf -X POST "$BASE/v1/edin/sessions" -H 'content-type: application/json' \
  -d '{"email":"demo@example.com","password":"demo"}' | token)

# Real ids for schemathesis. Generated ids are almost never the caller's, so it would only ever
# see 403/404 and warn of "missing test data". tools/contract/fixtures.py finds the demo's ids
# (companies, groups, a box and a document) and creates, through the gateway, the objects the
# per-id operations need: a process with a document type attached and two steps (one to edit,
# one to delete). It writes one config per tag; operations that use an id get it by name, so a
# DELETE of one step never leaves the edit of another without data. The stateful phase follows
# the document's links from created processes and groups on top of that.
python3 tools/contract/fixtures.py "$BASE" "$DIADOC" "$EDIN" "$OUT"

# --- 2. schemathesis ----------------------------------------------------------------------
# One pass per upstream, each with its own bearer token. The EDIN logout is left out: it ends
# the very session the pass runs with (tests/api/edin_groups.rs covers it). The checks: no 5xx, only documented
# statuses, content types and headers, every response valid against its schema.
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
for pass in "diadoc:$DIADOC" "edin:$EDIN"; do
  tag=${pass%%:*}
  step "schemathesis, tag $tag"
  "$OUT/venv/bin/st" --config-file "$OUT/schemathesis-$tag.toml" run "$BASE/openapi.json" \
    --include-tag "$tag" \
    --exclude-operation-id deleteEdinSession \
    --header "Authorization: Bearer ${pass#*:}" \
    --checks "$CHECKS" \
    --max-examples "${CONTRACT_EXAMPLES:-25}" \
    --request-timeout 30 \
    --no-color \
    --report junit --report-dir "$OUT/schemathesis-$tag"
done

# --- 4. Swagger UI in a real browser ------------------------------------------------------
step "chromium loads /docs"
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$OUT/chromium-profile" --virtual-time-budget=15000 --window-size=1280,2400)
"$CHROMIUM" "${FLAGS[@]}" --dump-dom "$BASE/docs/" >"$OUT/docs.html" 2>"$OUT/chromium.log"
"$CHROMIUM" "${FLAGS[@]}" --screenshot="$OUT/docs.png" "$BASE/docs/" >>"$OUT/chromium.log" 2>&1
missing=0
for id in $(python3 -c 'import json,sys
d=json.load(open("openapi/openapi.json"))
print(" ".join(op["operationId"] for p in d["paths"].values() for op in p.values()))'); do
  grep -q "$id" "$OUT/docs.html" || { echo "Swagger UI does not list $id" >&2; missing=1; }
done
[ "$missing" = 0 ]
[ -s "$OUT/docs.png" ]
# Test artifacts: the screenshot, the DOM Chromium saw and the schemathesis reports.
mkdir -p artifacts/contract
cp -r "$OUT/docs.png" "$OUT/docs.html" "$OUT"/schemathesis-* artifacts/contract/
step "ok (screenshot: artifacts/contract/docs.png)"
