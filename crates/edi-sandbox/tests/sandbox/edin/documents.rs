//! Document types: `GET /bdoc/document_types` in the §5.5 shape with its filters; A6 attach and
//! A7 detach (`dict_val_id` 0 for a type without a dictionary), as `agreementProc2Docs` shows
//! them; refusals and the journal.

use edi_sandbox::EDIN_OTHER_EMAIL;
use reqwest::Method;
use serde_json::{Value, json};

use super::{DOC_TYPES, PROC_DOC, Query, call, demo_sid, ids, reply};
use crate::helpers::{Upstream, start};

async fn document_types(up: &Upstream, sid: &str, query: Query<'_>) -> (u16, Value) {
    reply(call(up, Method::GET, DOC_TYPES, query, Some(sid), None).await).await
}

/// A6's and A7's query: (company_id, document_id, dict_val_id, agreement_proc_id).
type Binding<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A6 (`PUT`) or A7 (`DELETE`) with `binding`.
async fn bind(
    up: &Upstream,
    sid: &str,
    method: Method,
    (company, document, value, process): Binding<'_>,
) -> (u16, Value) {
    let query = [
        ("company_id", company),
        ("document_id", document),
        ("dict_val_id", value),
        ("agreement_proc_id", process),
    ];
    reply(call(up, method, PROC_DOC, &query, Some(sid), None).await).await
}

