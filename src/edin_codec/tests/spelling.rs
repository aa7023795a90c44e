//! EDIN's spelling of a step body (api.md §3 A1, §5.1), accepted next to ours.

use super::super::*;
use super::path;
use serde_json::Value;

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

/// The create example of EDIN's `PostAgreementStep` page (api.md §3 A1, source S2), as printed,
/// tabs and all (vendored in reference/edin/examples).
const CREATE_EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/reference/edin/examples/PostAgreementStep-create.json"
));
/// The edit example of the same page, as printed.
const EDIT_EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/reference/edin/examples/PostAgreementStep-edit.json"
));
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
