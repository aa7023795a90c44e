//! Counteragent lists: paging, filters, validation, the page cache.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{problem, problem_fields, run_paused_for, spawn_app, spawn_with};

#[tokio::test]
async fn walks_all_three_pages_with_an_exclusive_cursor() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let mut path = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    let mut sizes = Vec::new();
    let mut keys = std::collections::HashSet::new();
    loop {
        let r = app.get(&path, Some(&token)).await;
        assert_eq!(r.status(), 200);
        let link = r
            .headers()
            .get("link")
            .map(|v| v.to_str().expect("ascii").to_owned());
        let page: Value = r.json().await.expect("json");
        let items = page["counteragents"].as_array().expect("items");
        sizes.push(items.len());
        for item in items {
            assert!(
                keys.insert(item["indexKey"].as_str().expect("indexKey").to_owned()),
                "no repeats"
            );
        }
        assert_eq!(page["totalCount"], 250);
        assert_eq!(page["totalCountType"], "Equal");
        match page.get("nextAfter").and_then(Value::as_str) {
            Some(next) => {
                assert_eq!(
                    next,
                    items.last().expect("item")["indexKey"]
                        .as_str()
                        .expect("key")
                );
                let link = link.expect("Link header on a page with a next one");
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                assert!(link.contains(&format!("after={next}")), "{link}");
                path = format!("/v1/diadoc/boxes/{box_id}/counteragents?after={next}");
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(sizes, [100, 100, 50]);
    let calls = app.upstream_calls("/V3/GetCounteragents");
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].query_param("myBoxId"), Some(box_id.as_str()));
    assert_eq!(calls[0].query_param("afterIndexKey"), None);
    assert!(calls[1].query_param("afterIndexKey").is_some());
}

#[tokio::test]
async fn organization_route_finds_the_box_then_calls_v3_with_my_box_id_and_status() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (org_id, box_id) = app.first_box(&token).await;
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{org_id}/counteragents?status=IsMyCounteragent"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.expect("json");
    let items = page["counteragents"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|c| c["currentStatus"] == "IsMyCounteragent")
    );
    // lifecycle.md §1.2: V2 is removed; nothing calls it any more.
    assert!(app.upstream_calls("/V2/GetCounteragents").is_empty());
    let lookup = app.upstream_calls("/GetOrganization");
    assert_eq!(lookup.len(), 1);
    assert_eq!(lookup[0].query_param("orgId"), Some(org_id.as_str()));
    assert_eq!(lookup[0].status, 200);
    let call = &app.upstream_calls("/V3/GetCounteragents")[0];
    assert_eq!(call.query_param("myBoxId"), Some(box_id.as_str()));
    assert_eq!(call.query_param("myOrgId"), None);
    assert_eq!(call.query_param("orgId"), None);
    assert_eq!(
        call.query_param("counteragentStatus"),
        Some("IsMyCounteragent")
    );
}

#[tokio::test]
async fn organization_route_walks_pages_with_one_box_lookup_per_caller() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (org_id, _) = app.first_box(&token).await;
    let mut path = format!("/v1/diadoc/organizations/{org_id}/counteragents");
    let mut sizes = Vec::new();
    loop {
        let page: Value = app
            .get(&path, Some(&token))
            .await
            .json()
            .await
            .expect("json");
        sizes.push(page["counteragents"].as_array().expect("items").len());
        match page.get("nextAfter").and_then(Value::as_str) {
            Some(next) => {
                path = format!("/v1/diadoc/organizations/{org_id}/counteragents?after={next}");
            }
            None => break,
        }
    }
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(app.upstream_calls("/V3/GetCounteragents").len(), 3);
    assert_eq!(
        app.upstream_calls("/GetOrganization").len(),
        1,
        "cached per caller"
    );
    // Another caller (another token of the same user) looks the box up again.
    let other = app.demo_token().await;
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{org_id}/counteragents?status=InvitesMe"),
            Some(&other),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.upstream_calls("/GetOrganization").len(), 2);
}

#[tokio::test]
async fn an_organization_with_several_boxes_lists_its_first_box() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let orgs: Value = app
        .get("/v1/diadoc/organizations", Some(&token))
        .await
        .json()
        .await
        .expect("json");
    let org = orgs["organizations"]
        .as_array()
        .expect("orgs")
        .iter()
        .find(|o| o["boxes"].as_array().is_some_and(|b| b.len() > 1))
        .expect("an organization with several boxes")
        .clone();
    let org_id = org["orgId"].as_str().expect("orgId");
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{org_id}/counteragents"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let call = &app.upstream_calls("/V3/GetCounteragents")[0];
    assert_eq!(
        call.query_param("myBoxId"),
        org["boxes"][0]["boxIdGuid"].as_str()
    );
}

