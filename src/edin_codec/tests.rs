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

// EDIN's spelling of a step body (api.md §3 A1, §5.1), accepted next to ours.

/// Every problem of a 400: (field, code, detail, allowed).
fn problems(r: Result<Vec<u8>, ApiError>) -> Vec<FieldProblem> {
    match r {
        Err(ApiError::Invalid(p)) => p,
        other => panic!("expected a 400, got {other:?}"),
    }
}

fn wire(body: &[u8], args: &Args) -> Value {
    serde_json::from_slice(&step(body, args).expect("valid")).expect("json")
}

/// The create example of EDIN's `PostAgreementStep` page (api.md §3 A1, source S2), pasted as
/// printed, tabs and all.
const CREATE_EXAMPLE: &str = r#"    {
	  "agreementProcId": 119,
	  "stepNumber": 0,
	  "agreementTaskType": "1",
	  "agreementExecType": "1",
	  "agreementExecPeriod": null,
	  "agreementStepPriority": null,
	  "agreementGroups": [
	    {
	      "groupId": 136,
	      "groupName": "Группа - 2 "
	    }
	  ]
	}"#;
/// The edit example of the same page, as printed.
const EDIT_EXAMPLE: &str = r#"	{
	  "agreementProcId": 119,
	  "stepNumber": 0,
	  "agreementStepId": 477,
	  "agreementTaskType": "1",
	  "agreementExecType": "1",
	  "agreementExecPeriod": null,
	  "agreementStepPriority": null,
	  "agreementGroups": [
	    {
	      "groupId": 136,
	      "groupName": "Группа - 2 "
	    }
	  ]
	}"#;
/// The same step in our spelling.
const CANONICAL: &str = r#"{"taskType":"approval","execType":"allOfGroup",
    "agreementGroups":[{"groupId":136,"groupName":"Группа - 2 "}]}"#;

#[test]
fn the_documented_create_example_is_written_exactly_as_the_canonical_body() {
    let args = path("119", None);
    let from_example = step(CREATE_EXAMPLE.as_bytes(), &args).expect("the example is valid");
    assert_eq!(
        from_example,
        step(CANONICAL.as_bytes(), &args).expect("valid"),
        "byte for byte"
    );
    let written: Value = serde_json::from_slice(&from_example).expect("json");
    let printed: Value = serde_json::from_str(CREATE_EXAMPLE).expect("json");
    assert_eq!(written, printed, "what EDIN documents is what it gets");
}

#[test]
fn the_documented_edit_example_is_written_as_the_canonical_edit() {
    let args = path("119", Some("477"));
    assert_eq!(
        step(EDIT_EXAMPLE.as_bytes(), &args).expect("the example is valid"),
        step(CANONICAL.as_bytes(), &args).expect("valid")
    );
    assert_eq!(wire(EDIT_EXAMPLE.as_bytes(), &args)["agreementStepId"], 477);
}

#[test]
fn edin_codes_are_read_as_strings_or_numbers() {
    let args = path("5", None);
    let ours = wire(
        br#"{"taskType":"signing","execType":"anyOfGroup","agreementGroups":[{"groupId":7}]}"#,
        &args,
    );
    for body in [
        &br#"{"agreementTaskType":2,"agreementExecType":"2","agreementGroups":[{"groupId":7}]}"#[..],
        br#"{"agreementTaskType":"2","agreementExecType":2,"agreementGroups":[{"groupId":7}]}"#,
    ] {
        assert_eq!(wire(body, &args), ours);
    }
    assert_eq!(ours["agreementTaskType"], "2");
}

#[test]
fn period_and_priority_in_edin_spelling_are_ours_and_null_is_absent() {
    let args = path("5", None);
    let theirs = wire(
        br#"{"agreementTaskType":"3","agreementExecType":"1","agreementExecPeriod":4,
            "agreementStepPriority":2,"agreementGroups":[{"groupId":7}]}"#,
        &args,
    );
    let ours = wire(
        br#"{"taskType":"notification","execType":"allOfGroup","periodDays":4,"priority":2,
            "agreementGroups":[{"groupId":7}]}"#,
        &args,
    );
    assert_eq!(theirs, ours);
    assert_eq!(theirs["agreementExecPeriod"], 4);
    // `null` in one spelling is no value, so it does not clash with the other.
    let mixed_with_null = wire(
        br#"{"taskType":"notification","agreementTaskType":null,"execType":"allOfGroup",
            "periodDays":4,"agreementExecPeriod":null,"agreementStepPriority":2,"priority":null,
            "agreementGroups":[{"groupId":7}]}"#,
        &args,
    );
    assert_eq!(mixed_with_null, ours);
    let negative = problems(step(
        br#"{"agreementTaskType":"1","agreementExecType":"1","agreementExecPeriod":-1,
            "agreementStepPriority":-1,"agreementGroups":[{"groupId":7}]}"#,
        &args,
    ));
    let fields: Vec<_> = negative.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["agreementExecPeriod", "agreementStepPriority"]);
}

