//! What a browser, and any caller, sees at the edge before a route runs:
//!
//! * **CORS** from configuration (`EDI_GATEWAY_CORS_ORIGINS`): tower-http's [`CorsLayer`] with
//!   the origins matched by [`AllowedOrigins`] (exact, or one-level wildcard subdomains), the
//!   methods of the route table, the request headers the routes read (`preferences.rs`,
//!   `auth.rs`) and the response headers a frontend must read exposed. tower-http answers every
//!   `OPTIONS` as a preflight, 200 even for an origin it does not allow; [`Edge`] decides first:
//!   a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an origin not
//!   allowed is a 403 problem naming `Origin`, and an `OPTIONS` that is not a preflight goes to
//!   the router untouched (no REST route takes `OPTIONS` today: EDIN's A4 is `OPTIONS` upstream
//!   but `PUT` on our face; a route that did would be served, not swallowed by CORS).
//! * **Security headers** on every answer, errors and Swagger UI included: `nosniff`,
//!   `Referrer-Policy: no-referrer`, a `Content-Security-Policy` (restrictive on everything but
//!   the HTML of `/docs`, which gets one that lets the vendored Swagger UI run), and HSTS when
//!   the operator configures it (`EDI_GATEWAY_HSTS_MAX_AGE_SECS`).
//! * **`X-Request-Id`** from the caller kept only when short and printable ([`RequestIdGuard`],
//!   before tower-http's `SetRequestIdLayer`, which then makes a UUID for a missing one).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, Cors, CorsLayer};

use crate::config::Config;
use crate::error::ApiError;
use crate::routes::ROUTES;

/// The request headers a browser may send (preflight `Access-Control-Allow-Headers`): what
/// `auth.rs` and `preferences.rs` read, the body's type, and the request id. Not `X-Api-Key`:
/// a managed client's key belongs to a backend service, never to a page's script, so a browser
/// is not allowed to send it cross-origin.
pub(crate) const ALLOWED_REQUEST_HEADERS: [HeaderName; 8] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    HeaderName::from_static("idempotency-key"),
    HeaderName::from_static("prefer"),
    header::ACCEPT,
    header::CACHE_CONTROL,
    HeaderName::from_static("last-event-id"),
    HeaderName::from_static("x-request-id"),
];

/// The response headers a frontend's script may read (`Access-Control-Expose-Headers`): the
/// ones the gateway sets that are not CORS-safelisted.
pub(crate) const EXPOSED_HEADERS: [HeaderName; 11] = [
    header::LOCATION,
    header::RETRY_AFTER,
    header::LINK,
    HeaderName::from_static("x-cache"),
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("preference-applied"),
    header::CONTENT_DISPOSITION,
    HeaderName::from_static("sunset"),
    header::WWW_AUTHENTICATE,
    HeaderName::from_static("ratelimit"),
    HeaderName::from_static("ratelimit-policy"),
];

/// The CSP of every answer but an HTML page: JSON, problems and files load nothing and may not
/// be framed.
pub(crate) const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The CSP of Swagger UI's HTML (`/docs`): its vendored scripts, styles and images from the
/// gateway itself (the UI sets inline styles and shows SVG icons as `data:` URLs), the document
/// fetched from `/openapi.json`, and "Try it out" calls to the same origin.
pub(crate) const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// ---------------------------------------------------------------------------------------------
// Origins

/// The origins allowed to call the gateway from a browser, parsed from
/// `EDI_GATEWAY_CORS_ORIGINS`. Empty: CORS is off.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(Arc<[OriginRule]>);

/// One configured origin.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OriginRule {
    /// `scheme://host[:port]`, lower case, without the scheme's default port: the
    /// serialization a browser sends in `Origin`.
    Exact(String),
    /// `scheme://*.suffix[:port]`: any origin whose host is one more label in front of
    /// `suffix` (`.example.com`); `a.b.example.com` and `example.com` itself do not match.
    Subdomains {
        /// `http` or `https`.
        scheme: String,
        /// The part after `*`, with its leading dot: `.example.com`.
        suffix: String,
        /// The port, when it is not the scheme's default.
        port: Option<u16>,
    },
}

