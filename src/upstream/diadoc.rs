//! Kontur Diadoc over HTTP: protobuf bodies and the `Authorization` header
//! (reference/diadoc/api.md, "Authorization header"):
//!
//! * `DiadocAuth ddauth_api_client_id=<developer key>,ddauth_token=<token>` — the C# SDK's
//!   spelling, no space after the comma; Authenticate sends the client id alone;
//! * `Bearer <token>` in OIDC mode, with no developer key at all.
//!
//! Protobuf is Diadoc's default body format; like the C# SDK we send no `Content-Type` or
//! `Accept` for it (api.md, "Content negotiation"). Errors are plain UTF-8 text with
//! `X-Diadoc-ErrorCode` and `X-Kontur-Trace-Id` (api.md, "Errors", "Other headers").

use bytes::Bytes;
use http::{HeaderValue, Method, header};
use secrecy::{ExposeSecret, SecretString};

use super::redact::Secrets;
use super::{UpstreamError, UpstreamReply, read, retry_after};

/// Kontur's deprecation headers on a reply (lifecycle.md §1.1: "during the period deprecated
/// methods return `Sunset` and `Link` headers", e.g. `Sunset: Wed, 11 Nov 2026 11:11:11 GMT`,
/// `Link: <http://example.net/sunset>;rel="sunset";type="text/html"`). Both kept as text, at
/// most [`Sunset::MAX_LEN`] characters each: they are only logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sunset {
    /// The `Sunset` HTTP-date as sent, if sent.
    pub date: Option<String>,
    /// The target of the `Link` whose `rel` includes `sunset`, if sent.
    pub link: Option<String>,
}

impl Sunset {
    /// The longest header text kept.
    pub const MAX_LEN: usize = 200;

    /// The deprecation headers of a reply, if it has either.
    pub fn from_headers(headers: &http::HeaderMap) -> Option<Self> {
        let date = headers
            .get("sunset")
            .and_then(|v| v.to_str().ok())
            .map(|v| bounded(v.trim()))
            .filter(|v| !v.is_empty());
        let link = headers
            .get_all(header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(sunset_link)
            .map(bounded);
        (date.is_some() || link.is_some()).then_some(Self { date, link })
    }
}

/// At most [`Sunset::MAX_LEN`] characters.
fn bounded(text: &str) -> String {
    text.chars().take(Sunset::MAX_LEN).collect()
}

/// The target of the first link-value of a `Link` header whose `rel` names `sunset` (RFC 8288:
/// `<uri>; param=value; …`, link-values separated by commas; `rel` may hold several
/// space-separated types, quoted or not).
fn sunset_link(header: &str) -> Option<&str> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let params_end = after[close..]
            .find('<')
            .map_or(after.len(), |next| close + next);
        let params = &after[close + 1..params_end];
        let is_sunset = params.split(';').any(|p| {
            let Some((name, value)) = p.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("sunset"))
        });
        if is_sunset {
            return Some(target);
        }
        rest = &after[params_end..];
    }
    None
}

/// How the gateway authenticates to Diadoc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiadocAuthMode {
    /// `DiadocAuth ddauth_api_client_id=…,ddauth_token=…` (the developer key is injected).
    Diadocauth,
    /// `Bearer <token>` (OIDC); the caller's token is passed through as is.
    Bearer,
}

/// One Diadoc call, as the route table describes it.
#[derive(Debug, Clone)]
pub struct DiadocRequest<'a> {
    /// HTTP method of the upstream call.
    pub method: Method,
    /// Upstream path, e.g. `/V3/GetCounteragents`.
    pub path: &'static str,
    /// Query parameters, already validated and named as the upstream names them.
    pub query: &'a [(&'static str, String)],
    /// Protobuf body, if any.
    pub body: Option<Bytes>,
    /// The Diadoc token; `None` for Authenticate. Filled per attempt by `credentials.rs`.
    pub token: Option<&'a SecretString>,
    /// How the token goes in the header, when not the gateway's configured mode: a managed
    /// client's OIDC token is always `Bearer`, its password-login token always `DiadocAuth`.
    pub mode: Option<DiadocAuthMode>,
    /// The most bytes of a 2xx reply read whole (`DiadocCall::reply_cap`, `read.rs`); file
    /// calls (`open`) bound their bodies in `download.rs` instead.
    pub reply_cap: usize,
    /// The caller's `X-Request-Id`, sent on as `X-Request-Id` so the upstream can log it.
    pub request_id: Option<&'a HeaderValue>,
}

/// A Diadoc client: base URL, auth mode and developer key, over the shared reqwest client.
#[derive(Debug, Clone)]
pub struct DiadocClient {
    http: reqwest::Client,
    base: String,
    mode: DiadocAuthMode,
    client_id: Option<SecretString>,
}

