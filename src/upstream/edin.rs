//! EDIN bdoc over HTTP (reference/edin/api.md §1–§2): JSON bodies, and the session id as a
//! cookie.
//!
//! * Login is two `multipart/form-data` calls: `POST /bdoc/auth_uuid` (`email`) answers
//!   `{"isCaptcha", "token"}`, then `POST /bdoc/auth` (`token`, `password`) sets the `SID`
//!   cookie. The gateway hands the SID to the caller as a bearer token and keeps nothing.
//! * Every other call sends `Cookie: SID=<sid>` (api.md §2 #6–#7: the method pages' "Set-Cookie"
//!   is a doc slip), marked sensitive so no layer logs it.
//!
//! What EDIN answers on a wrong password, a required captcha or an expired session is not
//! documented (api.md §2 #10). The gateway's choices: on login, a 401 or 403 from `/bdoc/auth`,
//! or a 2xx that sets no `SID`, is a refused login; `isCaptcha: true` stops before the password
//! is sent (a password sent where a captcha is due could count as a failed attempt). On other
//! calls a 401 or any redirect (a web app's way to show its login page) means the session is
//! gone; a 403 passes through, since it may be about the object (another company's process).

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use reqwest::multipart::Form;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::read::{self, LOGIN_REPLY_CAP};
use super::redact::Secrets;
use super::{UpstreamError, UpstreamReply};

/// The cap on an EDIN reply read whole (`read.rs`): EDIN's replies are lists and records of
/// JSON, no document content (that is downloaded elsewhere); the default of every route.
pub const EDIN_REPLY_CAP: usize = read::DEFAULT_REPLY_CAP;

/// One EDIN call, as the route table describes it.
#[derive(Debug, Clone)]
pub struct EdinRequest<'a> {
    /// HTTP method of the upstream call.
    pub method: Method,
    /// Upstream path, e.g. `/bdoc/agreement_step`.
    pub path: &'static str,
    /// Query parameters, already validated and named as the upstream names them.
    pub query: &'a [(&'static str, String)],
    /// JSON body, if any.
    pub body: Option<Bytes>,
    /// The session id (filled per attempt by `credentials.rs`; none is a rejected session).
    pub sid: Option<&'a SecretString>,
    /// The caller's `X-Request-Id`, sent on as `X-Request-Id`.
    pub request_id: Option<&'a HeaderValue>,
}

/// An EDIN bdoc client: base URL over the shared reqwest client.
#[derive(Debug, Clone)]
pub struct EdinClient {
    http: reqwest::Client,
    base: String,
}

/// `POST /bdoc/auth_uuid`'s reply (api.md §2 #3).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthUuid {
    #[serde(default)]
    is_captcha: bool,
    token: String,
}

impl EdinClient {
    /// A client for `base` (no trailing slash needed).
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// A POST to `path`, with the request id when there is one.
    fn post(&self, path: &str, request_id: Option<&HeaderValue>) -> reqwest::RequestBuilder {
        let builder = traced(self.http.post(format!("{}{path}", self.base)));
        match request_id {
            Some(id) => builder.header(super::REQUEST_ID, id.clone()),
            None => builder,
        }
    }

