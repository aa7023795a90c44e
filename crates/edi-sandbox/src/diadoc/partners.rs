//! Partnerships between boxes, as they change: `GET /V3/GetCounteragent`,
//! `POST /V3/AcquireCounteragent` with its task (`GET /V3/AcquireCounteragentResult`, and the
//! older `/V2/AcquireCounteragentResult`), and `POST /V2/BreakWithCounteragent` (api.md,
//! GetCounteragent, AcquireCounteragent, BreakWithCounteragent; lifecycle.md §1.4 for V3).
//!
//! The counteragent lists start as the seed's and live here, so GetCounteragents shows every
//! change. When the counteragent is one of the seed's own organizations (ООО «Ромашка» and АО
//! «Северный ветер» both belong to `demo`), its own list changes too: an invitation appears
//! there as `InvitesMe`, an acceptance as `IsMyCounteragent`, a break as `RejectsMe`.
//!
//! State rules, as api.md lists them:
//! * invite (no partnership, or a rejection either way) → `IsInvitedByMe`; accept (`InvitesMe`)
//!   → `IsMyCounteragent`; already `IsMyCounteragent` or `IsInvitedByMe` → nothing changes;
//! * break: `IsMyCounteragent` → `IsRejectedByMe`; `InvitesMe` (declined) → `IsRejectedByMe`;
//!   `IsInvitedByMe` (withdrawn) → the status before the invitation; anything else, or no
//!   partnership → nothing changes; an invitation with an attachment → 409.
//!
//! Choices where api.md says nothing (UNKNOWN), each also in the README table:
//! * the change is made when the task starts; the result is ready after `acquire_polls` polls
//!   of AcquireCounteragentResult (204 + `Retry-After` before that; builder, default 1);
//! * the counteragent is named by `BoxId`, else `OrgId`, else `Inn` (the first one given);
//!   none of them → 400; a `BoxId`/`OrgId` the sandbox does not know → 404 (the method's listed
//!   404); an `Inn` of no known organization → the task fails (409 on the result: "the
//!   organization could not be created"); the caller's own organization → 400;
//! * an invitation document whose `Signature` is not DER CMS `SignedData` → the task fails
//!   (409: "the signature did not verify"); an acceptance with a document → 400 (api.md:
//!   accepting "works only with a reply that has no attachment");
//! * a roaming counteragent (`Organization.IsRoaming`) → 409 at the start (api.md: "a roaming
//!   application is needed first");
//! * GetCounteragent: a counteragent in the list, in any status (`NotInCounteragentList`
//!   included), is 200; one not in the list at all is 404 ("no partnership");
//! * a withdrawn invitation of the seed, whose earlier status is not known, returns to
//!   `NotInCounteragentList`;
//! * a task is found only with the box that started it (another box of the user: 404);
//! * a 429 (builder `acquire_throttled`) has `Retry-After` and no body.

use std::collections::HashMap;

use axum::http::StatusCode;
use edi_proto::diadoc::api::proto as dap;
use edi_proto::diadoc::api::proto::events as ev;

use super::{Outcome, proto, user_box};
use crate::call::Call;
use crate::reply::{Refusal, Reply};
use crate::seed::ids::{dashed, guid, now_ticks};
use crate::seed::{Seed, box_key};
use crate::state::Shared;
use crate::wire;
use dap::CounteragentStatus as S;

/// api.md, AcquireCounteragent: `MessageToCounteragent` ≤ 2000 characters.
const MAX_MESSAGE: usize = 2000;
/// api.md, BreakWithCounteragent: `comment` ≤ 5000 characters.
const MAX_COMMENT: usize = 5000;

/// The counteragent lists as the calls so far have left them, and the invitation tasks.
#[derive(Debug, Default)]
pub(crate) struct Partnerships {
    /// Counteragents per own organization (index-aligned with `Seed::orgs`), in list order.
    pub(crate) lists: Vec<Vec<dap::Counteragent>>,
    /// The status before an invitation of mine, by (organization, counteragent box key).
    before_invitation: HashMap<(usize, String), i32>,
    /// Tasks by id.
    tasks: HashMap<String, Task>,
}

