#!/usr/bin/env python3
"""The checks of tools/replicas/run.sh, through nginx in front of two gateway replicas.

Standard library only. Every check prints PASS/FAIL lines and exits 1 on a failure.
nginx adds `X-Replica: <upstream address>` to every answer, so each check can say which
replica answered.

  check.py long  BASE TOKEN BOX MSG DOC   a 202 from one replica, completed by the other
  check.py sse   BASE TOKEN BOX           an event stream cut on one replica resumes on the other
  check.py load  BASE TOKEN BOX STOPFILE  steady load until STOPFILE exists; every request answered
"""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

TIMEOUT = 30


def request(base, path, token, headers=None):
    """One GET; returns (status, headers dict with lower-case names, body bytes)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers={"authorization": f"Bearer {token}", **(headers or {})})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def verdict(ok, what):
    print(f"{'PASS' if ok else 'FAIL'}: {what}", flush=True)
    return ok


def protocol_path(box, msg, doc):
    return f"/v1/diadoc/boxes/{box}/messages/{msg}/documents/{doc}/protocol"


def check_long(base, token, box, msg, doc):
    """(a) `Prefer: wait=0` on a protocol that is not ready: 202 + Location from replica X; the
    Location repeated through nginx until a replica other than X answers: 200 with the protocol."""
    status, headers, body = request(base, protocol_path(box, msg, doc), token, {"prefer": "wait=0"})
    first = headers.get("x-replica", "?")
    location = headers.get("location")
    print(f"  first call: {status} from {first}, Location {location}, {body[:80]!r}")
    if not verdict(status == 202 and location, "a long request is answered 202 + Location"):
        return False
    for _ in range(4):
        status, headers, body = request(base, location, token, {"prefer": "wait=10"})
        other = headers.get("x-replica", "?")
        print(f"  repeat: {status} from {other}")
        if other != first:
            done = status == 200 and b'"printForm"' in body
            return verdict(done, f"its Location, repeated, is completed by the other replica ({other})")
    return verdict(False, "nginx never sent the repeat to the other replica")


def sse_ids(base, token, box, last_id=None, stop_after=None, idle=2.0):
    """Reads an event stream through nginx; returns (replica, [ids]). Stops after `stop_after`
    ids (the client cuts the stream) or after `idle` seconds without an event (caught up)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=idle)
    headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
    if last_id:
        headers["last-event-id"] = last_id
    ids = []
    try:
        conn.request("GET", f"/v1/diadoc/boxes/{box}/events", headers=headers)
        resp = conn.getresponse()
        replica = resp.getheader("x-replica", "?")
        if resp.status != 200:
            print(f"  stream answered {resp.status}: {resp.read()[:200]!r}")
            return replica, None
        while stop_after is None or len(ids) < stop_after:
            try:
                line = resp.readline()
            except TimeoutError:
                break
            if not line:
                break
            if line.startswith(b"id:"):
                ids.append(line[3:].strip().decode())
        return replica, ids
    finally:
        conn.close()


def check_sse(base, token, box):
    """(b) A whole stream for reference; then a stream cut after 10 events, and a second one
    with `Last-Event-ID` that must come from the other replica and carry exactly the rest."""
    _, whole = sse_ids(base, token, box)
    if not verdict(whole is not None and len(whole) > 20, f"the reference stream has events ({len(whole or [])})"):
        return False
    for _ in range(4):
        first, head = sse_ids(base, token, box, stop_after=10)
        other, rest = sse_ids(base, token, box, last_id=head[-1] if head else None)
        print(f"  cut after {len(head or [])} events on {first}; resumed on {other} with {len(rest or [])} events")
        if first != other and head and rest is not None:
            ok = head + rest == whole
            return verdict(ok, f"the stream cut on {first} resumes on {other} from Last-Event-ID, "
                               f"no event lost or repeated ({len(head)} + {len(rest)} = {len(whole)})")
    return verdict(False, "the resumed stream never reached the other replica")


def documents(base, token, box):
    """(messageId, entityId) of the box's documents, from its event feed's first page."""
    status, _, body = request(base, f"/v1/diadoc/boxes/{box}/events?limit=100", token)
    if status != 200:
        return []
    out = []
    for event in json.loads(body).get("events", []):
        message = event.get("message") or {}
        for entity in message.get("entities", []):
            if entity.get("documentInfo"):
                out.append((message["messageId"], entity["entityId"]))
    return out


def check_load(base, token, box, stopfile):
    """(c) Threads ask for organizations (cached, quick) and for protocols (each new one held
    about a second) until `stopfile` exists, while run.sh sends SIGTERM to a replica and starts it
    again. Every request must be answered: 200, or 202 with a Location for a held one (409 is
    Diadoc's "no protocol for this kind"). Then every 202's Location is repeated: 200."""
    docs = documents(base, token, box)[1:]  # the first one belongs to check_long
    if not verdict(len(docs) > 10, f"documents for the load ({len(docs)})"):
        return False
    lock = threading.Lock()
    counts, failures, pending, replicas = {}, [], [], {}
    next_doc = [0]

    def record(kind, status, headers, detail=""):
        with lock:
            counts[(kind, status)] = counts.get((kind, status), 0) + 1
            replica = headers.get("x-replica", "?")
            replicas[replica] = replicas.get(replica, 0) + 1
            if status == 202:
                if headers.get("location"):
                    pending.append(headers["location"])
                else:
                    failures.append(f"{kind}: 202 without Location")
            elif status not in (200, 409 if kind == "protocol" else 200):
                failures.append(f"{kind}: {status} {detail}")

    def worker(kind):
        while not os.path.exists(stopfile):
            if kind == "protocol":
                with lock:
                    msg, doc = docs[next_doc[0] % len(docs)]
                    next_doc[0] += 1
                path, headers = protocol_path(box, msg, doc), {"prefer": "wait=5"}
            else:
                path, headers = "/v1/diadoc/organizations", {}
            try:
                status, answer, body = request(base, path, token, headers)
                record(kind, status, answer, body[:200])
            except OSError as err:
                with lock:
                    counts[(kind, "no answer")] = counts.get((kind, "no answer"), 0) + 1
                    failures.append(f"{kind}: no answer ({err})")
            if kind == "organizations":
                time.sleep(0.02)

    threads = [threading.Thread(target=worker, args=(k,)) for k in ["protocol"] * 8 + ["organizations"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(counts.values())
    print("  answers: " + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(counts.items(), key=str)))
    print("  by replica: " + ", ".join(f"{r}: {n}" for r, n in sorted(replicas.items())))
    for f in failures[:10]:
        print(f"  {f}")
    ok = verdict(not failures and total > 0, f"a rolling restart under load: {total} requests, every one answered "
                                             f"({len(pending)} held ones with 202 + Location)")
    ok &= verdict(len(pending) > 0, "the drain answered the held long requests 202 at once")
    repeated = 0
    for location in pending:
        status, _, _ = request(base, location, token, {"prefer": "wait=10"})
        repeated += status == 200
    ok &= verdict(repeated == len(pending), f"every 202's Location repeated: {repeated}/{len(pending)} completed")
    return ok


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    ok = {"long": check_long, "sse": check_sse, "load": check_load}[cmd](*args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
