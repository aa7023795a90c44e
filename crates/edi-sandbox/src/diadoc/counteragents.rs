//! `GET /V3/GetCounteragents?myBoxId=…` with `counteragentStatus`, `afterIndexKey`, `query`,
//! `pageSize` (api.md, GetCounteragents; V2 with `myOrgId` was removed after 10 Nov 2026,
//! lifecycle.md §1.2, and is no longer served). The
//! answer is a `CounteragentList`: at most 100 counteragents after the cursor, in the seed's
//! stable list order.
//!
//! Choices where api.md says UNKNOWN, each marked below: what `Rejected` matches, `TotalCount`
//! counted from the start of the list, the `pageSize` range, and an unknown cursor (400, in
//! `after_cursor`).

use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, PAGE_LIMIT, after_cursor, count32, proto, user_box};
use crate::call::Call;
use crate::reply::Refusal;
use crate::state::Shared;
use dap::CounteragentStatus as S;

/// V3: the organization that owns the box `myBoxId`.
pub(crate) fn v3(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "myBoxId")?;
    list(shared, call, shared.seed.boxes[b].org)
}

fn list(shared: &Shared, call: &Call, org: usize) -> Outcome {
    let statuses = status_filter(call.param("counteragentStatus"))?;
    let after = call.param("afterIndexKey");
    let query = call.param("query").map(str::to_lowercase);
    if query.is_some() && after.is_some() {
        // api.md: `query` "must not be combined with `afterIndexKey`".
        return Err(Refusal::bad_request(
            "Parameters 'query' and 'afterIndexKey' cannot be used together",
        ));
    }
    // api.md: `pageSize` is sent by the SDKs but not documented, and its range is UNKNOWN. The
    // sandbox's choice: 1..=100 (the documented page cap), anything else a 400.
    let page_size = match call.number::<i64>("pageSize")? {
        None => PAGE_LIMIT,
        Some(n) if (1..=PAGE_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(Refusal::bad_request(format!(
                "Parameter 'pageSize' must be between 1 and 100: {n}"
            )));
        }
    };
    // The lists as invitations and breaks have left them (`partners.rs`).
    let state = shared.lock();
    let matching: Vec<&dap::Counteragent> = state.partners.lists[org]
        .iter()
        .filter(|c| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| c.current_status == Some(*s as i32)))
        })
        .filter(|c| query.as_deref().is_none_or(|q| matches_query(c, q)))
        .collect();
    let start = after_cursor(matching.iter().map(|c| c.index_key.as_deref()), after)?;
    let counteragents = matching
        .iter()
        .skip(start)
        .take(page_size)
        .map(|c| (*c).clone())
        .collect();
    let total = matching.len();
    drop(state);
    proto(&dap::CounteragentList {
        // api.md: whether TotalCount counts from the cursor or from the start is UNKNOWN. The
        // sandbox's choice: every counteragent that matches the filter, from the start of the
        // list, so the number stays the same on every page; it is exact, hence `Equal`.
        total_count: count32(total),
        counteragents,
        total_count_type: dap::TotalCountType::Equal as i32,
    })
}

/// `counteragentStatus`: a `CounteragentStatus` value name, or `Rejected`. None = no filter.
fn status_filter(value: Option<&str>) -> Result<Option<Vec<S>>, Refusal> {
    let Some(name) = value else {
        return Ok(None);
    };
    // api.md: the docs list `Rejected`, which is not a value of the enum, and what it matches is
    // UNKNOWN. The sandbox's choice: a rejection by either side, `RejectsMe` or `IsRejectedByMe`.
    if name == "Rejected" {
        return Ok(Some(vec![S::RejectsMe, S::IsRejectedByMe]));
    }
    match S::from_str_name(name) {
        Some(S::UnknownCounteragentStatus) | None => Err(Refusal::bad_request(format!(
            "Unknown counteragentStatus '{name}'"
        ))),
        Some(status) => Ok(Some(vec![status])),
    }
}

/// api.md: `query` is matched against the counteragent's short or full name, or its INN. The
/// sandbox matches a case-insensitive substring of any of them.
fn matches_query(c: &dap::Counteragent, query_lower: &str) -> bool {
    let o = &c.organization;
    o.full_name.to_lowercase().contains(query_lower)
        || o.short_name
            .as_deref()
            .is_some_and(|s| s.to_lowercase().contains(query_lower))
        || o.inn.contains(query_lower)
}