impl AllowedOrigins {
    /// Parses a comma-separated list. Each entry is `http(s)://host[:port]` (a trailing `/` is
    /// tolerated) or `http(s)://*.domain[:port]` with at least two labels after the `*`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            rules.push(OriginRule::parse(entry).map_err(|why| format!("`{entry}`: {why}"))?);
        }
        Ok(Self(rules.into()))
    }

    /// Whether no origin is allowed (CORS off).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a request's `Origin` header names an allowed origin.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.to_ascii_lowercase();
        self.0.iter().any(|rule| rule.matches(&origin))
    }
}

impl OriginRule {
    fn parse(entry: &str) -> Result<Self, &'static str> {
        let entry = entry
            .strip_suffix('/')
            .unwrap_or(entry)
            .to_ascii_lowercase();
        let (scheme, rest) = entry
            .split_once("://")
            .ok_or("must be scheme://host[:port], e.g. https://app.example.com")?;
        if scheme != "http" && scheme != "https" {
            return Err("the scheme must be http or https");
        }
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ', '\\']) {
            return Err("an origin is scheme://host[:port]: no path, query or user");
        }
        let (host, port) = split_port(rest).ok_or("the port must be a number from 1 to 65535")?;
        let port = port.filter(|p| Some(*p) != default_port(scheme));
        if let Some(suffix) = host.strip_prefix('*') {
            // One wildcard, as the whole first label, over a domain of at least two labels
            // (`*.com` would allow a whole top-level domain).
            let domain = suffix
                .strip_prefix('.')
                .ok_or("`*` must be a whole label: *.example.com")?;
            if !is_hostname(domain) || !domain.contains('.') {
                return Err("`*.` must be followed by a domain of at least two labels");
            }
            return Ok(Self::Subdomains {
                scheme: scheme.to_owned(),
                suffix: suffix.to_owned(),
                port,
            });
        }
        let is_ipv6 = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
        if !is_ipv6 && !is_hostname(host) {
            return Err("the host must be a domain name or an IP address (`*` only as *.domain)");
        }
        Ok(Self::Exact(match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        }))
    }

    /// `origin` is lower case.
    fn matches(&self, origin: &str) -> bool {
        match self {
            Self::Exact(exact) => origin == exact,
            Self::Subdomains {
                scheme,
                suffix,
                port,
            } => {
                let Some(rest) = origin
                    .strip_prefix(scheme.as_str())
                    .and_then(|r| r.strip_prefix("://"))
                else {
                    return false;
                };
                let Some((host, origin_port)) = split_port(rest) else {
                    return false;
                };
                // A browser leaves the default port out; one that spelt it is the same origin.
                let origin_port = origin_port.filter(|p| Some(*p) != default_port(scheme));
                if origin_port != *port {
                    return false;
                }
                host.strip_suffix(suffix.as_str()).is_some_and(is_label)
            }
        }
    }
}

