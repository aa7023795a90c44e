//! The one handler every route goes through. It reads the request, asks the route entry what
//! to do, and never knows which endpoint it serves:
//!
//! 1. caller identity (`auth.rs`) — a 401 here means no upstream call;
//! 2. path and query (`params.rs`), the headers the route's policies read (`preferences.rs`)
//!    and the body (bounded first: 413 before parsing; then `edi-transcode` or the EDIN codec)
//!    — every problem a 400 before any upstream call — into an [`Exchange`];
//! 3. the cache (`cache.rs`) when the route allows it, with single flight; or the polling loop
//!    (`polling.rs`) when the upstream may answer "still working" (keys from `keys.rs`);
//! 4. the upstream call (`upstream/`), then the reply shaped as the route says (`reply.rs`).

use std::sync::Arc;
use std::time::Duration;

use axum::RequestPartsExt;
use axum::body::Body as AxumBody;
use axum::extract::{RawPathParams, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use secrecy::ExposeSecret;

use crate::app::AppState;
use crate::cache::{CacheStatus, Rendered};
use crate::credentials::{self, Via};
use crate::error::ApiError;
use crate::exchange::{Exchange, Payload};
use crate::keys;
use crate::params::{self, Args};
use crate::polling::Waited;
use crate::preferences::Prefer;
use crate::preferences::Preferences;
use crate::reply::{accepted, render, respond};
use crate::routes::{Auth, BodyKind, CachePolicy, Call, Carrier, Polling, ProtoBody, Route, Verb};
use crate::upstream::diadoc::DiadocRequest;
use crate::upstream::edin::EdinRequest;
use crate::upstream::{UpstreamError, UpstreamReply};

/// Serves `route` for one request.
pub(crate) async fn dispatch(state: AppState, route: &'static Route, request: Request) -> Response {
    match handle(&state, route, request).await {
        Ok(response) => response,
        Err(e) => e.render(),
    }
}

/// Sends the exchange's upstream call once (a polling loop calls this again for each poll).
pub(crate) async fn send(state: &AppState, ex: &Exchange) -> Result<UpstreamReply, UpstreamError> {
    match (&ex.route.upstream, &ex.payload) {
        (Call::Diadoc(call), payload) => {
            // The organization's box first, when the call is made on one (`boxes.rs`).
            let query = crate::boxes::upstream_query(state, call, ex).await?;
            let reply = crate::download::send(
                state,
                Via::of(state, ex),
                &call.reply,
                DiadocRequest {
                    method: call.method.method(),
                    path: call.path,
                    query: &query,
                    body: payload.bytes().cloned(),
                    token: None,
                    mode: None,
                    reply_cap: call.reply_cap,
                    request_id: ex.request_id.as_ref(),
                },
            )
            .await
            .map_err(|e| call.explain(e))?;
            crate::sunset::note(state, ex.route, call.method, call.path, &reply);
            Ok(reply)
        }
        (Call::Edin(call), payload) => {
            let via = Via::of(state, ex);
            let Some(first) = call.read_first else {
                return credentials::edin(
                    state,
                    via,
                    EdinRequest {
                        method: call.method.method(),
                        path: call.path,
                        query: &ex.query,
                        body: payload.bytes().cloned(),
                        sid: None,
                        request_id: ex.request_id.as_ref(),
                    },
                )
                .await;
            };
            let current = credentials::edin(
                state,
                via,
                EdinRequest {
                    method: http::Method::GET,
                    path: first.path,
                    query: &ex.query,
                    body: None,
                    sid: None,
                    request_id: ex.request_id.as_ref(),
                },
            )
            .await?;
            let body = (first.merge)(
                &current.body,
                payload.bytes().map(|b| &b[..]).unwrap_or_default(),
                &ex.args,
            )
            .map_err(|e| UpstreamError::Unusable(format!("the read before the write: {e}")))?;
            credentials::edin(
                state,
                via,
                EdinRequest {
                    method: call.method.method(),
                    path: call.path,
                    query: &[],
                    body: Some(Bytes::from(body)),
                    sid: None,
                    request_id: ex.request_id.as_ref(),
                },
            )
            .await
        }
        (Call::EdinLogin, Payload::Login(login)) => {
            let sid = state
                .edin
                .login(&login.email, &login.password, ex.request_id.as_ref())
                .await?;
            Ok(UpstreamReply {
                status: http::StatusCode::OK,
                retry_after: None,
                body: Bytes::from(sid.expose_secret().to_owned()),
                sunset: None,
                file: None,
            })
        }
        // `prepare` reads the login body into `Payload::Login`; nothing else reaches here.
        (Call::EdinLogin, Payload::Empty | Payload::Bytes(_)) => Err(UpstreamError::Unusable(
            "the login has no credentials".to_owned(),
        )),
    }
}

/// Reads and checks the request into an [`Exchange`] and the caller's [`Preferences`]. Every
/// problem is an error before any upstream call.
async fn prepare(
    state: &AppState,
    route: &'static Route,
    request: Request,
) -> Result<(Exchange, Preferences, RateHeaders), ApiError> {
    let (mut parts, body) = request.into_parts();
    let caller = match route.auth {
        Auth::CallerToken => Some(crate::credentials::admit(state, route, &parts.headers)?),
        Auth::DeveloperKey | Auth::None => {
            crate::credentials::admit_login(state)?;
            None
        }
    };
    // The caller's inbound limit (`limits.rs`), before anything is read or sent.
    let rate = match &caller {
        Some(caller) => crate::credentials::inbound(state, caller).await?,
        None => RateHeaders::new(),
    };
    let args = {
        let captures: Vec<(String, String)> = match parts.extract::<RawPathParams>().await {
            Ok(raw) => raw
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            Err(axum::extract::rejection::RawPathParamsRejection::InvalidUtf8InPathParam(_)) => {
                return Err(ApiError::Invalid(params::undecodable_path(
                    route,
                    parts.uri.path(),
                )));
            }
            Err(_) => Vec::new(),
        };
        params::validate(route, &captures, parts.uri.query())?
    };
    let prefs = Preferences::read(route, &parts.headers)?;
    let mut query = args.upstream_query(route);
    if let (Some(name), Some(key)) = (route.idempotency, &prefs.idempotency_key) {
        query.push((name, key.clone()));
    }
    let payload = match route.body() {
        Some(kind) => {
            let limits = match &route.upstream {
                Call::Diadoc(call) => call.text_limits,
                Call::Edin(_) | Call::EdinLogin => &[],
            };
            let head = (&parts.headers, limits, route.body_limit);
            read_body(state, kind, &args, &mut query, head, body).await?
        }
        None => Payload::Empty,
    };
    // A login's attempts are counted here, read and checked, before anything goes upstream.
    crate::throttle::admit(state, route, &parts, &payload).await?;
    let exchange = Exchange {
        route,
        args,
        query,
        payload,
        caller,
        idempotency_key: prefs.idempotency_key.clone(),
        request_id: parts.headers.get(crate::upstream::REQUEST_ID).cloned(),
        uri: parts.uri,
    };
    Ok((exchange, prefs, rate))
}

/// The `RateLimit-Policy` and `RateLimit` headers of the caller's inbound limit, added to its
/// answer (empty when it has none).
pub(crate) type RateHeaders = Vec<(HeaderName, HeaderValue)>;

/// `response` with the caller's `RateLimit` headers.
fn with_rate(mut response: Response, rate: &RateHeaders) -> Response {
    let headers = response.headers_mut();
    for (name, value) in rate {
        headers.insert(name.clone(), value.clone());
    }
    response
}

async fn handle(
    state: &AppState,
    route: &'static Route,
    request: Request,
) -> Result<Response, ApiError> {
    let (exchange, prefs, rate) = prepare(state, route, request).await?;
    Box::pin(serve(state, route, exchange, prefs))
        .await
        .map(|response| with_rate(response, &rate))
}

/// Serves a short request, read and checked.
async fn serve(
    state: &AppState,
    route: &'static Route,
    exchange: Exchange,
    prefs: Preferences,
) -> Result<Response, ApiError> {
    if let Some(call) = crate::download::streamed(route) {
        return Box::pin(crate::download::stream(state, &exchange, call)).await;
    }
    if prefs.stream {
        // Boxed like the upstream calls below: only a stream's start holds its state.
        return Box::pin(crate::events::respond(state, exchange, prefs.last_event_id)).await;
    }
    let (rendered, cache_status) = match route.cache {
        CachePolicy::PerCaller => {
            // Boxed, like every upstream call below: a waiting request then holds only the
            // small state of the branch it is in, not the largest future of any branch.
            let scope = keys::scope_key(exchange.caller.as_ref(), route, &exchange.args);
            let key = keys::cache_key(&exchange, state.cache.generation(&scope).await);
            match Box::pin(
                state
                    .cache
                    .get_or_fetch(key, prefs.no_cache, fetch(state, &exchange)),
            )
            .await
            {
                Ok(found) => {
                    state.metrics.cache(found.1);
                    found
                }
                // Every single-flight waiter renders the one shared error.
                Err(shared) => return Ok(shared.render()),
            }
        }
        CachePolicy::None => (
            Arc::new(Box::pin(fetch(state, &exchange)).await?),
            CacheStatus::Miss,
        ),
    };
    if rendered.status.is_success() {
        state.cache.invalidate_for(&exchange).await;
    }
    let mut response = respond(&rendered);
    if crate::throttle::is_login(route) {
        // A session token: no cache, shared or private, may keep it.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if route.cache == CachePolicy::PerCaller {
        let headers = response.headers_mut();
        headers.insert("x-cache", HeaderValue::from_static(cache_status.as_str()));
        // The page is specific to the caller's token: shared caches must not keep it.
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(response)
}

/// Serves a route whose upstream may answer "still working" (`Polling::RetryAfter`). A handler
/// of its own, because thousands of these wait at once (issue 6: 10,000 in under 100 MB): the
/// request is read in a boxed step that frees its head and body before the wait, and a waiting
/// request then holds its budget, its preferences and a pointer to the call it waits for.
pub(crate) async fn dispatch_long(
    state: AppState,
    route: &'static Route,
    request: Request,
) -> Response {
    match Box::pin(prepare_long(&state, route, request)).await {
        Ok(mut call) => {
            let rate = std::mem::take(&mut call.rate);
            with_rate(long_request(&state, call).await, &rate)
        }
        Err(e) => e.render(),
    }
}

/// A long request, read and checked.
pub(crate) struct LongCall {
    pub(crate) ex: Arc<Exchange>,
    pub(crate) prefer: Prefer,
    /// What is left of the caller's wait.
    pub(crate) budget: Duration,
    /// The wait granted at the start, echoed in `Preference-Applied`.
    pub(crate) granted: Duration,
    /// The caller asked for the route's file view (`Accept`).
    pub(crate) file: bool,
    /// The caller's `RateLimit` headers, added to the answer.
    pub(crate) rate: RateHeaders,
}

async fn prepare_long(
    state: &AppState,
    route: &'static Route,
    request: Request,
) -> Result<LongCall, ApiError> {
    let (ex, prefs, rate) = prepare(state, route, request).await?;
    let budget = prefs
        .prefer
        .budget(state.config.wait_default(), state.config.wait_max());
    Ok(LongCall {
        ex: Arc::new(ex),
        prefer: prefs.prefer,
        budget,
        granted: budget,
        file: prefs.file,
        rate,
    })
}

/// Waits for the result under the caller's budget (`polling.rs`), sharing the polling loop with
/// identical concurrent calls; when the budget runs out, 202 with what the caller needs to repeat
/// the request.
pub(crate) async fn long_request(state: &AppState, call: LongCall) -> Response {
    let _held = state.metrics.hold();
    if let Polling::Task(task) = call.ex.route.polling {
        // Start, then wait on the result route (`polling/task.rs`); boxed, so a plain long
        // request's future does not grow by the task's.
        return Box::pin(crate::polling::task::start_then_poll(state, call, task)).await;
    }
    let LongCall {
        ex,
        prefer,
        budget,
        granted,
        file,
        rate: _,
    } = call;
    let (waited, ex) = if budget.is_zero() {
        (Box::pin(state.poller.once(send(state, &ex))).await, ex)
    } else {
        // A POST without an operationId must not be re-sent after a transport failure: the
        // first one may have been applied (api.md, "operationId").
        let repeatable = ex.route.upstream.method() == Verb::Get || ex.idempotency_key.is_some();
        let st = state.clone();
        let attempt = move |call: Arc<Exchange>| {
            let st = st.clone();
            async move { send(&st, &call).await }
        };
        // Identical calls share the loop and its `Exchange` (the same token, route, query and
        // body: only the spelling of our own URL, used for `Location`, may differ).
        let (watch, ex) = state
            .poller
            .join(keys::poll_key(&ex), ex, repeatable, attempt);
        // At shutdown the wait ends at once: a 202 the caller repeats on another replica.
        (watch.wait(budget, state.drain.started()).await, ex)
    };
    let mut response = match waited {
        Waited::Finished(settled) => match &settled.result {
            Ok(reply) if crate::download::is_shelf(&ex) => {
                Box::pin(crate::download::from_shelf(state, &ex, reply)).await
            }
            Ok(reply) => {
                // Every caller of this call shares one rendering of each view.
                let view = settled.views[usize::from(file)].get_or_init(|| {
                    render(state, &ex, reply, file)
                        .map(Arc::new)
                        .map_err(Arc::new)
                });
                match view {
                    Ok(rendered) => {
                        if rendered.status.is_success() {
                            state.cache.invalidate_for(&ex).await;
                        }
                        respond(rendered)
                    }
                    Err(e) => e.render(),
                }
            }
            Err(e) => e.render(),
        },
        Waited::Pending(retry_after) => accepted(&ex, retry_after),
    };
    if let Some(applied) = prefer.applied(granted) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("preference-applied"), applied);
    }
    response
}

