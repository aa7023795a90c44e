//! EDIN bdoc entries of the route table: sessions and the approval routes ("agreement"
//! processes and their steps). Upstream paths, methods and query names come from
//! reference/edin/api.md (§2 for the login, §3 for the approval methods), cited per entry; the
//! bodies are re-spelt by the codecs in `edin.rs`.

pub mod groups;

use http::StatusCode;

use super::{
    Auth, Call, Carrier, EdinCall, EdinReply, In, JsonBody, JsonReply, Link, Param, ParamKind,
    Route, Target, Verb,
};
use crate::edin_codec as codec;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

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

/// A company filter (`company_id`).
pub(super) const COMPANY_ID: Param = Param {
    name: "companyId",
    location: In::Query,
    kind: ParamKind::Int {
        min: 1,
        max: i64::MAX,
    },
    required: false,
    upstream: Target::Query("company_id"),
    description: "Only those of this company.",
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

/// Opens an EDIN session with an e-mail and password.
pub const CREATE_SESSION: Route = Route {
    summary: "Log in to EDIN",
    description: "Exchanges an EDIN e-mail and password for a session id. Send it as \
        `Authorization: Bearer <token>` on every other EDIN route. EDIN ends a session after 10 \
        idle minutes; then log in again. If EDIN asks this user for a captcha, log in once in \
        the EDIN web UI first (403 `captcha-required`).",
    auth: Auth::None,
    // api.md §2: `POST /bdoc/auth_uuid` (form `email`), then `POST /bdoc/auth` (form `token`,
    // `password`), which sets the `SID` cookie.
    ..Route::new(
        "createEdinSession",
        Verb::Post,
        "/v1/edin/sessions",
        Call::EdinLogin,
    )
};

/// Lists approval processes.
pub const LIST_PROCESSES: Route = Route {
    summary: "List approval processes",
    description: "Approval processes of the caller's companies, optionally of one company, \
        matching a name, or in one status. List items carry no steps; the process returned by \
        the write routes has them.",
    params: &[
        Param {
            description: "Only processes of this company.",
            ..COMPANY_ID
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
    ..Route::new(
        "listEdinAgreementProcesses",
        Verb::Get,
        "/v1/edin/agreement-procs",
        // api.md §3 A5: documented as POST with the filters in the query and no body.
        Call::Edin(EdinCall {
            method: Verb::Post,
            path: "/bdoc/agreement_procs",
            body: None,
            reply: EdinReply::Json(JsonReply {
                status: StatusCode::OK,
                read: codec::read_processes,
                schema: super::list_of::<codec::model::AgreementProc>,
            }),
            read_first: None,
        }),
    )
};

/// Every write answers with the whole process.
pub(super) const fn process_reply(status: StatusCode) -> EdinReply {
    EdinReply::Json(JsonReply {
        status,
        read: codec::read_process,
        schema: super::schema_of::<codec::model::AgreementProc>,
    })
}

/// The body of the process writes: `{"name", "companyId", "comment"}`.
const PROCESS_BODY: JsonBody = JsonBody {
    read: codec::process,
    schema: super::schema_of::<codec::ProcessInput>,
    carrier: Carrier::Body,
};

/// api.md §3 A3: one call creates (no `agreementProcId`) or edits; the reply is the process.
const fn process_call(status: StatusCode) -> Call {
    Call::Edin(EdinCall {
        method: Verb::Post,
        path: "/bdoc/agreement_proc",
        body: Some(PROCESS_BODY),
        reply: process_reply(status),
        read_first: None,
    })
}

/// Creates an approval process.
pub const CREATE_PROCESS: Route = Route {
    summary: "Create an approval process",
    description: "Creates an approval process of a company (`name` and `companyId` required). \
        It starts active and without steps; add them with the steps route.",
    links: &[
        Link {
            name: "UpdateProcess",
            to: &UPDATE_PROCESS,
            params: &[("procId", "$response.body#/agreementProcId")],
        },
        Link {
            name: "AddStep",
            to: &CREATE_STEP,
            params: &[("procId", "$response.body#/agreementProcId")],
        },
        Link {
            name: "SetStatus",
            to: &groups::SET_PROCESS_STATUS,
            params: &[("procId", "$response.body#/agreementProcId")],
        },
        Link {
            name: "AttachDocumentType",
            to: &groups::ATTACH_DOCUMENT_TYPE,
            params: &[("procId", "$response.body#/agreementProcId")],
        },
    ],
    ..Route::new(
        "createEdinAgreementProcess",
        Verb::Post,
        "/v1/edin/agreement-procs",
        process_call(StatusCode::CREATED),
    )
};

/// Renames an approval process or changes its comment.
pub const UPDATE_PROCESS: Route = Route {
    summary: "Edit an approval process",
    description: "Replaces a process's name, company and comment; returns the whole process.",
    params: &[PROC_ID],
    ..Route::new(
        "updateEdinAgreementProcess",
        Verb::Put,
        "/v1/edin/agreement-procs/{procId}",
        process_call(StatusCode::OK),
    )
};

/// The step body's schema, with the group schema its `agreementGroups` refers to (the array's
/// bounds come from `MAX_GROUPS` through `schema_with`, so the group type is registered here).
fn step_schema(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    super::schema_of::<codec::GroupRef>(out);
    super::schema_of::<codec::StepInput>(out)
}

/// api.md §3 A1: one call creates (no `agreementStepId`) or edits a step; the reply is the
/// whole process.
const fn step_call(status: StatusCode) -> Call {
    Call::Edin(EdinCall {
        method: Verb::Post,
        path: "/bdoc/agreement_step",
        body: Some(JsonBody {
            read: codec::step,
            schema: step_schema,
            carrier: Carrier::Body,
        }),
        reply: process_reply(status),
        read_first: None,
    })
}

/// Adds a step to an approval process.
pub const CREATE_STEP: Route = Route {
    summary: "Add a step to an approval process",
    description: "Adds a step: what its executors do (`taskType`), whether all or any one \
        member of each group must act (`execType`), 1 to 5 executor groups, a deadline in days \
        and a priority (higher runs earlier; EDIN numbers the steps). Returns the whole \
        process, 201.",
    params: &[PROC_ID],
    // The reply is the whole process; its first step is a real id to edit or delete.
    links: &[
        Link {
            name: "UpdateStep",
            to: &UPDATE_STEP,
            params: &[
                ("procId", "$request.path.procId"),
                ("stepId", "$response.body#/agreementSteps/0/agreementStepId"),
            ],
        },
        Link {
            name: "DeleteStep",
            to: &DELETE_STEP,
            params: &[
                ("procId", "$request.path.procId"),
                ("stepId", "$response.body#/agreementSteps/0/agreementStepId"),
            ],
        },
    ],
    ..Route::new(
        "createEdinAgreementStep",
        Verb::Post,
        "/v1/edin/agreement-procs/{procId}/steps",
        step_call(StatusCode::CREATED),
    )
};

/// Replaces a step of an approval process.
pub const UPDATE_STEP: Route = Route {
    summary: "Edit a step of an approval process",
    description: "Replaces a step (same body as adding one); returns the whole process.",
    params: &[PROC_ID, STEP_ID],
    ..Route::new(
        "updateEdinAgreementStep",
        Verb::Put,
        "/v1/edin/agreement-procs/{procId}/steps/{stepId}",
        step_call(StatusCode::OK),
    )
};

/// Removes a step from an approval process.
pub const DELETE_STEP: Route = Route {
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
    ..Route::new(
        "deleteEdinAgreementStep",
        Verb::Delete,
        "/v1/edin/agreement-procs/{procId}/steps/{stepId}",
        // api.md §3 A2: `DELETE /bdoc/agreement_step?agreement_proc_id=&agreement_step_id=`.
        Call::Edin(EdinCall {
            method: Verb::Delete,
            path: "/bdoc/agreement_step",
            body: None,
            reply: process_reply(StatusCode::OK),
            read_first: None,
        }),
    )
};