#[tokio::test]
async fn an_unknown_organization_or_one_without_a_box_is_a_404() {
    let mut seed = edi_sandbox::Seed::demo();
    let boxless = seed.orgs[0].org_id.clone();
    seed.orgs[0].boxes.clear();
    let app = spawn_with(edi_sandbox::Sandbox::builder().seed(seed), |_| {}).await;
    let token = app.demo_token().await;

    let unknown = "00000000-0000-0000-0000-00000000abcd";
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{unknown}/counteragents"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    assert_eq!(p["upstream"]["service"], "diadoc");
    assert_eq!(p["upstream"]["status"], 404);

    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{boxless}/counteragents"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    let text = p.to_string();
    assert!(text.contains("has no box"), "{text}");
    // Neither reached GetCounteragents, and failures are not cached: a retry looks up again.
    assert!(app.upstream_calls("/V3/GetCounteragents").is_empty());
    let before = app.upstream_calls("/GetOrganization").len();
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{unknown}/counteragents"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.upstream_calls("/GetOrganization").len(), before + 1);
}

#[tokio::test]
async fn another_users_organization_gets_the_upstreams_403() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let foreign = app.sandbox.seed().orgs[2].org_id.clone();
    let r = app
        .get(
            &format!("/v1/diadoc/organizations/{foreign}/counteragents"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 403);
    let calls = app.upstream_calls("/V3/GetCounteragents");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].status, 403);
}

#[tokio::test]
async fn bad_parameters_are_named_and_nothing_goes_upstream() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();

    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{box_id}/counteragents?query=Ромашка&after=ABC"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["query"]);

    let r = app
        .get(
            "/v1/diadoc/boxes/not-a-box/counteragents?status=Nope",
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(problem_fields(&p), ["boxId", "status"]);
    assert!(
        p["errors"][1]["allowed"]
            .as_array()
            .is_some_and(|a| a.len() == 6)
    );
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn a_box_of_another_user_is_a_403() {
    let app = spawn_app().await;
    let demo = app.demo_token().await;
    let other = app
        .login(edi_sandbox::OTHER_LOGIN, edi_sandbox::OTHER_PASSWORD)
        .await;
    let (_, demo_box) = app.first_box(&demo).await;
    let r = app
        .get(
            &format!("/v1/diadoc/boxes/{demo_box}/counteragents"),
            Some(&other),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
}

#[tokio::test]
async fn second_call_is_a_cache_hit_and_no_cache_refreshes() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let path = format!("/v1/diadoc/boxes/{box_id}/counteragents");

    let first = app.get(&path, Some(&token)).await;
    assert_eq!(first.headers()["x-cache"], "miss");
    let first_body = first.bytes().await.expect("body");
    let second = app.get(&path, Some(&token)).await;
    assert_eq!(second.headers()["x-cache"], "hit");
    assert_eq!(second.bytes().await.expect("body"), first_body);
    assert_eq!(app.upstream_calls("/V3/GetCounteragents").len(), 1);

    let refreshed = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .header("cache-control", "no-cache")
        .send()
        .await
        .expect("request");
    assert_eq!(refreshed.headers()["x-cache"], "miss");
    assert_eq!(app.upstream_calls("/V3/GetCounteragents").len(), 2);

    // Different parameters are a different entry.
    let filtered = app
        .get(&format!("{path}?status=InvitesMe"), Some(&token))
        .await;
    assert_eq!(filtered.headers()["x-cache"], "miss");
}

#[tokio::test]
async fn one_tokens_page_is_never_served_to_another() {
    let app = spawn_app().await;
    let a = app.demo_token().await;
    let b = app.demo_token().await;
    assert_ne!(a, b);
    let (_, box_id) = app.first_box(&a).await;
    let path = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    assert_eq!(app.get(&path, Some(&a)).await.headers()["x-cache"], "miss");
    assert_eq!(app.get(&path, Some(&b)).await.headers()["x-cache"], "miss");
    // A token the upstream refuses never gets the cached page either.
    let r = app.get(&path, Some("forged-token")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(app.upstream_calls("/V3/GetCounteragents").len(), 3);
}

#[tokio::test]
async fn errors_are_not_cached() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let path = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    app.sandbox.fail_next(1, 500, "boom");
    assert_eq!(app.get(&path, Some(&token)).await.status(), 502);
    let r = app.get(&path, Some(&token)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-cache"], "miss");
}

#[tokio::test]
async fn fifty_concurrent_misses_make_one_upstream_call() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let path = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    let gate = app.sandbox.hold();
    let first_call = app.sandbox.received() + 1;
    let requests = futures_util::future::join_all((0..50).map(|_| app.get(&path, Some(&token))));
    let release = async {
        // The first miss is held at the sandbox; every other request then gets as far as it
        // can (into the single flight, or to the sandbox if that broke) before the reply goes.
        app.sandbox.wait_for_calls(first_call).await;
        run_paused_for(Duration::from_secs(1)).await;
        gate.release();
    };
    let (responses, ()) = tokio::join!(requests, release);
    assert!(responses.iter().all(|r| r.status() == 200));
    let misses = responses
        .iter()
        .filter(|r| r.headers()["x-cache"] == "miss")
        .count();
    assert_eq!(misses, 1);
    assert_eq!(app.upstream_calls("/V3/GetCounteragents").len(), 1);
}

#[tokio::test]
async fn cache_off_sends_every_call_upstream() {
    let app = spawn_with(edi_sandbox::Sandbox::builder(), |c| c.cache_ttl_secs = 0).await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let path = format!("/v1/diadoc/boxes/{box_id}/counteragents");
    app.get(&path, Some(&token)).await;
    app.get(&path, Some(&token)).await;
    assert_eq!(app.upstream_calls("/V3/GetCounteragents").len(), 2);
}
