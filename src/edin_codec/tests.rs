//! The EDIN codecs against the documented examples and every rule.

use super::*;
use serde_json::Value;

fn invalid_fields(r: Result<Vec<u8>, ApiError>) -> Vec<String> {
    match r {
        Err(ApiError::Invalid(p)) => p.into_iter().map(|p| p.field).collect(),
        other => panic!("expected a 400, got {other:?}"),
    }
}

fn path(proc_id: &str, step_id: Option<&str>) -> Args {
    let mut args = Args::default();
    args.values
        .push((&crate::routes::edin::PROC_ID, proc_id.to_owned()));
    if let Some(s) = step_id {
        args.values
            .push((&crate::routes::edin::STEP_ID, s.to_owned()));
    }
    args
}

#[test]
fn a_step_is_written_as_the_documented_example() {
    let body = br#"{"taskType":"approval","execType":"anyOfGroup","agreementGroups":[{"groupId":7,"groupName":"Legal"}]}"#;
    let created: Value =
        serde_json::from_slice(&step(body, &path("5", None)).expect("valid")).expect("json");
    assert_eq!(
        created,
        serde_json::json!({
            "agreementProcId": 5,
            "agreementTaskType": "1",
            "agreementExecType": "2",
            "agreementExecPeriod": null,
            "agreementStepPriority": null,
            "stepNumber": 0,
            "agreementGroups": [{"groupId": 7, "groupName": "Legal"}]
        })
    );
    let edited: Value =
        serde_json::from_slice(&step(body, &path("5", Some("9"))).expect("valid")).expect("json");
    assert_eq!(edited["agreementStepId"], 9);
    assert!(edited.get("stepNumber").is_none());
}

#[test]
fn every_step_problem_is_named() {
    let body = br#"{"taskType":"vote","periodDays":-1,"priority":-2,"extra":1,
        "agreementGroups":[{"groupId":0},{"groupId":2,"x":1},{"groupId":2},{"groupId":4},{"groupId":5},{"groupId":6}]}"#;
    let mut fields = invalid_fields(step(body, &Args::default()));
    fields.sort();
    assert_eq!(
        fields,
        [
            "agreementGroups",
            "agreementGroups[0].groupId",
            "agreementGroups[1].x",
            "agreementGroups[2].groupId",
            "execType",
            "extra",
            "periodDays",
            "priority",
            "taskType",
        ]
    );
}

#[test]
fn wrong_types_name_their_path() {
    let body = br#"{"taskType":"approval","execType":"allOfGroup","agreementGroups":[{"groupId":"seven"}]}"#;
    assert_eq!(
        invalid_fields(step(body, &Args::default())),
        ["agreementGroups[0].groupId"]
    );
    assert_eq!(invalid_fields(process(b"{", &Args::default())), [""]);
}

#[test]
fn a_process_needs_a_name_and_a_positive_company() {
    let mut fields = invalid_fields(process(
        br#"{"name":"  ","companyId":-3}"#,
        &Args::default(),
    ));
    fields.sort();
    assert_eq!(fields, ["companyId", "name"]);
    let wire: Value = serde_json::from_slice(
        &process(
            br#"{"name":" Supply ","companyId":12,"comment":"c"}"#,
            &Args::default(),
        )
        .expect("valid"),
    )
    .expect("json");
    assert_eq!(
        wire,
        serde_json::json!({"name":"Supply","companyId":12,"comment":"c"})
    );
}

#[test]
fn replies_are_read_leniently_and_written_clean() {
    let upstream = br#"{"agreementProcId":5,"companyID":12,"name":"P","status":1,
        "agreementProc2Docs":null,
        "agrementSteps":[{"agreementStepId":9,"agreementProcId":5,"agreementTaskType":"2",
          "agreementExecType":1,"agreementExecPeriod":0,"agreementStepPriority":3,"stepNumber":1,
          "groupNames":"G","userIds":[1],
          "agreementGroups":[{"groupID":7,"companyId":12,"groupName":"G",
            "users":[{"userId":1,"email":"a@b.c","password":"secret","isOwner":1}]}]}]}"#;
    let ours: Value =
        serde_json::from_slice(&read_process(upstream).expect("reads")).expect("json");
    assert_eq!(ours["companyId"], 12);
    assert_eq!(ours["status"], "active");
    assert_eq!(ours["agreementProc2Docs"], serde_json::json!([]));
    let step = &ours["agreementSteps"][0];
    assert_eq!(step["taskType"], "signing");
    assert_eq!(step["execType"], "allOfGroup");
    assert_eq!(step["periodDays"], 0);
    assert_eq!(step["agreementGroups"][0]["groupId"], 7);
    let user = &step["agreementGroups"][0]["users"][0];
    assert_eq!(user["isOwner"], true);
    assert!(
        user.get("password").is_none(),
        "passwords are never passed on"
    );
    assert!(ours.get("agrementSteps").is_none());
}

#[test]
fn an_unknown_code_or_a_missing_id_is_a_502() {
    for bad in [
        &br#"{"agreementProcId":5,"agrementSteps":[{"agreementStepId":1,"agreementTaskType":9,"agreementExecType":1}]}"#[..],
        br#"{"name":"no id"}"#,
        b"<html>login</html>",
    ] {
        assert!(matches!(read_process(bad), Err(ApiError::BadGateway(_))));
    }
}

#[test]
fn the_login_hands_over_typed_credentials_and_never_prints_the_password() {
    let login = login(br#"{"email":"demo@example.com","password":"hunter2-secret"}"#)
        .expect("valid credentials");
    assert_eq!(login.email, "demo@example.com");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&login.password),
        "hunter2-secret"
    );
    let printed = format!("{login:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    let input: Credentials =
        serde_json::from_slice(br#"{"email":"a@b.c","password":"hunter2-secret"}"#).expect("json");
    assert!(!format!("{input:?}").contains("hunter2"));
}

#[test]
fn every_login_problem_is_named() {
    let fields = |body: &[u8]| match login(body) {
        Err(ApiError::Invalid(p)) => p.into_iter().map(|p| p.field).collect::<Vec<_>>(),
        other => panic!("expected a 400, got {other:?}"),
    };
    assert_eq!(
        fields(br#"{"password":"   ","x":1}"#),
        ["x", "email", "password"]
    );
    assert_eq!(
        fields(br#"{"email":"no-at-sign","password":"p"}"#),
        ["email"]
    );
}

mod spelling;
