//! What a browser and any caller see at the edge (`src/edge.rs`, `src/throttle.rs`): CORS from
//! configuration, security headers on every answer, `X-Request-Id` validation and the login
//! throttle.

use std::time::Duration;

use edi_sandbox::Sandbox;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::helpers::{TestApp, problem, problem_fields, run_paused_for, spawn_app, spawn_with};

const APP: &str = "https://app.example.com";

/// A gateway allowing one exact origin and the subdomains of `example.org`.
async fn spawn_cors() -> TestApp {
    spawn_with(Sandbox::builder(), |c| {
        c.cors_origins = format!("{APP}, https://*.example.org");
    })
    .await
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type, prefer",
        )
        .send()
        .await
        .expect("request")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A comma-separated header's entries, lower case.
fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    header(headers, name)
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect()
}

// --- CORS ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_without_an_upstream_call() {
    let app = spawn_cors().await;
    for (path, origin, method) in [
        ("/v1/diadoc/sessions", APP, "POST"),
        (
            "/v1/diadoc/organizations",
            "https://shop.example.org",
            "GET",
        ),
        ("/v1/edin/agreement-procs/5/status", APP, "PUT"),
        ("/v1/edin/agreement-groups/1", APP, "DELETE"),
    ] {
        let r = preflight(&app, path, origin, method).await;
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let h = r.headers();
        assert_eq!(header(h, "access-control-allow-origin"), origin, "{path}");
        assert!(
            list(h, "access-control-allow-methods").contains(&method.to_ascii_lowercase()),
            "{path}: {h:?}"
        );
        let allowed = list(h, "access-control-allow-headers");
        for name in [
            "authorization",
            "content-type",
            "idempotency-key",
            "prefer",
            "accept",
            "cache-control",
            "last-event-id",
            "x-request-id",
        ] {
            assert!(allowed.contains(&name.to_owned()), "{name}: {allowed:?}");
        }
        assert_eq!(header(h, "access-control-max-age"), "600");
        // Tokens are bearer headers: no credentials mode.
        assert!(h.get("access-control-allow-credentials").is_none());
        assert!(list(h, "vary").contains(&"origin".to_owned()));
    }
    assert!(
        app.sandbox.journal().is_empty(),
        "a preflight went upstream"
    );
}