/// (documentId, dictionaryValue.valueId or 0) of each `agreementProc2Docs` item.
fn bindings(process: &Value) -> Vec<(i64, i64)> {
    process["agreementProc2Docs"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["document"]["documentId"].as_i64().expect("id"),
                d["dictionaryValue"]["valueId"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn document_types_come_in_the_document_shape_with_their_dictionary() {
    let up = start().await;
    let sid = demo_sid(&up);
    let (status, all) = document_types(&up, &sid, &[]).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        ids(&all, "documentId"),
        [910_001, 910_002, 910_003, 910_004, 910_101]
    );
    assert_eq!(
        up.sb.seed().edin_document_type_ids(104_201),
        [910_001, 910_002, 910_003, 910_004]
    );
    let supply = &all[0];
    assert_eq!(
        supply,
        &json!({
            "documentId": 910_001,
            "companyId": 104_201,
            "company": supply["company"].clone(),
            "name": "Договір постачання",
            "type": 1,
            "code": "DOG_POST",
            "agreementProcId": 730_001,
            "isActive": 1,
            "extraFields": [],
            "dictionary": null,
            "structures": [],
        })
    );
    assert_eq!(supply["company"]["name"], "ТОВ «Ромашка-Україна»");
    let act = &all[1];
    assert_eq!(act["agreementProcId"], Value::Null, "attached nowhere");
    assert_eq!(act["type"], 2);
    assert_eq!(
        act["dictionary"],
        json!({
            "dictionaryId": 950_001,
            "companyId": 104_201,
            "name": "Підрозділи",
            "isActive": 1,
            "values": [
                {"valueId": 951_001, "dictionaryId": 950_001, "name": "Київ", "code": "KYIV",
                 "parentCode": null, "isActive": 1},
                {"valueId": 951_002, "dictionaryId": 950_001, "name": "Львів", "code": "LVIV",
                 "parentCode": null, "isActive": 1},
            ],
        })
    );
    assert_eq!(
        up.sb.seed().edin_dictionary_value_ids(910_002),
        [951_001, 951_002]
    );
    assert!(up.sb.seed().edin_dictionary_value_ids(910_001).is_empty());
    assert_eq!(all[2]["isActive"], 0);
    assert_eq!(all[4]["dictionary"]["name"], "Склади");

    let other = up.sb.issue_edin_session(EDIN_OTHER_EMAIL).expect("other");
    let (_, theirs) = document_types(&up, &other, &[]).await;
    assert_eq!(ids(&theirs, "documentId"), [910_201]);
}

#[tokio::test]
async fn the_document_type_list_filters_as_documented() {
    let up = start().await;
    let sid = demo_sid(&up);
    let cases: [(Query, &[i64]); 11] = [
        (&[("company_id", "104202")], &[910_101]),
        (&[("use_type", "2")], &[910_004]),
        (
            &[("use_type", "1"), ("company_id", "104201")],
            &[910_001, 910_002, 910_003],
        ),
        (&[("type", "4")], &[910_101]),
        (&[("type", "3")], &[]),
        (&[("is_active", "0")], &[910_003]),
        (&[("is_active", "1")], &[910_001, 910_002, 910_004, 910_101]),
        (&[("limit", "2")], &[910_001, 910_002]),
        (&[("limit", "2"), ("offset", "1")], &[910_002, 910_003]),
        (&[("offset", "4")], &[910_101]),
        (&[("offset", "50")], &[]),
    ];
    for (query, expected) in cases {
        let (status, body) = document_types(&up, &sid, query).await;
        assert_eq!(status, 200, "{query:?}: {body}");
        assert_eq!(ids(&body, "documentId"), expected, "{query:?}");
    }
    let (status, body) = document_types(&up, &sid, &[("company_id", "104305")]).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Access to company 104305 is denied"))
    );
    for bad in [
        ("use_type", "3"),
        ("type", "0"),
        ("type", "5"),
        ("is_active", "2"),
        ("is_active", "yes"),
        ("limit", "0"),
        ("offset", "-1"),
        ("offset", "one"),
        ("company_id", "x"),
    ] {
        assert_eq!(document_types(&up, &sid, &[bad]).await.0, 400, "{bad:?}");
    }
}

#[tokio::test]
async fn document_types_are_attached_and_detached_with_dict_val_id_0_when_without_dictionary() {
    let up = start().await;
    let sid = demo_sid(&up);
    // «Акт виконаних робіт» has a dictionary: one binding per value.
    let (status, p) = bind(
        &up,
        &sid,
        Method::PUT,
        ("104201", "910002", "951001", "730002"),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["agreementProcId"], 730_002);
    assert_eq!(bindings(&p), [(910_002, 951_001)]);
    let item = &p["agreementProc2Docs"][0];
    assert_eq!(item["document"]["agreementProcId"], 730_002);
    assert_eq!(item["document"]["dictionary"]["dictionaryId"], 950_001);
    assert!(item["document"].get("company").is_none());
    assert_eq!(
        item["dictionaryValue"],
        json!({"valueId": 951_001, "dictionaryId": 950_001, "name": "Київ", "code": "KYIV",
               "parentCode": null, "isActive": 1})
    );
    let (_, p) = bind(
        &up,
        &sid,
        Method::PUT,
        ("104201", "910002", "951002", "730002"),
    )
    .await;
    assert_eq!(bindings(&p), [(910_002, 951_001), (910_002, 951_002)]);
    // «Службова записка» has none: dict_val_id 0, and dictionaryValue is null.
    let (status, p) = bind(&up, &sid, Method::PUT, ("104201", "910004", "0", "730002")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        bindings(&p),
        [(910_002, 951_001), (910_002, 951_002), (910_004, 0)]
    );
    assert_eq!(p["agreementProc2Docs"][2]["dictionaryValue"], Value::Null);
    // Attaching again to the same process changes nothing.
    let (status, p) = bind(&up, &sid, Method::PUT, ("104201", "910004", "0", "730002")).await;
    assert_eq!(status, 200);
    assert_eq!(bindings(&p).len(), 3);
    // The list shows where a type is attached now.
    let (_, types) = document_types(&up, &sid, &[("company_id", "104201")]).await;
    assert_eq!(types[1]["agreementProcId"], 730_002);
    assert_eq!(types[3]["agreementProcId"], 730_002);

    // Detach one value's binding, then the seeded type from the seeded process.
    let (status, p) = bind(
        &up,
        &sid,
        Method::DELETE,
        ("104201", "910002", "951001", "730002"),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(bindings(&p), [(910_002, 951_002), (910_004, 0)]);
    let (status, p) = bind(
        &up,
        &sid,
        Method::DELETE,
        ("104201", "910001", "0", "730001"),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["agreementProc2Docs"], json!([]));
    assert_eq!(
        p["agrementSteps"].as_array().map(Vec::len),
        Some(2),
        "the whole process"
    );
    assert!(
        up.sb
            .edin_process(730_001)
            .expect("seeded")
            .documents
            .is_empty()
    );
    let (_, types) = document_types(&up, &sid, &[("limit", "1")]).await;
    assert_eq!(types[0]["agreementProcId"], Value::Null);
    // Now it can go to another process.
    let (status, p) = bind(&up, &sid, Method::PUT, ("104201", "910001", "0", "730002")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(bindings(&p).last(), Some(&(910_001, 0)));
}

#[tokio::test]
async fn attach_and_detach_refuse_what_the_facts_rule_out() {
    let up = start().await;
    let sid = demo_sid(&up);
    let put: [(Binding, u16, &str); 12] = [
        (
            ("104201", "910001", "0", "999999"),
            404,
            "Agreement process 999999 not found",
        ),
        (
            ("104305", "910201", "0", "730004"),
            403,
            "Access to company 104305 is denied",
        ),
        (
            ("104201", "910201", "0", "730004"),
            403,
            "Access to company 104305 is denied",
        ),
        (
            ("104202", "910101", "951101", "730001"),
            400,
            "Agreement process 730001 belongs to company 104201, not 104202",
        ),
        (
            ("104201", "999999", "0", "730002"),
            404,
            "Document type 999999 not found",
        ),
        (
            ("104201", "910101", "951101", "730002"),
            400,
            "Document type 910101 is not a document type of company 104201",
        ),
        (
            ("104201", "910003", "0", "730002"),
            400,
            "Document type 910003 is blocked",
        ),
        (
            ("104201", "910002", "0", "730002"),
            400,
            "Document type 910002 has dictionary 950001: 'dict_val_id' must be one of its values",
        ),
        (
            ("104201", "910004", "951001", "730002"),
            400,
            "Document type 910004 has no dictionary: 'dict_val_id' must be 0, not 951001",
        ),
        (
            ("104201", "910002", "951101", "730002"),
            400,
            "Dictionary value 951101 is not a value of dictionary 950001",
        ),
        (
            ("104201", "910001", "0", "730002"),
            409,
            "Document type 910001 is already attached to agreement process 730001",
        ),
        (
            ("104201", "910001", "-1", "730002"),
            400,
            "Parameter 'dict_val_id' must be 0 or a dictionary value id",
        ),
    ];
    for (query, status, message) in put {
        let (got, body) = bind(&up, &sid, Method::PUT, query).await;
        assert_eq!(
            (got, body["message"].as_str()),
            (status, Some(message)),
            "{query:?}"
        );
    }
    let delete: [(Binding, u16, &str); 3] = [
        (
            ("104201", "910001", "0", "730002"),
            404,
            "Document type 910001 is not attached to agreement process 730002",
        ),
        (
            ("104201", "910002", "951001", "730001"),
            404,
            "Document type 910002 with dictionary value 951001 is not attached to agreement process 730001",
        ),
        (
            ("104201", "910001", "0", "730004"),
            403,
            "Access to company 104305 is denied",
        ),
    ];
    for (query, status, message) in delete {
        let (got, body) = bind(&up, &sid, Method::DELETE, query).await;
        assert_eq!(
            (got, body["message"].as_str()),
            (status, Some(message)),
            "{query:?}"
        );
    }
    // Every parameter is required and a number.
    let full = [
        ("company_id", "104201"),
        ("document_id", "910004"),
        ("dict_val_id", "0"),
        ("agreement_proc_id", "730002"),
    ];
    for method in [Method::PUT, Method::DELETE] {
        for skip in 0..full.len() {
            let query: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, p)| *p)
                .collect();
            let r = call(&up, method.clone(), PROC_DOC, &query, Some(&sid), None).await;
            let (status, body) = reply(r).await;
            assert_eq!(
                (status, body["message"].as_str().map(str::to_owned)),
                (
                    400,
                    Some(format!("Parameter '{}' is required", full[skip].0))
                )
            );
        }
    }
    let (status, _) = bind(&up, &sid, Method::PUT, ("104201", "doc", "0", "730002")).await;
    assert_eq!(status, 400);
    // Nothing changed.
    assert_eq!(up.sb.edin_process(730_002).expect("seeded").documents, []);
    assert_eq!(
        up.sb.edin_process(730_001).expect("seeded").documents.len(),
        1
    );
}

#[tokio::test]
async fn document_calls_are_journaled_with_their_query() {
    let up = start().await;
    let sid = demo_sid(&up);
    document_types(&up, &sid, &[("use_type", "1"), ("is_active", "1")]).await;
    bind(&up, &sid, Method::PUT, ("104201", "910004", "0", "730002")).await;
    bind(
        &up,
        &sid,
        Method::DELETE,
        ("104201", "910004", "0", "730002"),
    )
    .await;
    bind(
        &up,
        &sid,
        Method::DELETE,
        ("104201", "910004", "0", "730002"),
    )
    .await;
    up.assert_journal(&[
        ("GET", DOC_TYPES, 200),
        ("PUT", PROC_DOC, 200),
        ("DELETE", PROC_DOC, 200),
        ("DELETE", PROC_DOC, 404),
    ]);
    let journal = up.sb.journal();
    assert_eq!(journal[0].raw_query, "use_type=1&is_active=1");
    assert_eq!(
        journal[1].raw_query,
        "company_id=104201&document_id=910004&dict_val_id=0&agreement_proc_id=730002"
    );
    assert!(journal[1].body.is_empty());
    assert!(
        journal
            .iter()
            .all(|e| e.cookie("SID") == Some(sid.as_str()))
    );
}
