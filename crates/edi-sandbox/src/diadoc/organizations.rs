//! `GET /GetMyOrganizations?autoRegister=` (api.md, GetMyOrganizations): the organizations, with
//! their boxes, that the token's user can access, as an `OrganizationList`.
//!
//! `autoRegister` only matters for users who signed in with a certificate; the sandbox's users
//! have none, so the parameter is read (a value other than true/false is a 400) and otherwise
//! changes nothing.

use edi_proto::diadoc::api::proto as dap;

use super::{Outcome, proto};
use crate::call::Call;
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
