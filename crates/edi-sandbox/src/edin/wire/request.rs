//! EDIN request bodies (A3's `AgreementProc`, A1's `AgreementStep`, A8/A9's group), read as leniently as the
//! real service reads them: unknown fields ignored, numbers as JSON numbers or numeric strings.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};

use crate::call::Call;
use crate::reply::Refusal;

/// A3's body: an `AgreementProc`; only what the method reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProcRequest {
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_proc_id: Option<i64>,
    #[serde(default, alias = "companyID", deserialize_with = "lenient")]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A1's body: an `AgreementStep`; only what the method reads (`stepNumber`, `groupNames`,
/// `userIds` are the sandbox's to fill in and are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepRequest {
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_step_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_proc_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_task_type: Option<i32>,
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_exec_type: Option<i32>,
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_exec_period: Option<i32>,
    #[serde(default, deserialize_with = "lenient")]
    pub agreement_step_priority: Option<i32>,
    #[serde(default)]
    pub agreement_groups: Option<Vec<GroupRef>>,
}

/// A group inside a request step: §5.1, "groups inside a request step need only `groupId`
/// (+ `groupName`)"; §5.2's table spells it `groupID`, so both are read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupRef {
    #[serde(default, alias = "groupID", deserialize_with = "lenient")]
    pub group_id: Option<i64>,
}

/// A8's and A9's body: `groupId` (absent or 0 ⇒ create, A8 only), `companyId`, `groupName`,
/// `comment`, `users` (`[{userId}]`). §5.2's table spells `groupID`/`companyID`; both are read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupRequest {
    #[serde(default, alias = "groupID", deserialize_with = "lenient")]
    pub group_id: Option<i64>,
    #[serde(default, alias = "companyID", deserialize_with = "lenient")]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub group_name: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub users: Option<Vec<UserRef>>,
}

/// A member in A8's or A9's `users`: an object with `userId` (§3 A8); other `User` fields are
/// ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserRef {
    #[serde(default, alias = "userID", deserialize_with = "lenient")]
    pub user_id: Option<i64>,
}

/// Decodes a JSON body as `T`; anything else is a 400 naming `what`. The Content-Type is not
/// checked (the sandbox's choice: api.md §1 makes JSON the default, and a lenient reader is the
/// safe side).
pub(crate) fn body<T: DeserializeOwned>(call: &Call, what: &str) -> Result<T, Refusal> {
    serde_json::from_slice(&call.body)
        .map_err(|e| Refusal::bad_request(format!("The body is not a valid {what}: {e}")))
}

/// An optional integer given as a JSON number, a numeric string (`"1"`), `null` or `""` (both
/// absent). Anything else, or a value out of the type's range, is an error.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let value = Option::<serde_json::Value>::deserialize(d)?;
    let number = match value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    number
        .and_then(|n| T::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom("expected an integer (a number or a numeric string)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_requests_read_the_documented_example_shape() {
        let body = r#"{"agreementGroups":[{"groupId":520102,"groupName":"x"},{"groupID":"520103"}],
            "agreementExecType":"2","agreementTaskType":"1","agreementExecPeriod":null,
            "agreementStepPriority":null,"agreementProcId":730001,"stepNumber":0,"other":true}"#;
        let s: StepRequest = serde_json::from_str(body).expect("parses");
        assert_eq!(s.agreement_task_type, Some(1));
        assert_eq!(s.agreement_exec_type, Some(2));
        assert_eq!(s.agreement_exec_period, None);
        assert_eq!(s.agreement_step_id, None);
        let ids: Vec<_> = s
            .agreement_groups
            .expect("groups")
            .iter()
            .map(|g| g.group_id)
            .collect();
        assert_eq!(ids, [Some(520_102), Some(520_103)]);
        for bad in [
            r#"{"agreementTaskType":"one"}"#,
            r#"{"agreementTaskType":1.5}"#,
            r#"{"agreementTaskType":99999999999}"#,
            r#"{"agreementTaskType":[1]}"#,
        ] {
            assert!(serde_json::from_str::<StepRequest>(bad).is_err(), "{bad}");
        }
    }
}
