//! GET /v1/diadoc/boxes/{boxId}/documents.

use serde_json::Value;

use crate::helpers::{problem, problem_fields, spawn_app};

#[tokio::test]
async fn pages_documents_with_count_and_after() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    let mut path =
        format!("/v1/diadoc/boxes/{box_id}/documents?filterCategory=Any.Inbound&count=20");
    let mut ids = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        let r = app.get(&path, Some(&token)).await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.expect("json");
        pages += 1;
        for d in page["documents"].as_array().into_iter().flatten() {
            assert!(ids.insert(d["entityId"].as_str().expect("entityId").to_owned()));
        }
        match page.get("nextAfter").and_then(Value::as_str) {
            Some(next) => {
                path = format!(
                    "/v1/diadoc/boxes/{box_id}/documents?filterCategory=Any.Inbound&count=20&after={next}"
                )
            }
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    assert!(!ids.is_empty());
    let calls = app.upstream_calls("/V3/GetDocuments");
    assert_eq!(calls[0].query_param("filterCategory"), Some("Any.Inbound"));
    assert_eq!(calls[0].query_param("count"), Some("20"));
    assert_eq!(calls[0].query_param("boxId"), Some(box_id.as_str()));
}

#[tokio::test]
async fn count_and_filter_are_validated() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let (_, box_id) = app.first_box(&token).await;
    app.sandbox.clear_journal();
    let r = app
        .get(&format!("/v1/diadoc/boxes/{box_id}/documents?count=101&documentNumber=1&timestampFromTicks=5"), Some(&token))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        problem_fields(&problem(r).await),
        ["filterCategory", "count", "documentNumber"]
    );
    assert!(app.sandbox.journal().is_empty());
}
