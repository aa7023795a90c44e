//! The OpenID Connect token endpoint (`POST /connect/token`, lifecycle.md §2.2): the
//! refresh-token grant with the SDKs' four fields, rotation on and off, RFC 6749 errors that
//! never echo a secret, access tokens as `Bearer` on directory and ordinary methods, and their
//! expiry on tokio's paused clock.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::{DEMO_LOGIN, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OTHER_LOGIN, Sandbox};
use serde_json::Value;
use tower::ServiceExt;

use crate::helpers::{Upstream, decode, error, start, start_with};

/// `POST /connect/token` with `fields` as a form; (status, JSON body).
async fn token_call(up: &Upstream, fields: &[(&str, &str)]) -> (u16, Value) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let r = up
        .client
        .post(up.url("/connect/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    let body = serde_json::from_slice(&r.bytes().await.expect("body")).expect("JSON");
    (status, body)
}

/// The SDKs' refresh with the default client.
async fn refresh(up: &Upstream, refresh_token: &str) -> (u16, Value) {
    token_call(
        up,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", OIDC_CLIENT_ID),
            ("client_secret", OIDC_CLIENT_SECRET),
        ],
    )
    .await
}

fn bearer(token: &Value) -> String {
    format!("Bearer {}", token.as_str().expect("a string token"))
}

#[tokio::test]
async fn a_refresh_token_buys_a_bearer_token_for_every_diadoc_method() {
    let up = start().await;
    assert_eq!(up.sb.oidc_issuer(), up.sb.base_url());
    assert_eq!(
        (up.sb.oidc_client_id(), up.sb.oidc_client_secret()),
        (OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)
    );
    let rt = up.sb.issue_refresh_token(DEMO_LOGIN).expect("demo exists");
    assert!(up.sb.issue_refresh_token("nobody").is_none());
    let (status, body) = refresh(&up, &rt).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600, "the default lifetime: 1 hour");
    assert_eq!(body["refresh_token"].as_str(), Some(rt.as_str()));
    assert_eq!(up.sb.token_requests(), 1);
    let auth = bearer(&body["access_token"]);
    // An ordinary method: the refresh token's user.
    let orgs: dap::OrganizationList =
        decode(up.get_as("/GetMyOrganizations", &[], Some(&auth)).await).await;
    assert_eq!(orgs.organizations.len(), 2, "demo's organizations");
    // A directory method needs the token too, and takes it.
    let org_id = up.sb.seed().first_org_id().to_owned();
    let _: dap::Organization = decode(
        up.get_as("/GetOrganization", &[("orgId", &org_id)], Some(&auth))
            .await,
    )
    .await;
    // Not a ddauth_token.
    let access = body["access_token"].as_str().expect("token");
    let r = up
        .get_as("/GetMyOrganizations", &[], Some(&up.sb.diadoc_auth(access)))
        .await;
    error(r, 401).await;
    // Another user's refresh token gives that user's organizations.
    let other = up
        .sb
        .issue_refresh_token(OTHER_LOGIN)
        .expect("other exists");
    let (_, body) = refresh(&up, &other).await;
    let orgs: dap::OrganizationList = decode(
        up.get_as(
            "/GetMyOrganizations",
            &[],
            Some(&bearer(&body["access_token"])),
        )
        .await,
    )
    .await;
    assert_eq!(orgs.organizations.len(), 1);
    // The calls are journaled, with the form the SDKs send.
    let entry = &up.sb.journal()[0];
    assert_eq!(
        (entry.method.as_str(), entry.path.as_str()),
        ("POST", "/connect/token")
    );
    assert_eq!(entry.status, 200);
    assert_eq!(entry.in_flight, 0, "the token endpoint is not limited");
}

