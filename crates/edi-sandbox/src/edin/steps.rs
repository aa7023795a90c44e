//! Steps of an approval process (reference/edin/api.md §3): A1 `POST /bdoc/agreement_step`
//! (create or edit) and A2 `DELETE /bdoc/agreement_step`. Both answer with the whole process.
//!
//! Step numbers are the sandbox's to assign (§3 domain rules: "Step number is assigned
//! automatically; higher `agreementStepPriority` = runs earlier"): after every change the steps
//! are ordered by priority, highest first, then by creation (ids grow, so by id), and numbered
//! 1..n in that order. A `stepNumber` in the request is ignored.

use super::wire::{self, Detail, StepRequest};
use super::{Caller, Outcome, json, required_id};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::edin::{Process, Step};
use crate::state::Shared;

/// At most this many groups per step (§3 domain rules: the UI's limit).
const MAX_GROUPS: usize = 5;

/// A1 `POST /bdoc/agreement_step`.
pub(crate) fn save(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let body: StepRequest = wire::body(call, "AgreementStep")?;
    let required = |name: &str| Refusal::bad_request(format!("'{name}' is required"));
    let proc_id = body
        .agreement_proc_id
        .ok_or_else(|| required("agreementProcId"))?;
    let task_type = body
        .agreement_task_type
        .ok_or_else(|| required("agreementTaskType"))?;
    let exec_type = body
        .agreement_exec_type
        .ok_or_else(|| required("agreementExecType"))?;
    let groups = body
        .agreement_groups
        .ok_or_else(|| required("agreementGroups"))?;
    // §5.1 enumerates the types; the sandbox's choice: any other value is a 400.
    if !(1..=3).contains(&task_type) {
        return Err(Refusal::bad_request(format!(
            "'agreementTaskType' must be 1, 2 or 3, not {task_type}"
        )));
    }
    if !(1..=2).contains(&exec_type) {
        return Err(Refusal::bad_request(format!(
            "'agreementExecType' must be 1 or 2, not {exec_type}"
        )));
    }
    // §5.1, example-only: the examples send null period and priority and the reply shows 0.
    // A negative deadline or priority is meaningless; the sandbox's choice: 400.
    let exec_period = body.agreement_exec_period.unwrap_or(0);
    let priority = body.agreement_step_priority.unwrap_or(0);
    if exec_period < 0 || priority < 0 {
        return Err(Refusal::bad_request(
            "'agreementExecPeriod' and 'agreementStepPriority' must not be negative",
        ));
    }
    // §3 domain rules: at most 5 groups per step is a UI limit; the sandbox's choice: the API
    // enforces it too (400), and a step needs at least one group (400).
    if groups.is_empty() || groups.len() > MAX_GROUPS {
        return Err(Refusal::bad_request(format!(
            "A step takes 1 to {MAX_GROUPS} agreementGroups, not {}",
            groups.len()
        )));
    }
    let mut group_ids = Vec::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        let id = g
            .group_id
            .ok_or_else(|| required(&format!("agreementGroups[{i}].groupId")))?;
        // The sandbox's choice: the same group twice in one step is a 400.
        if group_ids.contains(&id) {
            return Err(Refusal::bad_request(format!(
                "Group {id} is given twice in agreementGroups"
            )));
        }
        group_ids.push(id);
    }

    let mut state = shared.lock();
    let edin = &mut state.edin;
    let procs = &mut edin.procs;
    let index = procs.find(shared, caller, proc_id)?;
    let company_id = procs.list[index].company_id;
    // §3 domain rules: "a group must exist before a route/process can use it". The sandbox's
    // choice: an unknown group, or one of another company, is a 400 (the body is wrong, not the
    // path).
    for &id in &group_ids {
        if edin
            .groups
            .get(id)
            .is_none_or(|g| g.company_id != company_id)
        {
            return Err(Refusal::bad_request(format!(
                "Group {id} is not an agreement group of company {company_id}"
            )));
        }
    }
    // §3 A1: "`agreementStepId` present ⇒ edit". The sandbox's choice: null, absent and 0 all
    // mean "create"; an id the process has no step with is a 404.
    let step = match body.agreement_step_id.filter(|&id| id != 0) {
        Some(id) => procs.list[index]
            .steps
            .iter_mut()
            .find(|s| s.step_id == id)
            .ok_or_else(|| step_not_found(proc_id, id))?,
        None => {
            let step_id = procs.new_step_id();
            let steps = &mut procs.list[index].steps;
            steps.push(Step {
                step_id,
                task_type,
                exec_type,
                exec_period,
                priority,
                group_ids: Vec::new(),
            });
            let last = steps.len() - 1;
            &mut steps[last]
        }
    };
    step.task_type = task_type;
    step.exec_type = exec_type;
    step.exec_period = exec_period;
    step.priority = priority;
    step.group_ids = group_ids;
    let process = &mut procs.list[index];
    renumber(process);
    json(&wire::process(
        &shared.seed.edin,
        &edin.groups.list,
        process,
        Detail::Full,
    ))
}

/// A2 `DELETE /bdoc/agreement_step?agreement_proc_id=&agreement_step_id=` (both required).
pub(crate) fn delete(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let proc_id = required_id(call, "agreement_proc_id")?;
    let step_id = required_id(call, "agreement_step_id")?;
    let mut state = shared.lock();
    let edin = &mut state.edin;
    let index = edin.procs.find(shared, caller, proc_id)?;
    let process = &mut edin.procs.list[index];
    let position = process
        .steps
        .iter()
        .position(|s| s.step_id == step_id)
        .ok_or_else(|| step_not_found(proc_id, step_id))?;
    process.steps.remove(position);
    renumber(process);
    json(&wire::process(
        &shared.seed.edin,
        &edin.groups.list,
        process,
        Detail::Full,
    ))
}

fn step_not_found(proc_id: i64, step_id: i64) -> Refusal {
    Refusal::NotFound(format!("Agreement process {proc_id} has no step {step_id}"))
}

/// Puts the steps in step order (the module docs); their numbers are their positions.
fn renumber(process: &mut Process) {
    process
        .steps
        .sort_by_key(|s| (std::cmp::Reverse(s.priority), s.step_id));
}
