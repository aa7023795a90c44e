#!/usr/bin/env python3
"""Real ids for the schemathesis passes of tools/contract/run.sh.

Usage: fixtures.py BASE DIADOC_TOKEN EDIN_SID OUT

Reads the demo's ids through the gateway and creates, through the gateway, what the per-id EDIN
operations need; writes OUT/schemathesis-diadoc.toml and OUT/schemathesis-edin.toml. Both make
schemathesis fail on its "missing test data" warning: an operation that only ever got 404 was
not tested at all.
"""
import json
import sys
import urllib.request

BASE, DIADOC, EDIN, OUT = sys.argv[1:5]


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


DELETABLE = 40
FAIL_ON = '[warnings]\nfail-on = ["missing_test_data"]\n'

# --- Diadoc: the demo's first box and one of its documents -----------------------------------
orgs = call("GET", "/v1/diadoc/organizations", DIADOC)["organizations"]
box = orgs[0]["boxes"][0]["boxId"]
org = orgs[0]["orgId"]
docs = call("GET", f"/v1/diadoc/boxes/{box}/documents?filterCategory=Any.Inbound", DIADOC)
# A nonformalized document has a delivery protocol (invoices for payment have none: 409).
doc = next(d for d in docs["documents"] if d["typeNamedId"] == "Nonformalized")
# A template the box may turn into a message (it names the box as the message's sender), sent
# to one of its counteragents.
partners = call(
    "GET", f"/v1/diadoc/boxes/{box}/counteragents?status=IsMyCounteragent", DIADOC
)["counteragents"]
partner = partners[0]["organization"]["boxes"][0]["boxIdGuid"]
template = call(
    "POST",
    "/v1/diadoc/templates",
    DIADOC,
    {
        "fromBoxId": box,
        "toBoxId": partner,
        "messageFromBoxId": box,
        "messageToBoxId": partner,
        "documentAttachments": [
            {
                "unsignedContent": {"content": "PFRlbXBsYXRlLz4="},
                "typeNamedId": "UniversalTransferDocument",
                "function": "СЧФДОП",
                "version": "utd970_05_03_01",
            }
        ],
    },
)
template_document = template["entities"][0]["entityId"]
# An invitation task, started with respond-async: its id is in the 202's Location.
req = urllib.request.Request(
    f"{BASE}/v1/diadoc/boxes/{box}/counteragents",
    data=json.dumps({"boxId": partner}).encode(),
    method="POST",
)
req.add_header("authorization", f"Bearer {DIADOC}")
req.add_header("content-type", "application/json")
req.add_header("prefer", "respond-async")
with urllib.request.urlopen(req, timeout=30) as r:
    location = r.headers.get("location") or ""
task = location.rsplit("/", 1)[-1] if r.status == 202 else ""
with open(f"{OUT}/schemathesis-diadoc.toml", "w") as f:
    f.write(FAIL_ON)
    f.write(f"""
[dictionaries.template_documents]
values = [{json.dumps(template_document)}]

[parameters]
"path.boxId" = {json.dumps(box)}
"path.orgId" = {json.dumps(org)}
"path.messageId" = {json.dumps(doc["messageId"])}
"path.documentId" = {json.dumps(doc["entityId"])}
"path.templateId" = {json.dumps(template["messageId"])}
"body.documentTransformations[*].documentId" = {{ dictionary = "template_documents" }}
"path.counteragentBoxId" = {json.dumps(partner)}
"path.taskId" = {json.dumps(task)}

[[operations]]
include-operation-id = "acquireDiadocCounteragent"
[operations.parameters]
"path.boxId" = {json.dumps(box)}
"body.boxId" = {json.dumps(partner)}
""")

# --- EDIN: the demo company, its groups and a free document type ----------------------------
groups = call("GET", "/v1/edin/agreement-groups", EDIN)
company = groups[0]["companyId"]
group_ids = [g["groupId"] for g in groups if g.get("companyId") == company]
types = call("GET", "/v1/edin/document-types?useType=internal&active=true", EDIN)
free = next(
    t["documentId"]
    for t in types
    if t.get("companyId", company) == company and not t.get("dictionary")
)

# A process of our own: a document type attached (so the detach has one to remove and the
# attach is an idempotent 200) and steps: one to edit, and a stock of them to delete (each
# DELETE that succeeds uses one up, and schemathesis counts only some of its cases as the
# positive ones that must reach the API).
process = call(
    "POST",
    "/v1/edin/agreement-procs",
    EDIN,
    {"companyId": company, "name": "Contract run", "comment": "tools/contract"},
)
proc_id = process["agreementProcId"]
call("PUT", f"/v1/edin/agreement-procs/{proc_id}/document-types/{free}?companyId={company}", EDIN)
step_ids = []
for _ in range(1 + DELETABLE):
    after = call(
        "POST",
        f"/v1/edin/agreement-procs/{proc_id}/steps",
        EDIN,
        {"taskType": "approval", "execType": "anyOfGroup", "agreementGroups": [{"groupId": group_ids[0]}]},
    )
    new = {s["agreementStepId"] for s in after["agreementSteps"]} - set(step_ids)
    step_ids.append(max(new))
edit_step, deletable = step_ids[0], step_ids[1:]


def toml_value(v):
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {json.dumps(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)


def operation(op_id, params):
    lines = [f'\n[[operations]]\ninclude-operation-id = "{op_id}"\n[operations.parameters]']
    lines += [f'"{k}" = {toml_value(v)}' for k, v in params.items()]
    return "\n".join(lines) + "\n"


with open(f"{OUT}/schemathesis-edin.toml", "w") as f:
    f.write(FAIL_ON)
    f.write(f"""
[dictionaries.companies]
values = [{company}]

[dictionaries.groups]
values = {json.dumps(group_ids)}

[dictionaries.deletable_steps]
values = {json.dumps(deletable)}

[parameters]
"query.companyId" = {company}
"body.companyId" = {{ dictionary = "companies" }}
"body.agreementGroups[*].groupId" = {{ dictionary = "groups" }}
"path.documentTypeId" = {free}
""")
    # An operation's own parameters replace the global ones, so a step's groups are bound again.
    groups_binding = {"body.agreementGroups[*].groupId": {"dictionary": "groups"}}
    f.write(operation("createEdinAgreementStep", {"path.procId": proc_id, **groups_binding}))
    for op_id in (
        "updateEdinAgreementProcess",
        "setEdinAgreementProcessStatus",
    ):
        f.write(operation(op_id, {"path.procId": proc_id, "query.companyId": company}))
    for op_id in ("attachEdinProcessDocumentType", "detachEdinProcessDocumentType"):
        f.write(
            operation(
                op_id,
                {"path.procId": proc_id, "path.documentTypeId": free, "query.companyId": company},
            )
        )
    f.write(
        operation(
            "updateEdinAgreementStep",
            {"path.procId": proc_id, "path.stepId": edit_step, **groups_binding},
        )
    )
    f.write(
        operation(
            "deleteEdinAgreementStep",
            {"path.procId": proc_id, "path.stepId": {"dictionary": "deletable_steps"}},
        )
    )
