//! Shaping replies: a finished upstream reply becomes our response as the route's call says
//! (`DiadocReply`: JSON, a page with `nextAfter` and `Link`, `201 Created`, a file chosen by
//! `Accept`, a token; `JsonReply` for EDIN), and a still-running long request becomes
//! `202 Accepted`. The gateway's own bodies (`TokenReply`, `Pending`) are Rust types whose
//! OpenAPI schemas are derived from them (`ToSchema`), like the problem body in `error.rs`. `dispatch.rs` decides *when*; this
//! module only decides *what the caller sees*.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use edi_transcode::PageFacts;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::cache::Rendered;
use crate::error::ApiError;
use crate::exchange::Exchange;
use crate::params::Args;
use crate::routes::{Call, DiadocReply, EdinReply, FileView, In, Page};
use crate::upstream::UpstreamReply;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The reply of the login routes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Token)]
pub(crate) struct TokenReply<'a> {
    /// The session token: send it as `Authorization: Bearer <token>`.
    pub(crate) token: &'a str,
}

/// The body of a `202 Accepted`: a long request still running upstream.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Pending, description = "A long request still running upstream.")]
pub(crate) struct Pending<'a> {
    // Always `pending`. (Not a `///` doc: utoipa would wrap the inlined enum in an `allOf` with
    // an object.)
    #[schema(inline)]
    pub(crate) status: PendingStatus,
    /// Seconds to wait before repeating.
    #[schema(minimum = 0)]
    pub(crate) retry_after: u64,
    /// The `Idempotency-Key` to repeat the request with, if any.
    #[schema(required = true)]
    pub(crate) idempotency_key: Option<&'a str>,
}

/// The state a 202 reports.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum PendingStatus {
    /// The upstream is still working.
    Pending,
}

/// Shapes a finished upstream reply as the route says; `file`: the caller asked (`Accept`) for
/// the route's file view.
pub(crate) fn render(
    state: &AppState,
    ex: &Exchange,
    reply: &UpstreamReply,
    file: bool,
) -> Result<Rendered, ApiError> {
    match &ex.route.upstream {
        Call::Diadoc(call) => render_diadoc(state, ex, &call.reply, reply, file),
        Call::Edin(call) => match call.reply {
            EdinReply::Json(shape) => Ok(json(shape.status, (shape.read)(&reply.body)?)),
            EdinReply::NoContent => Ok(Rendered {
                status: StatusCode::NO_CONTENT,
                content_type: None,
                body: Bytes::new(),
                headers: Vec::new(),
            }),
        },
        Call::EdinLogin => token(reply),
    }
}

fn json(status: StatusCode, body: Vec<u8>) -> Rendered {
    Rendered {
        status,
        content_type: Some(JSON),
        body: Bytes::from(body),
        headers: Vec::new(),
    }
}

/// `{"token": "…"}` from a plain-text token.
fn token(reply: &UpstreamReply) -> Result<Rendered, ApiError> {
    let token = std::str::from_utf8(&reply.body)
        .map_err(|_| ApiError::BadGateway("the token is not UTF-8".to_owned()))?
        .trim();
    if token.is_empty() {
        return Err(ApiError::BadGateway("empty token".to_owned()));
    }
    let body =
        serde_json::to_vec(&TokenReply { token }).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json(StatusCode::OK, body))
}

fn render_diadoc(
    state: &AppState,
    ex: &Exchange,
    shape: &DiadocReply,
    reply: &UpstreamReply,
    file: bool,
) -> Result<Rendered, ApiError> {
    match *shape {
        DiadocReply::Token => token(reply),
        DiadocReply::NoContent => Ok(Rendered {
            status: StatusCode::NO_CONTENT,
            content_type: None,
            body: Bytes::new(),
            headers: Vec::new(),
        }),
        DiadocReply::Message(message) => Ok(json(
            StatusCode::OK,
            state.transcoder.to_json(message, &reply.body)?,
        )),
        DiadocReply::Created(_) | DiadocReply::MessageOrFile(_) if reply.body.is_empty() => {
            // Both messages have required fields, so an empty body is no result at all.
            Err(ApiError::BadGateway(
                "the upstream finished with an empty reply".to_owned(),
            ))
        }
        DiadocReply::Created(message) => Ok(json(
            StatusCode::CREATED,
            state.transcoder.to_json(message, &reply.body)?,
        )),
        DiadocReply::File(view) => crate::download::render_file(ex, &view, reply),
        // Served by `download.rs` before anything is rendered.
        DiadocReply::Stream(_) | DiadocReply::Shelf(_) => Err(ApiError::Internal(format!(
            "{} streams its file and renders nothing",
            ex.route.id
        ))),
        DiadocReply::MessageOrFile(view) if file => file_view(state, ex, &view, reply),
        DiadocReply::MessageOrFile(view) => Ok(json(
            StatusCode::OK,
            state.transcoder.to_json(view.message, &reply.body)?,
        )),
        DiadocReply::Page(page) => {
            let facts = state.transcoder.page_facts(
                page.message,
                &reply.body,
                page.items,
                page.key,
                page.more_flag,
            )?;
            let next = next_cursor(&facts, &page, &ex.args);
            let extra: Vec<(&str, serde_json::Value)> = next
                .iter()
                .map(|k| ("nextAfter", serde_json::Value::String(k.clone())))
                .collect();
            let mut rendered = json(
                StatusCode::OK,
                state
                    .transcoder
                    .to_json_with(page.message, &reply.body, &extra)?,
            );
            if let Some(link) = next.as_deref().and_then(|k| next_link(ex, &page, k)) {
                rendered.headers.push((header::LINK, link));
            }
            Ok(rendered)
        }
    }
}

