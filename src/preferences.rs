//! The request headers the routes' policies read, read once per request in `dispatch.rs` and
//! nowhere else: `Idempotency-Key` (the `operationId` of calls that must not run twice),
//! `Prefer` (how long a long request waits, RFC 7240), `Accept` (JSON or the route's file view)
//! and `Cache-Control: no-cache` (refresh a cached page). A header a route does not use is not
//! read, so it cannot fail that route.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use edi_transcode::{FieldProblem, ProblemCode};

use crate::error::ApiError;
use crate::routes::{CachePolicy, Call, DiadocReply, FileView, Polling, Route};
use crate::rules::IDEMPOTENCY_KEY;

/// The header carrying the caller's idempotency key.
pub(crate) const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// What the caller asked for, as far as the route's policies go.
#[derive(Debug, Default)]
pub(crate) struct Preferences {
    /// `Idempotency-Key`, on routes that send one upstream.
    pub(crate) idempotency_key: Option<String>,
    /// `Prefer`, on long routes.
    pub(crate) prefer: Prefer,
    /// The caller's `Accept` prefers the route's file view.
    pub(crate) file: bool,
    /// `Cache-Control: no-cache`, on cached routes.
    pub(crate) no_cache: bool,
    /// The caller's `Accept` prefers `text/event-stream`, on routes with an event stream.
    pub(crate) stream: bool,
    /// `Last-Event-ID` (where an event stream resumes), on routes with an event stream.
    pub(crate) last_event_id: Option<String>,
}

impl Preferences {
    /// Reads the headers `route` uses; a malformed one is a 400 (406 for `Accept`) naming it.
    pub(crate) fn read(route: &Route, headers: &HeaderMap) -> Result<Self, ApiError> {
        let mut prefs = Self::default();
        if route.idempotency.is_some() {
            prefs.idempotency_key = idempotency_key(headers)?;
        }
        if route.polling != Polling::None {
            prefs.prefer = Prefer::from_headers(headers)?;
        }
        if let Call::Diadoc(call) = &route.upstream {
            if let DiadocReply::MessageOrFile(view) = &call.reply {
                prefs.file = wants_file(headers, view)?;
            }
        }
        if route.cache == CachePolicy::PerCaller {
            prefs.no_cache = no_cache(headers);
        }
        if route.stream.is_some() {
            prefs.stream = wants_media(headers, EVENT_STREAM)?;
            // Only a stream resumes: a page ignores the header.
            if prefs.stream {
                prefs.last_event_id = last_event_id(headers)?;
            }
        }
        Ok(prefs)
    }
}

/// The caller's `Idempotency-Key` header ([`IDEMPOTENCY_KEY`]). At most one.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::Invalid(vec![FieldProblem {
            field: IDEMPOTENCY_KEY_HEADER.to_owned(),
            code: ProblemCode::Duplicate,
            detail: "given more than once".to_owned(),
            allowed: None,
        }]));
    }
    let key = value.to_str().unwrap_or_default();
    if !IDEMPOTENCY_KEY.is_match(key) {
        return Err(ApiError::field(
            IDEMPOTENCY_KEY_HEADER,
            "must be 1 to 100 characters of letters, digits, '-' or '_'",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Whether `Cache-Control` carries `no-cache`.
fn no_cache(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| d.trim().eq_ignore_ascii_case("no-cache"))
}

/// The caller's `Prefer` header (RFC 7240), as far as waiting goes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Prefer {
    /// `wait=N`, in seconds.
    pub wait: Option<u64>,
    /// `respond-async`.
    pub respond_async: bool,
}

impl Prefer {
    /// Reads every `Prefer` header. Preferences other than `wait` and `respond-async` are
    /// ignored, as RFC 7240 §2 asks; a `wait` that is not a whole number of seconds is a 400.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, ApiError> {
        let mut prefer = Self::default();
        for value in headers.get_all("prefer") {
            let value = value
                .to_str()
                .map_err(|_| ApiError::field("Prefer", "must be ASCII text"))?;
            for preference in value.split(',') {
                // `name[=value]` then optional `;param`s, which neither preference uses.
                let token = preference.split(';').next().unwrap_or_default();
                let (name, val) = match token.split_once('=') {
                    Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
                    None => (token.trim(), None),
                };
                if name.eq_ignore_ascii_case("respond-async") {
                    prefer.respond_async = true;
                } else if name.eq_ignore_ascii_case("wait") {
                    let secs = val.and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
                        ApiError::field("Prefer", "wait must be a whole number of seconds: wait=10")
                    })?;
                    prefer.wait = Some(secs);
                }
            }
        }
        Ok(prefer)
    }

    /// The caller's budget: `wait=N` (also with `respond-async`, as RFC 7240 §4.3 reads them
    /// together), else zero for `respond-async` alone, else `default`; never above `max`.
    pub fn budget(self, default: Duration, max: Duration) -> Duration {
        let wanted = match (self.wait, self.respond_async) {
            (Some(secs), _) => Duration::from_secs(secs),
            (None, true) => Duration::ZERO,
            (None, false) => default,
        };
        wanted.min(max)
    }

    /// `Preference-Applied` for a request served with `budget`, if a preference was honoured.
    pub fn applied(self, budget: Duration) -> Option<HeaderValue> {
        let mut applied = Vec::new();
        if self.wait.is_some() {
            applied.push(format!("wait={}", budget.as_secs()));
        }
        if self.respond_async {
            applied.push("respond-async".to_owned());
        }
        (!applied.is_empty())
            .then(|| HeaderValue::from_str(&applied.join(", ")).ok())
            .flatten()
    }
}

