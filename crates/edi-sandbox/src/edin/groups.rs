//! Approval groups (reference/edin/api.md §3): A11 `GET /bdoc/agreement_groups` (list), A10
//! `GET /bdoc/agreement_group` (one, with its users), A8 `POST /bdoc/agreement_group` (create or
//! edit), A9 `PATCH /bdoc/agreement_group/users` (replace the users), A12
//! `DELETE /bdoc/agreement_group`; plus [`Groups`], the running sandbox's copy of the seed's
//! groups that A8, A9 and A12 change (steps show the groups as they are now).

use super::wire::{self, GroupRequest, UserRef};
use super::{
    Caller, Outcome, Reply, check_company, company_filter, json, limit, required_id, search_pattern,
};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::EdinSeed;
use crate::seed::edin::Group;
use crate::state::Shared;

/// A11's `limit` when none is given (api.md §3 A11: default 30).
const DEFAULT_LIMIT: usize = 30;

/// The groups as they are now, in creation order, and the next id to hand out.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    pub list: Vec<Group>,
    next_group_id: i64,
}

impl Groups {
    /// The seed's groups; new ids continue after the largest seeded one.
    pub(crate) fn new(seed: &EdinSeed) -> Self {
        let list = seed.groups.clone();
        let max = list.iter().map(|g| g.group_id).max().unwrap_or(520_000);
        Self {
            list,
            next_group_id: max + 1,
        }
    }

    /// The group `id`, whoever's it is.
    pub(crate) fn get(&self, id: i64) -> Option<&Group> {
        self.list.iter().find(|g| g.group_id == id)
    }

    /// The index of group `id` if the caller may use it: 404 when there is no such group, 403
    /// when it belongs to a company that is not the caller's.
    fn find(&self, shared: &Shared, caller: &Caller, id: i64) -> Result<usize, Refusal> {
        let index = self
            .list
            .iter()
            .position(|g| g.group_id == id)
            .ok_or_else(|| Refusal::NotFound(format!("Agreement group {id} not found")))?;
        check_company(shared, caller, self.list[index].company_id)?;
        Ok(index)
    }
}

/// A11 `GET /bdoc/agreement_groups?company_id=&search_pattern=&limit=`: the groups of the
/// caller's companies, in creation order.
pub(crate) fn list(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let company = company_filter(shared, call, caller)?;
    let limit = limit(call, DEFAULT_LIMIT)?;
    // api.md §3 A11: "`search_pattern` matches group name".
    let matches = search_pattern(call);
    let mine = &shared.seed.edin.users[caller.user].company_ids;
    let state = shared.lock();
    // api.md §3 says A10 answers "with `users` filled" and says nothing of the A11 items; the
    // sandbox's reading (as A5's list examples leave steps empty): list items carry an empty
    // `users`; A10 gives the members.
    let items: Vec<_> = state
        .edin
        .groups
        .list
        .iter()
        .filter(|g| mine.contains(&g.company_id))
        .filter(|g| company.is_none_or(|c| g.company_id == c))
        .filter(|g| matches(&g.name))
        .take(limit)
        .map(|g| wire::group(&shared.seed.edin, g, false))
        .collect();
    json(&items)
}

/// A10 `GET /bdoc/agreement_group?agreement_group_id=` (required).
pub(crate) fn get(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let id = required_id(call, "agreement_group_id")?;
    let state = shared.lock();
    let groups = &state.edin.groups;
    let index = groups.find(shared, caller, id)?;
    json(&wire::group(&shared.seed.edin, &groups.list[index], true))
}

