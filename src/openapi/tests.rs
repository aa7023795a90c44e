//! The document against the route table: every route, every reference, closed bodies.

use super::*;
use serde_json::json;

#[test]
fn every_route_is_in_the_spec_with_its_method_and_path() {
    let doc = serde_json::to_value(document()).expect("json");
    for route in ROUTES {
        let method = route.method.method().as_str().to_ascii_lowercase();
        let op = &doc["paths"][route.path][&method];
        assert_eq!(op["operationId"], route.id, "{method} {}", route.path);
        assert_eq!(op["tags"], json!([route.service().name()]), "{}", route.id);
    }
}

#[test]
fn documented_413_is_what_an_oversized_body_gets() {
    // Every route with a body documents 413 (tests/api/router.rs sends one over the bound).
    let doc = serde_json::to_value(document()).expect("json");
    for route in ROUTES.iter().filter(|r| r.body().is_some()) {
        let method = route.method.method().as_str().to_ascii_lowercase();
        let op = &doc["paths"][route.path][&method];
        assert!(op["responses"].get("413").is_some(), "{}", route.id);
    }
}

#[test]
fn the_gateway_s_own_bodies_are_derived_from_their_types() {
    let doc = serde_json::to_value(document()).expect("json");
    let problem = &doc["components"]["schemas"]["Problem"];
    assert_eq!(
        problem["required"],
        json!(["type", "title", "status", "detail"])
    );
    let codes = &problem["properties"]["errors"]["items"]["properties"]["code"]["enum"];
    assert!(
        codes
            .as_array()
            .is_some_and(|c| c.contains(&json!("invalidJson"))),
        "{problem}"
    );
    assert_eq!(
        problem["properties"]["upstream"]["properties"]["service"]["enum"],
        json!(["diadoc", "edin"])
    );
    let pending = &doc["components"]["schemas"]["Pending"];
    assert_eq!(
        pending["required"],
        json!(["status", "retryAfter", "idempotencyKey"])
    );
}

#[test]
fn every_ref_resolves() {
    let doc = serde_json::to_value(document()).expect("json");
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} is not defined"
        );
    }
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(s) = v.as_str() {
                        out.push(s.to_owned());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn request_bodies_are_closed_objects_and_response_only_ones_are_open() {
    let doc = serde_json::to_value(super::document()).expect("json");
    let schemas = &doc["components"]["schemas"];
    for name in [
        "Diadoc.LoginPassword",
        "Diadoc.Events.TemplateToPost",
        "Diadoc.Events.TemplateDocumentAttachment",
        "Diadoc.Docflow.GetDocflowBatchRequest",
        "edin.Credentials",
        "edin.ProcessInput",
        "edin.StepInput",
        "edin.GroupRef",
    ] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
    }
    assert!(
        schemas["Diadoc.CounteragentList"]
            .get("additionalProperties")
            .is_none()
    );
    assert!(
        schemas["edin.AgreementProc"]
            .get("additionalProperties")
            .is_none()
    );
}

#[test]
fn links_lead_from_created_objects_to_the_operations_that_use_them() {
    let doc = serde_json::to_value(document()).expect("json");
    let links = &doc["paths"]["/v1/edin/agreement-procs"]["post"]["responses"]["201"]["links"];
    assert_eq!(
        links["AddStep"],
        json!({"operationId": "createEdinAgreementStep",
               "parameters": {"procId": "$response.body#/agreementProcId"}})
    );
    let step_links = &doc["paths"]["/v1/edin/agreement-procs/{procId}/steps"]["post"]["responses"]
        ["201"]["links"];
    assert_eq!(
        step_links["DeleteStep"]["operationId"],
        json!("deleteEdinAgreementStep")
    );
}
