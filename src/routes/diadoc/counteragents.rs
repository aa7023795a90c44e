//! Diadoc counteragents (partnerships between boxes).

use super::super::{
    BoxOfOrg, CachePolicy, Call, DiadocCall, DiadocReply, Param, Route, Target, Verb,
};
use super::super::{In, Link, ParamKind, Polling, ProtoBody, TaskPoll};
use super::{AFTER, BOX_ID, COUNTERAGENT_PAGE, ORG_ID, QUERY, STATUS};
use edi_proto::names;

/// Lists an organization's counteragents, 100 per page.
pub const LIST_ORGANIZATION_COUNTERAGENTS: Route = Route {
    summary: "List an organization's counteragents",
    description: "Counteragents of an organization, 100 per page, optionally filtered by status. \
        Follow `nextAfter` (or the `Link: rel=\"next\"` header) for the next page; it is absent \
        on the last page. The list is the one of the organization's box: for an organization \
        with several boxes, the first box in Diadoc's order (as the organizations list shows \
        them); use `/v1/diadoc/boxes/{boxId}/counteragents` to choose another. An organization \
        with no box gets 404, and so does one Diadoc does not know. Pages are cached per caller \
        for a short time; send `Cache-Control: no-cache` to refresh.",
    params: &[
        Param {
            upstream: Target::Lookup,
            ..ORG_ID
        },
        STATUS,
        AFTER,
    ],
    cache: CachePolicy::PerCaller,
    ..Route::new(
        "listDiadocOrganizationCounteragents",
        Verb::Get,
        "/v1/diadoc/organizations/{orgId}/counteragents",
        // lifecycle.md §1.2: GetCounteragents V2 (`myOrgId`) is removed after 10 Nov 2026; §1.4
        // and api.md, GetCounteragents V3: `myBoxId`, `counteragentStatus`, `afterIndexKey`. The
        // box is found first with GetOrganization (api.md): one organization, one small reply,
        // and no registration side effect or daily quota as GetMyOrganizations has.
        Call::Diadoc(DiadocCall {
            box_of_org: Some(BoxOfOrg {
                param: "orgId",
                fills: "myBoxId",
                via: &super::GET_ORGANIZATION,
            }),
            ..DiadocCall::new(
                Verb::Get,
                "/V3/GetCounteragents",
                DiadocReply::Page(COUNTERAGENT_PAGE),
            )
        }),
    )
};

/// Lists a box's counteragents, 100 per page, with an optional text search.
pub const LIST_BOX_COUNTERAGENTS: Route = Route {
    summary: "List a box's counteragents",
    description: "Counteragents of the organization that owns a box, 100 per page, filtered by \
        status or searched by name or INN (`query`, which cannot be combined with `after`). \
        Follow `nextAfter` for the next page. Pages are cached per caller for a short time; \
        send `Cache-Control: no-cache` to refresh.",
    params: &[MY_BOX_ID, STATUS, AFTER, QUERY],
    // api.md, GetCounteragents: `query` must not be combined with `afterIndexKey`.
    exclusive: &[(&QUERY, &AFTER)],
    cache: CachePolicy::PerCaller,
    ..Route::new(
        "listDiadocBoxCounteragents",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/counteragents",
        Call::Diadoc(DiadocCall::new(
            Verb::Get,
            "/V3/GetCounteragents",
            DiadocReply::Page(COUNTERAGENT_PAGE),
        )),
    )
};

// === One partnership: read, invite or accept, break (issue 16) ===

/// The counteragent's box in the path.
const COUNTERAGENT_BOX_ID: Param = Param {
    name: "counteragentBoxId",
    location: In::Path,
    kind: ParamKind::BoxId,
    required: true,
    upstream: Target::Query("counteragentBoxId"),
    description: "The counteragent's box: its `boxIdGuid` (or the `…@diadoc.ru` form).",
};

/// Our box as GetCounteragent, AcquireCounteragent(Result) and BreakWithCounteragent name it.
const MY_BOX_ID: Param = Param {
    upstream: Target::Query("myBoxId"),
    ..BOX_ID
};

/// api.md, AcquireCounteragent V3: `myDepartmentId`, the department that sends the invitation.
const DEPARTMENT_ID: Param = Param {
    name: "departmentId",
    location: In::Query,
    kind: ParamKind::Guid,
    required: false,
    upstream: Target::Query("myDepartmentId"),
    description: "The department that sends the invitation (default: the head organization).",
};

/// The task id of an invitation in progress (api.md: `AsyncMethodResult.TaskId`; the docs'
/// example shows a GUID, but no rule says it is one, so any short text passes).
const TASK_ID: Param = Param {
    name: "taskId",
    location: In::Path,
    kind: ParamKind::Text { max: 100 },
    required: true,
    upstream: Target::Query("taskId"),
    description: "The task id from the `Location` of a 202 of the invitation.",
};

