//! The one handler every route goes through. It reads the request, asks the route entry what
//! to do, and never knows which endpoint it serves:
//!
//! 1. caller identity (`auth.rs`) — a 401 here means no upstream call;
//! 2. path and query (`params.rs`) and the JSON body (`edi-transcode`) — every problem in one 400;
//! 3. the cache (`cache.rs`) when the route allows it, with single flight;
//! 4. the upstream call (`upstream/`), then the reply shaped as the route says.

use std::sync::Arc;

use axum::RequestPartsExt;
use axum::body::Body as AxumBody;
use axum::extract::{RawPathParams, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use prost_reflect::{DynamicMessage, ReflectMessage, Value as ProtoValue};
use secrecy::SecretString;

use crate::app::AppState;
use crate::cache::{CacheStatus, PageCache, Rendered};
use crate::error::ApiError;
use crate::params::{self, Args};
use crate::routes::{Auth, Body, CachePolicy, Page, Reply, Route};
use crate::upstream::diadoc::{DiadocReply, DiadocRequest};

/// Largest request body accepted (a docflow batch is a few KB; templates carry documents).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Serves `route` for one request.
pub async fn dispatch(state: AppState, route: &'static Route, request: Request) -> Response {
    match handle(&state, route, request).await {
        Ok(response) => response,
        Err(e) => e.render(),
    }
}

/// Everything the upstream call needs, validated.
struct Exchange {
    route: &'static Route,
    args: Args,
    body: Option<Bytes>,
    token: Option<SecretString>,
    /// Our request path, for `Link` headers.
    path: String,
}

async fn handle(
    state: &AppState,
    route: &'static Route,
    request: Request,
) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let token = match route.auth {
        Auth::CallerToken => Some(crate::auth::bearer_token(&parts.headers)?),
        Auth::None => None,
    };
    let captures: Vec<(String, String)> = match parts.extract::<RawPathParams>().await {
        Ok(raw) => raw
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Err(_) => Vec::new(),
    };
    let args = params::validate(route, &captures, parts.uri.query())?;
    let body = match &route.body {
        Some(spec) => Some(read_body(state, spec, &parts.headers, body).await?),
        None => None,
    };
    let exchange = Exchange {
        route,
        args,
        body,
        token,
        path: parts.uri.path().to_owned(),
    };

    let (rendered, cache_status) = match (route.cache, &exchange.token) {
        (CachePolicy::PerCaller, Some(token)) if state.cache.enabled() => {
            let key = PageCache::key(token, route, &exchange.args);
            let refresh = no_cache(&parts.headers);
            match state
                .cache
                .get_or_fetch(key, refresh, fetch(state, &exchange))
                .await
            {
                Ok(found) => found,
                // Every single-flight waiter renders the one shared error.
                Err(shared) => return Ok(shared.render()),
            }
        }
        _ => (Arc::new(fetch(state, &exchange).await?), CacheStatus::Miss),
    };
    let mut response = (rendered.status, rendered.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, rendered.content_type.clone());
    if let Some(link) = &rendered.link {
        headers.insert(header::LINK, link.clone());
    }
    if route.cache == CachePolicy::PerCaller {
        headers.insert("x-cache", HeaderValue::from_static(cache_status.as_str()));
        // The page is specific to the caller's token: shared caches must not keep it.
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(response)
}

fn no_cache(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| d.trim().eq_ignore_ascii_case("no-cache"))
}