/// A8 `POST /bdoc/agreement_group`: creates a group (no `groupId`) or edits one.
pub(crate) fn save(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let body: GroupRequest = wire::body(call, "AgreementGroup")?;
    // Present but blank is a 400 (the sandbox's choice, as A3 does for `name`).
    if body
        .group_name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty())
    {
        return Err(Refusal::bad_request("'groupName' must not be empty"));
    }
    let mut state = shared.lock();
    let groups = &mut state.edin.groups;
    // api.md §3 A8: "`groupId` present ⇒ edit". The sandbox's choice, as for A1 and A3: null,
    // absent and 0 all mean "create".
    let index = match body.group_id.filter(|&id| id != 0) {
        Some(id) => {
            let index = groups.find(shared, caller, id)?;
            let company_id = groups.list[index].company_id;
            // api.md §3 A8: an edit takes `groupId` (M) and `users` (M), and "the user list
            // replaces the previous one". What an edit without `users` does is UNKNOWN in
            // api.md; the sandbox's choice (the safe reading: never empty a group by omission,
            // never ignore a field the docs call mandatory): 400, and nothing changes. An empty
            // list `[]` is given on purpose and empties the group.
            let users = body.users.as_deref().ok_or_else(|| {
                Refusal::bad_request(
                    "'users' is required when editing a group: the list replaces the previous one",
                )
            })?;
            let user_ids = members(shared, company_id, users)?;
            // UNKNOWN in api.md; the sandbox's choice, as A3 does for processes: a group cannot
            // move to another company (400); `groupName` and `comment` change when given
            // (absent or null keeps them).
            if let Some(c) = body.company_id.filter(|&c| c != company_id) {
                return Err(Refusal::bad_request(format!(
                    "Agreement group {id} belongs to company {company_id}, not {c}"
                )));
            }
            let g = &mut groups.list[index];
            g.user_ids = user_ids;
            if let Some(name) = body.group_name {
                g.name = name;
            }
            if let Some(comment) = body.comment {
                g.comment = Some(comment);
            }
            index
        }
        None => {
            // api.md §3 A8: a create takes `companyId` (M), `groupName` (M), `comment` (O).
            let company_id = body
                .company_id
                .ok_or_else(|| Refusal::bad_request("'companyId' is required"))?;
            let name = body
                .group_name
                .ok_or_else(|| Refusal::bad_request("'groupName' is required"))?;
            check_company(shared, caller, company_id)?;
            // UNKNOWN in api.md whether a create may carry `users`; the sandbox's choice: it
            // may, checked as an edit's are (a new group is empty otherwise). Group names need
            // not be unique (api.md says nothing either way).
            let user_ids = match body.users.as_deref() {
                Some(users) => members(shared, company_id, users)?,
                None => Vec::new(),
            };
            let group_id = groups.next_group_id;
            groups.next_group_id += 1;
            groups.list.push(Group {
                group_id,
                company_id,
                name,
                comment: body.comment,
                user_ids,
            });
            groups.list.len() - 1
        }
    };
    json(&wire::group(&shared.seed.edin, &groups.list[index], true))
}

/// A9 `PATCH /bdoc/agreement_group/users`: `groupId` (M) and `users` (M); the list replaces
/// the previous one (api.md §3 A9).
pub(crate) fn replace_users(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let body: GroupRequest = wire::body(call, "AgreementGroup")?;
    let id = body
        .group_id
        .filter(|&id| id != 0)
        .ok_or_else(|| Refusal::bad_request("'groupId' is required"))?;
    let users = body
        .users
        .as_deref()
        .ok_or_else(|| Refusal::bad_request("'users' is required"))?;
    let mut state = shared.lock();
    let groups = &mut state.edin.groups;
    let index = groups.find(shared, caller, id)?;
    let user_ids = members(shared, groups.list[index].company_id, users)?;
    groups.list[index].user_ids = user_ids;
    json(&wire::group(&shared.seed.edin, &groups.list[index], true))
}

/// A12 `DELETE /bdoc/agreement_group?agreement_group_id=`: 200, no body (api.md §3 A12).
pub(crate) fn delete(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let id = required_id(call, "agreement_group_id")?;
    let mut state = shared.lock();
    let edin = &mut state.edin;
    let index = edin.groups.find(shared, caller, id)?;
    // UNKNOWN in api.md: what deleting a group that a step names does. The sandbox's choice:
    // refuse with 409 in EDIN's usual error shape, naming the first process and step that use
    // it, and change nothing (the §3 domain rule "a group must exist before a route/process can
    // use it" read the other way round; silently dropping it from steps could leave a step with
    // no executors). Remove it from the steps (A1) first.
    if let Some((proc_id, step_id)) = edin.procs.list.iter().find_map(|p| {
        p.steps
            .iter()
            .find(|s| s.group_ids.contains(&id))
            .map(|s| (p.proc_id, s.step_id))
    }) {
        return Err(Refusal::Conflict(format!(
            "Agreement group {id} is used by step {step_id} of agreement process {proc_id}"
        )));
    }
    edin.groups.list.remove(index);
    Ok(Reply::Empty)
}

/// The member ids of a `users` list for a group of `company_id`, in order. api.md §3 A8/A9:
/// objects with `userId`. The sandbox's choices: a missing `userId`, a user the sandbox does not
/// know or one who does not work in the company, and the same user twice are all a 400.
fn members(shared: &Shared, company_id: i64, users: &[UserRef]) -> Result<Vec<i64>, Refusal> {
    let mut ids = Vec::with_capacity(users.len());
    for (i, u) in users.iter().enumerate() {
        let id = u
            .user_id
            .ok_or_else(|| Refusal::bad_request(format!("'users[{i}].userId' is required")))?;
        if shared
            .seed
            .edin
            .user_by_id(id)
            .is_none_or(|u| !u.company_ids.contains(&company_id))
        {
            return Err(Refusal::bad_request(format!(
                "User {id} is not a user of company {company_id}"
            )));
        }
        if ids.contains(&id) {
            return Err(Refusal::bad_request(format!(
                "User {id} is given twice in users"
            )));
        }
        ids.push(id);
    }
    Ok(ids)
}