#[tokio::test]
async fn a_preflight_from_an_origin_not_allowed_is_a_403_naming_origin() {
    let app = spawn_cors().await;
    for origin in [
        "https://evil.com",
        "https://evil-example.com",
        "https://app.example.com.evil.net",
        "https://example.org.evil.net",
        "https://evil-example.org",
        "https://a.b.example.org",
        "https://example.org",
        "http://app.example.com",
        "https://app.example.com:8443",
        "null",
    ] {
        let r = preflight(&app, "/v1/diadoc/sessions", origin, "POST").await;
        assert_eq!(r.status(), 403, "{origin}");
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert_eq!(header(r.headers(), "x-content-type-options"), "nosniff");
        let p = problem(r).await;
        assert_eq!(
            p["type"], "https://edi-gateway.dev/problems/origin-not-allowed",
            "{origin}"
        );
        assert_eq!(problem_fields(&p), ["Origin"], "{origin}");
    }
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn with_cors_off_every_preflight_is_refused() {
    let app = spawn_app().await;
    let r = preflight(&app, "/v1/diadoc/sessions", APP, "POST").await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(problem_fields(&problem(r).await), ["Origin"]);
}

/// An `OPTIONS` without `Access-Control-Request-Method` is not a preflight: the router answers
/// it (no REST route takes OPTIONS, so 405), CORS does not swallow it with a 200.
#[tokio::test]
async fn an_options_request_that_is_not_a_preflight_goes_to_the_router() {
    let app = spawn_cors().await;
    for origin in [None, Some(APP)] {
        let mut r = app.client.request(
            Method::OPTIONS,
            app.url("/v1/edin/agreement-procs/5/status"),
        );
        if let Some(origin) = origin {
            r = r.header("origin", origin);
        }
        let r = r.send().await.expect("request");
        assert_eq!(r.status(), 405, "{origin:?}");
        assert!(r.headers().get("access-control-allow-methods").is_none());
        let p = problem(r).await;
        assert_eq!(
            p["type"],
            "https://edi-gateway.dev/problems/method-not-allowed"
        );
    }
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn answers_to_an_allowed_origin_expose_what_a_frontend_reads() {
    let app = spawn_cors().await;
    let token = app.demo_token().await;
    let r = app
        .client
        .get(app.url("/v1/diadoc/organizations"))
        .bearer_auth(&token)
        .header("origin", APP)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(header(h, "access-control-allow-origin"), APP);
    let exposed = list(h, "access-control-expose-headers");
    for name in [
        "location",
        "retry-after",
        "link",
        "x-cache",
        "x-request-id",
        "preference-applied",
        "content-disposition",
        "sunset",
    ] {
        assert!(exposed.contains(&name.to_owned()), "{name}: {exposed:?}");
    }
    assert!(list(h, "vary").contains(&"origin".to_owned()));

    // A wildcard subdomain; and a problem carries them too (a frontend reads its errors).
    let r = app
        .client
        .get(app.url("/v1/diadoc/organizations"))
        .header("origin", "https://shop.example.org")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401);
    assert_eq!(
        header(r.headers(), "access-control-allow-origin"),
        "https://shop.example.org"
    );

    // A simple request from an origin not allowed is served (the browser withholds it) but
    // gets no Access-Control-Allow-Origin.
    for origin in ["https://evil-example.com", "https://example.org.evil.net"] {
        let r = app
            .client
            .get(app.url("/v1/diadoc/organizations"))
            .bearer_auth(&token)
            .header("origin", origin)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200);
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
}

// --- security headers ------------------------------------------------------------------------

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn assert_secure(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    assert_eq!(header(h, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(h, "referrer-policy"), "no-referrer", "{what}");
    assert!(h.get("strict-transport-security").is_none(), "{what}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    let token = app.demo_token().await;

    let json = app.get("/v1/diadoc/organizations", Some(&token)).await;
    assert_eq!(json.status(), 200);
    assert_secure(&json, "json");
    assert_eq!(header(json.headers(), "content-security-policy"), API_CSP);

    for (path, status) in [("/v1/nope", 404), ("/v1/diadoc/organizations", 401)] {
        let p = app.get(path, None).await;
        assert_eq!(p.status(), status);
        assert_secure(&p, path);
        assert_eq!(header(p.headers(), "content-security-policy"), API_CSP);
    }

    let spec = app.get("/openapi.json", None).await;
    assert_eq!(spec.status(), 200);
    assert_secure(&spec, "openapi.json");
    assert_eq!(header(spec.headers(), "content-security-policy"), API_CSP);

    // Swagger UI's page runs its own (vendored, same-origin) scripts: a CSP that allows them
    // and nothing from elsewhere (tools/browser/cors.sh renders it in Chromium).
    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status(), 200);
    assert_secure(&docs, "docs");
    let csp = header(docs.headers(), "content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-eval") && !csp.contains('*'), "{csp}");
}

#[tokio::test]
async fn token_answers_are_not_stored_by_any_cache() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/v1/diadoc/sessions",
            None,
            &json!({"login": "demo", "password": "demo"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
    assert_secure(&r, "diadoc token");
    let r = app
        .edin_login(
            edi_sandbox::EDIN_DEMO_EMAIL,
            edi_sandbox::EDIN_DEMO_PASSWORD,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
}

#[tokio::test]
async fn hsts_only_when_configured() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.hsts_max_age_secs = Some(31_536_000);
    })
    .await;
    for path in ["/v1/nope", "/openapi.json", "/docs/"] {
        let r = app.get(path, None).await;
        assert_eq!(
            header(r.headers(), "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
}

// --- X-Request-Id ----------------------------------------------------------------------------

async fn request_id_of(app: &TestApp, ids: &[&str]) -> String {
    let mut r = app.client.get(app.url("/v1/nope"));
    for id in ids {
        r = r.header("x-request-id", *id);
    }
    let r = r.send().await.expect("request");
    header(r.headers(), "x-request-id").to_owned()
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[tokio::test]
async fn a_plain_request_id_is_kept_and_any_other_replaced() {
    let app = spawn_app().await;
    for kept in [
        "abc-123",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "trace@host:1/x+y=",
    ] {
        assert_eq!(request_id_of(&app, &[kept]).await, kept);
    }
    let max = "a".repeat(128);
    assert_eq!(request_id_of(&app, &[&max]).await, max);
    let long = "a".repeat(6000);
    for refused in [
        long.as_str(),
        &"a".repeat(129),
        "has space",
        "quote\"d",
        "<script>",
    ] {
        let id = request_id_of(&app, &[refused]).await;
        assert!(is_uuid(&id), "{refused:.40} → {id:.40}");
    }
    // Two ids: neither is kept.
    assert!(is_uuid(&request_id_of(&app, &["one", "two"]).await));
    // None sent: one is made.
    assert!(is_uuid(&request_id_of(&app, &[]).await));
}

// --- login throttling -------------------------------------------------------------------------

async fn diadoc_login(app: &TestApp, login: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/v1/diadoc/sessions",
        None,
        &json!({"login": login, "password": password}),
    )
    .await
}

async fn assert_throttled(r: reqwest::Response, what: &str, retry_after: u64, secret: &str) {
    assert_eq!(r.status(), 429);
    assert_eq!(
        header(r.headers(), "retry-after"),
        retry_after.to_string(),
        "{what}"
    );
    let p = problem(r).await;
    assert_eq!(
        p["type"],
        "https://edi-gateway.dev/problems/too-many-requests"
    );
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(what), "{detail}");
    assert!(!p.to_string().contains(secret), "{p}");
}

/// Six fast guesses at one login (spelt in different cases): five go upstream, the sixth is a
/// 429 with `Retry-After`, and after that long one more gets through.
#[tokio::test]
async fn six_fast_logins_for_one_login_give_five_upstream_calls_and_a_429() {
    let app = spawn_app().await;
    for (i, login) in ["demo", "DEMO", " Demo", "demo", "dEmO"].iter().enumerate() {
        let r = diadoc_login(&app, login, &format!("guess-{i}")).await;
        assert_eq!(r.status(), 401, "{login}");
    }
    let r = diadoc_login(&app, "demo", "guess-secret-6").await;
    assert_throttled(r, "login", 12, "guess-secret-6").await;
    assert_eq!(app.upstream_calls("/V3/Authenticate").len(), 5);

    // Another login from the same address is not affected.
    assert_eq!(diadoc_login(&app, "other", "other").await.status(), 200);

    // 5 per minute: one more every 12 s.
    run_paused_for(Duration::from_secs(12)).await;
    assert_eq!(diadoc_login(&app, "demo", "demo").await.status(), 200);
    assert_eq!(diadoc_login(&app, "demo", "demo").await.status(), 429);
    assert_eq!(app.upstream_calls("/V3/Authenticate").len(), 7);
}

#[tokio::test]
async fn edin_logins_are_throttled_per_email() {
    let app = spawn_app().await;
    for i in 0..5 {
        let email = if i % 2 == 0 {
            "demo@example.com"
        } else {
            "Demo@Example.COM"
        };
        let r = app.edin_login(email, &format!("guess-{i}")).await;
        assert_eq!(r.status(), 401);
    }
    let r = app.edin_login("demo@example.com", "guess-secret-6").await;
    assert_throttled(r, "login", 12, "guess-secret-6").await;
    assert_eq!(app.upstream_calls("/bdoc/auth_uuid").len(), 5);
}

/// Logins spread over many names are held by the per-address limit, both routes together.
#[tokio::test]
async fn logins_from_one_address_are_throttled_across_names_and_routes() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.login_per_address_per_minute = 3;
    })
    .await;
    assert_eq!(diadoc_login(&app, "user-1", "x").await.status(), 401);
    assert_eq!(diadoc_login(&app, "user-2", "x").await.status(), 401);
    assert_eq!(
        app.edin_login("user-3@example.com", "x").await.status(),
        401
    );
    let r = diadoc_login(&app, "user-4", "x").await;
    assert_throttled(r, "address", 20, "user-4").await;
    let r = app.edin_login("user-5@example.com", "x").await;
    assert_throttled(r, "address", 20, "user-5").await;
    assert_eq!(app.upstream_calls("/V3/Authenticate").len(), 2);
    assert_eq!(app.upstream_calls("/bdoc/auth_uuid").len(), 1);
    // Other routes are not throttled.
    let r = app.get("/v1/diadoc/organizations", None).await;
    assert_eq!(r.status(), 401);
}

