//! The one request handler and the router around it. Every request, whatever its path, goes
//! through [`handle`]:
//!
//! 1. read it in full and journal it (so refused and faulty calls are journaled too);
//! 2. answer with the next injected fault, if any, before auth or routing — a fault stands for
//!    the upstream failing, which happens before it looks at the request;
//! 3. otherwise route it through the method table (`diadoc.rs`);
//! 4. write the status into the journal, wait the configured delay, and send the reply with an
//!    `X-Kontur-Trace-Id` (a random hex id on every response, as the upstream sends one).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use crate::call::Call;
use crate::diadoc;
use crate::journal::JournalEntry;
use crate::reply::{Refusal, render};
use crate::state::{Fault, Shared};

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
        status: 0,
        at: std::time::Instant::now(),
    };
    let (seq, fault, delay) = {
        let mut state = shared.lock();
        let seq = state.journal.begin(entry);
        (seq, state.faults.pop_front(), state.delay)
    };
    let call = Call {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body,
    };
    let outcome = match fault {
        Some(Fault { status, body }) => Err(Refusal::Injected(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        )),
        None if too_large => Err(Refusal::bad_request("The request body is too large")),
        None => diadoc::dispatch(&shared, &call),
    };
    let mut response = render(outcome);
    tracing::debug!(
        method = %call.method,
        path = %call.path,
        status = response.status().as_u16(),
        "edi-sandbox answered"
    );
    shared
        .lock()
        .journal
        .finish(seq, response.status().as_u16());
    if let Ok(trace) = HeaderValue::from_str(&shared.random_hex(16)) {
        response.headers_mut().insert("x-kontur-trace-id", trace);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    response
}
