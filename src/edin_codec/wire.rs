//! The upstream's own JSON for the EDIN writes, spelt as api.md's examples spell it (§3 A1, A3,
//! §5.1): the two type codes as strings, an unset period or priority as `null`.

use serde::Serialize;

/// `POST /bdoc/agreement_proc` body (api.md §3 A3).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireProc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) agreement_proc_id: Option<i64>,
    pub(super) name: &'a str,
    pub(super) company_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) comment: Option<&'a str>,
}

/// `POST /bdoc/agreement_step` body (api.md §3 A1, §5.1 and its examples).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireStep<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) agreement_step_id: Option<i64>,
    pub(super) agreement_proc_id: i64,
    pub(super) agreement_task_type: String,
    pub(super) agreement_exec_type: String,
    pub(super) agreement_exec_period: Option<i64>,
    pub(super) agreement_step_priority: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) step_number: Option<i64>,
    pub(super) agreement_groups: Vec<WireGroup<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireGroup<'a> {
    pub(super) group_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group_name: Option<&'a str>,
}