    /// Logs in with an e-mail and password; returns the session id. Each step's reply is read
    /// at most [`LOGIN_REPLY_CAP`] bytes.
    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        request_id: Option<&HeaderValue>,
    ) -> Result<SecretString, UpstreamError> {
        let first = self
            .post("/bdoc/auth_uuid", request_id)
            .multipart(Form::new().text("email", email.to_owned()))
            .send()
            .await?;
        let status = first.status();
        crate::telemetry::upstream_replied(status, || None);
        let secrets = Secrets::new([password.expose_secret()]);
        if !status.is_success() {
            let headers = first.headers().clone();
            let body = read::error_body(first).await?;
            return Err(failure(status, &headers, &body, &secrets));
        }
        let body = read::capped(first, LOGIN_REPLY_CAP).await?;
        let step: AuthUuid = serde_json::from_slice(&body).map_err(|e| {
            UpstreamError::Unusable(format!("auth_uuid reply is not {{isCaptcha, token}}: {e}"))
        })?;
        if step.is_captcha {
            return Err(UpstreamError::EdinCaptchaRequired);
        }
        let secrets = Secrets::new([password.expose_secret(), step.token.as_str()]);
        let second = self
            .post("/bdoc/auth", request_id)
            .multipart(
                Form::new()
                    .text("token", step.token.clone())
                    .text("password", password.expose_secret().to_owned()),
            )
            .send()
            .await?;
        let status = second.status();
        crate::telemetry::upstream_replied(status, || None);
        let sid = second
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(sid_cookie);
        match (status.as_u16(), sid) {
            (200..=299, Some(sid)) => {
                // The reply's body is not used, but it is read (bounded) to its end.
                read::capped(second, LOGIN_REPLY_CAP).await?;
                Ok(SecretString::from(sid))
            }
            (200..=299, None) | (401 | 403, _) => Err(UpstreamError::EdinLoginRefused),
            _ => {
                let headers = second.headers().clone();
                let body = read::error_body(second).await?;
                Err(failure(status, &headers, &body, &secrets))
            }
        }
    }

    /// Sends one call with the session cookie; returns the 2xx reply.
    pub async fn send(&self, req: EdinRequest<'_>) -> Result<UpstreamReply, UpstreamError> {
        let Some(sid) = req.sid else {
            return Err(UpstreamError::EdinSessionRejected);
        };
        let mut builder = self
            .http
            .request(req.method, format!("{}{}", self.base, req.path))
            .header(header::ACCEPT, "application/json");
        if !req.query.is_empty() {
            builder = builder.query(req.query);
        }
        let mut cookie = HeaderValue::from_str(&format!("SID={}", sid.expose_secret()))
            .map_err(|_| UpstreamError::EdinSessionRejected)?;
        cookie.set_sensitive(true);
        builder = builder.header(header::COOKIE, cookie);
        if let Some(id) = req.request_id {
            builder = builder.header(super::REQUEST_ID, id.clone());
        }
        builder = traced(builder);
        if let Some(body) = req.body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = builder.send().await?;
        let status = response.status();
        crate::telemetry::upstream_replied(status, || None);
        if status.is_success() {
            let body = read::capped(response, EDIN_REPLY_CAP).await?;
            return Ok(UpstreamReply {
                status,
                retry_after: None,
                body,
                sunset: None,
                file: None,
            });
        }
        // Decided by the status alone: the body of a rejected session is not read.
        if status == StatusCode::UNAUTHORIZED || status.is_redirection() {
            return Err(UpstreamError::EdinSessionRejected);
        }
        let headers = response.headers().clone();
        let body = read::error_body(response).await?;
        Err(failure(
            status,
            &headers,
            &body,
            &Secrets::new([sid.expose_secret()]),
        ))
    }
}

/// `builder` with the request's `traceparent`, when there is one (`telemetry.rs`).
fn traced(builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match crate::telemetry::traceparent() {
        Some(traceparent) => builder.header("traceparent", traceparent),
        None => builder,
    }
}

/// EDIN's refusal, redacted; 429 and 503 + `Retry-After` as for Diadoc (`refusal`). EDIN sends
/// no `X-Diadoc-ErrorCode` or trace id; whatever it sends under those names is dropped.
fn failure(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    secrets: &Secrets,
) -> UpstreamError {
    let mut headers = headers.clone();
    headers.remove("x-diadoc-errorcode");
    headers.remove("x-kontur-trace-id");
    super::refusal(super::Service::Edin, status, &headers, body, secrets)
}

/// The value of a `SID` cookie in one `Set-Cookie` header (`SID=…; Path=/; HttpOnly`).
fn sid_cookie(set_cookie: &str) -> Option<String> {
    let pair = set_cookie.split(';').next()?;
    let (name, value) = pair.split_once('=')?;
    let value = value.trim().trim_matches('"');
    (name.trim() == "SID" && !value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sid_cookie_only() {
        assert_eq!(
            sid_cookie("SID=abc-123; Path=/; HttpOnly").as_deref(),
            Some("abc-123")
        );
        assert_eq!(sid_cookie("SID=\"q\"").as_deref(), Some("q"));
        assert_eq!(sid_cookie("lang=uk; Path=/"), None);
        assert_eq!(sid_cookie("SID=; Max-Age=0"), None);
    }
}
