//! Files: routes whose upstream answers raw bytes instead of protobuf (api.md, "Content
//! negotiation": GetEntityContent, GeneratePrintForm and ShelfDownload "return raw bytes with
//! their own `Content-Type`"). The route's reply says which of three shapes it is:
//!
//! * [`DiadocReply::Stream`] — the bytes are **streamed**: the upstream's body goes to the caller
//!   chunk by chunk as it arrives (axum's `Body::from_stream` over reqwest's `chunk()`), with
//!   back-pressure from the caller's connection, so a 70 MB entity costs the gateway a few
//!   chunks of memory, never the whole file. `Content-Length` is passed on when the upstream
//!   sends it. The whole download is bounded by [`DOWNLOAD_TIMEOUT`], and a pause of more than
//!   the configured request timeout between two chunks ends it (the caller sees the body cut
//!   short, which a `Content-Length` or chunked framing makes visible).
//! * [`DiadocReply::File`] — the bytes are read whole, at most [`MAX_FILE_BYTES`] (a larger one
//!   is a 502 naming the cap), because a long request's result is shared by everyone waiting
//!   for it (`polling.rs`).
//! * [`DiadocReply::Shelf`] — the two-call result: the first call (polled like any long request)
//!   answers a message whose string field names a file on Diadoc's shelf; while the field is
//!   empty the work is still running (even without a `Retry-After`: then the gateway asks again
//!   after one second); once it is filled, the gateway downloads the file with a second call
//!   (`GET /V2/ShelfDownload?fileName=`) and streams it. Nothing is kept between the calls: a
//!   caller whose wait ran out gets a 202 and repeats the request; the upstream remembers the
//!   work.
//!
//! What the caller sees of the upstream's headers is only what is safe (never any other
//! upstream header): a media type that parses as `type/subtype` (with at most a `charset`),
//! else the route's; a file name taken from the upstream's `Content-Disposition` (`filename*`
//! or `filename`), stripped of paths and control characters, else the route's; always as
//! `attachment`, with `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox` and
//! `Cache-Control: private, no-store` (the file is the caller's).

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::app::AppState;
use crate::cache::Rendered;
use crate::credentials::{self, Via};
use crate::error::ApiError;
use crate::exchange::Exchange;
use crate::limits::Slot;
use crate::routes::{Call, DiadocCall, DiadocReply, RawFile, Route, ShelfFile};
use crate::upstream::diadoc::{DiadocRequest, OpenReply};
use crate::upstream::{FileHeaders, UpstreamError, UpstreamReply};

/// The largest file read whole ([`DiadocReply::File`]: print forms). A print form is a PDF of a
/// few pages; 32 MiB leaves room for scanned ones.
pub(crate) const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// The longest a streamed download may take, start to end. A shelf file is at most 400 MB
/// (lifecycle.md §3): at 1 MB/s that is under 7 minutes.
pub(crate) const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The pause before asking again when a shelf name is still empty and the upstream sent no
/// `Retry-After` (clamped by the poller's floor and ceiling).
const EMPTY_NAME_RETRY_AFTER: u64 = 1;

/// The longest file name passed on, in characters.
const MAX_NAME_CHARS: usize = 200;

