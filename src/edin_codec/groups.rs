//! Approval groups and document types (reference/edin/api.md §3 A8–A12, §4 document types,
//! §5.2, §5.5): what callers send to create a group or replace its members, spelt as A8 and A9
//! take it, and the replies read into our types.

use std::collections::BTreeMap;

use edi_transcode::ProblemCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;

use super::input::{COMMENT_RULE, NAME_RULE, comment_schema};
use super::model::{AgreementGroup, Document, Status};
use super::problems::Problems;
use super::{read, reply, to_vec};
use crate::error::ApiError;
use crate::params::Args;

/// Most members one replace call may name: EDIN documents no limit; a bound keeps one request's
/// work bounded.
pub const MAX_MEMBERS: usize = 1000;

fn group_name_schema() -> Object {
    NAME_RULE
        .schema()
        .description(Some("The group's name (not blank; trimmed)."))
        .build()
}

/// A new approval group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::GroupInput)]
pub struct GroupInput {
    /// The owning company.
    #[schema(required = true, value_type = i64, minimum = 1)]
    company_id: Option<i64>,
    /// The group's name (not blank; trimmed).
    #[schema(required = true, schema_with = group_name_schema)]
    group_name: Option<String>,
    /// Free text.
    #[schema(required = false, schema_with = comment_schema)]
    comment: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// The whole member list of a group (it replaces the previous one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::MembersInput)]
pub struct MembersInput {
    /// Every member, by user id; an empty list removes them all.
    #[schema(required = true, value_type = Vec<MemberRef>, max_items = 1000)]
    users: Option<Vec<MemberRef>>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// A member, by user id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::MemberRef)]
pub struct MemberRef {
    /// The user's id.
    #[schema(required = true, value_type = i64, minimum = 1)]
    user_id: Option<i64>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// `POST /bdoc/agreement_group` to create (api.md A8: `companyId`, `groupName`, `comment`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireGroup<'a> {
    company_id: i64,
    group_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
}

/// `PATCH /bdoc/agreement_group/users` (api.md A9: `groupId` + `users: [{userId}]`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireMembers {
    group_id: i64,
    users: Vec<WireMember>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireMember {
    user_id: i64,
}

/// Create a group: `{"companyId", "groupName", "comment"}`.
pub fn group(body: &[u8], _args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: GroupInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    p.required("companyId", input.company_id.as_ref());
    p.positive("companyId", input.company_id);
    p.text("groupName", input.group_name.as_deref(), true, &NAME_RULE);
    p.text("comment", input.comment.as_deref(), false, &COMMENT_RULE);
    p.finish()?;
    let (Some(company_id), Some(name)) = (input.company_id, input.group_name.as_deref()) else {
        return Err(ApiError::Internal(
            "validated group lost a field".to_owned(),
        ));
    };
    to_vec(&WireGroup {
        company_id,
        group_name: name.trim(),
        comment: input.comment.as_deref(),
    })
}

/// Replace the members of the group `groupId` (from the path): `{"users": [{"userId"}]}`.
pub fn members(body: &[u8], args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: MembersInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    let users = p
        .required("users", input.users.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    if users.len() > MAX_MEMBERS {
        p.push(
            ProblemCode::OutOfRange,
            "users",
            format!("at most {MAX_MEMBERS} members, got {}", users.len()),
        );
    }
    for (i, u) in users.iter().enumerate() {
        let at = format!("users[{i}].");
        p.unknown(&at, &u.unknown);
        p.required(&format!("{at}userId"), u.user_id.as_ref());
        p.positive(&format!("{at}userId"), u.user_id);
        if u.user_id.is_some() && users[..i].iter().any(|o| o.user_id == u.user_id) {
            p.push(
                ProblemCode::Duplicate,
                format!("{at}userId"),
                "the same user twice",
            );
        }
    }
    p.finish()?;
    let Some(group_id) = args.int("groupId") else {
        return Err(ApiError::Internal(
            "the members route has no groupId".to_owned(),
        ));
    };
    to_vec(&WireMembers {
        group_id,
        users: users
            .iter()
            .filter_map(|u| {
                Some(WireMember {
                    user_id: u.user_id?,
                })
            })
            .collect(),
    })
}

/// One group (A8, A9, A10 replies).
pub fn read_group(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    reply::<AgreementGroup>(body)
}

/// A list of groups (A11).
pub fn read_groups(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    reply::<Vec<AgreementGroup>>(body)
}

/// A page of document types (§4 `GET /bdoc/document_types`).
pub fn read_document_types(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    reply::<Vec<Document>>(body)
}

/// A process's new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::StatusInput)]
pub struct StatusInput {
    /// `active` or `blocked`.
    #[schema(required = true, value_type = Status)]
    status: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// Block or unblock a process: `{"status": "active" | "blocked"}` → the upstream query
/// `status=1|2` (api.md A4: `OPTIONS /bdoc/agreement_proc?agreement_proc_id=&status=`).
pub fn status(body: &[u8], _args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: StatusInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    let status = p
        .required("status", input.status.as_ref())
        .and_then(|v| p.named("status", v, Status::NAMES, Status::from_name));
    p.finish()?;
    let Some(status) = status else {
        return Err(ApiError::Internal(
            "validated status lost its value".to_owned(),
        ));
    };
    Ok(format!("status={}", status.code()).into_bytes())
}

/// A group's new name and comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = edin::GroupEditInput)]
pub struct GroupEditInput {
    /// The group's name (not blank; trimmed).
    #[schema(required = true, schema_with = group_name_schema)]
    group_name: Option<String>,
    /// Free text; left as it is when absent.
    #[schema(required = false, schema_with = comment_schema)]
    comment: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    unknown: BTreeMap<String, Value>,
}

/// The validated edit, handed to [`merge_group_edit`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupEdit {
    group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

/// Rename a group or change its comment: `{"groupName", "comment"}`.
pub fn group_edit(body: &[u8], _args: &Args) -> Result<Vec<u8>, ApiError> {
    let input: GroupEditInput = read(body)?;
    let mut p = Problems::default();
    p.unknown("", &input.unknown);
    p.text("groupName", input.group_name.as_deref(), true, &NAME_RULE);
    p.text("comment", input.comment.as_deref(), false, &COMMENT_RULE);
    p.finish()?;
    let Some(name) = input.group_name.as_deref() else {
        return Err(ApiError::Internal(
            "validated group lost its name".to_owned(),
        ));
    };
    to_vec(&GroupEdit {
        group_name: name.trim().to_owned(),
        comment: input.comment,
    })
}

/// `POST /bdoc/agreement_group` to edit (api.md A8: `groupId` + `users`, whose list replaces
/// the previous one).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireGroupEdit<'a> {
    group_id: i64,
    group_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    users: Vec<WireMember>,
}

/// A8's edit body from the group as read (A10) and the caller's edit: the members are the
/// current ones, so a rename keeps them; the comment is the caller's, else the current one.
pub fn merge_group_edit(current: &[u8], edit: &[u8], args: &Args) -> Result<Vec<u8>, ApiError> {
    let group: AgreementGroup = serde_json::from_slice(current)
        .map_err(|e| ApiError::BadGateway(format!("unreadable EDIN group: {e}")))?;
    let edit: GroupEdit =
        serde_json::from_slice(edit).map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(group_id) = args.int("groupId") else {
        return Err(ApiError::Internal(
            "the group edit has no groupId".to_owned(),
        ));
    };
    if group.group_id != group_id {
        return Err(ApiError::BadGateway(
            "EDIN answered with another group than the one asked for".to_owned(),
        ));
    }
    to_vec(&WireGroupEdit {
        group_id,
        group_name: &edit.group_name,
        comment: edit.comment.as_deref().or(group.comment.as_deref()),
        users: group
            .users
            .iter()
            .filter_map(|u| {
                Some(WireMember {
                    user_id: u.user_id?,
                })
            })
            .collect(),
    })
}
