//! `GET /GetMyOrganizations?autoRegister=` (api.md, GetMyOrganizations): the organizations, with
//! their boxes, that the token's user can access, as an `OrganizationList`. And
//! `GET /GetOrganization?orgId=|boxId=|fnsParticipantId=|inn=[&kpp=]` (api.md, GetOrganization):
//! one organization of the directory (the users' own and every counteragent's).
//!
//! `autoRegister` only matters for users who signed in with a certificate; the sandbox's users
//! have none, so the parameter is read (a value other than true/false is a 400) and otherwise
//! changes nothing.

use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, proto};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::box_key;
use crate::state::Shared;

/// The handler.
pub(crate) fn mine(shared: &Shared, call: &Call, user: usize) -> Outcome {
    call.flag("autoRegister")?;
    let organizations = shared.seed.users[user]
        .orgs
        .iter()
        .map(|&o| shared.seed.orgs[o].clone())
        .collect();
    proto(&dap::OrganizationList { organizations })
}

/// GetOrganization: exactly one of `orgId`, `boxId`, `fnsParticipantId`, `inn` (with `kpp` only
/// beside `inn`); none or several → 400. Not in the directory → 404. With `inn`, an answer only
/// when exactly one organization matches (several → 404, the sandbox's reading of "an answer
/// comes only if exactly one matches"); with `inn`+`kpp` and no KPP match, the head
/// organization (no KPP, or not a branch) of that INN.
pub(crate) fn one(shared: &Shared, call: &Call) -> Outcome {
    let keys = ["orgId", "boxId", "fnsParticipantId", "inn"];
    let given: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| call.param(k).is_some_and(|v| !v.is_empty()))
        .collect();
    let [key] = given[..] else {
        return Err(Refusal::bad_request(format!(
            "Exactly one of orgId, boxId, fnsParticipantId, inn is required; got {}",
            if given.is_empty() {
                "none".to_owned()
            } else {
                given.join(", ")
            }
        )));
    };
    if call.param("kpp").is_some() && key != "inn" {
        return Err(Refusal::bad_request(
            "Parameter 'kpp' is used only with 'inn'",
        ));
    }
    let value = call.required(key)?;
    let directory = super::account::directory(&shared.seed);
    let found = match key {
        "orgId" => {
            let id = call.guid("orgId")?;
            directory
                .into_iter()
                .find(|o| o.org_id.eq_ignore_ascii_case(&id))
        }
        "boxId" => {
            let wanted = box_key(value).ok_or_else(|| {
                Refusal::bad_request(format!(
                    "Parameter 'boxId' is not a valid box id: '{value}'"
                ))
            })?;
            directory.into_iter().find(|o| {
                o.boxes
                    .iter()
                    .any(|b| box_key(&b.box_id_guid).as_deref() == Some(wanted.as_str()))
            })
        }
        "fnsParticipantId" => directory.into_iter().find(|o| {
            o.fns_participant_id
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(value))
        }),
        _ => {
            let with_inn: Vec<&dap::Organization> =
                directory.into_iter().filter(|o| o.inn == value).collect();
            match call.param("kpp") {
                Some(kpp) => with_inn
                    .iter()
                    .find(|o| o.kpp.as_deref() == Some(kpp))
                    .or_else(|| with_inn.iter().find(|o| !o.is_branch.unwrap_or(false)))
                    .copied(),
                None if with_inn.len() == 1 => with_inn.first().copied(),
                None => None,
            }
        }
    };
    let organization = found.ok_or_else(|| {
        Refusal::NotFound(format!("Organization with {key}={value} is not found"))
    })?;
    proto(organization)
}