/// api.md, BreakWithCounteragent V2: `comment`, at most 5000 characters.
const BREAK_COMMENT: Param = Param {
    name: "comment",
    location: In::Query,
    kind: ParamKind::Text { max: 5000 },
    required: false,
    upstream: Target::Query("comment"),
    description: "Why the partnership ends (at most 5000 characters); the counteragent sees it.",
};

/// The cached pages an invitation, an acceptance or a break makes stale: the box's list, and
/// the organization lists (whose pages are dropped whole for the caller: an organization's list
/// is read through one of its boxes, and which one is that route's choice).
const PARTNERSHIP_PAGES: &[&Route] = &[&LIST_BOX_COUNTERAGENTS, &LIST_ORGANIZATION_COUNTERAGENTS];

/// One counteragent of a box, with the state of the partnership.
pub const GET_BOX_COUNTERAGENT: Route = Route {
    summary: "Get one counteragent of a box",
    description: "The counteragent's organization and the state of the partnership with it \
        (`currentStatus`: `IsMyCounteragent`, `InvitesMe`, `IsInvitedByMe`, `RejectsMe`, \
        `IsRejectedByMe`, `NotInCounteragentList`). 404 when the two organizations have no \
        partnership at all.",
    params: &[MY_BOX_ID, COUNTERAGENT_BOX_ID],
    ..Route::new(
        "getDiadocBoxCounteragent",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/counteragents/{counteragentBoxId}",
        // api.md, GetCounteragent V3: `GET /V3/GetCounteragent?myBoxId=&counteragentBoxId=` →
        // `Counteragent`; 404 "the two organizations have no partnership"; 403 no access to
        // that box's counteragent list. lifecycle.md §1.4: V3 is current (V1 and V2 removed).
        Call::Diadoc(DiadocCall {
            meanings: &[(404, "The two organizations have no partnership")],
            ..DiadocCall::new(
                Verb::Get,
                "/V3/GetCounteragent",
                DiadocReply::Message(names::COUNTERAGENT),
            )
        }),
    )
};

/// How an invitation's task hands over to its result route.
pub const ACQUIRE_TASK: TaskPoll = TaskPoll {
    started: names::ASYNC_METHOD_RESULT,
    task_id: "TaskId",
    result: &GET_COUNTERAGENT_TASK,
    task_param: "taskId",
};

/// Invites a counteragent, or accepts its invitation.
pub const ACQUIRE_COUNTERAGENT: Route = Route {
    summary: "Invite a counteragent, or accept its invitation",
    description: "Name the counteragent by `boxId` (preferred), `orgId`, or `inn` (an \
        organization from the state register gets a box and the invitation waits there). No \
        partnership yet: an invitation goes out and the status becomes `IsInvitedByMe`. The \
        counteragent invites you (`InvitesMe`): its invitation is accepted and the status becomes \
        `IsMyCounteragent` (an acceptance carries no `invitationDocument`). Already partners, or \
        already invited: nothing changes. `messageToCounteragent`: at most 2000 characters. \
        Diadoc does the work as a task; the gateway waits for it (up to `Prefer: wait=N` \
        seconds) and answers 200 with the result, or 202 whose `Location` is the task's own \
        route (`GET …/counteragent-tasks/{taskId}`) to ask again. Do not repeat this POST after \
        a 502/504: it may have been applied; read the counteragent instead.",
    params: &[MY_BOX_ID, DEPARTMENT_ID],
    polling: Polling::Task(&ACQUIRE_TASK),
    invalidates: PARTNERSHIP_PAGES,
    links: &[Link {
        name: "counteragent",
        to: &GET_BOX_COUNTERAGENT,
        params: &[
            ("boxId", "$request.path.boxId"),
            ("counteragentBoxId", "$response.body#/boxId"),
        ],
    }],
    // An invitation may carry a document (`invitationDocument.signedContent`, base64).
    body_limit: super::super::DOCUMENT_BODY_LIMIT,
    ..Route::new(
        "acquireDiadocCounteragent",
        Verb::Post,
        "/v1/diadoc/boxes/{boxId}/counteragents",
        // api.md, AcquireCounteragent, Step 1: `POST /V3/AcquireCounteragent?myBoxId=&
        // myDepartmentId=`, body `AcquireCounteragentRequest` (`MessageToCounteragent` ≤ 2000
        // chars) → `AsyncMethodResult { TaskId }`; 409 the counteragent is with a roaming
        // operator. No `operationId`: the start is never re-sent (polling/task.rs). The
        // result comes from the task route (Step 2), whose reply is this route's reply.
        Call::Diadoc(DiadocCall {
            body: Some(ProtoBody {
                message: names::ACQUIRE_COUNTERAGENT_REQUEST,
                max_items: None,
                from_path: &[],
            }),
            text_limits: &[("MessageToCounteragent", 2000)],
            meanings: &[
                (
                    409,
                    "The counteragent works with another (roaming) operator: a roaming \
                     application is needed first",
                ),
                // api.md, Step 1: 404 "no documents with those ids in the box".
                (404, "Diadoc found no such counteragent or document"),
            ],
            ..DiadocCall::new(
                Verb::Post,
                "/V3/AcquireCounteragent",
                DiadocReply::Message(names::ACQUIRE_COUNTERAGENT_RESULT_V2),
            )
        }),
    )
};

