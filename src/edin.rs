//! JSON ⇄ EDIN JSON: the codecs the EDIN routes name in `routes/edin.rs`.
//!
//! * Request codecs read the caller's JSON into a Rust type (`serde_path_to_error` names the
//!   path of a wrong type), check every rule api.md states (required fields, at most 5 groups
//!   per step, non-negative period and priority, positive ids) and report **every** problem in
//!   one 400; then they write the upstream's own JSON, as the docs' examples spell it: the two
//!   type codes as strings (`"1"`), an unset period or priority as `null`, `stepNumber: 0` on
//!   create, groups as `{groupId, groupName}`, and the ids of the object edited taken from the
//!   path.
//! * Reply codecs read the upstream's JSON into the types of `edin/model.rs` (lenient towards
//!   its spelling) and write ours; a reply that does not fit is a 502, never a panic and never
//!   a half-read object.

pub mod model;

use std::collections::BTreeMap;

use edi_transcode::{FieldProblem, ProblemCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

use crate::error::{ApiError, problem};
use crate::params::Args;
use model::{AgreementProc, ExecType, TaskType};

/// Most executor groups per step (api.md §3, domain rules: a UI limit of 5).
pub const MAX_GROUPS: usize = 5;
/// Longest name we pass on; EDIN documents none, and a process name is a short title.
const MAX_NAME: usize = 255;
/// Longest comment we pass on (EDIN documents none).
const MAX_COMMENT: usize = 2000;

/// EDIN login: an e-mail and a password.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::Credentials)]
pub struct Credentials {
    /// The EDIN login: an e-mail address.
    #[schema(required = true, value_type = String, format = Email, max_length = 254, pattern = r"\S")]
    pub email: Option<String>,
    /// The password (not blank).
    #[schema(
        required = true,
        value_type = String,
        format = Password,
        min_length = 1,
        max_length = 1024,
        pattern = r"\S"
    )]
    pub password: Option<String>,
    #[serde(flatten, skip_serializing)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// An approval process, as callers create or edit it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::ProcessInput)]
pub struct ProcessInput {
    /// Name of the process (not blank; trimmed).
    #[schema(
        required = true,
        value_type = String,
        min_length = 1,
        max_length = 255,
        pattern = r"\S"
    )]
    name: Option<String>,
    /// The owning company.
    #[schema(required = true, value_type = i64, minimum = 1)]
    company_id: Option<i64>,
    /// Free text.
    #[schema(required = false, value_type = String, max_length = 2000)]
    comment: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// A step, as callers add or edit it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::StepInput)]
pub struct StepInput {
    /// What the executors do.
    #[schema(required = true, value_type = TaskType)]
    task_type: Option<String>,
    /// Whether every member of each group must act, or any one.
    #[schema(required = true, value_type = ExecType)]
    exec_type: Option<String>,
    /// Deadline in days.
    #[schema(required = false, value_type = i64, minimum = 0)]
    period_days: Option<i64>,
    /// Higher runs earlier; EDIN numbers the steps.
    #[schema(required = false, value_type = i64, minimum = 0)]
    priority: Option<i64>,
    /// The executor groups, 1 to 5.
    #[schema(required = true, value_type = Vec<GroupRef>, min_items = 1, max_items = 5)]
    agreement_groups: Option<Vec<GroupRef>>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// An executor group of a step, by id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::GroupRef)]
pub struct GroupRef {
    /// The group's id.
    #[schema(required = true, value_type = i64, minimum = 1)]
    group_id: Option<i64>,
    /// Its name (informational).
    #[schema(required = false, value_type = String, max_length = 255)]
    group_name: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// Registers `T`'s schema and the ones it refers to; returns a `$ref` to it.
pub fn schema_of<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    T::schemas(out);
    out.push((T::name().into_owned(), T::schema()));
    Ref::from_schema_name(T::name()).into()
}

/// An array of `T`.
pub fn list_of<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(schema_of::<T>(out))
        .build()
        .into()
}

/// `POST /bdoc/agreement_proc` body (api.md §3 A3).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireProc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    agreement_proc_id: Option<i64>,
    name: &'a str,
    company_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
}

