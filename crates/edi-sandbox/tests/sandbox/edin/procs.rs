//! Approval processes: the A5 list with its filters, A3 create and edit, A4 block and unblock
//! (an OPTIONS request).

use edi_sandbox::EDIN_OTHER_EMAIL;
use reqwest::Method;
use serde_json::{Value, json};

use super::{PROC, Query, assert_empty_200, call, demo_sid, ids, list, reply, save_proc};
use crate::helpers::{Upstream, start};

#[tokio::test]
async fn the_process_list_filters_by_company_name_status_and_limit() {
    let up = start().await;
    let sid = demo_sid(&up);
    let seed = up.sb.seed();
    let (status, all) = list(&up, &sid, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(&all, "agreementProcId"),
        [730_001, 730_002, 730_003, 119]
    );
    let first = &all[0];
    assert_eq!(first["name"], "Погодження договорів постачання");
    assert_eq!(first["companyId"], seed.edin_demo_company_id());
    assert_eq!(first["company"]["companyId"], seed.edin_demo_company_id());
    assert_eq!(first["company"]["name"], "ТОВ «Ромашка-Україна»");
    assert_eq!(first["company"]["code"], "41728397");
    assert_eq!(first["status"], 1);
    assert_eq!(first["agrementSteps"], json!([]));
    assert_eq!(first["agreementProc2Docs"], json!([]));

    let cases: [(Query, &[i64]); 5] = [
        (&[("company_id", "104202")], &[730_003]),
        (&[("search_pattern", "ДОГОВОРІВ")], &[730_001]),
        (
            &[("search_pattern", "погодження")],
            &[730_001, 730_002, 730_003],
        ),
        (&[("status", "2")], &[730_002]),
        (&[("limit", "2"), ("status", "1")], &[730_001, 730_003]),
    ];
    for (query, expected) in cases {
        let (status, body) = list(&up, &sid, query).await;
        assert_eq!(status, 200, "{query:?}");
        assert_eq!(ids(&body, "agreementProcId"), expected, "{query:?}");
    }
    let other = seed.edin_other_company_id().to_string();
    assert_eq!(list(&up, &sid, &[("company_id", &other)]).await.0, 403);
    for bad in [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("status", "3"),
        ("company_id", "x"),
    ] {
        assert_eq!(list(&up, &sid, &[bad]).await.0, 400, "{bad:?}");
    }
    let other_sid = up.sb.issue_edin_session(EDIN_OTHER_EMAIL).expect("other");
    let (_, theirs) = list(&up, &other_sid, &[]).await;
    assert_eq!(ids(&theirs, "agreementProcId"), [730_004]);
}