#[test]
fn an_unknown_edin_code_lists_the_allowed_codes() {
    let found = problems(step(
        br#"{"agreementTaskType":"9","agreementExecType":3,"agreementGroups":[{"groupId":7}]}"#,
        &path("5", None),
    ));
    let seen: Vec<_> = found
        .iter()
        .map(|p| (p.field.as_str(), p.code, p.allowed.clone()))
        .collect();
    let codes = |c: &[&str]| Some(c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    assert_eq!(
        seen,
        [
            (
                "agreementTaskType",
                ProblemCode::UnknownEnumValue,
                codes(&["1", "2", "3"])
            ),
            (
                "agreementExecType",
                ProblemCode::UnknownEnumValue,
                codes(&["1", "2"])
            ),
        ]
    );
    // A code is its exact decimal text; a name is not a code; a fraction is not a code at all.
    for (body, code) in [
        (
            &br#"{"agreementTaskType":"01","agreementExecType":"1","agreementGroups":[{"groupId":7}]}"#[..],
            ProblemCode::UnknownEnumValue,
        ),
        (
            br#"{"agreementTaskType":"approval","agreementExecType":"1","agreementGroups":[{"groupId":7}]}"#,
            ProblemCode::UnknownEnumValue,
        ),
        (
            br#"{"agreementTaskType":1.5,"agreementExecType":"1","agreementGroups":[{"groupId":7}]}"#,
            ProblemCode::WrongType,
        ),
    ] {
        let found = problems(step(body, &path("5", None)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].field.as_str(), found[0].code), ("agreementTaskType", code));
    }
}

#[test]
fn a_field_in_both_spellings_is_a_duplicate_naming_both() {
    let found = problems(step(
        br#"{"taskType":"approval","agreementTaskType":"1","execType":"allOfGroup",
            "agreementExecType":1,"periodDays":1,"agreementExecPeriod":1,"priority":1,
            "agreementStepPriority":1,"agreementGroups":[{"groupId":7,"groupID":7}]}"#,
        &path("5", None),
    ));
    let seen: Vec<_> = found.iter().map(|p| (p.field.as_str(), p.code)).collect();
    assert_eq!(
        seen,
        [
            ("taskType", ProblemCode::Duplicate),
            ("execType", ProblemCode::Duplicate),
            ("periodDays", ProblemCode::Duplicate),
            ("priority", ProblemCode::Duplicate),
            ("agreementGroups[0].groupId", ProblemCode::Duplicate),
        ]
    );
    for (p, theirs) in found.iter().zip([
        "agreementTaskType",
        "agreementExecType",
        "agreementExecPeriod",
        "agreementStepPriority",
        "groupID",
    ]) {
        let ours = p.field.rsplit('.').next().expect("a name");
        assert!(
            p.detail.contains(&format!("\"{ours}\""))
                && p.detail.contains(&format!("\"{theirs}\"")),
            "{}",
            p.detail
        );
    }
}

#[test]
fn groups_accept_the_tables_group_id_spelling() {
    let args = path("5", None);
    assert_eq!(
        wire(
            br#"{"taskType":"approval","execType":"allOfGroup","agreementGroups":[{"groupID":7,"groupName":"L"}]}"#,
            &args
        ),
        wire(
            br#"{"taskType":"approval","execType":"allOfGroup","agreementGroups":[{"groupId":7,"groupName":"L"}]}"#,
            &args
        )
    );
    // The same group in two spellings is still the same group twice; a bad id names its spelling.
    let found = problems(step(
        br#"{"taskType":"approval","execType":"allOfGroup",
            "agreementGroups":[{"groupId":7},{"groupID":7},{"groupID":0},{"groupName":"no id"}]}"#,
        &args,
    ));
    let seen: Vec<_> = found.iter().map(|p| (p.field.as_str(), p.code)).collect();
    assert_eq!(
        seen,
        [
            ("agreementGroups[1].groupID", ProblemCode::Duplicate),
            ("agreementGroups[2].groupID", ProblemCode::OutOfRange),
            ("agreementGroups[3].groupId", ProblemCode::MissingRequired),
        ]
    );
}

