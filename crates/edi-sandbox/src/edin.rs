//! The EDIN bdoc method table: each simulated method once, with its path (as in
//! reference/edin/api.md §2–§4), HTTP method, whether it needs the SID session, and its handler;
//! plus EDIN's replies (JSON, empty, the login's `Set-Cookie`) and errors.
//!
//! `server.rs` sends every path under `/bdoc/` here. Paths match exactly, in case too (the
//! sandbox's choice: api.md gives them in lower case only, and the service is Java, whose
//! routers are case-sensitive). An unknown path is a 404; a known path with another HTTP method
//! a 405 with `Allow`, before any session check.

mod auth;
mod documents;
mod groups;
mod procs;
mod steps;
mod wire;

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

pub(crate) use auth::Logins;
pub(crate) use groups::Groups;
pub(crate) use procs::Processes;

use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::EdinSeed;
use crate::state::Shared;

/// What a handler returns.
pub(crate) type Outcome = Result<Reply, Refusal>;

/// A successful EDIN answer; always 200 (api.md §1: "Success signal for 'no body' methods:
/// HTTP 200").
#[derive(Debug)]
pub(crate) enum Reply {
    /// A JSON body.
    Json(Vec<u8>),
    /// No body (logout).
    Empty,
    /// No body and `Set-Cookie: SID=<sid>` (auth, api.md §2 #5).
    Login(String),
}

/// Who is calling: the session id and the index of its user in `EdinSeed::users`.
#[derive(Debug)]
pub(crate) struct Caller {
    pub sid: String,
    pub user: usize,
}

/// A method handler and what it needs.
#[derive(Clone, Copy)]
enum Handler {
    /// No session (the two login steps).
    Open(fn(&Shared, &Call) -> Outcome),
    /// A live SID session (api.md §3: "All need the SID cookie").
    Session(fn(&Shared, &Call, &Caller) -> Outcome),
}

/// One path and the HTTP methods it answers.
struct Resource {
    path: &'static str,
    /// The `Allow` header of a 405.
    allow: &'static str,
    methods: &'static [(&'static str, Handler)],
}

const RESOURCES: &[Resource] = &[
    Resource {
        path: "/bdoc/auth_uuid",
        allow: "POST",
        methods: &[("POST", Handler::Open(auth::uuid))],
    },
    Resource {
        path: "/bdoc/auth",
        allow: "POST",
        methods: &[("POST", Handler::Open(auth::login))],
    },
    Resource {
        path: "/bdoc/logout",
        allow: "GET",
        methods: &[("GET", Handler::Session(auth::logout))],
    },
    Resource {
        path: "/bdoc/agreement_procs",
        allow: "POST",
        methods: &[("POST", Handler::Session(procs::list))],
    },
    Resource {
        path: "/bdoc/agreement_proc",
        allow: "POST, OPTIONS",
        methods: &[
            ("POST", Handler::Session(procs::save)),
            ("OPTIONS", Handler::Session(procs::set_status)),
        ],
    },
    Resource {
        path: "/bdoc/agreement_proc/document",
        allow: "PUT, DELETE",
        methods: &[
            ("PUT", Handler::Session(documents::attach)),
            ("DELETE", Handler::Session(documents::detach)),
        ],
    },
    Resource {
        path: "/bdoc/agreement_groups",
        allow: "GET",
        methods: &[("GET", Handler::Session(groups::list))],
    },
    Resource {
        path: "/bdoc/agreement_group",
        allow: "GET, POST, DELETE",
        methods: &[
            ("GET", Handler::Session(groups::get)),
            ("POST", Handler::Session(groups::save)),
            ("DELETE", Handler::Session(groups::delete)),
        ],
    },
    Resource {
        path: "/bdoc/agreement_group/users",
        allow: "PATCH",
        methods: &[("PATCH", Handler::Session(groups::replace_users))],
    },
    Resource {
        path: "/bdoc/document_types",
        allow: "GET",
        methods: &[("GET", Handler::Session(documents::list))],
    },
    Resource {
        path: "/bdoc/agreement_step",
        allow: "POST, DELETE",
        methods: &[
            ("POST", Handler::Session(steps::save)),
            ("DELETE", Handler::Session(steps::delete)),
        ],
    },
];

/// The EDIN part of the mutable state.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Login tokens and sessions.
    pub logins: Logins,
    /// The processes as changed by A1–A4, A6, A7 (a copy of the seed's at start).
    pub procs: Processes,
    /// The approval groups as changed by A8, A9, A12 (a copy of the seed's at start).
    pub groups: Groups,
}

impl State {
    /// The state a sandbox starts with: the seed's processes and groups, no sessions.
    pub(crate) fn new(seed: &EdinSeed) -> Self {
        Self {
            logins: Logins::default(),
            procs: Processes::new(seed),
            groups: Groups::new(seed),
        }
    }
}