/// `POST /bdoc/agreement_step` body (api.md §3 A1, §5.1 and its examples).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireStep<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    agreement_step_id: Option<i64>,
    agreement_proc_id: i64,
    agreement_task_type: String,
    agreement_exec_type: String,
    agreement_exec_period: Option<i64>,
    agreement_step_priority: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step_number: Option<i64>,
    agreement_groups: Vec<WireGroup<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireGroup<'a> {
    group_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<&'a str>,
}

/// Collects problems with their paths.
#[derive(Default)]
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn push(&mut self, code: ProblemCode, field: impl Into<String>, detail: impl Into<String>) {
        self.0.push(FieldProblem {
            field: field.into(),
            code,
            detail: detail.into(),
            allowed: None,
        });
    }

    fn unknown(&mut self, prefix: &str, keys: &BTreeMap<String, Value>) {
        for key in keys.keys() {
            self.push(
                ProblemCode::UnknownField,
                format!("{prefix}{key}"),
                "unknown field",
            );
        }
    }

    fn required<'a, T>(&mut self, field: &str, value: Option<&'a T>) -> Option<&'a T> {
        if value.is_none() {
            self.push(ProblemCode::MissingRequired, field, "required");
        }
        value
    }

    fn text(&mut self, field: &str, value: Option<&String>, required: bool, max: usize) {
        match value {
            None if required => self.push(ProblemCode::MissingRequired, field, "required"),
            Some(v) if required && v.trim().is_empty() => {
                self.push(ProblemCode::MissingRequired, field, "must not be empty");
            }
            Some(v) if v.chars().count() > max => self.push(
                ProblemCode::OutOfRange,
                field,
                format!("at most {max} characters"),
            ),
            _ => {}
        }
    }

    fn positive(&mut self, field: &str, value: Option<i64>) {
        if value.is_some_and(|v| v <= 0) {
            self.push(ProblemCode::OutOfRange, field, "must be a positive id");
        }
    }

    fn non_negative(&mut self, field: &str, value: Option<i64>) {
        if value.is_some_and(|v| v < 0) {
            self.push(ProblemCode::OutOfRange, field, "must be 0 or more");
        }
    }

    fn named<T>(
        &mut self,
        field: &str,
        value: Option<&String>,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let value = self.required(field, value)?;
        let parsed = parse(value);
        if parsed.is_none() {
            self.0.push(FieldProblem {
                field: field.to_owned(),
                code: ProblemCode::UnknownEnumValue,
                detail: format!("unknown value {value:?}"),
                allowed: Some(names.iter().map(|n| (*n).to_owned()).collect()),
            });
        }
        parsed
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.0))
        }
    }
}

/// Reads the caller's JSON as `T`; a syntax error or a value of the wrong type is a 400 naming
/// its path.
fn read<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (code, field) = if inner.is_syntax() || inner.is_eof() {
            (ProblemCode::InvalidJson, String::new())
        } else {
            (
                ProblemCode::WrongType,
                if path == "." { String::new() } else { path },
            )
        };
        ApiError::Invalid(vec![FieldProblem {
            field,
            code,
            detail: inner.to_string(),
            allowed: None,
        }])
    })
}

fn to_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Login body: `{"email", "password"}`, both required. Re-written as validated JSON, which the
/// login call reads back.
pub fn credentials(body: &[u8], _args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: Credentials = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    match input.email.as_deref().map(str::trim) {
        None => p.push(ProblemCode::MissingRequired, "email", "required"),
        Some(e) if !e.contains('@') || e.len() > 254 => {
            p.push(
                ProblemCode::InvalidFormat,
                "email",
                "must be an e-mail address",
            );
        }
        Some(_) => {}
    }
    p.text("password", input.password.as_ref(), true, 1024);
    p.finish()?;
    to_vec(&input)
}