#[tokio::test]
async fn processes_are_created_and_edited() {
    let up = start().await;
    let sid = demo_sid(&up);
    let company = up.sb.seed().edin_demo_company_id();
    let (status, created) = save_proc(
        &up,
        &sid,
        json!({"name": "Погодження рахунків", "companyId": company, "comment": "Вхідні рахунки"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["agreementProcId"].as_i64().expect("id");
    assert_eq!(id, 730_005);
    assert_eq!(
        created,
        json!({
            "agreementProcId": id,
            "company": created["company"].clone(),
            "companyId": company,
            "name": "Погодження рахунків",
            "comment": "Вхідні рахунки",
            "status": 1,
            "agreementProc2Docs": [],
            "agrementSteps": [],
        })
    );
    assert_eq!(created["company"]["companyId"], company);
    assert_eq!(created["company"]["uuID"].as_str().map(str::len), Some(36));
    let (_, all) = list(&up, &sid, &[("search_pattern", "рахунків")]).await;
    assert_eq!(ids(&all, "agreementProcId"), [id]);

    // Edit: the name changes, the comment stays when not given.
    let (status, edited) = save_proc(
        &up,
        &sid,
        json!({"agreementProcId": id, "name": "Погодження вхідних рахунків", "companyId": company.to_string()}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["name"], "Погодження вхідних рахунків");
    assert_eq!(edited["comment"], "Вхідні рахунки");
    // An edit of the seeded process keeps its steps and documents.
    let seeded = up.sb.seed().edin_process_id();
    let (_, p) = save_proc(
        &up,
        &sid,
        json!({"agreementProcId": seeded, "name": "Договори постачання", "companyId": company}),
    )
    .await;
    assert_eq!(p["agrementSteps"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        p["agreementProc2Docs"][0]["document"]["name"],
        "Договір постачання"
    );
    assert_eq!(p["agreementProc2Docs"][0]["dictionaryValue"], Value::Null);

    let other = up.sb.seed().edin_other_company_id();
    let refusals = [
        (
            json!({"agreementProcId": 999_999, "name": "x", "companyId": company}),
            404,
        ),
        (
            json!({"agreementProcId": 730_004, "name": "x", "companyId": other}),
            403,
        ),
        (json!({"name": "x", "companyId": other}), 403),
        (
            json!({"agreementProcId": id, "name": "x", "companyId": 104_202}),
            400,
        ),
        (json!({"name": "", "companyId": company}), 400),
        (json!({"comment": "no name", "companyId": company}), 400),
        (json!({"name": "no company"}), 400),
        (json!([1, 2]), 400),
    ];
    for (body, expected) in refusals {
        assert_eq!(
            save_proc(&up, &sid, body.clone()).await.0,
            expected,
            "{body}"
        );
    }
}

/// A4: `OPTIONS /bdoc/agreement_proc` with `query`.
async fn set_status(up: &Upstream, sid: &str, query: Query<'_>) -> reqwest::Response {
    call(up, Method::OPTIONS, PROC, query, Some(sid), None).await
}

#[tokio::test]
async fn an_options_request_blocks_and_unblocks_a_process() {
    let up = start().await;
    let sid = demo_sid(&up);
    let block = [("agreement_proc_id", "730001"), ("status", "2")];
    assert_empty_200(set_status(&up, &sid, &block).await).await;
    assert_eq!(up.sb.edin_process(730_001).expect("seeded").status, 2);
    let (_, blocked) = list(&up, &sid, &[("status", "2")]).await;
    assert_eq!(ids(&blocked, "agreementProcId"), [730_001, 730_002]);
    assert_eq!(blocked[0]["status"], 2);
    // The same status again is a 200 that changes nothing.
    assert_empty_200(set_status(&up, &sid, &block).await).await;
    // Unblock the seeded blocked one; the edit answer (A3) shows the status too.
    assert_empty_200(
        set_status(
            &up,
            &sid,
            &[("agreement_proc_id", "730002"), ("status", "1")],
        )
        .await,
    )
    .await;
    let (_, p) = save_proc(
        &up,
        &sid,
        json!({"agreementProcId": 730_002, "name": "Погодження актів", "companyId": 104_201}),
    )
    .await;
    assert_eq!(p["status"], 1);
    let (_, active) = list(&up, &sid, &[("status", "1")]).await;
    assert_eq!(ids(&active, "agreementProcId"), [730_002, 730_003, 119]);

    let cases: [(Query, u16, &str); 6] = [
        (
            &[("agreement_proc_id", "730001"), ("status", "3")],
            400,
            "Parameter 'status' must be 1 or 2",
        ),
        (
            &[("agreement_proc_id", "730001")],
            400,
            "Parameter 'status' is required",
        ),
        (
            &[("status", "1")],
            400,
            "Parameter 'agreement_proc_id' is required",
        ),
        (
            &[("agreement_proc_id", "730001"), ("status", "blocked")],
            400,
            "Parameter 'status' is not a valid number: 'blocked'",
        ),
        (
            &[("agreement_proc_id", "999999"), ("status", "1")],
            404,
            "Agreement process 999999 not found",
        ),
        (
            &[("agreement_proc_id", "730004"), ("status", "2")],
            403,
            "Access to company 104305 is denied",
        ),
    ];
    for (query, status, message) in cases {
        let (got, body) = reply(set_status(&up, &sid, query).await).await;
        assert_eq!((got, body["message"].as_str()), (status, Some(message)));
    }
    assert_eq!(up.sb.edin_process(730_004).expect("seeded").status, 1);

    let journal = up.sb.journal();
    assert_eq!(journal[0].method, "OPTIONS");
    assert_eq!(journal[0].path, PROC);
    assert_eq!(journal[0].raw_query, "agreement_proc_id=730001&status=2");
    assert_eq!(journal[0].status, 200);
    assert!(journal[0].body.is_empty());
    assert_eq!(journal.last().map(|e| e.status), Some(403));
}