/// Reads the caller's body and turns it into the upstream's: bounded first (413), then
/// transcoded to protobuf (Diadoc, the route's item cap checked first), re-spelt by the route's
/// codec (EDIN), or read into typed credentials (EDIN's login). A body whose content goes
/// upstream as query parameters (`Carrier::Query`) is added to `query` and leaves no payload.
async fn read_body(
    state: &AppState,
    kind: BodyKind,
    args: &Args,
    query: &mut Vec<(&'static str, String)>,
    (headers, limits, body_limit): (&HeaderMap, &[(&str, usize)], usize),
    body: AxumBody,
) -> Result<Payload, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json")
                || (m.starts_with("application/") && m.ends_with("+json"))
        });
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = read_bounded(headers, body, body_limit).await?;
    match kind {
        BodyKind::Json(json) => match json.carrier {
            Carrier::Body => Ok(Payload::Bytes(Bytes::from((json.read)(&bytes, args)?))),
            Carrier::Query(names) => {
                let pairs = (json.read)(&bytes, args)?;
                for (name, value) in url::form_urlencoded::parse(&pairs) {
                    let name = names.iter().find(|n| **n == name).copied().ok_or_else(|| {
                        ApiError::Internal(format!("the codec wrote an undeclared query {name}"))
                    })?;
                    query.push((name, value.into_owned()));
                }
                Ok(Payload::Empty)
            }
        },
        BodyKind::EdinLogin => Ok(Payload::Login(crate::edin_codec::login(&bytes)?)),
        BodyKind::Proto(spec) => Ok(Payload::Bytes(to_proto(state, spec, limits, &bytes, args)?)),
    }
}