#[derive(Debug)]
struct Task {
    /// The box that started it (index into `Seed::boxes`).
    box_index: usize,
    polls: u32,
    outcome: Result<dap::AcquireCounteragentResultV2, String>,
}

impl Partnerships {
    /// The seed's lists, before any call.
    pub(crate) fn new(seed: &Seed) -> Self {
        Self {
            lists: seed.counteragents.clone(),
            ..Self::default()
        }
    }
}

/// The key of `org`'s first box (what a partnership is found by).
fn first_box_key(org: &dap::Organization) -> String {
    org.boxes
        .first()
        .and_then(|b| box_key(&b.box_id_guid))
        .unwrap_or_default()
}

fn has_box(org: &dap::Organization, key: &str) -> bool {
    org.boxes
        .iter()
        .any(|b| box_key(&b.box_id_guid).as_deref() == Some(key))
}

/// `GET /V3/GetCounteragent?myBoxId=&counteragentBoxId=`.
pub(crate) fn get(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "myBoxId")?;
    let key = box_param(call, "counteragentBoxId")?;
    let org = shared.seed.boxes[b].org;
    let state = shared.lock();
    let found = state.partners.lists[org]
        .iter()
        .find(|c| has_box(&c.organization, &key))
        .cloned();
    drop(state);
    match found {
        Some(c) => proto(&c),
        None => Err(Refusal::NotFound(format!(
            "The organizations have no partnership: counteragent box {}",
            call.param("counteragentBoxId").unwrap_or_default()
        ))),
    }
}

/// A required box id parameter, as its key; not a box id → 400.
fn box_param(call: &Call, name: &str) -> Result<String, Refusal> {
    let id = call.required(name)?;
    box_key(id).ok_or_else(|| {
        Refusal::bad_request(format!("Parameter '{name}' is not a valid box id: '{id}'"))
    })
}

/// Who the request names: an organization, or an INN nobody has.
enum Target {
    Known(Box<dap::Organization>),
    UnknownInn(String),
}

