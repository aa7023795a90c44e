//! `POST /V3/Authenticate?type=password` (api.md, "Authenticate and AuthenticateConfirm"): the
//! body is a `LoginPassword`, as protobuf (the default, no Content-Type needed) or as JSON with
//! `Content-Type: application/json` (keys in any case: the docs' example writes `login`/`password`,
//! the proto `Login`/`Password`). The answer is the token as plain UTF-8 text.
//!
//! Only `type=password` is simulated; `certificate`, `sid` and the SDK's `trust` are real types
//! the sandbox cannot serve (no certificates, no other services), so they get a 400 that says so.

use edi_proto::diadoc::api::proto as dap;

use super::Outcome;
use crate::call::Call;
use crate::reply::{Refusal, Reply};
use crate::state::Shared;
use crate::{auth, wire};

/// The handler; the developer key was already checked (401 before 400).
pub(crate) fn password(shared: &Shared, call: &Call) -> Outcome {
    // api.md: `type` is required and must not be empty.
    match call.param("type").map(str::to_ascii_lowercase).as_deref() {
        Some("password") => {}
        Some("certificate" | "sid" | "trust") => {
            return Err(Refusal::bad_request(
                "The sandbox only simulates type=password",
            ));
        }
        Some(other) => {
            return Err(Refusal::bad_request(format!(
                "Unknown authentication type '{other}'"
            )));
        }
        None => return Err(Refusal::bad_request("Parameter 'type' is required")),
    }
    let credentials = if call.is_json() {
        from_json(&call.body)?
    } else {
        wire::decode::<dap::LoginPassword>(edi_proto::names::LOGIN_PASSWORD, &call.body)?
    };
    // api.md: what wrong credentials return is UNKNOWN (403 is not listed for Authenticate).
    // The sandbox's choice: 401, the status the method lists for bad authorization data.
    let user = shared
        .seed
        .users
        .iter()
        .position(|u| u.login == credentials.login && u.password == credentials.password)
        .ok_or(Refusal::Unauthorized("Invalid login or password"))?;
    Ok(Reply::Text(auth::issue(shared, user)))
}

/// A JSON `LoginPassword` with keys in any case; both keys are required strings.
fn from_json(body: &[u8]) -> Result<dap::LoginPassword, Refusal> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::bad_request(format!("The body is not valid JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| Refusal::bad_request("The body must be a JSON object"))?;
    let field = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| Refusal::bad_request(format!("'{name}' is required")))
    };
    Ok(dap::LoginPassword {
        login: field("Login")?,
        password: field("Password")?,
    })
}
