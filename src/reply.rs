//! Shaping replies: a finished upstream reply becomes our response as the route's [`Reply`]
//! says (JSON, a page with `nextAfter` and `Link`, `201 Created`, a file chosen by `Accept`), and
//! a still-running long request becomes `202 Accepted`. `dispatch.rs` decides *when*; this
//! module only decides *what the caller sees*.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use edi_transcode::PageFacts;

use crate::app::AppState;
use crate::cache::Rendered;
use crate::dispatch::Exchange;
use crate::error::ApiError;
use crate::params::Args;
use crate::routes::{Call, FileView, Page, Reply, Route};
use crate::upstream::UpstreamReply;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Shapes a finished upstream reply as the route says; `file`: the caller asked (`Accept`) for
/// the route's file view.
pub(crate) fn render(
    state: &AppState,
    ex: &Exchange,
    reply: &UpstreamReply,
    file: bool,
) -> Result<Rendered, ApiError> {
    let route = ex.route;
    let json = |status: StatusCode, body: Vec<u8>| Rendered {
        status,
        content_type: JSON,
        body: Bytes::from(body),
        headers: Vec::new(),
    };
    match route.reply {
        Reply::Token => {
            let token = std::str::from_utf8(&reply.body)
                .map_err(|_| ApiError::BadGateway("the token is not UTF-8".to_owned()))?
                .trim();
            if token.is_empty() {
                return Err(ApiError::BadGateway("empty token".to_owned()));
            }
            let body = serde_json::to_vec(&serde_json::json!({ "token": token }))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(json(StatusCode::OK, body))
        }
        Reply::Json(j) => Ok(json(j.status, (j.read)(&reply.body)?)),
        Reply::Message => {
            let message = response_message(route)?;
            Ok(json(
                StatusCode::OK,
                state.transcoder.to_json(message, &reply.body)?,
            ))
        }
        Reply::Created | Reply::MessageOrFile(_) if reply.body.is_empty() => {
            // Both messages have required fields, so an empty body is no result at all.
            Err(ApiError::BadGateway(
                "the upstream finished with an empty reply".to_owned(),
            ))
        }
        Reply::Created => {
            let message = response_message(route)?;
            Ok(json(
                StatusCode::CREATED,
                state.transcoder.to_json(message, &reply.body)?,
            ))
        }
        Reply::MessageOrFile(view) if file => {
            let message = response_message(route)?;
            let decoded = state.transcoder.decode(message, &reply.body)?;
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
                content_type: HeaderValue::from_static(view.media_type),
                body: bytes,
                headers: vec![(header::CONTENT_DISPOSITION, disposition)],
            })
        }
        Reply::MessageOrFile(_) => {
            let message = response_message(route)?;
            Ok(json(
                StatusCode::OK,
                state.transcoder.to_json(message, &reply.body)?,
            ))
        }
        Reply::Page(page) => {
            let message = response_message(route)?;
            let facts = state.transcoder.page_facts(
                message,
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
                    .to_json_with(message, &reply.body, &extra)?,
            );
            if let Some(link) = next.as_deref().and_then(|k| next_link(ex, &page, k)) {
                rendered.headers.push((header::LINK, link));
            }
            Ok(rendered)
        }
    }
}

fn response_message(route: &Route) -> Result<&'static str, ApiError> {
    match &route.upstream {
        Call::Diadoc(call) => call.response,
        Call::Edin(_) | Call::EdinLogin => None,
    }
    .ok_or_else(|| ApiError::Internal(format!("route {} has no response message", route.id)))
}

/// The cursor for the next page: the last item's key, unless this page is the last one. The
/// upstream has no "last page" marker for counteragents (api.md, GetCounteragents: a page with
/// fewer items than the page size ends the walk — an inference), so a short page is the last;
/// where the reply has a `HasMoreResults` flag, a `false` there ends it too.
fn next_cursor(facts: &PageFacts, page: &Page, args: &Args) -> Option<String> {
    let size = page
        .size_param
        .and_then(|p| args.get(p))
        .and_then(|v| v.parse::<i64>().ok())
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
        if param.location == crate::routes::In::Query && param.name != page.cursor_param {
            query.append_pair(param.name, value);
        }
    }
    query.append_pair(page.cursor_param, key);
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
    headers.insert(header::CONTENT_TYPE, rendered.content_type.clone());
    for (name, value) in &rendered.headers {
        headers.insert(name.clone(), value.clone());
    }
    response
}

/// `202 Accepted`: the upstream is still working. The caller repeats the same request (same
/// body, same `Idempotency-Key`) after `Retry-After` seconds; nothing is kept here meanwhile.
pub(crate) fn accepted(ex: &Exchange, retry_after: u64) -> Response {
    let body = serde_json::json!({
        "status": "pending",
        "retryAfter": retry_after,
        "idempotencyKey": ex.idempotency_key,
    });
    let mut response = (StatusCode::ACCEPTED, body.to_string()).into_response();
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

/// Whether the caller's `Accept` prefers the route's file over JSON. JSON is the default (no
/// `Accept`, or a tie with a wildcard); a media type named explicitly beats a wildcard at the
/// same quality; `Accept` naming neither is a 406.
pub(crate) fn wants_file(headers: &HeaderMap, view: &FileView) -> Result<bool, ApiError> {
    let mut json = None;
    let mut file = None;
    let mut wildcard: Option<u16> = None;
    let mut any_accept = false;
    for value in headers.get_all(header::ACCEPT) {
        any_accept = true;
        for range in value.to_str().unwrap_or_default().split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim();
            // Quality in thousandths (RFC 9110 §12.4.2: at most three decimals).
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16);
            if media.eq_ignore_ascii_case("application/json") {
                json = Some(q);
            } else if media.eq_ignore_ascii_case(view.media_type) {
                file = Some(q);
            } else if media == "*/*" || media.eq_ignore_ascii_case("application/*") {
                wildcard = Some(wildcard.map_or(q, |w| w.max(q)));
            }
        }
    }
    if !any_accept {
        return Ok(false);
    }
    let json_q = json.or(wildcard).unwrap_or(0);
    let file_q = file.or(wildcard).unwrap_or(0);
    if json_q == 0 && file_q == 0 {
        return Err(ApiError::NotAcceptable(vec![
            "application/json",
            view.media_type,
        ]));
    }
    Ok(file_q > json_q || (file_q == json_q && file.is_some() && json.is_none()))
}
