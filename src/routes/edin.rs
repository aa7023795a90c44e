//! EDIN bdoc entries of the route table: sessions and the approval routes ("agreement"
//! processes and their steps). Upstream paths, methods and query names come from
//! reference/edin/api.md (§2 for the login, §3 for the approval methods), cited per entry; the
//! bodies are re-spelt by the codecs in `edin.rs`.

use http::{Method, StatusCode};

use super::{
    Auth, Body, CachePolicy, Call, EdinCall, In, JsonBody, JsonReply, Param, ParamKind, Polling,
    Reply, Route, Service, Target,
};
use crate::edin;

/// The process in the path. It goes upstream in the body (edit) or the query (delete a step).
pub const PROC_ID: Param = Param {
    name: "procId",
    location: In::Path,
    kind: ParamKind::Int {
        min: 1,
        max: i64::MAX,
    },
    required: true,
    upstream: Target::Body,
    description: "The approval process's id (`agreementProcId`).",
};

/// The step in the path.
pub const STEP_ID: Param = Param {
    name: "stepId",
    location: In::Path,
    kind: ParamKind::Int {
        min: 1,
        max: i64::MAX,
    },
    required: true,
    upstream: Target::Body,
    description: "The step's id (`agreementStepId`).",
};

/// What every EDIN approval route shares: the caller's session, no cache, no polling. Entries
/// below override the rest (`..EDIN`).
const EDIN: Route = Route {
    id: "",
    service: Service::Edin,
    method: Method::GET,
    path: "",
    summary: "",
    description: "",
    auth: Auth::CallerToken,
    params: &[],
    exclusive: &[],
    body: None,
    upstream: Call::EdinLogin,
    reply: Reply::Token,
    cache: CachePolicy::None,
    polling: Polling::None,
    idempotency: None,
};

/// Opens an EDIN session with an e-mail and password.
pub const CREATE_SESSION: Route = Route {
    id: "createEdinSession",
    service: Service::Edin,
    method: Method::POST,
    path: "/v1/edin/sessions",
    summary: "Log in to EDIN",
    description: "Exchanges an EDIN e-mail and password for a session id. Send it as \
        `Authorization: Bearer <token>` on every other EDIN route. EDIN ends a session after 10 \
        idle minutes; then log in again. If EDIN asks this user for a captcha, log in once in \
        the EDIN web UI first (403 `captcha-required`).",
    auth: Auth::None,
    params: &[],
    exclusive: &[],
    body: Some(Body::Json(JsonBody {
        read: edin::credentials,
        schema: edin::schema_of::<edin::Credentials>,
    })),
    // api.md §2: `POST /bdoc/auth_uuid` (form `email`), then `POST /bdoc/auth` (form `token`,
    // `password`), which sets the `SID` cookie.
    upstream: Call::EdinLogin,
    reply: Reply::Token,
    cache: CachePolicy::None,
    polling: Polling::None,
    idempotency: None,
};

/// Lists approval processes.
pub const LIST_PROCESSES: Route = Route {
    id: "listEdinAgreementProcesses",
    method: Method::GET,
    path: "/v1/edin/agreement-procs",
    summary: "List approval processes",
    description: "Approval processes of the caller's companies, optionally of one company, \
        matching a name, or in one status. List items carry no steps; the process returned by \
        the write routes has them.",
    params: &[
        Param {
            name: "companyId",
            location: In::Query,
            kind: ParamKind::Int {
                min: 1,
                max: i64::MAX,
            },
            required: false,
            upstream: Target::Query("company_id"),
            description: "Only processes of this company.",
        },
        Param {
            name: "search",
            location: In::Query,
            kind: ParamKind::Text { max: 255 },
            required: false,
            upstream: Target::Query("search_pattern"),
            description: "Text matched against the process name.",
        },
        Param {
            name: "status",
            location: In::Query,
            kind: ParamKind::Mapped(&[("active", "1"), ("blocked", "2")]),
            required: false,
            upstream: Target::Query("status"),
            description: "Only `active` or only `blocked` processes.",
        },
        Param {
            name: "limit",
            location: In::Query,
            kind: ParamKind::Int { min: 1, max: 1000 },
            required: false,
            upstream: Target::Query("limit"),
            description: "At most this many processes (EDIN's default: 30).",
        },
    ],
    // api.md §3 A5: documented as POST with the filters in the query and no body.
    upstream: Call::Edin(EdinCall {
        method: Method::POST,
        path: "/bdoc/agreement_procs",
    }),
    reply: Reply::Json(JsonReply {
        status: StatusCode::OK,
        read: edin::read_processes,
        schema: edin::list_of::<edin::model::AgreementProc>,
    }),
    ..EDIN
};