/// Routes a call: 404, 405, the session check, the method; a successful call refreshes the
/// session.
pub(crate) fn dispatch(shared: &Shared, call: &Call) -> Outcome {
    let Some(resource) = RESOURCES.iter().find(|r| r.path == call.path) else {
        return Err(Refusal::NotFound(format!(
            "No method is mapped to {}",
            call.path
        )));
    };
    let Some(&(_, handler)) = resource
        .methods
        .iter()
        .find(|(verb, _)| *verb == call.method.as_str())
    else {
        return Err(Refusal::MethodNotAllowed(resource.allow));
    };
    match handler {
        Handler::Open(handler) => handler(shared, call),
        Handler::Session(handler) => {
            let caller = auth::caller(shared, call)?;
            let outcome = handler(shared, call, &caller);
            if outcome.is_ok() {
                auth::refresh(shared, &caller.sid);
            }
            outcome
        }
    }
}

/// Opens a session for user `user` (index into `EdinSeed::users`); returns the SID.
pub(crate) fn issue_session(shared: &Shared, user: usize) -> String {
    auth::issue(shared, user)
}

/// Expires session `sid` (every open session for `None`) as if it had been idle too long;
/// false when there was none to expire.
pub(crate) fn expire_sessions(shared: &Shared, sid: Option<&str>) -> bool {
    shared.lock().edin.logins.expire(sid)
}

/// A 200 with `value` as JSON.
pub(crate) fn json(value: &impl Serialize) -> Outcome {
    serde_json::to_vec(value)
        .map(Reply::Json)
        .map_err(|e| Refusal::bad_request(format!("The reply could not be encoded: {e}")))
}

/// Renders an EDIN outcome as an HTTP response. Unlike Diadoc's, EDIN replies carry no
/// `X-Kontur-Trace-Id` and no `X-Diadoc-ErrorCode`.
pub(crate) fn render(outcome: Outcome) -> Response {
    match outcome {
        Ok(Reply::Json(bytes)) => response(StatusCode::OK, "application/json", bytes),
        Ok(Reply::Empty) => Response::new(Body::empty()),
        Ok(Reply::Login(sid)) => {
            let mut r = Response::new(Body::empty());
            // api.md §2 #5: the session id arrives as cookie `SID`. Path and HttpOnly are the
            // sandbox's choice (the docs show no attributes): what a Java servlet session
            // cookie carries.
            if let Ok(cookie) = HeaderValue::from_str(&format!("SID={sid}; Path=/; HttpOnly")) {
                r.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            r
        }
        // An injected fault keeps its plain-text body, as `fail_next` promises for every call.
        Err(Refusal::Injected(status, text)) => {
            response(status, "text/plain; charset=utf-8", text.into_bytes())
        }
        Err(refusal) => {
            let status = refusal.status();
            let body = serde_json::to_vec(&wire::Error {
                status: status.as_u16(),
                message: refusal.text(),
            })
            .unwrap_or_default();
            let mut r = response(status, "application/json", body);
            if let Refusal::MethodNotAllowed(allowed) = refusal {
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allowed));
            }
            r
        }
    }
}

fn response(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// api.md §2 #8: a session lives 10 minutes without requests.
pub(crate) const SESSION_IDLE: Duration = Duration::from_secs(10 * 60);

/// A required query parameter holding an id (a long); missing or not a number is a 400.
fn required_id(call: &Call, name: &str) -> Result<i64, Refusal> {
    call.number(name)?
        .ok_or_else(|| Refusal::bad_request(format!("Parameter '{name}' is required")))
}

/// An optional `limit` query parameter, `default` when absent. api.md gives only defaults
/// (A5, A11: 30; §4 `document_types`: 20); what else it accepts is UNKNOWN. The sandbox's
/// choice: a positive whole number, anything else (0, negative, not a number) is a 400.
fn limit(call: &Call, default: usize) -> Result<usize, Refusal> {
    match call.param("limit") {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .ok_or_else(|| {
                Refusal::bad_request(format!(
                    "Parameter 'limit' must be a positive number: '{v}'"
                ))
            }),
    }
}

/// An optional `search_pattern` (A5: the process name, A11: the group name). The sandbox's
/// reading: a case-insensitive substring; `matches` is true for every name when absent.
fn search_pattern(call: &Call) -> impl Fn(&str) -> bool {
    let pattern = call.param("search_pattern").map(str::to_lowercase);
    move |name: &str| {
        pattern
            .as_deref()
            .is_none_or(|p| name.to_lowercase().contains(p))
    }
}

/// An optional `company_id` filter; when given it must be one of the caller's companies (403
/// otherwise, 400 when not a number).
fn company_filter(shared: &Shared, call: &Call, caller: &Caller) -> Result<Option<i64>, Refusal> {
    let company = call.number::<i64>("company_id")?;
    if let Some(c) = company {
        check_company(shared, caller, c)?;
    }
    Ok(company)
}

/// The user may act for `company_id` (it is one of the user's companies); 403 otherwise,
/// including for companies the sandbox does not know.
fn check_company(shared: &Shared, caller: &Caller, company_id: i64) -> Result<(), Refusal> {
    if shared.seed.edin.users[caller.user]
        .company_ids
        .contains(&company_id)
    {
        Ok(())
    } else {
        Err(Refusal::Forbidden(format!(
            "Access to company {company_id} is denied"
        )))
    }
}
