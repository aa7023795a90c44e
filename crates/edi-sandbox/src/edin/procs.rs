//! Approval processes (reference/edin/api.md §3): A5 `POST /bdoc/agreement_procs` (list), A3
//! `POST /bdoc/agreement_proc` (create or edit) and A4 `OPTIONS /bdoc/agreement_proc` (block or
//! unblock); plus [`Processes`], the running sandbox's copy of the seed's processes that A1–A4,
//! A6 and A7 change.

use super::wire::{self, Detail, ProcRequest};
use super::{
    Caller, Outcome, Reply, check_company, company_filter, json, limit, required_id, search_pattern,
};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::EdinSeed;
use crate::seed::edin::Process;
use crate::state::Shared;

/// A5's `limit` when none is given (api.md §3 A5: default 30).
const DEFAULT_LIMIT: usize = 30;

/// The processes as they are now, in creation order, and the next ids to hand out.
#[derive(Debug, Default)]
pub(crate) struct Processes {
    pub list: Vec<Process>,
    next_proc_id: i64,
    next_step_id: i64,
}

impl Processes {
    /// The seed's processes; new ids continue after the largest seeded ones.
    pub(crate) fn new(seed: &EdinSeed) -> Self {
        let list = seed.processes.clone();
        let max_proc = list.iter().map(|p| p.proc_id).max().unwrap_or(730_000);
        let max_step = list
            .iter()
            .flat_map(|p| &p.steps)
            .map(|s| s.step_id)
            .max()
            .unwrap_or(840_000);
        Self {
            list,
            next_proc_id: max_proc + 1,
            next_step_id: max_step + 1,
        }
    }

    /// A fresh step id.
    pub(crate) fn new_step_id(&mut self) -> i64 {
        let id = self.next_step_id;
        self.next_step_id += 1;
        id
    }

    /// The index of process `id` if the caller may use it: 404 when there is no such process,
    /// 403 when it belongs to a company that is not the caller's.
    pub(crate) fn find(&self, shared: &Shared, caller: &Caller, id: i64) -> Result<usize, Refusal> {
        let index = self
            .list
            .iter()
            .position(|p| p.proc_id == id)
            .ok_or_else(|| Refusal::NotFound(format!("Agreement process {id} not found")))?;
        check_company(shared, caller, self.list[index].company_id)?;
        Ok(index)
    }
}

/// A5 `POST /bdoc/agreement_procs?company_id=&search_pattern=&status=&limit=`: the processes of
/// the caller's companies, in creation order. No body is read.
pub(crate) fn list(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let company = company_filter(shared, call, caller)?;
    let status = call.number::<i32>("status")?;
    // api.md §3 A5 names only 1 (active) and 2 (blocked); the sandbox's choice: another value
    // is a 400.
    if status.is_some_and(|s| !matches!(s, 1 | 2)) {
        return Err(Refusal::bad_request("Parameter 'status' must be 1 or 2"));
    }
    // api.md §3 A5: `limit` defaults to 30.
    let limit = limit(call, DEFAULT_LIMIT)?;
    // api.md §3 A5: "`search_pattern` matches process name".
    let matches = search_pattern(call);
    let mine = &shared.seed.edin.users[caller.user].company_ids;
    let state = shared.lock();
    let items: Vec<_> = state
        .edin
        .procs
        .list
        .iter()
        .filter(|p| mine.contains(&p.company_id))
        .filter(|p| company.is_none_or(|c| p.company_id == c))
        .filter(|p| status.is_none_or(|s| p.status == s))
        .filter(|p| matches(&p.name))
        .take(limit)
        .map(|p| {
            wire::process(
                &shared.seed.edin,
                &state.edin.groups.list,
                p,
                Detail::ListItem,
            )
        })
        .collect();
    json(&items)
}

/// A4 `OPTIONS /bdoc/agreement_proc?agreement_proc_id=&status=`: blocks (2) or unblocks (1) a
/// process; 200, no body (api.md §3 A4: yes, OPTIONS changes state).
pub(crate) fn set_status(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let proc_id = required_id(call, "agreement_proc_id")?;
    let status = call
        .number::<i32>("status")?
        .ok_or_else(|| Refusal::bad_request("Parameter 'status' is required"))?;
    // api.md §3 A4 and §5.3: 1 active, 2 blocked; the sandbox's choice: another value is a 400,
    // and setting the status a process already has is a 200 that changes nothing.
    if !matches!(status, 1 | 2) {
        return Err(Refusal::bad_request("Parameter 'status' must be 1 or 2"));
    }
    let mut state = shared.lock();
    let procs = &mut state.edin.procs;
    let index = procs.find(shared, caller, proc_id)?;
    procs.list[index].status = status;
    Ok(Reply::Empty)
}

/// A3 `POST /bdoc/agreement_proc`: creates a process (no `agreementProcId`) or edits one.
pub(crate) fn save(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let body: ProcRequest = wire::body(call, "AgreementProc")?;
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Refusal::bad_request("'name' is required"))?;
    let company_id = body
        .company_id
        .ok_or_else(|| Refusal::bad_request("'companyId' is required"))?;
    let mut state = shared.lock();
    let edin = &mut state.edin;
    let procs = &mut edin.procs;
    // api.md §3 A3: "`agreementProcId` present ⇒ edit". The sandbox's choice: null, absent and
    // 0 (Java's default for a long) all mean "create".
    let index = match body.agreement_proc_id.filter(|&id| id != 0) {
        Some(id) => {
            let index = procs.find(shared, caller, id)?;
            let p = &mut procs.list[index];
            // UNKNOWN in api.md; the sandbox's choice: a process cannot move to another
            // company (400), and an edit sets `name` and, when given as a string, `comment`
            // (absent or null keeps it); steps, documents and status change only through their
            // own methods (A1, A2, A4, A6, A7).
            if company_id != p.company_id {
                return Err(Refusal::bad_request(format!(
                    "Agreement process {id} belongs to company {}, not {company_id}",
                    p.company_id
                )));
            }
            p.name = name;
            if let Some(comment) = body.comment {
                p.comment = Some(comment);
            }
            index
        }
        None => {
            check_company(shared, caller, company_id)?;
            let proc_id = procs.next_proc_id;
            procs.next_proc_id += 1;
            // api.md §3 A3: a new process has `status` 1 and empty steps and documents.
            procs.list.push(Process {
                proc_id,
                company_id,
                name,
                comment: body.comment,
                status: 1,
                steps: Vec::new(),
                documents: Vec::new(),
            });
            procs.list.len() - 1
        }
    };
    json(&wire::process(
        &shared.seed.edin,
        &edin.groups.list,
        &procs.list[index],
        Detail::Full,
    ))
}