/// Every write answers with the whole process.
const fn process_reply(status: StatusCode) -> Reply {
    Reply::Json(JsonReply {
        status,
        read: edin::read_process,
        schema: edin::schema_of::<edin::model::AgreementProc>,
    })
}

/// The body of the process writes: `{"name", "companyId", "comment"}`.
const PROCESS_BODY: Option<Body> = Some(Body::Json(JsonBody {
    read: edin::process,
    schema: edin::schema_of::<edin::ProcessInput>,
}));
/// api.md §3 A3: one call creates (no `agreementProcId`) or edits.
const PROCESS_CALL: Call = Call::Edin(EdinCall {
    method: Method::POST,
    path: "/bdoc/agreement_proc",
});

/// Creates an approval process.
pub const CREATE_PROCESS: Route = Route {
    id: "createEdinAgreementProcess",
    method: Method::POST,
    path: "/v1/edin/agreement-procs",
    summary: "Create an approval process",
    description: "Creates an approval process of a company (`name` and `companyId` required). \
        It starts active and without steps; add them with the steps route.",
    body: PROCESS_BODY,
    upstream: PROCESS_CALL,
    reply: process_reply(StatusCode::CREATED),
    ..EDIN
};

/// Renames an approval process or changes its comment.
pub const UPDATE_PROCESS: Route = Route {
    id: "updateEdinAgreementProcess",
    method: Method::PUT,
    path: "/v1/edin/agreement-procs/{procId}",
    summary: "Edit an approval process",
    description: "Replaces a process's name, company and comment; returns the whole process.",
    params: &[PROC_ID],
    body: PROCESS_BODY,
    upstream: PROCESS_CALL,
    reply: process_reply(StatusCode::OK),
    ..EDIN
};

/// The body of the step writes.
const STEP_BODY: Option<Body> = Some(Body::Json(JsonBody {
    read: edin::step,
    schema: edin::schema_of::<edin::StepInput>,
}));
/// api.md §3 A1: one call creates (no `agreementStepId`) or edits a step.
const STEP_CALL: Call = Call::Edin(EdinCall {
    method: Method::POST,
    path: "/bdoc/agreement_step",
});

/// Adds a step to an approval process.
pub const CREATE_STEP: Route = Route {
    id: "createEdinAgreementStep",
    method: Method::POST,
    path: "/v1/edin/agreement-procs/{procId}/steps",
    summary: "Add a step to an approval process",
    description: "Adds a step: what its executors do (`taskType`), whether all or any one \
        member of each group must act (`execType`), 1 to 5 executor groups, a deadline in days \
        and a priority (higher runs earlier; EDIN numbers the steps). Returns the whole \
        process, 201.",
    params: &[PROC_ID],
    body: STEP_BODY,
    upstream: STEP_CALL,
    reply: process_reply(StatusCode::CREATED),
    ..EDIN
};

/// Replaces a step of an approval process.
pub const UPDATE_STEP: Route = Route {
    id: "updateEdinAgreementStep",
    method: Method::PUT,
    path: "/v1/edin/agreement-procs/{procId}/steps/{stepId}",
    summary: "Edit a step of an approval process",
    description: "Replaces a step (same body as adding one); returns the whole process.",
    params: &[PROC_ID, STEP_ID],
    body: STEP_BODY,
    upstream: STEP_CALL,
    reply: process_reply(StatusCode::OK),
    ..EDIN
};

/// Removes a step from an approval process.
pub const DELETE_STEP: Route = Route {
    id: "deleteEdinAgreementStep",
    method: Method::DELETE,
    path: "/v1/edin/agreement-procs/{procId}/steps/{stepId}",
    summary: "Delete a step of an approval process",
    description: "Removes a step; returns the whole process without it.",
    params: &[
        Param {
            upstream: Target::Query("agreement_proc_id"),
            ..PROC_ID
        },
        Param {
            upstream: Target::Query("agreement_step_id"),
            ..STEP_ID
        },
    ],
    // api.md §3 A2: `DELETE /bdoc/agreement_step?agreement_proc_id=&agreement_step_id=`.
    upstream: Call::Edin(EdinCall {
        method: Method::DELETE,
        path: "/bdoc/agreement_step",
    }),
    reply: process_reply(StatusCode::OK),
    ..EDIN
};
