//! `GET /v1/diadoc/me` (GetMyUser V2), `GET /v1/diadoc/organizations/{orgId}` (GetOrganization)
//! and `GET /v1/diadoc/boxes/{boxId}` (GetBox): success, documented errors, and what reached
//! the upstream.

use serde_json::Value;

use crate::helpers::{TestApp, problem, problem_fields, spawn_app};

fn only_call(app: &TestApp, path: &str) -> edi_sandbox::JournalEntry {
    let calls = app.upstream_calls(path);
    assert_eq!(calls.len(), 1, "{path}: {calls:?}");
    calls.into_iter().next().expect("one call")
}

#[tokio::test]
async fn me_is_the_token_s_user() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let r = app.get("/v1/diadoc/me", Some(&token)).await;
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.expect("json");
    let seeded = app
        .sandbox
        .seed()
        .user(edi_sandbox::DEMO_LOGIN)
        .expect("demo user");
    assert_eq!(me["userId"], seeded.user_id.as_str());
    assert_eq!(me["login"], "demo");
    assert_eq!(me["isRegistered"], true);
    assert!(me["fullName"]["lastName"].is_string());
    let call = only_call(&app, "/V2/GetMyUser");
    assert_eq!(call.method, "GET");
    assert!(call.query.is_empty());
    assert!(
        call.authorization
            .as_deref()
            .is_some_and(|a| a.contains(&token))
    );
}

#[tokio::test]
async fn me_without_a_token_is_a_401_and_no_upstream_call() {
    let app = spawn_app().await;
    let r = app.get("/v1/diadoc/me", None).await;
    assert_eq!(r.status(), 401);
    problem(r).await;
    assert!(app.upstream_calls("/V2/GetMyUser").is_empty());
}

#[tokio::test]
async fn an_organization_is_looked_up_by_its_id() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let org_id = app.sandbox.seed().first_org_id().to_owned();
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{}", org_id.to_uppercase()),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let org: Value = r.json().await.expect("json");
    assert_eq!(org["orgId"], org_id.as_str());
    assert!(org["inn"].is_string());
    assert!(org["boxes"][0]["boxIdGuid"].is_string());
    let call = only_call(&app, "/GetOrganization");
    assert_eq!(call.query, [("orgId".to_owned(), org_id.clone())]);
    // The directory holds counteragents too, not only the caller's organizations.
    let partner = &app.sandbox.seed().counteragents[0][0].organization;
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{}", partner.org_id),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_unknown_organization_is_a_404_and_a_bad_id_a_400_before_any_call() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let r = app
        .get(
            "/v1/diadoc/organizations/00000000-1111-2222-3333-444444444444",
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
    let r = app
        .get("/v1/diadoc/organizations/not-an-id", Some(&token))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["orgId"]);
    assert_eq!(app.upstream_calls("/GetOrganization").len(), 1);
}

#[tokio::test]
async fn a_box_comes_with_its_organization() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let seed = app.sandbox.seed();
    let first = seed.boxes[0].clone();
    // Either id form; the upstream gets it as given (lower-cased).
    let upper = first.box_id.replace("@diadoc.ru", "").to_uppercase() + "@diadoc.ru";
    for id in [first.box_id_guid.clone(), upper] {
        let r = app
            .get(&format!("/v1/diadoc/boxes/{id}"), Some(&token))
            .await;
        assert_eq!(r.status(), 200, "{id}");
        let b: Value = r.json().await.expect("json");
        assert_eq!(b["boxIdGuid"], first.box_id_guid.as_str());
        assert_eq!(b["title"], first.title.as_str());
        assert_eq!(b["organization"]["orgId"], seed.first_org_id());
    }
    let calls = app.upstream_calls("/GetBox");
    assert_eq!(
        calls[0].query_param("boxId"),
        Some(first.box_id_guid.as_str())
    );
    assert_eq!(
        calls[1].query_param("boxId"),
        Some(first.box_id.to_ascii_lowercase().as_str())
    );
    // Any box of the directory, not only the caller's.
    let other = seed.other_box_id_guid().to_owned();
    let r = app
        .get(&format!("/v1/diadoc/boxes/{other}"), Some(&token))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_unknown_box_is_a_404_and_a_malformed_one_a_400() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let r = app
        .get(
            "/v1/diadoc/boxes/00000000-1111-2222-3333-444444444444",
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(problem(r).await["upstream"]["status"], 404);
    let r = app
        .get("/v1/diadoc/boxes/abc@diadoc.ru", Some(&token))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["boxId"]);
    assert_eq!(app.upstream_calls("/GetBox").len(), 1);
}