/// `POST /V3/AcquireCounteragent?myBoxId=&myDepartmentId=`, body `AcquireCounteragentRequest`.
pub(crate) fn acquire(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "myBoxId")?;
    if call.param("myDepartmentId").is_some() {
        call.guid("myDepartmentId")?;
    }
    let body: dap::AcquireCounteragentRequest =
        wire::decode(edi_proto::names::ACQUIRE_COUNTERAGENT_REQUEST, &call.body)?;
    if let Some(m) = &body.message_to_counteragent {
        let n = m.chars().count();
        if n > MAX_MESSAGE {
            return Err(Refusal::bad_request(format!(
                "MessageToCounteragent is longer than {MAX_MESSAGE} characters: {n}"
            )));
        }
    }
    let seed = &shared.seed;
    let me = seed.boxes[b].org;
    let target = target(seed, &body)?;
    let mut failure: Option<String> = None;
    let counterpart = match target {
        Target::Known(org) => {
            if org.org_id.eq_ignore_ascii_case(&seed.orgs[me].org_id) {
                return Err(Refusal::bad_request(
                    "An organization cannot be its own counteragent",
                ));
            }
            if org.is_roaming == Some(true) {
                return Err(Refusal::Conflict(format!(
                    "Counteragent {} works with another operator: a roaming application is \
                     needed first",
                    org.org_id
                )));
            }
            Some(org)
        }
        Target::UnknownInn(inn) => {
            failure = Some(format!(
                "The organization with INN {inn} could not be created: it is not in the state \
                 register"
            ));
            None
        }
    };
    let document = body.invitation_document.as_ref();
    if failure.is_none() {
        if let Some(doc) = document {
            if !is_cms(doc.signed_content.signature.as_deref()) {
                failure = Some(format!(
                    "The signature of the invitation document '{}' did not verify",
                    doc.file_name
                ));
            }
        }
    }
    let task_id = dashed(&shared.random_hex(16));
    let invitation_document_id = document.map(|_| dap::DocumentId {
        message_id: guid(&format!("invitation-{task_id}")),
        entity_id: guid(&format!("invitation-{task_id}-entity")),
    });
    let mut state = shared.lock();
    let outcome = match (failure, counterpart) {
        (Some(why), _) => Err(why),
        (None, None) => Err("The invitation failed".to_owned()),
        (None, Some(org)) => {
            let key = first_box_key(&org);
            let current = state.partners.lists[me]
                .iter()
                .find(|c| has_box(&c.organization, &key))
                .and_then(|c| c.current_status)
                .and_then(|s| S::try_from(s).ok());
            if current == Some(S::InvitesMe) && document.is_some() {
                return Err(Refusal::bad_request(
                    "An invitation is accepted without a document: drop InvitationDocument",
                ));
            }
            let next = match current {
                Some(S::InvitesMe) => Some(S::IsMyCounteragent),
                Some(S::IsMyCounteragent | S::IsInvitedByMe) => None,
                _ => Some(S::IsInvitedByMe),
            };
            if let Some(next) = next {
                if next == S::IsInvitedByMe {
                    let before = current.unwrap_or(S::NotInCounteragentList) as i32;
                    state
                        .partners
                        .before_invitation
                        .insert((me, key.clone()), before);
                }
                let mirror = match next {
                    S::IsInvitedByMe => S::InvitesMe,
                    _ => S::IsMyCounteragent,
                };
                let message = body.message_to_counteragent.clone();
                let doc_id = invitation_document_id.clone();
                set(&mut state.partners, me, &org, next, |c| {
                    if next == S::IsInvitedByMe {
                        c.message_to_counteragent = message.clone();
                        c.invitation_document_id = doc_id.clone();
                    } else {
                        c.invitation_document_id = None;
                    }
                });
                if let Some(other) = seed.org_index(&org.org_id) {
                    let mut mine = seed.orgs[me].clone();
                    mine.departments.clear();
                    let message = body.message_to_counteragent.clone();
                    set(&mut state.partners, other, &mine, mirror, |c| {
                        if mirror == S::InvitesMe {
                            c.message_from_counteragent = message.clone();
                            c.invitation_document_id = invitation_document_id.clone();
                        } else {
                            c.invitation_document_id = None;
                        }
                    });
                }
            }
            let box_id = body
                .box_id
                .clone()
                .filter(|id| box_key(id).as_deref() == Some(key.as_str()))
                .or_else(|| org.boxes.first().map(|b| b.box_id_guid.clone()))
                .unwrap_or_default();
            Ok(dap::AcquireCounteragentResultV2 {
                box_id,
                invitation_document_id,
            })
        }
    };
    state.partners.tasks.insert(
        task_id.clone(),
        Task {
            box_index: b,
            polls: 0,
            outcome,
        },
    );
    let invitation = match &state.partners.tasks[&task_id].outcome {
        Ok(result) => result
            .invitation_document_id
            .clone()
            .zip(Some(result.box_id.clone())),
        Err(_) => None,
    };
    drop(state);
    // An invitation with a document is a message from the inviter's box to the counteragent's
    // (its `InvitationDocumentId` names that message): it appears in the box event feed
    // (GetNewEvents) of each seeded box involved. A partnership change without a document is
    // not a message; Diadoc reports those in GetCounteragentEvents (lifecycle.md §5.1), which
    // the sandbox does not serve.
    if let (Some((id, to_box)), Some(doc)) = (invitation, document) {
        let from_box = seed.boxes[b].box_id_guid.clone();
        let ticks = now_ticks();
        let event = ev::BoxEvent {
            message: Some(ev::Message {
                message_id: id.message_id.clone(),
                timestamp_ticks: ticks,
                last_patch_timestamp_ticks: ticks,
                from_box_id: from_box,
                from_title: String::new(),
                to_box_id: Some(to_box.clone()),
                entities: vec![ev::Entity {
                    entity_type: Some(ev::EntityType::Attachment as i32),
                    entity_id: id.entity_id.clone(),
                    file_name: Some(doc.file_name.clone()),
                    raw_creation_date: Some(ticks),
                    ..Default::default()
                }],
                lock_mode: dap::LockMode::None as i32,
                message_type: dap::documents::MessageType::Letter as i32,
                ..Default::default()
            }),
            ..Default::default()
        };
        super::events::record_event(shared, b, event.clone());
        if let Some(other) = seed.box_index(&to_box) {
            super::events::record_event(shared, other, event);
        }
    }
    proto(&dap::AsyncMethodResult {
        task_id: Some(task_id),
    })
}