/// The result of an invitation (or acceptance) in progress: a long request on its task.
pub const GET_COUNTERAGENT_TASK: Route = Route {
    summary: "Wait for an invitation's result",
    description: "The result of `POST …/counteragents` whose wait ran out: the counteragent's \
        `boxId` and, when a document went with the invitation, its `invitationDocumentId`. The \
        gateway waits (up to `Prefer: wait=N` seconds) and answers 202 with `Retry-After` and \
        this same URL while Diadoc is still working. 409 when the invitation failed (the \
        organization could not be created from its INN, or the attachment's signature did not \
        verify).",
    params: &[MY_BOX_ID, TASK_ID],
    polling: Polling::RetryAfter,
    invalidates: PARTNERSHIP_PAGES,
    links: &[Link {
        name: "counteragent",
        to: &GET_BOX_COUNTERAGENT,
        params: &[
            ("boxId", "$request.path.boxId"),
            ("counteragentBoxId", "$response.body#/boxId"),
        ],
    }],
    ..Route::new(
        "getDiadocCounteragentTask",
        Verb::Get,
        "/v1/diadoc/boxes/{boxId}/counteragent-tasks/{taskId}",
        // lifecycle.md §1.4: `GET /V3/AcquireCounteragentResult?myBoxId=&taskId=` →
        // `AcquireCounteragentResultV2`, 204 + Retry-After while pending, 429 with
        // Retry-After. Disagreement (lifecycle.md §1.4 "↳ disagreement"): Kontur's OpenAPI and
        // the C# SDK know only `/V2/AcquireCounteragentResult` (api.md, Step 2), which is
        // removed after 1 May 2027 (lifecycle.md §1.2), so the gateway calls V3. Statuses and
        // the 409 "the invitation failed" per api.md, Step 2.
        Call::Diadoc(DiadocCall {
            meanings: &[
                (
                    409,
                    "The invitation failed: the organization could not be created from its \
                     INN, or the attachment's signature did not verify",
                ),
                (404, "No such task for this box"),
            ],
            ..DiadocCall::new(
                Verb::Get,
                "/V3/AcquireCounteragentResult",
                DiadocReply::Message(names::ACQUIRE_COUNTERAGENT_RESULT_V2),
            )
        }),
    )
};

/// Ends a partnership, or withdraws or declines an invitation.
pub const BREAK_WITH_COUNTERAGENT: Route = Route {
    summary: "End a partnership, or withdraw or decline an invitation",
    description: "`IsMyCounteragent` or `InvitesMe` (their invitation is declined) become \
        `IsRejectedByMe`; `IsInvitedByMe` (your invitation is withdrawn) returns to the status \
        before the invitation; no partnership, or already broken: nothing changes. Answers 204. \
        409 when the invitation has an attachment (withdraw that kind with a revocation of the \
        document instead).",
    params: &[MY_BOX_ID, COUNTERAGENT_BOX_ID, BREAK_COMMENT],
    invalidates: PARTNERSHIP_PAGES,
    ..Route::new(
        "breakWithDiadocCounteragent",
        Verb::Delete,
        "/v1/diadoc/boxes/{boxId}/counteragents/{counteragentBoxId}",
        // api.md, BreakWithCounteragent V2 (current; lifecycle.md: only V1 is removed):
        // `POST /V2/BreakWithCounteragent?myBoxId=&counteragentBoxId=&comment=` (≤ 5000
        // chars), 200 with no useful body; 409 the invitation has an attachment.
        Call::Diadoc(DiadocCall {
            meanings: &[(
                409,
                "The invitation has an attachment: withdraw it by revoking the document \
                 (GenerateRevocationRequestXml + PostMessagePatch) instead",
            )],
            ..DiadocCall::new(
                Verb::Post,
                "/V2/BreakWithCounteragent",
                DiadocReply::NoContent,
            )
        }),
    )
};
