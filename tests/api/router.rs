//! Router-only cases, in-process: `build_router` driven with `tower::ServiceExt::oneshot`, no
//! socket and no sandbox (the upstream URL points at a closed port, and none of these requests
//! may get that far). Each answer is a problem+json with the right status.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use edi_gateway::{AppState, Config, build_router};
use serde_json::Value;
use tower::ServiceExt;

/// The gateway's router over an upstream that is never called.
fn router() -> axum::Router {
    let config = Config::for_upstream("http://127.0.0.1:1", Some("k"));
    build_router(AppState::build(config).expect("state builds"))
}

async fn send(request: Request<Body>) -> Response {
    router().oneshot(request).await.expect("infallible")
}

fn request(method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(path)
}

/// Asserts the status and the problem+json media type; returns the problem.
async fn assert_problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .expect("body");
    let problem: Value = serde_json::from_slice(&body).expect("problem json");
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    problem
}

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let r = send(
        request(Method::GET, "/v1/nope")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_problem(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_known_path_with_another_method_is_a_405_problem() {
    let r = send(
        request(Method::DELETE, "/v1/diadoc/organizations")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let r = send(
        request(Method::POST, "/v1/diadoc/sessions")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(r#"{"login": "demo", "password": "demo"}"#))
            .expect("request"),
    )
    .await;
    assert_problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test]
async fn a_missing_bearer_token_is_a_401_problem() {
    let r = send(
        request(Method::GET, "/v1/diadoc/organizations")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_problem(r, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_malformed_authorization_header_is_a_401_problem() {
    // (header value, the credential in it, which must not be echoed)
    for (value, secret) in [
        ("Bearer", None),
        ("Bearer tok,en-Zq9", Some("tok,en-Zq9")),
        ("Basic ZGVtbzpkZW1v", Some("ZGVtbzpkZW1v")),
        ("DiadocAuth ddauth_token=Zq9x", Some("Zq9x")),
    ] {
        let r = send(
            request(Method::GET, "/v1/diadoc/organizations")
                .header(header::AUTHORIZATION, value)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        let problem = assert_problem(r, StatusCode::UNAUTHORIZED).await;
        if let Some(secret) = secret {
            assert!(!problem.to_string().contains(secret), "{secret} echoed");
        }
    }
}

/// A body that grows past the 16 MiB bound is refused with 413 as soon as it does.
#[tokio::test]
async fn a_body_over_16_mib_is_a_413_problem() {
    let mut body = br#"{"login": "demo", "password": ""#.to_vec();
    body.resize(16 * 1024 * 1024 + 1, b'x');
    body.extend_from_slice(br#""}"#);
    let r = send(
        request(Method::POST, "/v1/diadoc/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request"),
    )
    .await;
    assert_problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;
}

/// A `Content-Length` above the bound is refused before a byte of the body is read.
#[tokio::test]
async fn a_declared_length_over_16_mib_is_a_413_before_reading() {
    let r = send(
        request(Method::POST, "/v1/diadoc/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, (64 * 1024 * 1024).to_string())
            .body(Body::from("{}"))
            .expect("request"),
    )
    .await;
    let problem = assert_problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Content-Length"))
    );
}
