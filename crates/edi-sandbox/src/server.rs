//! The one request handler and the router around it. Every request, whatever its path, goes
//! through [`handle`]:
//!
//! 1. read it in full (with its `multipart/form-data` text fields, if any) and journal it (so
//!    refused and faulty calls are journaled too);
//! 2. answer with the next injected fault, if any, before auth or routing — a fault stands for
//!    the upstream failing, which happens before it looks at the request;
//! 3. otherwise route it by path prefix: `/bdoc/…` through the EDIN method table (`edin.rs`),
//!    everything else through the Diadoc one (`diadoc.rs`);
//!    `/connect/token` is the OIDC token endpoint (`oidc.rs`);
//! 4. write the status into the journal, wait for the gate that holds the call (if a test holds
//!    it, `gate.rs`), wait the configured delay, and send the reply; Diadoc
//!    replies get an `X-Kontur-Trace-Id` (a random hex id on every response, as that upstream
//!    sends one), EDIN and token replies do not (EDIN sends no such header).
//!
//! Kontur's per-token limits (`limits.rs`) are checked here, once for every Diadoc method, as the
//! call is journaled (step 1): a call over them is answered 429 at once — before faults, gates
//! and delay, which it does not use up — and a call let through holds its slot ([`Slot`]) until
//! its reply is produced, however long a gate or delay keeps it (or until its client gives up).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;

use crate::call::{Call, form_fields};
use crate::journal::JournalEntry;
use crate::limits::Admission;
use crate::reply::{Refusal, render};
use crate::state::{Fault, Shared};
use crate::{auth, diadoc, edin, oidc};

/// The path prefix of every EDIN bdoc method (edin/api.md §1).
const EDIN_PREFIX: &str = "/bdoc/";

/// The largest request body read (GetDocflows and PostTemplate bodies are far smaller).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A router that answers every path with [`handle`].
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (body, too_large) = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    let form = form_fields(&parts.headers, &body).await;
    let path = parts.uri.path();
    let is_edin = path.starts_with(EDIN_PREFIX);
    let is_token = path == oidc::TOKEN_PATH;
    // Kontur's limits are per token and on the Diadoc methods only.
    let limit_key = (!is_edin && !is_token)
        .then(|| auth::limit_key(&parts.headers))
        .flatten();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let entry = JournalEntry {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: query.clone(),
        raw_query,
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
        body_len: body.len(),
        form: form.clone().unwrap_or_default(),
        status: 0,
        at: std::time::Instant::now(),
        in_flight: 0,
    };
    let (seq, fault, delay, held, admission) = {
        let mut state = shared.lock();
        let mut entry = entry;
        let admission = limit_key
            .as_deref()
            .map(|key| state.limiter.arrive(key, tokio::time::Instant::now()));
        entry.in_flight = match admission {
            Some(Admission::Admitted { in_flight } | Admission::Refused { in_flight, .. }) => {
                in_flight
            }
            None => 0,
        };
        let seq = state.journal.begin(entry);
        if let Some(Admission::Refused { .. }) = admission {
            (seq, None, std::time::Duration::ZERO, None, admission)
        } else {
            (
                seq,
                state.faults.pop_front(),
                state.delay,
                state.holds.take(),
                admission,
            )
        }
    };
    let _slot = match (admission, limit_key) {
        (Some(Admission::Admitted { .. }), Some(key)) => Some(Slot {
            shared: shared.clone(),
            key,
        }),
        _ => None,
    };
    // Counted once the call is journaled and its gate chosen, so a test woken by
    // `wait_for_calls` finds both in place.
    shared.arrivals.count();
    let call = Call {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body,
        form,
    };
    let refusal = match (&fault, admission) {
        (
            _,
            Some(Admission::Refused {
                retry_after, why, ..
            }),
        ) => Some(Refusal::TooManyRequests {
            retry_after,
            text: why,
        }),
        (Some(f), _) => f
            .text_body()
            .map(|text| Refusal::Injected(f.status_code(), text.to_owned())),
        (None, _) if too_large => Some(Refusal::bad_request("The request body is too large")),
        (None, _) => None,
    };
    let mut response = match (refusal, &fault) {
        (Some(r), _) if is_edin => edin::render(Err(r)),
        (Some(r), _) if is_token => oidc::render_injected(&r),
        (Some(r), _) => render(Err(r)),
        // A fault that is not plain text answers as it is (`fault.rs`).
        (None, Some(f)) => f.render(),
        (None, None) if is_edin => edin::render(edin::dispatch(&shared, &call)),
        (None, None) if is_token => oidc::token(&shared, &call),
        (None, None) => render(diadoc::dispatch(&shared, &call)),
    };
    if let Some(f) = &fault {
        f.add_headers(&mut response);
    }
    tracing::debug!(
        method = %call.method,
        path = %call.path,
        status = response.status().as_u16(),
        "edi-sandbox answered"
    );
    if fault.as_ref().is_some_and(Fault::hangs) {
        // The call stays journaled with status 0; the client gives up, which drops this.
        return std::future::pending().await;
    }
    shared
        .lock()
        .journal
        .finish(seq, response.status().as_u16());
    if !is_edin && !is_token {
        if let Ok(trace) = HeaderValue::from_str(&shared.random_hex(16)) {
            response.headers_mut().insert("x-kontur-trace-id", trace);
        }
        diadoc::sunset::mark(&shared, &call.path, response.headers_mut());
    }
    if let Some(held) = held {
        held.wait().await;
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    response
}

/// A call's place among the calls of its token in flight (`limits.rs`): given back when the
/// reply is produced, or when the client gave up and the handler was dropped.
struct Slot {
    shared: Arc<Shared>,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.lock().limiter.leave(&self.key);
    }
}
