//! The account and directory methods (api.md, GetMyUser, GetOrganization, GetBox):
//!
//! * `GET /V2/GetMyUser` → `UserV2` of the token's user (no query, no body).
//! * `GET /GetOrganization?orgId=|boxId=|fnsParticipantId=|inn=[&kpp=]` → `Organization`.
//!   Exactly one of the four ids, else 400 (api.md: "exactly one … may be given"); `kpp`
//!   without `inn` is a 400 too (api.md: "used only together with inn"). With `inn` an answer
//!   comes only when exactly one organization has it; with `inn`+`kpp` and no KPP match, the
//!   head organization with that INN (the one that is not a branch). Nothing found: 404.
//! * `GET /GetBox?boxId=` → `Box` with its `Organization` filled (only this method fills it);
//!   a box id of neither form is a 400; no such box: 404.
//!
//! The directory is every organization the sandbox knows: the users' own and their
//! counteragents'. GetBox and GetOrganization need only the developer key (api.md: "a token is
//! optional"); with a Bearer token (OIDC, which carries no key) the token must be valid.

use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, proto};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::{Seed, box_key};
use crate::state::Shared;

/// Every organization in the directory, the users' own first, each once.
pub(crate) fn directory(seed: &Seed) -> Vec<&dap::Organization> {
    let mut out: Vec<&dap::Organization> = Vec::new();
    for org in seed
        .orgs
        .iter()
        .chain(seed.counteragents.iter().flatten().map(|c| &c.organization))
    {
        if !out
            .iter()
            .any(|o| o.org_id.eq_ignore_ascii_case(&org.org_id))
        {
            out.push(org);
        }
    }
    out
}

/// The box `box_id` (either form, any case) and the organization that owns it.
pub(crate) fn find_box<'a>(
    seed: &'a Seed,
    box_id: &str,
) -> Option<(&'a dap::Organization, &'a dap::Box)> {
    let key = box_key(box_id)?;
    directory(seed).into_iter().find_map(|o| {
        o.boxes
            .iter()
            .find(|b| box_key(&b.box_id_guid).as_deref() == Some(key.as_str()))
            .map(|b| (o, b))
    })
}

/// `GET /V2/GetMyUser`.
pub(crate) fn my_user(shared: &Shared, _call: &Call, user: usize) -> Outcome {
    let u = &shared.seed.users[user];
    // The seed's users have no names; these are the sandbox's.
    let (last, first, middle) = match u.login.as_str() {
        "demo" => ("Петрова", "Анна", Some("Игоревна")),
        _ => ("Смирнов", "Олег", None),
    };
    proto(&dap::UserV2 {
        user_id: u.user_id.clone(),
        login: Some(u.login.clone()),
        full_name: Some(dap::FullName {
            last_name: last.to_owned(),
            first_name: first.to_owned(),
            middle_name: middle.map(str::to_owned),
        }),
        is_registered: true,
    })
}

/// `GET /GetBox`.
pub(crate) fn get_box(shared: &Shared, call: &Call) -> Outcome {
    let id = call.required("boxId")?;
    if box_key(id).is_none() {
        return Err(Refusal::bad_request(format!(
            "Parameter 'boxId' is not a valid box id: '{id}'"
        )));
    }
    let (org, b) = find_box(&shared.seed, id)
        .ok_or_else(|| Refusal::NotFound(format!("Box {id} is not found")))?;
    let mut answer = b.clone();
    answer.organization = Some(org.clone());
    proto(&answer)
}
