#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (fuzz/corpus/<target>/seed-*), from the examples
in reference/ and the tests. Run again after changing it; the fuzzers' own finds are added to the
corpus by hand (tools/fuzz.sh says where they are). Layouts: src/fuzzing.rs."""
import json, os, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "fuzz" / "corpus"
BOX = "2a208d03-2a60-4f64-91b1-b7aad54cfaf3"
GUID = "997818e1-9420-4f8f-857f-c86fb070d0a7"

def write(target, name, data):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data)

# json_to_proto: [route] JSON; routes with a Diadoc body in ROUTES order.
LOGIN, BATCH, TEMPLATE, ACQUIRE, MESSAGE, TRANSFORM = range(6)
j = lambda k, v: bytes([k]) + (v if isinstance(v, bytes) else json.dumps(v).encode())
att = {"signedContent": {"content": "PERvYy8+", "signature": "c2lnbmF0dXJl"},
       "typeNamedId": "Nonformalized", "comment": "c", "needRecipientSignature": True,
       "metadata": [{"key": "FileName", "value": "contract.pdf"}]}
for name, k, v in [
    ("login", LOGIN, {"login": "demo", "password": "secret"}),
    ("login-pascal", LOGIN, {"Login": "demo", "Password": "x"}),
    ("login-null", LOGIN, {"login": None, "password": 1}),
    ("batch", BATCH, {"requests": [{"documentId": {"messageId": GUID, "entityId": GUID}, "injectEntityContent": True}]}),
    ("batch-101", BATCH, {"requests": [{}] * 101}),
    ("batch-bad", BATCH, {"requests": [{"documentId": {"entityId": "x"}}, {"lastEventId": "y"}], "bogus": 1}),
    ("template", TEMPLATE, {"fromBoxId": BOX, "toBoxId": BOX, "messageFromBoxId": BOX, "messageToBoxId": BOX,
                            "documentAttachments": [{"unsignedContent": {"content": "PERvYy8+"}, "typeNamedId": "UniversalTransferDocument", "function": "СЧФ", "version": "utd820_05_01_01_hyphen", "metadata": [{"key": "k", "value": "v"}]}],
                            "lockMode": "Send"}),
    ("acquire", ACQUIRE, {"boxId": BOX, "messageToCounteragent": "hi", "invitationDocument": {"signedContent": {"content": "PERvYy8+"}, "fileName": "a.pdf", "signatureRequested": True}}),
    ("acquire-inn", ACQUIRE, {"inn": "7700000000", "orgId": GUID}),
    ("message", MESSAGE, {"toBoxId": BOX, "documentAttachments": [att]}),
    ("message-41", MESSAGE, {"toBoxId": BOX, "documentAttachments": [att] * 30, "nonformalizedDocuments": [{"signedContent": {"content": "PERvYy8+"}, "fileName": "a.pdf"}] * 11}),
    ("message-types", MESSAGE, {"toBoxId": BOX, "isDraft": "true", "delaySend": 1, "documentAttachments": [{"signedContent": {"content": "PE-_", "signature": None}, "customDocumentId": 5}]}),
    ("transform", TRANSFORM, {"boxId": BOX, "templateId": GUID, "documentTransformations": [{"documentId": GUID, "customDocumentId": "c"}]}),
    ("numbers", MESSAGE, b'{"toBoxId": 1e400, "delaySend": -0, "documentAttachments": [{"metadata": [1.5, -9223372036854775809, 18446744073709551616]}]}'),
    ("escapes", LOGIN, b'{"login": "\\ud83d\\ude00\\u0000", "password": "\\ud800"}'),
    ("deep", MESSAGE, b'[' * 200 + b']' * 200),
    ("not-object", BATCH, b'"requests"'),
    ("trailing", LOGIN, b'{"login": "a"} {}'),
]:
    write("json_to_proto", name, j(k, v))

# proto_to_json: [message] protobuf bytes; REPLIES order in src/fuzzing.rs.
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)
def ld(field, data):
    data = data.encode() if isinstance(data, str) else data
    return varint(field << 3 | 2) + varint(len(data)) + data
def vi(field, n):
    return varint(field << 3) + varint(n)
def f64(field, n):
    return varint(field << 3 | 1) + n.to_bytes(8, "little", signed=True)
ORG = ld(1, GUID) + ld(2, "7700000000") + ld(4, "ООО Ромашка") + ld(7, ld(1, BOX + "@diadoc.ru") + ld(2, "Box"))
for name, k, data in [
    ("org-list", 0, ld(1, ORG) + ld(1, ORG)),
    ("counteragents", 1, vi(1, 2) + ld(2, ld(1, "key1") + ld(2, ORG) + vi(3, 1) + f64(4, 638584593988979088)) + vi(3, 1)),
    ("documents", 2, vi(1, 0) + vi(3, 2)),
    ("organization", 5, ORG),
    ("protocol", 6, ld(1, b"%PDF-1.4\n") + ld(2, b"\x30\x82\x01\x00")),
    ("async", 10, ld(1, "task-1")),
    ("box", 13, ld(1, BOX + "@diadoc.ru") + ld(2, "Box") + ld(3, ORG)),
    ("message", 14, ld(1, GUID) + f64(2, 638584593988979088) + ld(3, BOX) + ld(4, BOX)),
    ("events", 16, ld(1, ld(1, GUID) + ld(2, ld(1, GUID))) + vi(2, 1) + vi(3, 1)),
    ("timestamp", 18, f64(1, 638584593988979088)),
    ("timestamp-min", 18, f64(1, -(1 << 63))),
    ("empty", 0, b""),
    ("truncated-varint", 1, b"\x08\xff\xff"),
    ("bad-wire-type", 5, b"\x0f\x00"),
    ("group", 14, b"\x0b\x08\x01\x0c"),
    ("huge-length", 0, b"\x0a\xff\xff\xff\xff\x0f"),
    ("bad-utf8", 5, ld(1, b"\xff\xfe")),
    ("unknown-enum", 1, vi(1, 1) + vi(3, 99)),
]:
    write("proto_to_json", name, bytes([k]) + data)

# query_params: [route] path segments "\n" query; ROUTES order in src/routes.rs.
LIST_BOX_COUNTERAGENTS, LIST_DOCUMENTS, PROTOCOL, LIST_EVENTS = 3, 4, 6, 22
LIST_PROCESSES, LIST_GROUPS, LIST_DOC_TYPES = 24, 30, 36
q = lambda k, path, query: bytes([k]) + f"{path}\n{query}".encode()
for name, data in [
    ("counteragents", q(LIST_BOX_COUNTERAGENTS, BOX, "status=InvitesMe&after=abc")),
    ("counteragents-bad", q(LIST_BOX_COUNTERAGENTS, "nope", "status=Rejected&query=x&after=K&extra=1")),
    ("documents", q(LIST_DOCUMENTS, BOX, "filterCategory=Any.InboundNotRead&fromDocumentDate=2024-08-06&excludeSubdepartments=true&count=0")),
    ("documents-feb30", q(LIST_DOCUMENTS, BOX, "filterCategory=Any.Inbound&fromDocumentDate=2024-02-30")),
    ("documents-pct-ff", q(LIST_DOCUMENTS, BOX, "filterCategory=Any.Inbound&documentNumber=%ff")),
    ("documents-plus", q(LIST_DOCUMENTS, BOX.upper(), "filterCategory=Any.Inbound&documentNumber=%D0%90+1&count=101")),
    ("documents-dup", q(LIST_DOCUMENTS, "2a208d032a604f6491b1b7aad54cfaf3@diadoc.ru", "filterCategory=Any.Inbound&filterCategory=Any.Outbound&timestampFromTicks=-1")),
    ("path-pct-ff", q(LIST_DOCUMENTS, "%ff", "filterCategory=Any.Inbound")),
    ("protocol", q(PROTOCOL, f"{BOX}/{GUID}/{GUID}", "")),
    ("events", q(LIST_EVENTS, BOX, "after=x&limit=100&from=2024-08-06T12:36:38.8979088Z")),
    ("events-bad-time", q(LIST_EVENTS, BOX, "from=2024-08-06T25:00:00Z&limit=0")),
    ("processes", q(LIST_PROCESSES, "", "companyId=1&search=abc&status=active&limit=30")),
    ("groups", q(LIST_GROUPS, "", "companyId=1&limit=999999999999999999999")),
    ("doc-types", q(LIST_DOC_TYPES, "", "useType=external&isActive=false&offset=-1")),
    ("empty-pairs", q(LIST_DOCUMENTS, BOX, "&&=&a&=b&%=%")),
]:
    write("query_params", name, data)

# prefer_accept: [route] header lines.
POST_MESSAGE = 17
h = lambda k, text: bytes([k]) + text.encode()
for name, data in [
    ("prefer-wait", h(PROTOCOL, "Prefer: wait=5\nAccept: application/pdf")),
    ("prefer-both", h(PROTOCOL, "Prefer: respond-async, wait=\"600\"\nPrefer: handling=lenient")),
    ("prefer-bad", h(PROTOCOL, "Prefer: wait=-1")),
    ("prefer-huge", h(PROTOCOL, "Prefer: wait=99999999999999999999999")),
    ("accept-q", h(PROTOCOL, "Accept: application/json;q=0.5, application/pdf;q=0.9, */*;q=0.1")),
    ("accept-none", h(PROTOCOL, "Accept: text/html")),
    ("accept-q-weird", h(PROTOCOL, "Accept: */*;q=NaN, application/json;q=1e999, application/pdf;q=-3")),
    ("events-stream", h(LIST_EVENTS, "Accept: text/event-stream\nLast-Event-ID: abc")),
    ("events-two-ids", h(LIST_EVENTS, "Accept: text/event-stream\nLast-Event-ID: a\nLast-Event-ID: b")),
    ("idempotency", h(POST_MESSAGE, "Idempotency-Key: key-1\nPrefer: wait=0")),
    ("idempotency-bad", h(POST_MESSAGE, "Idempotency-Key: ключ")),
    ("cache", h(LIST_BOX_COUNTERAGENTS, "Cache-Control: max-age=0, NO-CACHE")),
]:
    write("prefer_accept", name, data)