/// `host[:port]` → (host, port); `None` when a port is there but not a number in 1..=65535.
fn split_port(rest: &str) -> Option<(&str, Option<u16>)> {
    // `[::1]:8080`: the port follows the bracket.
    let colon = match rest.rfind(']') {
        Some(bracket) => rest[bracket..].find(':').map(|i| bracket + i),
        None => rest.rfind(':'),
    };
    match colon {
        None => Some((rest, None)),
        Some(i) => {
            let port = rest[i + 1..].parse::<u16>().ok().filter(|p| *p != 0)?;
            Some((&rest[..i], Some(port)))
        }
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// One DNS label: letters, digits and inner hyphens, at most 63 characters.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Dot-separated labels (an IPv4 address is one too).
fn is_hostname(host: &str) -> bool {
    host.len() <= 253 && host.split('.').all(is_label)
}

// ---------------------------------------------------------------------------------------------
// The layer

/// What [`Edge`] needs, built once from the configuration.
#[derive(Debug)]
struct Policy {
    origins: AllowedOrigins,
    /// `Strict-Transport-Security`, when configured.
    hsts: Option<HeaderValue>,
}

/// CORS and security headers around every route (see the module's documentation). Built once
/// in `AppState::build`; `build_router` installs it.
#[derive(Debug, Clone)]
pub struct EdgeLayer {
    policy: Arc<Policy>,
    /// `None` when CORS is off.
    cors: Option<CorsLayer>,
}

impl EdgeLayer {
    /// From the configuration; fails on an origin that does not parse.
    pub fn new(config: &Config) -> Result<Self, String> {
        let origins = AllowedOrigins::parse(&config.cors_origins)
            .map_err(|e| format!("EDI_GATEWAY_CORS_ORIGINS: {e}"))?;
        let cors = (!origins.is_empty()).then(|| {
            let allowed = origins.clone();
            let mut methods: Vec<Method> = Vec::new();
            for route in ROUTES {
                let method = route.method.method();
                if !methods.contains(&method) {
                    methods.push(method);
                }
            }
            // No credentials mode: tokens travel in `Authorization`, never in cookies, so a
            // browser needs none of its ambient credentials to call the gateway.
            CorsLayer::new()
                .allow_origin(AllowOrigin::predicate(move |origin, _| {
                    allowed.allows(origin)
                }))
                .allow_methods(methods)
                .allow_headers(ALLOWED_REQUEST_HEADERS)
                .expose_headers(EXPOSED_HEADERS)
                .max_age(Duration::from_secs(config.cors_max_age_secs))
        });
        let hsts = config
            .hsts_max_age_secs
            .map(|secs| HeaderValue::from_str(&format!("max-age={secs}")))
            .transpose()
            .map_err(|e| format!("EDI_GATEWAY_HSTS_MAX_AGE_SECS: {e}"))?;
        Ok(Self {
            policy: Arc::new(Policy { origins, hsts }),
            cors,
        })
    }
}

impl<S: Clone> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            cors: self.cors.as_ref().map(|l| l.layer(inner.clone())),
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The service [`EdgeLayer`] wraps a route in.
#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
    /// `inner` behind tower-http's CORS, when CORS is on.
    cors: Option<Cors<S>>,
    policy: Arc<Policy>,
}

/// Which way a request goes through [`Edge`].
enum Way {
    /// A preflight from an origin not allowed (or with CORS off): 403, the route never runs.
    Refuse,
    /// Through tower-http's CORS (which answers an allowed preflight itself).
    Cors,
    /// Straight to the route.
    Plain,
}

impl Policy {
    fn way(&self, request: &Request, cors_on: bool) -> Way {
        let headers = request.headers();
        if request.method() == Method::OPTIONS {
            let preflight = headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
            return match headers.get(header::ORIGIN) {
                Some(origin) if preflight => {
                    if cors_on && self.origins.allows(origin) {
                        Way::Cors
                    } else {
                        Way::Refuse
                    }
                }
                // Not a preflight: an OPTIONS request like any other, for the router.
                _ => Way::Plain,
            };
        }
        if cors_on { Way::Cors } else { Way::Plain }
    }

    /// The security headers every answer carries.
    fn secure(&self, mut response: Response) -> Response {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("text/html")
            });
        let headers = response.headers_mut();
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if html { DOCS_CSP } else { API_CSP }),
        );
        if let Some(hsts) = &self.hsts {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
        response
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Readiness is awaited on the clone that serves the request.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> BoxFuture {
        let policy = self.policy.clone();
        match (policy.way(&request, self.cors.is_some()), &self.cors) {
            (Way::Refuse, _) => {
                let mut response = ApiError::OriginNotAllowed.render();
                response
                    .headers_mut()
                    .insert(header::VARY, HeaderValue::from_static("origin"));
                Box::pin(async move { Ok(policy.secure(response)) })
            }
            (Way::Cors, Some(cors)) => {
                let cors = cors.clone();
                Box::pin(async move { Ok(policy.secure(ready_call(cors, request).await?)) })
            }
            (Way::Cors | Way::Plain, _) => {
                let inner = self.inner.clone();
                Box::pin(async move { Ok(policy.secure(ready_call(inner, request).await?)) })
            }
        }
    }
}

/// Waits until `service` is ready, then calls it.
async fn ready_call<S>(mut service: S, request: Request) -> Result<Response, Infallible>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(request).await
}

// ---------------------------------------------------------------------------------------------
// X-Request-Id

