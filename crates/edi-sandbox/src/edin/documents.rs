//! Document types (reference/edin/api.md §4): `GET /bdoc/document_types` (list); and their
//! binding to approval processes (§3): A6 `PUT /bdoc/agreement_proc/document` (attach) and A7
//! `DELETE /bdoc/agreement_proc/document` (detach), both answering with the whole process,
//! whose `agreementProc2Docs` shows the binding.

use super::wire::{self, Detail};
use super::{Caller, Outcome, check_company, company_filter, json, limit, required_id};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::edin::ProcessDocument;
use crate::state::Shared;

/// The list's `limit` when none is given (api.md §4: default 20).
const DEFAULT_LIMIT: usize = 20;

/// `GET /bdoc/document_types?company_id=&use_type=&type=&limit=&offset=&is_active=`: the
/// document types of the caller's companies, in seed order, as §5.5 `Document`s.
pub(crate) fn list(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let company = company_filter(shared, call, caller)?;
    // api.md §4 and §5.5 enumerate the values; the sandbox's choice: any other value is a 400.
    let use_type = enumerated(call, "use_type", &[1, 2])?;
    let kind = enumerated(call, "type", &[1, 2, 3, 4])?;
    let is_active = enumerated(call, "is_active", &[0, 1])?;
    let limit = limit(call, DEFAULT_LIMIT)?;
    // UNKNOWN in api.md beyond the name; the sandbox's choice: `offset` skips that many items
    // (default 0), and a negative or non-numeric one is a 400.
    let offset = match call.param("offset") {
        None => 0,
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            Refusal::bad_request(format!(
                "Parameter 'offset' must be a number of at least 0: '{v}'"
            ))
        })?,
    };
    let seed = &shared.seed.edin;
    let mine = &seed.users[caller.user].company_ids;
    let state = shared.lock();
    let procs = &state.edin.procs.list;
    let items: Vec<_> = seed
        .document_types
        .iter()
        .filter(|t| mine.contains(&t.company_id))
        .filter(|t| company.is_none_or(|c| t.company_id == c))
        .filter(|t| use_type.is_none_or(|u| t.use_type == u))
        .filter(|t| kind.is_none_or(|k| t.kind == k))
        .filter(|t| is_active.is_none_or(|a| t.is_active == a))
        .skip(offset)
        .take(limit)
        .map(|t| {
            let attached_to = procs
                .iter()
                .find(|p| p.documents.iter().any(|d| d.document_id == t.document_id))
                .map(|p| p.proc_id);
            wire::document(seed, t, attached_to, true)
        })
        .collect();
    json(&items)
}

/// A6 `PUT /bdoc/agreement_proc/document?company_id=&document_id=&dict_val_id=&agreement_proc_id=`
/// (all required).
pub(crate) fn attach(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let binding = Binding::read(call)?;
    let seed = &shared.seed.edin;
    let mut state = shared.lock();
    let edin = &mut state.edin;
    let index = binding.process(shared, caller, &edin.procs.list)?;
    let document_id = binding.document.document_id;
    // The sandbox's choice: an unknown document type is a 404 (it is named in the path's query,
    // as the process is); one of another company is a 400.
    let t = seed
        .document_type(document_id)
        .ok_or_else(|| Refusal::NotFound(format!("Document type {document_id} not found")))?;
    if t.company_id != binding.company_id {
        return Err(Refusal::bad_request(format!(
            "Document type {document_id} is not a document type of company {}",
            binding.company_id
        )));
    }
    // UNKNOWN in api.md; the sandbox's choice: a blocked type (`isActive` 0) cannot be attached
    // (400). Internal types (`use_type` 2) can: §3's "approval applies to documents in outgoing
    // packages" is a UI-manual rule (M) about when approval runs, not a documented refusal.
    if t.is_active != 1 {
        return Err(Refusal::bad_request(format!(
            "Document type {document_id} is blocked"
        )));
    }
    // api.md §3, notes on A6/A7: `dict_val_id` is 0 when the type has no dictionary bound, the
    // dictionary value id when it has one. The sandbox's choice: anything else is a 400 (0 for
    // a type with a dictionary, a value for one without, a value of another dictionary).
    match (t.dictionary_id, binding.document.dictionary_value_id) {
        (None, None) => {}
        (None, Some(v)) => {
            return Err(Refusal::bad_request(format!(
                "Document type {document_id} has no dictionary: 'dict_val_id' must be 0, not {v}"
            )));
        }
        (Some(d), None) => {
            return Err(Refusal::bad_request(format!(
                "Document type {document_id} has dictionary {d}: 'dict_val_id' must be one of its values"
            )));
        }
        (Some(d), Some(v)) => {
            if seed
                .dictionary_value(v)
                .is_none_or(|x| x.dictionary_id != d)
            {
                return Err(Refusal::bad_request(format!(
                    "Dictionary value {v} is not a value of dictionary {d}"
                )));
            }
        }
    }
    // UNKNOWN in api.md; the sandbox's choice, after §5.5 (a `Document` has one
    // `agreementProcId`) and §3 ("configured per document type"): a document type with a given
    // dictionary value goes through one process only. Attaching it to another process is a 409;
    // attaching it again to the same one is a 200 that changes nothing.
    if let Some(other) = edin
        .procs
        .list
        .iter()
        .find(|p| p.documents.contains(&binding.document))
    {
        if other.proc_id != binding.proc_id {
            return Err(Refusal::Conflict(format!(
                "Document type {document_id}{} is already attached to agreement process {}",
                binding.value_text(),
                other.proc_id
            )));
        }
    } else {
        edin.procs.list[index].documents.push(binding.document);
    }
    json(&wire::process(
        seed,
        &edin.groups.list,
        &edin.procs.list[index],
        Detail::Full,
    ))
}