/// Create (no `procId` in the path) or edit a process: `{"name", "companyId", "comment"}`.
pub fn process(body: &[u8], args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: ProcessInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    p.text("name", input.name.as_ref(), true, MAX_NAME);
    p.required("companyId", input.company_id.as_ref());
    p.positive("companyId", input.company_id);
    p.text("comment", input.comment.as_ref(), false, MAX_COMMENT);
    p.finish()?;
    let (Some(name), Some(company_id)) = (input.name.as_deref(), input.company_id) else {
        return Err(ApiError::Internal(
            "validated process lost a field".to_owned(),
        ));
    };
    to_vec(&WireProc {
        agreement_proc_id: args.int("procId"),
        name: name.trim(),
        company_id,
        comment: input.comment.as_deref(),
    })
}

/// Create (no `stepId` in the path) or edit a step of the process `procId`.
pub fn step(body: &[u8], args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: StepInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    let task = p.named(
        "taskType",
        input.task_type.as_ref(),
        TaskType::NAMES,
        TaskType::from_name,
    );
    let exec = p.named(
        "execType",
        input.exec_type.as_ref(),
        ExecType::NAMES,
        ExecType::from_name,
    );
    p.non_negative("periodDays", input.period_days);
    p.non_negative("priority", input.priority);
    let groups = p
        .required("agreementGroups", input.agreement_groups.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    if input.agreement_groups.is_some() && groups.is_empty() {
        p.push(
            ProblemCode::MissingRequired,
            "agreementGroups",
            "at least one group is required",
        );
    }
    if groups.len() > MAX_GROUPS {
        p.push(
            ProblemCode::OutOfRange,
            "agreementGroups",
            format!("at most {MAX_GROUPS} groups per step, got {}", groups.len()),
        );
    }
    for (i, g) in groups.iter().enumerate() {
        let at = format!("agreementGroups[{i}].");
        p.unknown(&at, &g.unknown);
        p.required(&format!("{at}groupId"), g.group_id.as_ref());
        p.positive(&format!("{at}groupId"), g.group_id);
        if g.group_id.is_some() && groups[..i].iter().any(|o| o.group_id == g.group_id) {
            p.push(
                ProblemCode::Duplicate,
                format!("{at}groupId"),
                "the same group twice",
            );
        }
        p.text(
            &format!("{at}groupName"),
            g.group_name.as_ref(),
            false,
            MAX_NAME,
        );
    }
    p.finish()?;
    let (Some(task), Some(exec), Some(proc_id)) = (task, exec, args.int("procId")) else {
        return Err(ApiError::Internal("validated step lost a field".to_owned()));
    };
    let step_id = args.int("stepId");
    to_vec(&WireStep {
        agreement_step_id: step_id,
        agreement_proc_id: proc_id,
        agreement_task_type: task.code().to_string(),
        agreement_exec_type: exec.code().to_string(),
        agreement_exec_period: input.period_days,
        agreement_step_priority: input.priority,
        // The documented create example sends `stepNumber: 0` (EDIN numbers steps itself); an
        // edit leaves it out rather than risk renumbering.
        step_number: step_id.is_none().then_some(0),
        agreement_groups: groups
            .iter()
            .filter_map(|g| {
                Some(WireGroup {
                    group_id: g.group_id?,
                    group_name: g.group_name.as_deref(),
                })
            })
            .collect(),
    })
}

/// Reads an upstream reply as `T` and writes it in our JSON; anything that does not fit is a 502.
fn reply<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        ApiError::BadGateway(format!(
            "unreadable EDIN reply at {}: {}",
            e.path(),
            e.inner()
        ))
    })?;
    to_vec(&value)
}

/// One process (the reply of every write).
pub fn read_process(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    reply::<AgreementProc>(body)
}

/// A list of processes.
pub fn read_processes(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    reply::<Vec<AgreementProc>>(body)
}

/// The login's validated credentials, read back.
pub fn login_credentials(body: &[u8]) -> Result<(String, secrecy::SecretString), ApiError> {
    let c: Credentials =
        serde_json::from_slice(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    match (c.email, c.password) {
        (Some(email), Some(password)) => Ok((
            email.trim().to_owned(),
            secrecy::SecretString::from(password),
        )),
        _ => Err(ApiError::Invalid(vec![problem("email", "required")])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            serde_json::from_slice(&step(body, &path("5", Some("9"))).expect("valid"))
                .expect("json");
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
}
