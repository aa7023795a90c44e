//! POST /v1/diadoc/sessions and caller authentication.

use prost::Message;

use crate::helpers::{problem, problem_fields, spawn_app};

#[tokio::test]
async fn login_returns_a_token_and_injects_the_developer_key() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    assert!(!token.is_empty());

    let calls = app.upstream_calls("/V3/Authenticate");
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.query_param("type"), Some("password"));
    assert_eq!(
        call.authorization.as_deref(),
        Some(
            format!(
                "DiadocAuth ddauth_api_client_id={}",
                edi_sandbox::DEVELOPER_KEY
            )
            .as_str()
        )
    );
    let body = edi_proto::diadoc::api::proto::LoginPassword::decode(call.body.clone())
        .expect("protobuf body");
    assert_eq!(body.login, edi_sandbox::DEMO_LOGIN);
    assert_eq!(body.password, edi_sandbox::DEMO_PASSWORD);
}

#[tokio::test]
async fn wrong_password_is_a_401_problem() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/v1/diadoc/sessions",
            None,
            &serde_json::json!({"login": "demo", "password": "nope"}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let p = problem(r).await;
    assert_eq!(p["status"], 401);
    assert_eq!(p["upstream"]["status"], 401);
    assert!(!p.to_string().contains(edi_sandbox::DEVELOPER_KEY));
}

#[tokio::test]
async fn login_missing_fields_are_named_before_any_upstream_call() {
    let app = spawn_app().await;
    let r = app
        .post_json("/v1/diadoc/sessions", None, &serde_json::json!({}))
        .await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["login", "password"]);
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn upstream_pascal_case_spelling_is_accepted() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/v1/diadoc/sessions",
            None,
            &serde_json::json!({"Login": "demo", "Password": "demo"}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn non_json_body_is_a_415_problem() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/v1/diadoc/sessions"))
        .body("login=demo")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 415);
    problem(r).await;
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_a_401_without_upstream_call() {
    let app = spawn_app().await;
    let r = app.get("/v1/diadoc/organizations", None).await;
    assert_eq!(r.status(), 401);
    problem(r).await;
    let r = app
        .client
        .get(app.url("/v1/diadoc/organizations"))
        .header("authorization", "DiadocAuth ddauth_token=x")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401);
    assert!(app.sandbox.journal().is_empty(), "no upstream call");
}

#[tokio::test]
async fn unknown_token_is_the_upstreams_401() {
    let app = spawn_app().await;
    let r = app
        .get("/v1/diadoc/organizations", Some("not-a-real-token"))
        .await;
    assert_eq!(r.status(), 401);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["status"], 401);
    assert!(!p.to_string().contains("not-a-real-token"));
}

#[tokio::test]
async fn organizations_lists_the_users_boxes_in_camel_case() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let r = app.get("/v1/diadoc/organizations", Some(&token)).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    let orgs = body["organizations"].as_array().expect("organizations");
    assert!(orgs.len() >= 2);
    assert!(orgs[0]["boxes"][0]["boxIdGuid"].is_string());
    assert!(
        orgs[0].get("OrgId").is_none(),
        "no PascalCase keys on output"
    );

    let call = &app.upstream_calls("/GetMyOrganizations")[0];
    assert_eq!(
        call.authorization.as_deref(),
        Some(
            format!(
                "DiadocAuth ddauth_api_client_id={},ddauth_token={token}",
                edi_sandbox::DEVELOPER_KEY
            )
            .as_str()
        )
    );
}