/// The organization the request names (api.md: `BoxId` preferred, else `OrgId`, else `Inn`).
fn target(seed: &Seed, body: &dap::AcquireCounteragentRequest) -> Result<Target, Refusal> {
    let every = || {
        seed.orgs
            .iter()
            .chain(seed.counteragents.iter().flatten().map(|c| &c.organization))
    };
    let clean = |org: &dap::Organization| {
        let mut org = org.clone();
        org.departments.clear();
        org
    };
    if let Some(id) = body.box_id.as_deref().filter(|s| !s.is_empty()) {
        let key = box_key(id)
            .ok_or_else(|| Refusal::bad_request(format!("BoxId is not a valid box id: '{id}'")))?;
        return every()
            .find(|o| has_box(o, &key))
            .map(|o| Target::Known(Box::new(clean(o))))
            .ok_or_else(|| Refusal::NotFound(format!("Box {id} is not found")));
    }
    if let Some(id) = body.org_id.as_deref().filter(|s| !s.is_empty()) {
        return every()
            .find(|o| o.org_id.eq_ignore_ascii_case(id))
            .map(|o| Target::Known(Box::new(clean(o))))
            .ok_or_else(|| Refusal::NotFound(format!("Organization {id} is not found")));
    }
    if let Some(inn) = body.inn.as_deref().filter(|s| !s.is_empty()) {
        if !(inn.len() == 10 || inn.len() == 12) || !inn.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::bad_request(format!(
                "Inn must be 10 or 12 digits: '{inn}'"
            )));
        }
        return Ok(every()
            // A head organization only (api.md: the INN route never reaches a branch).
            .find(|o| o.inn == inn && o.is_branch != Some(true))
            .map_or_else(
                || Target::UnknownInn(inn.to_owned()),
                |o| Target::Known(Box::new(clean(o))),
            ));
    }
    Err(Refusal::bad_request(
        "Name the counteragent: BoxId, OrgId or Inn is required",
    ))
}

/// Whether `signature` is DER CMS `SignedData` (a SEQUENCE holding the id-signedData OID).
/// The sandbox has no keys; this is its "verification".
fn is_cms(signature: Option<&[u8]>) -> bool {
    const SIGNED_DATA: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    match signature {
        None => true,
        Some(bytes) => {
            bytes.first() == Some(&0x30)
                && bytes.windows(SIGNED_DATA.len()).any(|w| w == SIGNED_DATA)
        }
    }
}

/// Sets `org`'s status in `owner`'s list (adding it at the end when absent), stamps the time
/// and lets `edit` adjust the rest.
fn set(
    partners: &mut Partnerships,
    owner: usize,
    org: &dap::Organization,
    status: S,
    edit: impl Fn(&mut dap::Counteragent),
) {
    let key = first_box_key(org);
    let list = &mut partners.lists[owner];
    let position = list.iter().position(|c| has_box(&c.organization, &key));
    let index = match position {
        Some(i) => i,
        None => {
            list.push(dap::Counteragent {
                index_key: Some(crate::seed::ids::index_key(
                    list.len() + 1,
                    &format!("counteragent-{owner}-{}", org.org_id),
                )),
                organization: org.clone(),
                ..Default::default()
            });
            list.len() - 1
        }
    };
    let c = &mut list[index];
    c.current_status = Some(status as i32);
    c.last_event_timestamp_ticks = now_ticks();
    edit(c);
}

/// `GET /V3/AcquireCounteragentResult?myBoxId=&taskId=` (lifecycle.md §1.4).
pub(crate) fn result_v3(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "myBoxId")?;
    result(shared, call, Some(b))
}