impl DiadocClient {
    /// A client for `base` (no trailing slash needed).
    pub fn new(
        http: reqwest::Client,
        base: &str,
        mode: DiadocAuthMode,
        client_id: Option<SecretString>,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            mode,
            client_id,
        }
    }

    /// Whether a developer key is configured (password login needs one).
    pub fn has_client_id(&self) -> bool {
        self.client_id.is_some()
    }

    /// The `Authorization` value for a call, marked sensitive so no layer logs it.
    fn authorization(
        &self,
        token: Option<&SecretString>,
        mode: Option<DiadocAuthMode>,
    ) -> Option<HeaderValue> {
        let value = match (mode.unwrap_or(self.mode), token, &self.client_id) {
            (DiadocAuthMode::Bearer, Some(token), _) => format!("Bearer {}", token.expose_secret()),
            (_, Some(token), Some(key)) => format!(
                "DiadocAuth ddauth_api_client_id={},ddauth_token={}",
                key.expose_secret(),
                token.expose_secret()
            ),
            (_, None, Some(key)) => {
                format!("DiadocAuth ddauth_api_client_id={}", key.expose_secret())
            }
            // No developer key: send the token alone rather than nothing; Diadoc answers 401.
            (_, Some(token), None) => format!("DiadocAuth ddauth_token={}", token.expose_secret()),
            (_, None, None) => return None,
        };
        let mut value = HeaderValue::from_str(&value).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// The HTTP request of a call: URL, query, authorization and body.
    fn request(&self, req: DiadocRequest<'_>) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.base, req.path);
        let mut builder = self.http.request(req.method, url);
        if !req.query.is_empty() {
            builder = builder.query(req.query);
        }
        if let Some(auth) = self.authorization(req.token, req.mode) {
            builder = builder.header(header::AUTHORIZATION, auth);
        }
        if let Some(id) = req.request_id {
            builder = builder.header(super::REQUEST_ID, id.clone());
        }
        if let Some(traceparent) = crate::telemetry::traceparent() {
            builder = builder.header("traceparent", traceparent);
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        builder
    }

    /// Notes a reply's status and `X-Kontur-Trace-Id` (when plain and short, as `redact.rs`
    /// keeps it) for the request's log line (`telemetry.rs`).
    fn noted(&self, status: http::StatusCode, headers: &http::HeaderMap, sent: &Sent<'_>) {
        crate::telemetry::upstream_replied(status, || {
            super::redact::header_token(headers, "x-kontur-trace-id", &self.secrets(sent))
        });
    }

    /// The credentials a call sends (the developer key, the caller's token, and on a login —
    /// a call without a token — the strings of its body: login and password), which no
    /// refusal may echo back to the caller (`redact.rs`).
    /// Built only when a call is refused (`Sent::secrets`).
    fn secrets(&self, sent: &Sent<'_>) -> Secrets {
        let login = match (sent.token, &sent.login_body) {
            (None, Some(body)) => super::redact::proto_strings(body),
            _ => Vec::new(),
        };
        Secrets::new(
            sent.token
                .map(ExposeSecret::expose_secret)
                .into_iter()
                .chain(self.client_id.as_ref().map(ExposeSecret::expose_secret))
                .chain(login.iter().map(String::as_str)),
        )
    }

    /// Sends one call and returns its 2xx reply (read whole, at most `reply_cap` bytes), or
    /// the upstream's refusal (its text read up to 64 KiB, redacted) as [`UpstreamError`].
    pub async fn send(&self, req: DiadocRequest<'_>) -> Result<UpstreamReply, UpstreamError> {
        let sent = Sent::of(&req);
        let cap = req.reply_cap;
        let response = self.request(req).send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        self.noted(status, &headers, &sent);
        if status.is_success() {
            let body = read::capped(response, cap).await?;
            return Ok(UpstreamReply {
                status,
                // api.md: a Retry-After on any 2xx means "pending", whatever its spelling.
                retry_after: retry_after::parse(&headers),
                body,
                sunset: Sunset::from_headers(&headers),
                file: None,
            });
        }
        Err(self.refused(response, status, &headers, &sent).await)
    }
}

impl DiadocClient {
    /// A refusal: its text read up to 64 KiB (a longer one is a 502 naming that cap), then
    /// redacted of what the call sent. One place for `send` and `open`.
    async fn refused(
        &self,
        response: reqwest::Response,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        sent: &Sent<'_>,
    ) -> UpstreamError {
        match read::error_body(response).await {
            Ok(body) => super::refusal(
                super::Service::Diadoc,
                status,
                headers,
                &body,
                &self.secrets(sent),
            ),
            Err(e) => e,
        }
    }
}

/// What a call sent that its refusal must not echo: the token, and a login's body (a call
/// without a token); kept cheaply (a reference and a `Bytes` clone) until a refusal needs it.
struct Sent<'a> {
    token: Option<&'a SecretString>,
    login_body: Option<Bytes>,
}