/// The whole body, at most `limit` bytes (the route's [`Route::body_limit`]): a
/// `Content-Length` above it is refused before a byte is read, and a body that grows past it
/// (chunked, or longer than declared) is refused as soon as it does (413 naming the limit).
async fn read_bounded(
    headers: &HeaderMap,
    body: AxumBody,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if e.into_inner().is::<http_body_util::LengthLimitError>() {
            ApiError::PayloadTooLarge(limit)
        } else {
            ApiError::field("", "the body could not be read to its end")
        }
    })
}

/// A Diadoc body: JSON, the route's item cap, text limits and fields from the path
/// (`path_fields.rs`), then protobuf.
fn to_proto(
    state: &AppState,
    spec: ProtoBody,
    limits: &[(&str, usize)],
    bytes: &[u8],
    args: &Args,
) -> Result<Bytes, ApiError> {
    // The item cap and the value budget first, without building anything (`body_scan.rs`).
    let counts = crate::body_scan::scan(bytes, &spec)?;
    crate::path_fields::check_cap(&counts.items, &spec)?;
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| crate::body_scan::invalid_json(&e))?;
    for &(field, max) in limits {
        let camel = edi_transcode::json_name(field);
        let text = value
            .get(&camel)
            .or_else(|| value.get(field))
            .and_then(serde_json::Value::as_str);
        if let Some(n) = text.map(|t| t.chars().count()).filter(|n| *n > max) {
            return Err(ApiError::field(
                camel,
                format!("at most {max} characters are allowed, got {n}"),
            ));
        }
    }
    crate::path_fields::fill(&mut value, &spec, args)?;
    Ok(Bytes::from(
        state.transcoder.value_to_wire(spec.message, &value)?,
    ))
}

/// Calls the upstream and shapes its reply as the route says.
async fn fetch(state: &AppState, ex: &Exchange) -> Result<Rendered, ApiError> {
    let reply = send(state, ex).await?;
    render(state, ex, &reply, false)
}

#[cfg(test)]
mod tests {
    /// A waiting long request holds this future for its whole wait; it must stay small
    /// (issue 6: 10,000 waits in under 100 MB). Not a timing: a size, which is deterministic.
    #[test]
    fn a_waiting_request_holds_a_small_future() {
        let state =
            crate::AppState::build(crate::Config::for_upstream("http://127.0.0.1:1", Some("k")))
                .expect("state");
        let request = axum::extract::Request::new(axum::body::Body::empty());
        let future = super::dispatch_long(
            state,
            &crate::routes::diadoc::GET_DOCUMENT_PROTOCOL,
            request,
        );
        let size = std::mem::size_of_val(&future);
        eprintln!("dispatch future: {size} bytes");
        assert!(size < 4096, "dispatch future is {size} bytes");
    }
}
