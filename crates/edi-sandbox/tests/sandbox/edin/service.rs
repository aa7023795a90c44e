//! What every EDIN path shares: 404 and 405 in EDIN's JSON, injected faults and held replies,
//! and junk input that must never get a 5xx.

use edi_sandbox::Sandbox;
use reqwest::Method;
use serde_json::json;

use super::{
    DOC_TYPES, GROUP, GROUP_USERS, GROUPS, PROC, PROC_DOC, PROCS, STEP, call, demo_sid, reply,
};
use crate::helpers::{start, start_with};

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_in_json() {
    let up = start().await;
    let sid = demo_sid(&up);
    let (status, body) =
        reply(call(&up, Method::GET, "/bdoc/nowhere", &[], Some(&sid), None).await).await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "No method is mapped to /bdoc/nowhere");
    assert_eq!(
        reply(
            call(
                &up,
                Method::POST,
                "/bdoc/Agreement_Procs",
                &[],
                Some(&sid),
                None
            )
            .await
        )
        .await
        .0,
        404,
        "paths are case-sensitive"
    );
    let r = call(&up, Method::GET, STEP, &[], None, None).await;
    assert_eq!(r.headers()["allow"], "POST, DELETE");
    assert_eq!(reply(r).await.0, 405);
    let r = call(&up, Method::GET, PROCS, &[], Some(&sid), None).await;
    assert_eq!(r.headers()["allow"], "POST");
    let (status, body) = reply(r).await;
    assert_eq!(status, 405);
    assert_eq!(
        body,
        json!({"status": 405, "message": "The requested resource does not support this HTTP method; use POST"})
    );
    for (method, path, allow) in [
        (Method::GET, PROC, "POST, OPTIONS"),
        (Method::POST, PROC_DOC, "PUT, DELETE"),
        (Method::POST, GROUPS, "GET"),
        (Method::PUT, GROUP, "GET, POST, DELETE"),
        (Method::POST, GROUP_USERS, "PATCH"),
        (Method::POST, DOC_TYPES, "GET"),
    ] {
        let r = call(&up, method.clone(), path, &[], Some(&sid), None).await;
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        assert_eq!(reply(r).await.0, 405, "{method} {path}");
    }
    // Diadoc paths still answer as Diadoc.
    let r = up.get("/GetMyOrganizations", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-kontur-trace-id"));
}

#[tokio::test]
async fn faults_and_held_replies_apply_to_edin_too() {
    let up = start_with(Sandbox::builder().fail_next(1, 503, "maintenance")).await;
    let sid = demo_sid(&up);
    let r = call(&up, Method::POST, PROCS, &[], Some(&sid), None).await;
    assert_eq!(r.status(), 503);
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    assert!(!r.headers().contains_key("x-diadoc-errorcode"));
    assert_eq!(r.text().await.expect("text"), "maintenance");
    let gate = up.sb.hold();
    let arrived = up.sb.received() + 1;
    let held = tokio::spawn({
        let request = up
            .client
            .post(up.url(PROCS))
            .header("cookie", format!("SID={sid}"));
        async move { request.send().await.expect("answered").status() }
    });
    up.sb.wait_for_calls(arrived).await;
    assert_eq!(
        up.sb.journal().last().map(|e| e.status),
        Some(200),
        "journaled with its status while held"
    );
    assert!(!held.is_finished(), "held until released");
    gate.release();
    assert_eq!(held.await.expect("task"), 200);
    let statuses: Vec<u16> = up.sb.journal().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [503, 200]);
}

#[tokio::test]
async fn junk_input_never_gets_a_5xx() {
    let up = start().await;
    let sid = demo_sid(&up);
    let bodies: [&[u8]; 5] = [
        b"",
        b"\xff\xfe",
        b"null",
        br#"{"agreementProcId":"1e99","agreementGroups":{"groupId":1},"name":7}"#,
        b"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n",
    ];
    let queries = [
        "company_id=%FF&limit=99999999999999999999&status=-0",
        "agreement_proc_id=&agreement_step_id=%00&search_pattern=%E2%82%AC",
        "agreement_group_id=99999999999999999999&dict_val_id=-0&offset=%FF&use_type=&type=1e3",
    ];
    // Logout last: after it the session is gone and every call would be a 401.
    for path in [
        "/bdoc/auth_uuid",
        "/bdoc/auth",
        PROCS,
        PROC,
        STEP,
        GROUPS,
        GROUP,
        GROUP_USERS,
        PROC_DOC,
        DOC_TYPES,
        "/bdoc/logout",
    ] {
        for query in queries {
            for body in bodies {
                for method in [
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                    Method::OPTIONS,
                ] {
                    for content_type in ["application/json", "multipart/form-data; boundary=x"] {
                        let r = up
                            .client
                            .request(method.clone(), format!("{}?{query}", up.url(path)))
                            .header("cookie", format!("SID={sid}"))
                            .header("content-type", content_type)
                            .body(body.to_vec())
                            .send()
                            .await
                            .expect("answered");
                        let status = r.status().as_u16();
                        assert!(
                            (200..500).contains(&status),
                            "{method} {path}?{query} → {status}"
                        );
                    }
                }
            }
        }
    }
}