impl<'a> Sent<'a> {
    fn of(req: &DiadocRequest<'a>) -> Self {
        Self {
            token: req.token,
            login_body: req.token.is_none().then(|| req.body.clone()).flatten(),
        }
    }
}

/// A 2xx reply whose body is still to be read: what a file call returns (`download.rs` streams
/// or collects the body).
#[derive(Debug)]
pub struct OpenReply {
    /// The 2xx status.
    pub status: http::StatusCode,
    /// `Retry-After`, in whole seconds, when sent.
    pub retry_after: Option<u64>,
    /// The file's own headers, as sent.
    pub file: super::FileHeaders,
    /// Kontur's deprecation headers, if sent (`sunset.rs` warns once).
    pub sunset: Option<Sunset>,
    /// The response, its body unread: read it with `chunk()`.
    pub response: reqwest::Response,
}

impl DiadocClient {
    /// Sends one call whose reply is a file and returns as soon as the headers are in: a 2xx
    /// with its body unread, or the refusal (its text read up to 64 KiB, a longer one a 502
    /// naming that cap; redacted) as [`UpstreamError`].
    /// `timeout` bounds the whole call, body included (it replaces the client's default).
    pub async fn open(
        &self,
        req: DiadocRequest<'_>,
        timeout: std::time::Duration,
    ) -> Result<OpenReply, UpstreamError> {
        let sent = Sent::of(&req);
        let response = self.request(req).timeout(timeout).send().await?;
        let status = response.status();
        let headers = response.headers();
        self.noted(status, headers, &sent);
        if status.is_success() {
            let file = super::FileHeaders {
                content_type: headers.get(header::CONTENT_TYPE).cloned(),
                disposition: headers.get(header::CONTENT_DISPOSITION).cloned(),
                length: response.content_length(),
            };
            let retry_after = retry_after::parse(headers);
            let sunset = Sunset::from_headers(headers);
            return Ok(OpenReply {
                status,
                retry_after,
                file,
                sunset,
                response,
            });
        }
        let headers = headers.clone();
        Err(self.refused(response, status, &headers, &sent).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn sunset_and_its_link_are_read_as_kontur_documents_them() {
        let s = Sunset::from_headers(&headers(&[
            ("sunset", "Wed, 11 Nov 2026 11:11:11 GMT"),
            ("link", "<http://example.net/next>; rel=\"next\", <http://example.net/sunset>;rel=\"sunset\";type=\"text/html\""),
        ]))
        .expect("deprecated");
        assert_eq!(s.date.as_deref(), Some("Wed, 11 Nov 2026 11:11:11 GMT"));
        assert_eq!(s.link.as_deref(), Some("http://example.net/sunset"));
    }

    #[test]
    fn a_link_alone_or_a_rel_among_others_counts_and_other_links_do_not() {
        let s = Sunset::from_headers(&headers(&[(
            "link",
            "<https://x/doc>; rel=\"deprecation sunset\"",
        )]))
        .expect("deprecated");
        assert_eq!((s.date, s.link.as_deref()), (None, Some("https://x/doc")));
        assert_eq!(
            Sunset::from_headers(&headers(&[("link", "<https://x/2>; rel=next")])),
            None
        );
        assert_eq!(Sunset::from_headers(&headers(&[])), None);
    }

    fn client(mode: DiadocAuthMode, key: Option<&str>) -> DiadocClient {
        DiadocClient::new(
            reqwest::Client::new(),
            "http://x/",
            mode,
            key.map(|k| SecretString::from(k.to_owned())),
        )
    }

    #[test]
    fn diadocauth_header_carries_key_and_token_without_space() {
        let token = SecretString::from("tok".to_owned());
        let v = client(DiadocAuthMode::Diadocauth, Some("dev-1"))
            .authorization(Some(&token), None)
            .expect("header");
        assert_eq!(v, "DiadocAuth ddauth_api_client_id=dev-1,ddauth_token=tok");
        assert!(v.is_sensitive());
    }

    #[test]
    fn authenticate_sends_the_client_id_alone() {
        let v = client(DiadocAuthMode::Diadocauth, Some("dev-1"))
            .authorization(None, None)
            .expect("header");
        assert_eq!(v, "DiadocAuth ddauth_api_client_id=dev-1");
    }

    #[test]
    fn bearer_mode_passes_the_token_through() {
        let token = SecretString::from("abc".to_owned());
        let v = client(DiadocAuthMode::Bearer, Some("dev-1"))
            .authorization(Some(&token), None)
            .expect("header");
        assert_eq!(v, "Bearer abc");
    }
}