#[tokio::test]
async fn without_rotation_the_same_refresh_token_works_again_and_again() {
    let up = start().await;
    let rt = up.sb.issue_refresh_token(DEMO_LOGIN).expect("demo exists");
    let mut access = Vec::new();
    for _ in 0..3 {
        let (status, body) = refresh(&up, &rt).await;
        assert_eq!(status, 200);
        assert_eq!(body["refresh_token"].as_str(), Some(rt.as_str()));
        access.push(body["access_token"].clone());
    }
    access.dedup();
    assert_eq!(access.len(), 3, "a new access token each time");
    // A revoked refresh token is refused from then on.
    assert!(up.sb.revoke_refresh_token(&rt));
    assert!(!up.sb.revoke_refresh_token(&rt));
    let (status, body) = refresh(&up, &rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Access tokens already issued stay valid.
    let r = up
        .get_as("/GetMyOrganizations", &[], Some(&bearer(&access[0])))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn with_rotation_each_refresh_spends_the_token_and_returns_a_new_one() {
    let up = start_with(Sandbox::builder().rotate_refresh_tokens(true)).await;
    let first = up.sb.issue_refresh_token(DEMO_LOGIN).expect("demo exists");
    let (status, body) = refresh(&up, &first).await;
    assert_eq!(status, 200);
    let second = body["refresh_token"]
        .as_str()
        .expect("a new one")
        .to_owned();
    assert_ne!(second, first);
    let (status, body) = refresh(&up, &first).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = refresh(&up, &second).await;
    assert_eq!(status, 200);
    let third = body["refresh_token"]
        .as_str()
        .expect("a new one")
        .to_owned();
    // The handle switches it off again: the reply repeats the token redeemed.
    up.sb.rotate_refresh_tokens(false);
    let (status, body) = refresh(&up, &third).await;
    assert_eq!(status, 200);
    assert_eq!(body["refresh_token"].as_str(), Some(third.as_str()));
    assert_eq!(up.sb.token_requests(), 4);
}

#[tokio::test]
async fn bad_clients_and_grants_get_rfc_6749_errors_without_secrets() {
    let up = start_with(Sandbox::builder().oidc_client("robot", "robot-secret-xyz")).await;
    let rt = up.sb.issue_refresh_token(DEMO_LOGIN).expect("demo exists");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_id", OIDC_CLIENT_ID),
                ("client_secret", "wrong-secret-abc"),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_id", "unknown-client"),
                ("client_secret", OIDC_CLIENT_SECRET),
            ],
            "invalid_client",
        ),
        (
            vec![("grant_type", "refresh_token"), ("refresh_token", &rt)],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", "not-a-refresh-token-123"),
                ("client_id", OIDC_CLIENT_ID),
                ("client_secret", OIDC_CLIENT_SECRET),
            ],
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", OIDC_CLIENT_ID),
                ("client_secret", OIDC_CLIENT_SECRET),
            ],
            "unsupported_grant_type",
        ),
        (
            vec![
                ("client_id", OIDC_CLIENT_ID),
                ("client_secret", OIDC_CLIENT_SECRET),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", OIDC_CLIENT_ID),
                ("client_secret", OIDC_CLIENT_SECRET),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_id", OIDC_CLIENT_ID),
                ("client_secret", OIDC_CLIENT_SECRET),
            ],
            "invalid_request",
        ),
    ];
    for (fields, expected) in &cases {
        let (status, body) = token_call(&up, fields).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(*expected)),
            "{fields:?}"
        );
        let text = body.to_string();
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        for secret in [
            rt.as_str(),
            OIDC_CLIENT_SECRET,
            "wrong-secret-abc",
            "not-a-refresh-token-123",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    // The added client works, with the same refresh token.
    let (status, _) = token_call(
        &up,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("client_id", "robot"),
            ("client_secret", "robot-secret-xyz"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    // A body that is not a form; another HTTP method.
    let r = up
        .client
        .post(up.url("/connect/token"))
        .header("content-type", "application/json")
        .body(r#"{"grant_type":"refresh_token"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 400);
    let body: Value = serde_json::from_slice(&r.bytes().await.expect("body")).expect("JSON");
    assert_eq!(body["error"], "invalid_request");
    let r = up
        .client
        .get(up.url("/connect/token"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        (r.status().as_u16(), &r.headers()["allow"]),
        (405, &"POST".parse().expect("value"))
    );
    assert_eq!(up.sb.token_requests(), cases.len() + 3);
}

/// A call straight into the router (no socket, so only `advance` moves the paused clock).
async fn in_process(
    router: &axum::Router,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    form: Option<String>,
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        request = request.header("authorization", a);
    }
    let body = match form {
        Some(f) => {
            request = request.header("content-type", "application/x-www-form-urlencoded");
            Body::from(f)
        }
        None => Body::empty(),
    };
    let r = router
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("infallible");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, body.to_vec())
}

/// The SDKs' refresh form for `rt` with the default client.
pub fn refresh_form(rt: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", OIDC_CLIENT_ID),
            ("client_secret", OIDC_CLIENT_SECRET),
        ])
        .finish()
}

#[tokio::test(start_paused = true)]
async fn access_tokens_expire_after_their_lifetime_and_with_expire_tokens() {
    let (router, sb) = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(30))
        .into_router(([127, 0, 0, 1], 0).into());
    let rt = sb.issue_refresh_token(DEMO_LOGIN).expect("demo exists");
    let (status, _, body) = in_process(
        &router,
        "POST",
        "/connect/token",
        None,
        Some(refresh_form(&rt)),
    )
    .await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["expires_in"], 30);
    let auth = bearer(&body["access_token"]);
    let org_id = sb.seed().first_org_id().to_owned();
    let directory = format!("/GetOrganization?orgId={org_id}");
    for uri in ["/GetMyOrganizations", directory.as_str()] {
        assert_eq!(
            in_process(&router, "GET", uri, Some(&auth), None).await.0,
            200
        );
    }
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(
        in_process(&router, "GET", "/GetMyOrganizations", Some(&auth), None)
            .await
            .0,
        200
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    for uri in ["/GetMyOrganizations", directory.as_str()] {
        let (status, _, text) = in_process(&router, "GET", uri, Some(&auth), None).await;
        assert_eq!(
            (status, String::from_utf8_lossy(&text).as_ref()),
            (401, "The token has expired"),
            "{uri}"
        );
    }
    // A new one works, until the handle expires every token.
    let (_, _, body) = in_process(
        &router,
        "POST",
        "/connect/token",
        None,
        Some(refresh_form(&rt)),
    )
    .await;
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    let auth = bearer(&body["access_token"]);
    assert_eq!(
        in_process(&router, "GET", "/GetMyOrganizations", Some(&auth), None)
            .await
            .0,
        200
    );
    sb.expire_tokens();
    assert_eq!(
        in_process(&router, "GET", "/GetMyOrganizations", Some(&auth), None)
            .await
            .0,
        401
    );
    assert_eq!(sb.token_requests(), 2);
}
