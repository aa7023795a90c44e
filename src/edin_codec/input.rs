//! What callers send to the EDIN routes: the login, a process, a step. Each type is read
//! leniently enough to name every problem at once (fields optional, unknown members collected),
//! then checked by the codecs in `edin_codec.rs` against the rules below — the same values the
//! OpenAPI schemas are written from (`schema_with`), so the document and the check agree.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, Object};
use utoipa::openapi::{Array, Ref};

use super::model::{ExecType, TaskType};
use crate::rules::{EMAIL, TextFormat, TextRule};

/// Most executor groups per step (api.md §3, domain rules: a UI limit of 5).
pub const MAX_GROUPS: usize = 5;
/// The login e-mail: at most 254 characters (RFC 5321's path limit), `something@something`.
pub const EMAIL_RULE: TextRule = TextRule {
    pattern: Some(&EMAIL),
    format: Some(TextFormat::Email),
    ..TextRule::max(254).not_blank()
};
/// The password: not blank; 1024 characters is far beyond any real one.
pub const PASSWORD_RULE: TextRule = TextRule {
    format: Some(TextFormat::Password),
    ..TextRule::max(1024).not_blank()
};
/// A process or group name: EDIN documents no limit, and a name is a short title.
pub const NAME_RULE: TextRule = TextRule::max(255).not_blank();
/// A group name given for information (may be empty).
pub const GROUP_NAME_RULE: TextRule = TextRule::max(255);
/// A process comment (EDIN documents no limit).
pub const COMMENT_RULE: TextRule = TextRule::max(2000);

fn email_schema() -> Object {
    EMAIL_RULE
        .schema()
        .description(Some("The EDIN login: an e-mail address."))
        .build()
}
fn password_schema() -> Object {
    PASSWORD_RULE
        .schema()
        .description(Some("The password (not blank)."))
        .build()
}
fn name_schema() -> Object {
    NAME_RULE
        .schema()
        .description(Some("Name of the process (not blank; trimmed)."))
        .build()
}
fn group_name_schema() -> Object {
    GROUP_NAME_RULE
        .schema()
        .description(Some("Its name (informational)."))
        .build()
}
pub(super) fn comment_schema() -> Object {
    COMMENT_RULE
        .schema()
        .description(Some("Free text."))
        .build()
}
fn groups_schema() -> Array {
    ArrayBuilder::new()
        .items(Ref::from_schema_name(<GroupRef as utoipa::ToSchema>::name()))
        .min_items(Some(1))
        .max_items(Some(MAX_GROUPS))
        // The gateway refuses a group named twice (by `groupId`, whatever else the items
        // carry); `uniqueItems` says as much of it as JSON Schema can.
        .unique_items(true)
        .description(Some(format!(
            "The executor groups, 1 to {MAX_GROUPS}, each once (a repeated `groupId` is a 400 `duplicate`)."
        )))
        .build()
}

/// EDIN login: an e-mail and a password.
// `Debug` shows no password: it is a `SecretString` from the moment it is read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::Credentials)]
pub struct Credentials {
    /// The EDIN login: an e-mail address.
    #[schema(required = true, schema_with = email_schema)]
    pub email: Option<String>,
    /// The password (not blank).
    #[schema(required = true, schema_with = password_schema)]
    pub password: Option<SecretString>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub(super) unknown: BTreeMap<String, Value>,
}

/// An approval process, as callers create or edit it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::ProcessInput)]
pub struct ProcessInput {
    /// Name of the process (not blank; trimmed).
    #[schema(required = true, schema_with = name_schema)]
    pub(super) name: Option<String>,
    /// The owning company.
    #[schema(required = true, value_type = i64, minimum = 1)]
    pub(super) company_id: Option<i64>,
    /// Free text.
    #[schema(required = false, schema_with = comment_schema)]
    pub(super) comment: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub(super) unknown: BTreeMap<String, Value>,
}

/// A step, as callers add or edit it.
///
/// EDIN's own spelling of a step (its `AgreementStep`) is accepted too, field by field, in
/// place of the names here: `agreementTaskType` for `taskType` and `agreementExecType` for
/// `execType`, each as EDIN's code, a string (`"1"`) or a number (task: 1 approval, 2 signing,
/// 3 notification; exec: 1 all of group, 2 any of group); `agreementExecPeriod` for
/// `periodDays`; `agreementStepPriority` for `priority`; `groupID` for a group's `groupId`.
/// Its echo fields are accepted when they agree with the path: `agreementProcId` (the path's
/// `procId`), `agreementStepId` (the path's `stepId`; editing only) and `stepNumber` (EDIN
/// numbers the steps: only `0` when adding, any number when editing; never passed on). `null`
/// is the same as leaving a field out; one field given in both spellings is a 400 `duplicate`.
// Those names are described, not declared: the schema keeps one spelling and stays closed, so
// schema-driven fuzzers (schemathesis) never send them; the codec tests cover them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::StepInput)]
pub struct StepInput {
    /// What the executors do.
    #[schema(required = true, value_type = TaskType)]
    pub(super) task_type: Option<String>,
    /// Whether every member of each group must act, or any one.
    #[schema(required = true, value_type = ExecType)]
    pub(super) exec_type: Option<String>,
    /// Deadline in days.
    #[schema(required = false, value_type = i64, minimum = 0)]
    pub(super) period_days: Option<i64>,
    /// Higher runs earlier; EDIN numbers the steps.
    #[schema(required = false, value_type = i64, minimum = 0)]
    pub(super) priority: Option<i64>,
    /// The executor groups, 1 to 5.
    #[schema(required = true, schema_with = groups_schema)]
    pub(super) agreement_groups: Option<Vec<GroupRef>>,
    // EDIN's spelling (api.md §5.1): accepted, not documented as properties (the schema keeps
    // one spelling; the description above lists these).
    #[schema(ignore)]
    pub(super) agreement_task_type: Option<Code>,
    #[schema(ignore)]
    pub(super) agreement_exec_type: Option<Code>,
    #[schema(ignore)]
    pub(super) agreement_exec_period: Option<i64>,
    #[schema(ignore)]
    pub(super) agreement_step_priority: Option<i64>,
    #[schema(ignore)]
    pub(super) agreement_proc_id: Option<i64>,
    #[schema(ignore)]
    pub(super) agreement_step_id: Option<i64>,
    #[schema(ignore)]
    pub(super) step_number: Option<i64>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub(super) unknown: BTreeMap<String, Value>,
}

/// One of EDIN's numeric codes as the caller sent it, `"1"` or `1`, kept as its decimal text
/// (`"01"` stays `"01"` and is then no code at all).
#[derive(Debug)]
pub(super) struct Code(pub(super) String);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Code;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a code, as a string (\"1\") or an integer (1)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Code, E> {
                Ok(Code(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Code, E> {
                Ok(Code(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Code, E> {
                Ok(Code(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// An executor group of a step, by id (`groupID`, as EDIN's field table spells it, is accepted
/// for `groupId`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::GroupRef)]
pub struct GroupRef {
    /// The group's id.
    #[schema(required = true, value_type = i64, minimum = 1)]
    pub(super) group_id: Option<i64>,
    // The same, as api.md §5.2's table spells it (its examples spell `groupId`).
    #[serde(rename = "groupID")]
    #[schema(ignore)]
    pub(super) group_id_upper: Option<i64>,
    /// Its name (informational).
    #[schema(required = false, schema_with = group_name_schema)]
    pub(super) group_name: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub(super) unknown: BTreeMap<String, Value>,
}