/// One `bytes` field of the reply as the body, with its media type and a file name.
fn file_view(
    state: &AppState,
    ex: &Exchange,
    view: &FileView,
    reply: &UpstreamReply,
) -> Result<Rendered, ApiError> {
    let decoded = state.transcoder.decode(view.message, &reply.body)?;
    let bytes = decoded
        .get_field_by_name(view.field)
        .and_then(|v| v.as_bytes().cloned())
        .ok_or_else(|| ApiError::BadGateway(format!("the reply has no {}", view.field)))?;
    let mut name = view.file_name.to_owned();
    for (param, value) in &ex.args.values {
        name = name.replace(&format!("{{{}}}", param.name), value);
    }
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Rendered {
        status: StatusCode::OK,
        content_type: Some(HeaderValue::from_static(view.media_type)),
        body: bytes,
        headers: vec![(header::CONTENT_DISPOSITION, disposition)],
    })
}

/// The cursor for the next page: the last item's key, unless this page is the last one. The
/// upstream has no "last page" marker for counteragents (api.md, GetCounteragents: a page with
/// fewer items than the page size ends the walk — an inference), so a short page is the last;
/// where the reply has a `HasMoreResults` flag, a `false` there ends it too.
fn next_cursor(facts: &PageFacts, page: &Page, args: &Args) -> Option<String> {
    let size = page
        .size
        .and_then(|p| args.int(p.name))
        .unwrap_or(page.default_size);
    if facts.items == 0 || i64::try_from(facts.items).unwrap_or(i64::MAX) < size {
        return None;
    }
    if facts.more == Some(false) {
        return None;
    }
    facts.last_key.clone().filter(|k| !k.is_empty())
}

/// `Link: <path?…&after=KEY>; rel="next"`, relative to our own route.
fn next_link(ex: &Exchange, page: &Page, key: &str) -> Option<HeaderValue> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (param, value) in &ex.args.values {
        if param.location == In::Query && param.name != page.cursor.name {
            query.append_pair(param.name, value);
        }
    }
    query.append_pair(page.cursor.name, key);
    HeaderValue::from_str(&format!(
        "<{}?{}>; rel=\"next\"",
        ex.uri.path(),
        query.finish()
    ))
    .ok()
}

/// The response for a finished reply.
pub(crate) fn respond(rendered: &Rendered) -> Response {
    let mut response = (rendered.status, rendered.body.clone()).into_response();
    let headers = response.headers_mut();
    match &rendered.content_type {
        Some(content_type) => {
            headers.insert(header::CONTENT_TYPE, content_type.clone());
        }
        // A 204 has no body, so no media type (axum labels bytes octet-stream).
        None => {
            headers.remove(header::CONTENT_TYPE);
        }
    }
    for (name, value) in &rendered.headers {
        headers.insert(name.clone(), value.clone());
    }
    response
}

/// `202 Accepted`: the upstream is still working. The caller repeats the same request (same
/// body, same `Idempotency-Key`) after `Retry-After` seconds; nothing is kept here meanwhile.
pub(crate) fn accepted(ex: &Exchange, retry_after: u64) -> Response {
    // Whatever the upstream said (0, 99999999999), the caller is told 1..=60 s
    // (`upstream/retry_after.rs`).
    let retry_after = crate::upstream::retry_after::emit(retry_after);
    let body = serde_json::to_vec(&Pending {
        status: PendingStatus::Pending,
        retry_after,
        idempotency_key: ex.idempotency_key.as_deref(),
    })
    .unwrap_or_default();
    let mut response = (StatusCode::ACCEPTED, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, JSON);
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The URL to repeat is our own request's path and query.
    let location = ex
        .uri
        .path_and_query()
        .map_or_else(|| ex.uri.path(), |pq| pq.as_str());
    if let Ok(location) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, location);
    }
    response
}
