//! [`Exchange`]: one request, read and checked, as the upstream call it becomes. `dispatch.rs`
//! builds it; the cache and polling keys (`keys.rs`), the upstream call and the reply shaping
//! (`reply.rs`) read it. It sits below all of them, so none of them imports the handler.

use bytes::Bytes;

use crate::edin_codec::Login;
use crate::params::Args;
use crate::routes::Route;

/// Everything the upstream call needs, validated. Shared (`Arc`) with a polling loop, which
/// repeats exactly this call: the same query, the same body bytes. `Debug` shows no secret: the
/// token and the login's password are `SecretString`s.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// The route served.
    pub(crate) route: &'static Route,
    /// The caller's path and query parameters, validated.
    pub(crate) args: Args,
    /// The upstream query, with the `operationId` when the caller sent an `Idempotency-Key`.
    pub(crate) query: Vec<(&'static str, String)>,
    /// What goes upstream as the body.
    pub(crate) payload: Payload,
    /// The caller: its own upstream token or its managed client (`Auth::CallerToken` routes).
    pub(crate) caller: Option<crate::auth::Caller>,
    /// The caller's `Idempotency-Key`, echoed in a 202.
    pub(crate) idempotency_key: Option<String>,
    /// Our request path and query, for `Link` and `Location` headers.
    pub(crate) uri: http::Uri,
    /// The caller's `X-Request-Id` (set or checked at the edge), sent upstream with every call
    /// of this exchange. A polling loop shared by identical calls sends its first caller's.
    pub(crate) request_id: Option<http::HeaderValue>,
}

/// The upstream body of an exchange.
#[derive(Debug)]
pub(crate) enum Payload {
    /// No body.
    Empty,
    /// Bytes ready for the upstream: protobuf (Diadoc) or the upstream's JSON (EDIN).
    Bytes(Bytes),
    /// EDIN's login credentials, typed (the login call sends them as two form-data calls).
    Login(Login),
}

impl Payload {
    /// The body bytes, if the payload is bytes.
    pub(crate) fn bytes(&self) -> Option<&Bytes> {
        match self {
            Self::Bytes(b) => Some(b),
            Self::Empty | Self::Login(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    /// An exchange can be printed (logs, test failures) without the caller's token or the
    /// login's password.
    #[test]
    fn debug_shows_no_secret() {
        let ex = Exchange {
            route: &crate::routes::edin::CREATE_SESSION,
            args: Args::default(),
            query: Vec::new(),
            payload: Payload::Login(Login {
                email: "demo@example.com".to_owned(),
                password: SecretString::from("hunter2-password"),
            }),
            caller: Some(crate::auth::Caller::Token(SecretString::from(
                "token-abc123",
            ))),
            idempotency_key: None,
            uri: http::Uri::from_static("/v1/edin/sessions"),
            request_id: None,
        };
        let printed = format!("{ex:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("abc123"), "{printed}");
    }
}