/// What `filename*` keeps unencoded (RFC 8187 `attr-char`, minus the rarer marks).
const ATTR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Sends a Diadoc call as its reply kind needs (`dispatch.rs`'s `send`): a file read whole and
/// bounded, a shelf generation whose empty name means "still running", or a plain call.
pub(crate) async fn send(
    state: &AppState,
    via: Via<'_>,
    reply: &DiadocReply,
    req: DiadocRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    match reply {
        DiadocReply::File(_) => collect(state, via, req).await,
        DiadocReply::Shelf(shelf) => {
            let mut reply = credentials::diadoc(state, via, req).await?;
            if reply.retry_after.is_none()
                && reply.status != StatusCode::NO_CONTENT
                && shelf_name(state, shelf, &reply.body)
                    .map_err(|e| UpstreamError::Unusable(e.to_string()))?
                    .is_none()
            {
                reply.retry_after = Some(EMPTY_NAME_RETRY_AFTER);
            }
            Ok(reply)
        }
        _ => credentials::diadoc(state, via, req).await,
    }
}

/// The file call's 2xx reply read whole, at most [`MAX_FILE_BYTES`]: a larger `Content-Length`
/// is refused before the body is read, a body that grows past it as soon as it does.
async fn collect(
    state: &AppState,
    via: Via<'_>,
    req: DiadocRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    let OpenReply {
        status,
        retry_after,
        file,
        sunset,
        mut response,
    } = credentials::diadoc_open(state, via, req, state.config.request_timeout())
        .await?
        // The slot is dropped here, before the body is read: the read is bounded by the
        // request timeout and the 32 MiB cap.
        .0;
    if file.length.is_some_and(|n| n > MAX_FILE_BYTES as u64) {
        return Err(UpstreamError::TooLarge(MAX_FILE_BYTES));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_FILE_BYTES {
            return Err(UpstreamError::TooLarge(MAX_FILE_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(UpstreamReply {
        status,
        retry_after,
        body: Bytes::from(body),
        file: Some(file),
        sunset,
    })
}

/// The route's call, when its reply is streamed ([`DiadocReply::Stream`]).
pub(crate) fn streamed(route: &Route) -> Option<&DiadocCall> {
    match &route.upstream {
        Call::Diadoc(call) if matches!(call.reply, DiadocReply::Stream(_)) => Some(call),
        _ => None,
    }
}

/// Serves a streamed route: one upstream call, its body handed to the caller as it arrives.
pub(crate) async fn stream(
    state: &AppState,
    ex: &Exchange,
    call: &DiadocCall,
) -> Result<Response, ApiError> {
    let DiadocReply::Stream(view) = call.reply else {
        return Err(ApiError::Internal(format!(
            "{} is not a streamed route",
            ex.route.id
        )));
    };
    // The headers must come within the request timeout like any call's; only the body may
    // take up to DOWNLOAD_TIMEOUT (an upstream that never answers is a 504, not a 15-minute
    // wait).
    let opening = credentials::diadoc_open(
        state,
        Via::queued(state, ex.caller.as_ref()),
        DiadocRequest {
            method: call.method.method(),
            path: call.path,
            query: &ex.query,
            body: None,
            token: None,
            mode: None,
            // A file call: its body is bounded here, not by `send`.
            reply_cap: MAX_FILE_BYTES,
            request_id: ex.request_id.as_ref(),
        },
        DOWNLOAD_TIMEOUT,
    );
    // The wait for a slot of the credential's limits comes on top of the request timeout.
    let opened = tokio::time::timeout(
        state.config.request_timeout() + state.config.queue_timeout,
        opening,
    )
    .await
    .map_err(|_| UpstreamError::Timeout)??;
    let content_type = media_type(opened.0.file.content_type.as_ref(), view.media_type);
    let disposition = attachment(&file_name(ex, &view, &opened.0.file));
    Ok(streamed_response(
        opened,
        content_type,
        disposition,
        state.config.request_timeout(),
        state.metrics.streamed(),
    ))
}

/// Whether the exchange's route is a shelf download (`dispatch.rs` then calls [`from_shelf`]
/// with the finished first call instead of rendering it).
pub(crate) fn is_shelf(ex: &Exchange) -> bool {
    matches!(&ex.route.upstream, Call::Diadoc(c) if matches!(c.reply, DiadocReply::Shelf(_)))
}

/// The second call of a shelf route: downloads the file the first call named, streamed.
pub(crate) async fn from_shelf(state: &AppState, ex: &Exchange, first: &UpstreamReply) -> Response {
    match shelf_download(state, ex, first).await {
        Ok(response) => response,
        Err(e) => e.render(),
    }
}

async fn shelf_download(
    state: &AppState,
    ex: &Exchange,
    first: &UpstreamReply,
) -> Result<Response, ApiError> {
    let Call::Diadoc(DiadocCall {
        reply: DiadocReply::Shelf(shelf),
        ..
    }) = &ex.route.upstream
    else {
        return Err(ApiError::Internal(format!(
            "{} is not a shelf route",
            ex.route.id
        )));
    };
    let name = shelf_name(state, shelf, &first.body)?.ok_or_else(|| {
        ApiError::BadGateway(format!("the reply finished without {}", shelf.field))
    })?;
    let query = [(shelf.query, name)];
    let opened = credentials::diadoc_open(
        state,
        Via::long(state, ex.caller.as_ref()),
        DiadocRequest {
            method: http::Method::GET,
            path: shelf.path,
            query: &query,
            body: None,
            token: None,
            mode: None,
            // A file call: its body is bounded here, not by `send`.
            reply_cap: MAX_FILE_BYTES,
            request_id: ex.request_id.as_ref(),
        },
        DOWNLOAD_TIMEOUT,
    )
    .await?;
    // The shelf only knows `application/octet-stream` and its own random names: the route's
    // media type and file name are the caller's.
    let disposition = attachment(&fill(ex, shelf.file.file_name));
    Ok(streamed_response(
        opened,
        HeaderValue::from_static(shelf.file.media_type),
        disposition,
        state.config.request_timeout(),
        state.metrics.streamed(),
    ))
}

/// The name on the shelf in the first call's reply, if filled in.
fn shelf_name(
    state: &AppState,
    shelf: &ShelfFile,
    body: &[u8],
) -> Result<Option<String>, ApiError> {
    let decoded = state.transcoder.decode(shelf.message, body)?;
    Ok(decoded
        .get_field_by_name(shelf.field)
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|name| !name.trim().is_empty()))
}

/// A long request's file, read whole: the body with its safe headers.
pub(crate) fn render_file(
    ex: &Exchange,
    view: &RawFile,
    reply: &UpstreamReply,
) -> Result<Rendered, ApiError> {
    if reply.body.is_empty() {
        return Err(ApiError::BadGateway(
            "the upstream finished with an empty file".to_owned(),
        ));
    }
    let none = FileHeaders::default();
    let file = reply.file.as_ref().unwrap_or(&none);
    let mut headers = vec![(
        header::CONTENT_DISPOSITION,
        attachment(&file_name(ex, view, file)),
    )];
    headers.extend(safety_headers());
    Ok(Rendered {
        status: StatusCode::OK,
        content_type: Some(media_type(file.content_type.as_ref(), view.media_type)),
        body: reply.body.clone(),
        headers,
    })
}

/// Headers every file answer carries: it is the caller's, and never rendered as a page.
fn safety_headers() -> [(HeaderName, HeaderValue); 3] {
    [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        ),
    ]
}

/// 200 with the upstream's body as it arrives.
fn streamed_response(
    (opened, slot): (OpenReply, Option<Slot>),
    content_type: HeaderValue,
    disposition: HeaderValue,
    stall: Duration,
    streamed: crate::metrics::Streamed,
) -> Response {
    let length = opened.file.length;
    let chunks = futures_util::StreamExt::inspect(chunks(opened.response, slot, stall), move |c| {
        streamed.chunk(c.as_ref().map_or(0, Bytes::len));
    });
    let mut response = Response::new(Body::from_stream(chunks));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    if let Some(n) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    for (name, value) in safety_headers() {
        headers.insert(name, value);
    }
    response
}

/// The upstream body as a stream of chunks; an error or a pause longer than `stall` ends it with
/// an error, which makes the server cut the caller's response short.
/// `slot` (of the credential's limits) is held until the stream ends or is dropped: Kontur
/// counts the call in flight until its body is read.
fn chunks(
    response: reqwest::Response,
    slot: Option<Slot>,
    stall: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(Some((response, slot)), move |state| async move {
        let (mut response, slot) = state?;
        match tokio::time::timeout(stall, response.chunk()).await {
            Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some((response, slot)))),
            Ok(Ok(None)) => None,
            Ok(Err(e)) => {
                let e = UpstreamError::from(e);
                tracing::warn!(error = %e, "a streamed download broke off upstream");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
            Err(_) => {
                tracing::warn!(
                    stall_secs = stall.as_secs(),
                    "a streamed download stalled upstream"
                );
                Some((Err(std::io::Error::other("the upstream stalled")), None))
            }
        }
    })
}

/// The upstream's media type if it is a plain `type/subtype` (plus a `charset`), else `default`.
fn media_type(upstream: Option<&HeaderValue>, default: &'static str) -> HeaderValue {
    upstream
        .and_then(|v| v.to_str().ok())
        .and_then(safe_media_type)
        .and_then(|v| HeaderValue::from_str(&v).ok())
        .unwrap_or_else(|| HeaderValue::from_static(default))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 127
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn safe_media_type(value: &str) -> Option<String> {
    let mut parts = value.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/')?;
    if !is_token(kind) || !is_token(sub) {
        return None;
    }
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|v| is_token(v));
    Some(match charset {
        Some(c) => format!("{kind}/{sub}; charset={c}"),
        None => format!("{kind}/{sub}"),
    })
}

/// The file name: the upstream's, made safe, else the route's with its placeholders filled.
fn file_name(ex: &Exchange, view: &RawFile, file: &FileHeaders) -> String {
    file.disposition
        .as_ref()
        .and_then(upstream_file_name)
        .unwrap_or_else(|| fill(ex, view.file_name))
}

/// `template` with each `{param}` replaced by that parameter's value.
fn fill(ex: &Exchange, template: &str) -> String {
    let mut name = template.to_owned();
    for (param, value) in &ex.args.values {
        name = name.replace(&format!("{{{}}}", param.name), value);
    }
    name
}

/// The file name in a `Content-Disposition` (RFC 6266): `filename*` (UTF-8 or ISO-8859-1,
/// RFC 8187) before `filename`; made safe by [`clean`].
fn upstream_file_name(value: &HeaderValue) -> Option<String> {
    // Header bytes beyond ASCII are read as ISO-8859-1, as HTTP defines them.
    let text: String = value.as_bytes().iter().map(|&b| char::from(b)).collect();
    let params = disposition_params(&text);
    let extended = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("filename*"))
        .and_then(|(_, v)| decode_ext_value(v));
    let plain = || {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("filename"))
            .map(|(_, v)| v.clone())
    };
    extended.or_else(plain).and_then(|n| clean(&n))
}