/// Whether the caller's `Accept` prefers the route's file over JSON. JSON is the default (no
/// `Accept`, or a tie with a wildcard); a media type named explicitly beats a wildcard at the
/// same quality; `Accept` naming neither is a 406.
fn wants_file(headers: &HeaderMap, view: &FileView) -> Result<bool, ApiError> {
    wants_media(headers, view.media_type)
}

/// The media type of Server-Sent Events.
pub(crate) const EVENT_STREAM: &str = "text/event-stream";

/// The header an event stream resumes from (the SSE spec's reconnection header).
pub(crate) const LAST_EVENT_ID: &str = "Last-Event-ID";

/// `Last-Event-ID`: at most one, and a cursor as the `after` parameter takes it.
fn last_event_id(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(LAST_EVENT_ID).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::Invalid(vec![FieldProblem {
            field: LAST_EVENT_ID.to_owned(),
            code: ProblemCode::Duplicate,
            detail: "given more than once".to_owned(),
            allowed: None,
        }]));
    }
    let id = value.to_str().unwrap_or_default();
    // An empty value means "no id" in the SSE spec: start as if none was sent.
    if id.is_empty() {
        return Ok(None);
    }
    if !crate::rules::CURSOR.is_match(id) {
        return Err(ApiError::field(
            LAST_EVENT_ID,
            "must be the `id` of an event this stream sent",
        ));
    }
    Ok(Some(id.to_owned()))
}

/// Whether the caller's `Accept` prefers `media_type` over JSON (see [`wants_file`]).
fn wants_media(headers: &HeaderMap, media_type: &'static str) -> Result<bool, ApiError> {
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
            } else if media.eq_ignore_ascii_case(media_type) {
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
            media_type,
        ]));
    }
    Ok(file_q > json_q || (file_q == json_q && file.is_some() && json.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefer(values: &[&str]) -> Result<Prefer, ApiError> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("prefer", HeaderValue::from_str(v).expect("header"));
        }
        Prefer::from_headers(&headers)
    }

    #[test]
    fn prefer_wait_and_respond_async_set_the_budget() {
        let default = Duration::from_secs(25);
        let max = Duration::from_secs(120);
        let none = prefer(&[]).expect("ok");
        assert_eq!(none.budget(default, max), default);
        assert_eq!(none.applied(default), None);

        let wait = prefer(&["wait=5"]).expect("ok");
        assert_eq!(wait.budget(default, max), Duration::from_secs(5));
        assert_eq!(
            wait.applied(Duration::from_secs(5)).expect("applied"),
            "wait=5"
        );

        let long = prefer(&["handling=lenient, WAIT=\"600\""]).expect("ok");
        assert_eq!(long.budget(default, max), max);

        let async_only = prefer(&["respond-async"]).expect("ok");
        assert_eq!(async_only.budget(default, max), Duration::ZERO);
        assert_eq!(
            async_only.applied(Duration::ZERO).expect("applied"),
            "respond-async"
        );

        let both = prefer(&["respond-async", "wait=3"]).expect("ok");
        assert_eq!(both.budget(default, max), Duration::from_secs(3));
    }

    #[test]
    fn a_malformed_wait_names_the_prefer_header() {
        for bad in ["wait", "wait=soon", "wait=-1"] {
            match prefer(&[bad]) {
                Err(ApiError::Invalid(p)) => assert_eq!(p[0].field, "Prefer", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
