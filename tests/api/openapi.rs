//! The OpenAPI document: served at /openapi.json, Swagger UI at /docs, and the committed
//! `openapi/openapi.json` equal to what the code generates.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_committed_document_is_what_the_code_generates() {
    let generated = edi_gateway::openapi::to_pretty_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).expect("write openapi/openapi.json");
        return;
    }
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json` \
         (or UPDATE_OPENAPI=1 cargo test --test api openapi)"
    );
}

#[tokio::test]
async fn the_document_and_swagger_ui_are_served() {
    let app = spawn_app().await;
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: serde_json::Value = r.json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["paths"]["/v1/edin/agreement-procs/{procId}/steps"]["post"]["operationId"],
        "createEdinAgreementStep"
    );
    let r = app.get("/docs/", None).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    let r = app.get("/docs/swagger-initializer.js", None).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("js").contains("/openapi.json"));
}