#[test]
fn agreement_proc_id_must_be_the_paths_proc_id() {
    let body = |id: &str| {
        format!(
            r#"{{"agreementProcId":{id},"agreementTaskType":"1","agreementExecType":"1","agreementGroups":[{{"groupId":7}}]}}"#
        )
    };
    assert_eq!(
        wire(body("5").as_bytes(), &path("5", None))["agreementProcId"],
        5
    );
    assert_eq!(
        wire(body("null").as_bytes(), &path("5", None))["agreementProcId"],
        5
    );
    for args in [path("5", None), path("5", Some("9"))] {
        let found = problems(step(body("6").as_bytes(), &args));
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].field.as_str(), found[0].code),
            ("agreementProcId", ProblemCode::OutOfRange)
        );
        assert!(
            found[0].detail.contains("procId (5)"),
            "{}",
            found[0].detail
        );
    }
}

#[test]
fn agreement_step_id_must_be_the_paths_step_id_and_is_refused_when_adding() {
    let body = |id: i64| {
        format!(
            r#"{{"agreementStepId":{id},"agreementTaskType":"1","agreementExecType":"1","agreementGroups":[{{"groupId":7}}]}}"#
        )
    };
    assert_eq!(
        wire(body(9).as_bytes(), &path("5", Some("9")))["agreementStepId"],
        9
    );
    let edit = problems(step(body(8).as_bytes(), &path("5", Some("9"))));
    assert_eq!(
        (edit[0].field.as_str(), edit[0].code, edit.len()),
        ("agreementStepId", ProblemCode::OutOfRange, 1)
    );
    let add = problems(step(body(9).as_bytes(), &path("5", None)));
    assert_eq!(
        (add[0].field.as_str(), add[0].code, add.len()),
        ("agreementStepId", ProblemCode::UnknownField, 1)
    );
}

#[test]
fn step_number_is_zero_when_adding_and_an_ignored_echo_when_editing() {
    let body = |n: i64| {
        format!(
            r#"{{"stepNumber":{n},"taskType":"approval","execType":"allOfGroup","agreementGroups":[{{"groupId":7}}]}}"#
        )
    };
    let plain =
        br#"{"taskType":"approval","execType":"allOfGroup","agreementGroups":[{"groupId":7}]}"#;
    let (add, edit) = (path("5", None), path("5", Some("9")));
    assert_eq!(
        step(body(0).as_bytes(), &add).expect("0 is EDIN's own placeholder"),
        step(plain, &add).expect("valid")
    );
    let found = problems(step(body(2).as_bytes(), &add));
    assert_eq!(
        (found[0].field.as_str(), found[0].code, found.len()),
        ("stepNumber", ProblemCode::OutOfRange, 1)
    );
    // Editing: the step's position as EDIN gave it (our replies show it), or the examples' 0;
    // EDIN numbers the steps, so it is never passed on.
    for n in [0, 3] {
        let written = step(body(n).as_bytes(), &edit).expect("an echo");
        assert_eq!(written, step(plain, &edit).expect("valid"));
        let written: Value = serde_json::from_slice(&written).expect("json");
        assert!(written.get("stepNumber").is_none());
    }
    let found = problems(step(body(-1).as_bytes(), &edit));
    assert_eq!(
        (found[0].field.as_str(), found[0].code, found.len()),
        ("stepNumber", ProblemCode::OutOfRange, 1)
    );
}

#[test]
fn every_problem_in_edin_spelling_is_named_in_one_400() {
    let found = problems(step(
        br#"{"agreementProcId":6,"agreementStepId":3,"stepNumber":1,"agreementTaskType":"9",
            "agreementExecPeriod":-1,"groupNames":"G","agreementGroups":[{"groupID":-7}]}"#,
        &path("5", None),
    ));
    let mut fields: Vec<_> = found.into_iter().map(|p| p.field).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "agreementExecPeriod",
            "agreementGroups[0].groupID",
            "agreementProcId",
            "agreementStepId",
            "agreementTaskType",
            "execType",
            "groupNames",
            "stepNumber",
        ]
    );
}