/// The request id header.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest caller's request id kept.
pub(crate) const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether a caller's request id is kept: 1 to [`MAX_REQUEST_ID_LEN`] characters of letters,
/// digits and `. _ : @ / + = -` (UUIDs, hex and base64 ids, `trace@host:1`). Anything else —
/// long, spaces, quotes, non-ASCII — is replaced by a fresh UUID, so what reaches logs, answers
/// and the upstream is short and plain.
pub(crate) fn valid_request_id(value: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._:@/+=-".contains(b))
}

/// Drops a caller's `X-Request-Id` that [`valid_request_id`] refuses (or that is sent more than
/// once), before tower-http's `SetRequestIdLayer`, which then makes a UUID.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIdGuardLayer;

impl<S> Layer<S> for RequestIdGuardLayer {
    type Service = RequestIdGuard<S>;

    fn layer(&self, inner: S) -> RequestIdGuard<S> {
        RequestIdGuard(inner)
    }
}

/// The service of [`RequestIdGuardLayer`].
#[derive(Debug, Clone)]
pub struct RequestIdGuard<S>(S);

impl<S, B> Service<axum::http::Request<B>> for RequestIdGuard<S>
where
    S: Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<B>) -> S::Future {
        let headers = request.headers_mut();
        let mut ids = headers.get_all(REQUEST_ID).iter();
        let keep = match (ids.next(), ids.next()) {
            (Some(one), None) => valid_request_id(one.as_bytes()),
            _ => false,
        };
        if !keep {
            headers.remove(REQUEST_ID);
        }
        self.0.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(list: &str, origin: &str) -> bool {
        AllowedOrigins::parse(list)
            .expect("parses")
            .allows(&HeaderValue::from_str(origin).expect("header"))
    }

    #[test]
    fn exact_origins_match_exactly() {
        let list = "https://app.example.com, http://localhost:3000/";
        assert!(allows(list, "https://app.example.com"));
        assert!(allows(list, "https://APP.example.com"));
        assert!(allows(list, "http://localhost:3000"));
        assert!(!allows(list, "http://app.example.com"));
        assert!(!allows(list, "https://app.example.com:8443"));
        assert!(!allows(list, "http://localhost:3001"));
        assert!(!allows(list, "https://app.example.com.evil.net"));
        assert!(!allows(list, "null"));
        // The default port is left out of both.
        assert!(allows(
            "https://app.example.com:443",
            "https://app.example.com"
        ));
    }

    #[test]
    fn a_wildcard_matches_one_label_of_its_domain_only() {
        let list = "https://*.example.com";
        assert!(allows(list, "https://app.example.com"));
        assert!(allows(list, "https://a-1.example.com"));
        assert!(!allows(list, "https://example.com"));
        assert!(!allows(list, "https://a.b.example.com"));
        assert!(!allows(list, "https://evil-example.com"));
        assert!(!allows(list, "https://example.com.evil.net"));
        assert!(!allows(list, "https://app.example.com.evil.net"));
        assert!(!allows(list, "http://app.example.com"));
        assert!(!allows(list, "https://app.example.com:8443"));
        assert!(!allows(list, "https://.example.com"));
        assert!(!allows(list, "https://-x.example.com"));
        assert!(allows(
            "https://*.example.com:8443",
            "https://app.example.com:8443"
        ));
    }

    #[test]
    fn bad_origins_are_refused_at_start() {
        for bad in [
            "*",
            "https://*",
            "https://*.com",
            "https://a.*.example.com",
            "https://*example.com",
            "ftp://example.com",
            "example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "null",
        ] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
        }
        assert!(AllowedOrigins::parse("").expect("empty").is_empty());
        assert!(AllowedOrigins::parse(" , ").expect("blank").is_empty());
        assert!(AllowedOrigins::parse("http://[::1]:8080").is_ok());
    }

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(valid_request_id(b"0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(valid_request_id(b"trace@host:1/x+y="));
        assert!(valid_request_id(&[b'a'; MAX_REQUEST_ID_LEN]));
        assert!(!valid_request_id(&[b'a'; MAX_REQUEST_ID_LEN + 1]));
        assert!(!valid_request_id(b""));
        assert!(!valid_request_id(b"has space"));
        assert!(!valid_request_id(b"quote\""));
        assert!(!valid_request_id("cyrillic-я".as_bytes()));
    }
}
