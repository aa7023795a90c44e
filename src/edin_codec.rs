//! JSON ⇄ EDIN JSON: the codecs the EDIN routes name in `routes/edin.rs`.
//!
//! * Request codecs read the caller's JSON into the types of `edin_codec/input.rs`
//!   (`serde_path_to_error` names the path of a wrong type), check every rule api.md states
//!   (required fields, at most 5 groups per step, non-negative period and priority, positive
//!   ids) and report **every** problem in one 400 (`problems.rs`); then they write the
//!   upstream's own JSON (`wire.rs`), as the docs' examples spell it: the two type codes as
//!   strings (`"1"`), an unset period or priority as `null`, `stepNumber: 0` on create, groups as
//!   `{groupId, groupName}`, and the ids of the object edited taken from the path.
//! * The login's codec hands typed values to the login call (`Login`): the password stays a
//!   `SecretString` all the way.
//! * Reply codecs read the upstream's JSON into the types of `edin_codec/model.rs` (lenient
//!   towards its spelling) and write ours; a reply that does not fit is a 502, never a panic and
//!   never a half-read object.

pub mod groups;
mod input;
pub mod model;
mod problems;
#[cfg(test)]
mod tests;
mod wire;

use edi_transcode::{FieldProblem, ProblemCode};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::params::Args;
use input::{COMMENT_RULE, EMAIL_RULE, GROUP_NAME_RULE, NAME_RULE, PASSWORD_RULE};
pub use input::{Credentials, GroupRef, MAX_GROUPS, ProcessInput, StepInput};
use model::{AgreementProc, ExecType, TaskType};
use problems::Problems;
use wire::{WireGroup, WireProc, WireStep};

/// The login's credentials, validated: handed to the login call as typed values.
#[derive(Debug)]
pub struct Login {
    /// The EDIN e-mail.
    pub email: String,
    /// The password.
    pub password: SecretString,
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

/// Login body: `{"email", "password"}`, both required.
pub fn login(body: &[u8]) -> Result<Login, ApiError> {
    let input: Credentials = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    p.text("email", input.email.as_deref(), true, &EMAIL_RULE);
    p.text(
        "password",
        input
            .password
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret),
        true,
        &PASSWORD_RULE,
    );
    p.finish()?;
    match (input.email, input.password) {
        (Some(email), Some(password)) => Ok(Login { email, password }),
        _ => Err(ApiError::Internal(
            "validated credentials lost a field".to_owned(),
        )),
    }
}

