// Runs in the browser (tools/browser/cors.sh serves it from another origin than the gateway's).
// ?api=<gateway base URL>&mode=full|refused[&protocol=<path of a protocol>]
//   full:    log in, list organizations and counteragents, download a protocol PDF; every step
//            through fetch(), which the browser only lets through with the gateway's CORS headers.
//   refused: this origin is not allowed: the gateway's answers must be unreadable (fetch fails).
// The outcome is `window.corsResult` ({done, pass, steps}) and the big PASS/FAIL on the page.
'use strict';

const params = new URLSearchParams(location.search);
const api = params.get('api');
const mode = params.get('mode') || 'full';
document.getElementById('origin').textContent = location.origin;
document.getElementById('api').textContent = api;
document.getElementById('mode').textContent = mode;
window.corsResult = { done: false, pass: false, steps: [] };

function log(line) {
  console.log(line);
  document.getElementById('log').textContent += line + '\n';
}

function check(ok, what) {
  window.corsResult.steps.push({ ok, what });
  log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok) throw new Error(what);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function full() {
  // 1. Log in (a JSON POST: the browser sends a preflight first).
  const login = await fetch(`${api}/v1/diadoc/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'cors-page-login' },
    body: JSON.stringify({ login: 'demo', password: 'demo' }),
  });
  check(login.status === 200, `POST /v1/diadoc/sessions → ${login.status}`);
  check(login.headers.get('x-request-id') === 'cors-page-login',
    `X-Request-Id is readable: ${login.headers.get('x-request-id')}`);
  const { token } = await login.json();
  check(typeof token === 'string' && token.length > 0, 'a token came back');
  const auth = { authorization: `Bearer ${token}` };

  // 2. Organizations, then a box's counteragents.
  const orgs = await fetch(`${api}/v1/diadoc/organizations`, { headers: auth });
  check(orgs.status === 200, `GET /v1/diadoc/organizations → ${orgs.status}`);
  const body = await orgs.json();
  const box = body.organizations[0].boxes[0].boxIdGuid;
  check(!!box, `first box: ${box}`);
  const cas = await fetch(`${api}/v1/diadoc/boxes/${box}/counteragents`, { headers: auth });
  check(cas.status === 200, `GET /v1/diadoc/boxes/{boxId}/counteragents → ${cas.status}`);
  const page = await cas.json();
  check(Array.isArray(page.counteragents) && page.counteragents.length > 0,
    `${page.counteragents.length} counteragents on the first page`);
  check(cas.headers.get('x-cache') !== null, `X-Cache is readable: ${cas.headers.get('x-cache')}`);
  check(cas.headers.get('link') !== null, `Link is readable: ${cas.headers.get('link')}`);

  // 3. A protocol as a PDF: a long request; 202 + Location + Retry-After until it is ready.
  let url = `${api}${params.get('protocol')}`;
  const headers = { ...auth, accept: 'application/pdf', prefer: 'wait=30' };
  let pdf;
  for (let attempt = 1; attempt <= 10; attempt++) {
    const r = await fetch(url, { headers });
    if (r.status === 202) {
      const location = r.headers.get('location');
      const retry = Number(r.headers.get('retry-after') || '1');
      log(`202 (attempt ${attempt}): Location ${location}, Retry-After ${retry}`);
      check(!!location, 'Location is readable on the 202');
      url = new URL(location, url).href;
      await sleep(retry * 1000);
      continue;
    }
    check(r.status === 200, `GET …/protocol (Accept: application/pdf) → ${r.status}`);
    check((r.headers.get('content-type') || '').startsWith('application/pdf'),
      `Content-Type: ${r.headers.get('content-type')}`);
    check((r.headers.get('content-disposition') || '').includes('.pdf'),
      `Content-Disposition is readable: ${r.headers.get('content-disposition')}`);
    log(`Preference-Applied: ${r.headers.get('preference-applied')}`);
    pdf = new Uint8Array(await r.arrayBuffer());
    break;
  }
  check(!!pdf, 'the protocol arrived');
  const magic = String.fromCharCode(...pdf.slice(0, 5));
  check(magic === '%PDF-', `the file is a PDF (${pdf.length} bytes, starts with ${magic})`);
}

async function refused() {
  // A preflighted request and a simple one: the browser must not let either answer through.
  for (const [what, init] of [
    ['POST /v1/diadoc/sessions (preflighted)', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'demo', password: 'demo' }),
    }],
    ['GET /openapi.json (simple request)', {}],
  ]) {
    const path = what.split(' ')[1];
    let outcome;
    try {
      const r = await fetch(`${api}${path}`, init);
      outcome = `readable from a disallowed origin (status ${r.status})`;
    } catch (e) {
      outcome = e;
    }
    check(outcome instanceof TypeError, `${what} refused by the browser: ${outcome}`);
  }
}

(async () => {
  const verdict = document.getElementById('verdict');
  try {
    await (mode === 'refused' ? refused() : full());
    window.corsResult.pass = true;
    verdict.textContent = 'PASS';
    verdict.className = 'pass';
    log('PASS');
  } catch (e) {
    verdict.textContent = 'FAIL';
    verdict.className = 'fail';
    log(`FAIL: ${e.message}`);
  } finally {
    window.corsResult.done = true;
  }
})();