/// A body that does not pass validation never goes upstream, so it does not count.
#[tokio::test]
async fn a_login_refused_before_the_upstream_does_not_count() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.login_per_address_per_minute = 1;
    })
    .await;
    for _ in 0..3 {
        let r = app
            .post_json("/v1/diadoc/sessions", None, &json!({"login": "demo"}))
            .await;
        assert_eq!(r.status(), 400);
    }
    assert_eq!(diadoc_login(&app, "demo", "demo").await.status(), 200);
}

/// Behind a proxy (`EDI_GATEWAY_TRUST_FORWARDED`), the address is the last `X-Forwarded-For`
/// entry (the one the proxy added); without it the header is ignored.
#[tokio::test]
async fn the_forwarded_address_counts_only_when_trusted() {
    async fn from(app: &TestApp, forwarded: &str) -> u16 {
        app.client
            .post(app.url("/v1/diadoc/sessions"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"login": format!("u{forwarded}"), "password": "x"}))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }
    let trusted = spawn_with(Sandbox::builder(), |c| {
        c.login_per_address_per_minute = 1;
        c.trust_forwarded = true;
    })
    .await;
    assert_eq!(from(&trusted, "198.51.100.1, 192.0.2.1").await, 401);
    // The client-written first entry changes; the proxy's last one does not.
    assert_eq!(from(&trusted, "198.51.100.2, 192.0.2.1").await, 429);
    assert_eq!(from(&trusted, "192.0.2.2").await, 401);

    let untrusted = spawn_with(Sandbox::builder(), |c| {
        c.login_per_address_per_minute = 1;
    })
    .await;
    assert_eq!(from(&untrusted, "192.0.2.1").await, 401);
    assert_eq!(from(&untrusted, "192.0.2.2").await, 429);
}
