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

use super::UpstreamFailure;
use super::{UpstreamError, UpstreamReply, upstream_message};

/// One EDIN call, as the route table describes it.
#[derive(Debug)]
pub struct EdinRequest<'a> {
    /// HTTP method of the upstream call.
    pub method: Method,
    /// Upstream path, e.g. `/bdoc/agreement_step`.
    pub path: &'static str,
    /// Query parameters, already validated and named as the upstream names them.
    pub query: &'a [(&'static str, String)],
    /// JSON body, if any.
    pub body: Option<Bytes>,
    /// The caller's session id.
    pub sid: &'a SecretString,
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

    /// Logs in with an e-mail and password; returns the session id.
    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
    ) -> Result<SecretString, UpstreamError> {
        let first = self
            .http
            .post(format!("{}/bdoc/auth_uuid", self.base))
            .multipart(Form::new().text("email", email.to_owned()))
            .send()
            .await?;
        let status = first.status();
        let body = first.bytes().await?;
        if !status.is_success() {
            return Err(failure(status, &body));
        }
        let step: AuthUuid = serde_json::from_slice(&body).map_err(|e| {
            UpstreamError::Unusable(format!("auth_uuid reply is not {{isCaptcha, token}}: {e}"))
        })?;
        if step.is_captcha {
            return Err(UpstreamError::EdinCaptchaRequired);
        }
        let second = self
            .http
            .post(format!("{}/bdoc/auth", self.base))
            .multipart(
                Form::new()
                    .text("token", step.token)
                    .text("password", password.expose_secret().to_owned()),
            )
            .send()
            .await?;
        let status = second.status();
        let sid = second
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(sid_cookie);
        let body = second.bytes().await?;
        match (status.as_u16(), sid) {
            (200..=299, Some(sid)) => Ok(SecretString::from(sid)),
            (200..=299, None) | (401 | 403, _) => Err(UpstreamError::EdinLoginRefused),
            _ => Err(failure(status, &body)),
        }
    }

    /// Sends one call with the session cookie; returns the 2xx reply.
    pub async fn send(&self, req: EdinRequest<'_>) -> Result<UpstreamReply, UpstreamError> {
        let mut builder = self
            .http
            .request(req.method, format!("{}{}", self.base, req.path))
            .header(header::ACCEPT, "application/json");
        if !req.query.is_empty() {
            builder = builder.query(req.query);
        }
        let mut cookie = HeaderValue::from_str(&format!("SID={}", req.sid.expose_secret()))
            .map_err(|_| UpstreamError::EdinSessionRejected)?;
        cookie.set_sensitive(true);
        builder = builder.header(header::COOKIE, cookie);
        if let Some(body) = req.body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = builder.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() {
            return Ok(UpstreamReply {
                status,
                retry_after: None,
                body,
                sunset: None,
            });
        }
        if status == StatusCode::UNAUTHORIZED || status.is_redirection() {
            return Err(UpstreamError::EdinSessionRejected);
        }
        Err(failure(status, &body))
    }
}

fn failure(status: StatusCode, body: &[u8]) -> UpstreamError {
    UpstreamError::Status(UpstreamFailure {
        service: super::Service::Edin,
        status: status.as_u16(),
        error_code: None,
        trace_id: None,
        message: upstream_message(body),
    })
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