/// Reads and transcodes the caller's JSON body, enforcing the route's item cap first.
async fn read_body(
    state: &AppState,
    spec: &Body,
    headers: &HeaderMap,
    body: AxumBody,
) -> Result<Bytes, ApiError> {
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
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::field(
                "",
                format!("the body must be JSON of at most {MAX_BODY_BYTES} bytes"),
            )
        })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::Invalid(vec![edi_transcode::FieldProblem {
            field: String::new(),
            code: edi_transcode::ProblemCode::InvalidJson,
            detail: format!("the body is not valid JSON: {e}"),
            allowed: None,
        }])
    })?;
    if let Some((field, max)) = spec.max_items {
        let camel = edi_transcode::json_name(field);
        let items = value
            .get(&camel)
            .or_else(|| value.get(field))
            .and_then(serde_json::Value::as_array);
        if let Some(items) = items.filter(|a| a.len() > max) {
            return Err(ApiError::field(
                camel,
                format!("at most {max} items are allowed, got {}", items.len()),
            ));
        }
    }
    Ok(Bytes::from(
        state.transcoder.value_to_wire(spec.message, &value)?,
    ))
}

/// Calls the upstream and shapes its reply as the route says.
async fn fetch(state: &AppState, ex: &Exchange) -> Result<Rendered, ApiError> {
    let route = ex.route;
    if route.auth == Auth::None && !state.diadoc.has_client_id() {
        return Err(ApiError::NotConfigured(
            "password login needs the gateway's developer key (EDI_GATEWAY_DIADOC_CLIENT_ID)",
        ));
    }
    let query = ex.args.upstream_query(route);
    let reply = state
        .diadoc
        .send(DiadocRequest {
            method: route.upstream.method.clone(),
            path: route.upstream.path,
            query: &query,
            body: ex.body.clone(),
            token: ex.token.as_ref(),
        })
        .await?;
    render(state, ex, reply)
}

fn render(state: &AppState, ex: &Exchange, reply: DiadocReply) -> Result<Rendered, ApiError> {
    let route = ex.route;
    let json = |body: Vec<u8>| Rendered {
        status: StatusCode::OK,
        content_type: JSON,
        body: Bytes::from(body),
        link: None,
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
            Ok(json(body))
        }
        Reply::Message => {
            let message = response_message(route)?;
            Ok(json(state.transcoder.to_json(message, &reply.body)?))
        }
        Reply::Page(page) => {
            let message = response_message(route)?;
            let decoded = state.transcoder.decode(message, &reply.body)?;
            let next = next_cursor(&decoded, &page, &ex.args);
            let extra: Vec<(&str, serde_json::Value)> = next
                .iter()
                .map(|k| ("nextAfter", serde_json::Value::String(k.clone())))
                .collect();
            let mut rendered = json(state.transcoder.dynamic_to_json(&decoded, &extra));
            rendered.link = next.as_deref().and_then(|k| next_link(ex, &page, k));
            Ok(rendered)
        }
    }
}

fn response_message(route: &Route) -> Result<&'static str, ApiError> {
    route
        .upstream
        .response
        .ok_or_else(|| ApiError::Internal(format!("route {} has no response message", route.id)))
}

/// The cursor for the next page: the last item's key, unless this page is the last one. The
/// upstream has no "last page" marker for counteragents (api.md, GetCounteragents: a page with
/// fewer items than the page size ends the walk — an inference), so a short page is the last;
/// where the reply has a `HasMoreResults` flag, a `false` there ends it too.
fn next_cursor(message: &DynamicMessage, page: &Page, args: &Args) -> Option<String> {
    let desc = message.descriptor();
    let value = message.get_field_by_name(page.items)?;
    let ProtoValue::List(items) = value.as_ref() else {
        return None;
    };
    let size = page
        .size_param
        .and_then(|p| args.get(p))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(page.default_size);
    if items.is_empty() || (items.len() as i64) < size {
        return None;
    }
    if let Some(flag) = page.more_flag {
        let field = desc.get_field_by_name(flag)?;
        if message.has_field(&field) && message.get_field(&field).as_bool() == Some(false) {
            return None;
        }
    }
    let last = items.last()?.as_message()?;
    let key = last.get_field_by_name(page.key)?;
    key.as_str().filter(|k| !k.is_empty()).map(str::to_owned)
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
    HeaderValue::from_str(&format!("<{}?{}>; rel=\"next\"", ex.path, query.finish())).ok()
}