/// A7 `DELETE /bdoc/agreement_proc/document`, with A6's query.
pub(crate) fn detach(shared: &Shared, call: &Call, caller: &Caller) -> Outcome {
    let binding = Binding::read(call)?;
    let mut state = shared.lock();
    let edin = &mut state.edin;
    let index = binding.process(shared, caller, &edin.procs.list)?;
    let process = &mut edin.procs.list[index];
    // UNKNOWN in api.md; the sandbox's choice: detaching a binding the process does not have
    // (the type, or the type with that dictionary value) is a 404.
    let position = process
        .documents
        .iter()
        .position(|d| *d == binding.document)
        .ok_or_else(|| {
            Refusal::NotFound(format!(
                "Document type {}{} is not attached to agreement process {}",
                binding.document.document_id,
                binding.value_text(),
                binding.proc_id
            ))
        })?;
    process.documents.remove(position);
    json(&wire::process(
        &shared.seed.edin,
        &edin.groups.list,
        process,
        Detail::Full,
    ))
}

/// A6's and A7's query.
struct Binding {
    company_id: i64,
    proc_id: i64,
    document: ProcessDocument,
}

impl Binding {
    /// All four parameters are required (api.md §3 A6); missing or not a number is a 400, and
    /// so (the sandbox's choice) is a negative `dict_val_id`.
    fn read(call: &Call) -> Result<Self, Refusal> {
        let company_id = required_id(call, "company_id")?;
        let document_id = required_id(call, "document_id")?;
        let value = required_id(call, "dict_val_id")?;
        let proc_id = required_id(call, "agreement_proc_id")?;
        if value < 0 {
            return Err(Refusal::bad_request(
                "Parameter 'dict_val_id' must be 0 or a dictionary value id",
            ));
        }
        Ok(Self {
            company_id,
            proc_id,
            document: ProcessDocument {
                document_id,
                dictionary_value_id: (value != 0).then_some(value),
            },
        })
    }

    /// The index of the process: 403 when `company_id` is not the caller's, 404/403 as
    /// `Processes::find`, and 400 (the sandbox's choice) when the process is not of
    /// `company_id`.
    fn process(
        &self,
        shared: &Shared,
        caller: &Caller,
        procs: &[crate::seed::edin::Process],
    ) -> Result<usize, Refusal> {
        check_company(shared, caller, self.company_id)?;
        let index = procs
            .iter()
            .position(|p| p.proc_id == self.proc_id)
            .ok_or_else(|| {
                Refusal::NotFound(format!("Agreement process {} not found", self.proc_id))
            })?;
        let company = procs[index].company_id;
        check_company(shared, caller, company)?;
        if company != self.company_id {
            return Err(Refusal::bad_request(format!(
                "Agreement process {} belongs to company {company}, not {}",
                self.proc_id, self.company_id
            )));
        }
        Ok(index)
    }

    fn value_text(&self) -> String {
        self.document
            .dictionary_value_id
            .map_or_else(String::new, |v| format!(" with dictionary value {v}"))
    }
}

/// An optional integer parameter that must be one of `allowed`; 400 otherwise.
fn enumerated(call: &Call, name: &str, allowed: &[i32]) -> Result<Option<i32>, Refusal> {
    let value = call.number::<i32>(name)?;
    match value {
        Some(v) if !allowed.contains(&v) => Err(Refusal::bad_request(format!(
            "Parameter '{name}' must be one of {allowed:?}, not {v}"
        ))),
        _ => Ok(value),
    }
}