/// Create (no `procId` in the path) or edit a process: `{"name", "companyId", "comment"}`.
pub fn process(body: &[u8], args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: ProcessInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    p.text("name", input.name.as_deref(), true, &NAME_RULE);
    p.required("companyId", input.company_id.as_ref());
    p.positive("companyId", input.company_id);
    p.text("comment", input.comment.as_deref(), false, &COMMENT_RULE);
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
///
/// The body may use EDIN's own spelling (api.md §3 A1, §5.1) instead of ours, field by field:
/// `agreementTaskType`/`agreementExecType` as codes, `agreementExecPeriod`,
/// `agreementStepPriority`, `groupID`; and the echo fields `agreementProcId` (must be the
/// path's `procId`), `agreementStepId` (must be the path's `stepId`; refused when adding) and
/// `stepNumber`. EDIN numbers the steps itself (api.md §3, domain rules), and both documented
/// examples send `stepNumber: 0`: adding accepts only `0`, editing accepts any number (an echo of
/// the step's position, as our replies show it, which the edit cannot change); it is never
/// passed on from the caller. The same field in both spellings is a `duplicate`.
pub fn step(body: &[u8], args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: StepInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    let task = kind(
        &mut p,
        ("taskType", input.task_type.as_deref()),
        ("agreementTaskType", input.agreement_task_type.as_ref()),
        TaskType::NAMES,
        TaskType::from_name,
        TaskType::code,
    );
    let exec = kind(
        &mut p,
        ("execType", input.exec_type.as_deref()),
        ("agreementExecType", input.agreement_exec_type.as_ref()),
        ExecType::NAMES,
        ExecType::from_name,
        ExecType::code,
    );
    let (field, period_days) = p.spelled(
        "periodDays",
        input.period_days,
        "agreementExecPeriod",
        input.agreement_exec_period,
    );
    p.non_negative(field, period_days);
    let (field, priority) = p.spelled(
        "priority",
        input.priority,
        "agreementStepPriority",
        input.agreement_step_priority,
    );
    p.non_negative(field, priority);
    let proc_id = args.int("procId");
    let step_id = args.int("stepId");
    echoes(&mut p, &input, proc_id, step_id);
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
    let mut group_ids = Vec::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        let at = format!("agreementGroups[{i}].");
        p.unknown(&at, &g.unknown);
        let (ours, theirs) = (format!("{at}groupId"), format!("{at}groupID"));
        let (field, group_id) = p.spelled(&ours, g.group_id, &theirs, g.group_id_upper);
        p.required(&ours, group_id.as_ref());
        p.positive(field, group_id);
        if group_id.is_some() && group_ids.contains(&group_id) {
            p.push(ProblemCode::Duplicate, field, "the same group twice");
        }
        group_ids.push(group_id);
        p.text(
            &format!("{at}groupName"),
            g.group_name.as_deref(),
            false,
            &GROUP_NAME_RULE,
        );
    }
    p.finish()?;
    let (Some(task), Some(exec), Some(proc_id)) = (task, exec, proc_id) else {
        return Err(ApiError::Internal("validated step lost a field".to_owned()));
    };
    to_vec(&WireStep {
        agreement_step_id: step_id,
        agreement_proc_id: proc_id,
        agreement_task_type: task.code().to_string(),
        agreement_exec_type: exec.code().to_string(),
        agreement_exec_period: period_days,
        agreement_step_priority: priority,
        // The documented create example sends `stepNumber: 0` (EDIN numbers steps itself); an
        // edit leaves it out rather than risk renumbering.
        step_number: step_id.is_none().then_some(0),
        agreement_groups: groups
            .iter()
            .zip(&group_ids)
            .filter_map(|(g, id)| {
                Some(WireGroup {
                    group_id: (*id)?,
                    group_name: g.group_name.as_deref(),
                })
            })
            .collect(),
    })
}

/// A step's coded enum, given by our name (`ours`) or by EDIN's code (`theirs`), not both.
fn kind<T: Copy>(
    p: &mut Problems,
    (ours, name): (&str, Option<&str>),
    (theirs, code): (&str, Option<&input::Code>),
    names: &[&str],
    from_name: fn(&str) -> Option<T>,
    code_of: fn(T) -> i64,
) -> Option<T> {
    match (name, code) {
        (Some(name), code) => {
            if code.is_some() {
                p.both(ours, theirs);
            }
            p.named(ours, name, names, from_name)
        }
        (None, Some(code)) => p.coded(theirs, &code.0, names, from_name, code_of),
        (None, None) => {
            p.push(
                ProblemCode::MissingRequired,
                ours,
                format!("required (or EDIN's code as \"{theirs}\")"),
            );
            None
        }
    }
}

/// The ids a body in EDIN's spelling repeats from the path, and its `stepNumber` (see `step`).
fn echoes(p: &mut Problems, input: &StepInput, proc_id: Option<i64>, step_id: Option<i64>) {
    if let Some(given) = input.agreement_proc_id {
        if Some(given) != proc_id {
            p.push(
                ProblemCode::OutOfRange,
                "agreementProcId",
                format!("must be the path's procId{}, got {given}", shown(proc_id)),
            );
        }
    }
    match (input.agreement_step_id, step_id) {
        (Some(_), None) => p.push(
            ProblemCode::UnknownField,
            "agreementStepId",
            "not accepted when adding a step (EDIN gives the id; to edit a step, PUT it at \
             .../steps/{stepId})",
        ),
        (Some(given), Some(path)) if given != path => p.push(
            ProblemCode::OutOfRange,
            "agreementStepId",
            format!("must be the path's stepId ({path}), got {given}"),
        ),
        _ => {}
    }
    match (input.step_number, step_id) {
        (Some(n), None) if n != 0 => p.push(
            ProblemCode::OutOfRange,
            "stepNumber",
            format!(
                "EDIN numbers the steps itself: only 0 (as its examples send) when adding a \
                 step, got {n}; order steps with priority"
            ),
        ),
        (n, Some(_)) => p.non_negative("stepNumber", n),
        _ => {}
    }
}

fn shown(id: Option<i64>) -> String {
    id.map(|id| format!(" ({id})")).unwrap_or_default()
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