/// `GET /V2/AcquireCounteragentResult?taskId=` (api.md, Step 2): any box's task.
pub(crate) fn result_v2(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let task_id = call.required("taskId")?.to_ascii_lowercase();
    let owner = shared
        .lock()
        .partners
        .tasks
        .get(&task_id)
        .map(|t| t.box_index);
    if let Some(b) = owner {
        let mine = shared.seed.users[user]
            .orgs
            .contains(&shared.seed.boxes[b].org);
        if !mine {
            return Err(Refusal::Forbidden(format!(
                "Access to task {task_id} is denied"
            )));
        }
    }
    result(shared, call, None)
}

fn result(shared: &Shared, call: &Call, box_index: Option<usize>) -> Outcome {
    let task_id = call.required("taskId")?.to_ascii_lowercase();
    let mut state = shared.lock();
    let task = state
        .partners
        .tasks
        .get_mut(&task_id)
        .filter(|t| box_index.is_none_or(|b| t.box_index == b))
        .ok_or_else(|| Refusal::NotFound(format!("Task {task_id} is not found")))?;
    task.polls = task.polls.saturating_add(1);
    let throttled = shared.settings.acquire_throttled;
    if task.polls <= throttled {
        // lifecycle.md §1.4: 429 with `Retry-After`. The sandbox's choice: no body.
        return Ok(Reply::Pending {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: shared.settings.retry_after_secs,
        });
    }
    if task.polls - throttled <= shared.settings.acquire_polls {
        return Ok(Reply::Pending {
            status: StatusCode::NO_CONTENT,
            retry_after: shared.settings.retry_after_secs,
        });
    }
    let outcome = task.outcome.clone();
    drop(state);
    match outcome {
        Ok(result) => proto(&result),
        Err(why) => Err(Refusal::Conflict(why)),
    }
}

/// `POST /V2/BreakWithCounteragent?myBoxId=&counteragentBoxId=&comment=`: 200, no body.
pub(crate) fn break_with(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "myBoxId")?;
    let key = box_param(call, "counteragentBoxId")?;
    if let Some(comment) = call.param("comment") {
        let n = comment.chars().count();
        if n > MAX_COMMENT {
            return Err(Refusal::bad_request(format!(
                "Parameter 'comment' is longer than {MAX_COMMENT} characters: {n}"
            )));
        }
    }
    let seed = &shared.seed;
    let me = seed.boxes[b].org;
    let mut state = shared.lock();
    let Some(entry) = state.partners.lists[me]
        .iter()
        .find(|c| has_box(&c.organization, &key))
        .cloned()
    else {
        // api.md: no partnership → a no-op.
        return Ok(Reply::Proto(Vec::new()));
    };
    let current = entry.current_status.and_then(|s| S::try_from(s).ok());
    let (next, mirror) = match current {
        Some(S::InvitesMe | S::IsInvitedByMe) if entry.invitation_document_id.is_some() => {
            return Err(Refusal::Conflict(
                "The invitation has an attachment: withdraw it with \
                 GenerateRevocationRequestXml and PostMessagePatch"
                    .to_owned(),
            ));
        }
        Some(S::IsMyCounteragent | S::InvitesMe) => (S::IsRejectedByMe, S::RejectsMe),
        Some(S::IsInvitedByMe) => {
            let before = state
                .partners
                .before_invitation
                .remove(&(me, key.clone()))
                .and_then(|s| S::try_from(s).ok())
                .unwrap_or(S::NotInCounteragentList);
            (before, S::NotInCounteragentList)
        }
        _ => return Ok(Reply::Proto(Vec::new())),
    };
    let org = entry.organization.clone();
    set(&mut state.partners, me, &org, next, |c| {
        c.message_to_counteragent = None;
    });
    if let Some(other) = seed.org_index(&org.org_id) {
        let mut mine = seed.orgs[me].clone();
        mine.departments.clear();
        set(&mut state.partners, other, &mine, mirror, |c| {
            c.message_from_counteragent = None;
        });
    }
    Ok(Reply::Proto(Vec::new()))
}