/// The `name=value` parameters after the disposition type; values unquoted.
fn disposition_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let name: String = chars
            .by_ref()
            .take_while(|&c| c != '=')
            .collect::<String>()
            .trim()
            .to_owned();
        if name.is_empty() {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            value = chars
                .by_ref()
                .take_while(|&c| c != ';')
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((name, value));
    }
}

/// `charset'lang'percent-encoded` (RFC 8187), for UTF-8 and ISO-8859-1.
fn decode_ext_value(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?;
    let _lang = parts.next()?;
    let encoded = parts.next()?;
    let bytes: Vec<u8> = percent_decode_str(encoded).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.into_iter().map(char::from).collect())
    } else {
        None
    }
}

/// The last path segment, without control characters, at most [`MAX_NAME_CHARS`]; `None` when
/// nothing is left.
fn clean(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let kept = kept.trim().trim_matches('.').trim();
    (!kept.is_empty()).then(|| kept.to_owned())
}

/// `attachment; filename="…"` with an ASCII stand-in, plus `filename*=UTF-8''…` when the name
/// is not plain ASCII.
fn attachment(name: &str) -> HeaderValue {
    let name = clean(name).unwrap_or_else(|| "download".to_owned());
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let value = if ascii == name {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            utf8_percent_encode(&name, ATTR)
        )
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_media_types_pass() {
        assert_eq!(
            safe_media_type("Application/PDF").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(
            safe_media_type("text/xml; charset=\"windows-1251\"; x=y").as_deref(),
            Some("text/xml; charset=windows-1251")
        );
        assert_eq!(safe_media_type("text/html\r\nSet-Cookie: a=b"), None);
        assert_eq!(safe_media_type("pdf"), None);
        assert_eq!(safe_media_type("a/b c"), None);
    }

    fn name(value: &str) -> Option<String> {
        upstream_file_name(&HeaderValue::from_str(value).expect("header"))
    }

    #[test]
    fn file_names_come_from_filename_star_first_and_lose_their_paths() {
        assert_eq!(
            name("attachment; filename=\"a b.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82.pdf")
                .as_deref(),
            Some("Счёт.pdf")
        );
        assert_eq!(
            name("attachment; filename=\"..\\\\..\\\\etc/passwd\"").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            name("inline; filename=\"x;y.pdf\"").as_deref(),
            Some("x;y.pdf")
        );
        assert_eq!(
            name("attachment; filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(name("attachment"), None);
        assert_eq!(name("attachment; filename=\"..\""), None);
    }

    #[test]
    fn our_disposition_is_an_attachment_with_an_ascii_stand_in() {
        assert_eq!(attachment("a.zip"), "attachment; filename=\"a.zip\"");
        assert_eq!(
            attachment("Счёт \"1\".pdf"),
            "attachment; filename=\"____ _1_.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%221%22.pdf"
        );
        assert_eq!(attachment("/"), "attachment; filename=\"download\"");
    }
}
