//! EDIN's two-step login, its `SID` cookie session and logout (reference/edin/api.md §2):
//!
//! 1. `POST /bdoc/auth_uuid`, multipart field `email` → `{"isCaptcha", "token"}`;
//! 2. `POST /bdoc/auth`, multipart fields `token`, `password` → 200, `Set-Cookie: SID=…`;
//! 3. every other method sends `Cookie: SID=…`; `GET /bdoc/logout` ends the session.
//!
//! A session dies after the idle time (10 minutes, §2 #8; `SandboxBuilder::edin_session_idle`),
//! or at once when a test expires it (`SandboxHandle::expire_edin_sessions`). Idle time is read
//! from tokio's clock, so a test with `tokio::time::pause()` moves it with `advance`.
//! api.md §2 #10 leaves every failure UNKNOWN; the sandbox's choices are in the comments below.

use std::collections::HashMap;
use tokio::time::Instant;

use super::wire::AuthUuid;
use super::{Caller, Outcome, Reply, json};
use crate::call::Call;
use crate::reply::Refusal;
use crate::state::Shared;

/// Login tokens waiting for step 2, and open sessions.
#[derive(Debug, Default)]
pub(crate) struct Logins {
    /// Step-1 token → the e-mail it was issued for, and whether step 1 asked for a captcha.
    pending: HashMap<String, (String, bool)>,
    /// E-mails (ASCII lower case) whose captcha demand a test set (`require_captcha`),
    /// overriding the seed's `is_captcha`.
    captcha: HashMap<String, bool>,
    /// SID → session.
    sessions: HashMap<String, Session>,
}

#[derive(Debug)]
struct Session {
    /// Index into `EdinSeed::users`.
    user: usize,
    /// The last successful call (or the login).
    last: Instant,
    /// Expired by the handle: refused as an idle one would be.
    expired: bool,
}

/// `POST /bdoc/auth_uuid`.
pub(crate) fn uuid(shared: &Shared, call: &Call) -> Outcome {
    let email = field(call, "email")?;
    // api.md §2 #3 says only that the token is a UUID. The sandbox's choice: any e-mail gets a
    // token, known or not, so this step does not reveal which e-mails exist; step 2 then fails
    // with 401 for an unknown one. Tokens do not expire, but each is good for one `auth` call.
    let seeded = shared
        .seed
        .edin
        .user_index(email)
        .is_some_and(|u| shared.seed.edin.users[u].is_captcha);
    let token = random_uuid(shared);
    let mut state = shared.lock();
    let logins = &mut state.edin.logins;
    let is_captcha = logins
        .captcha
        .get(&email.to_ascii_lowercase())
        .copied()
        .unwrap_or(seeded);
    logins
        .pending
        .insert(token.clone(), (email.to_owned(), is_captcha));
    drop(state);
    json(&AuthUuid { is_captcha, token })
}

/// `POST /bdoc/auth`.
pub(crate) fn login(shared: &Shared, call: &Call) -> Outcome {
    let token = field(call, "token")?;
    let password = field(call, "password")?;
    let mut state = shared.lock();
    // api.md §2 #10: UNKNOWN; the sandbox's choices: an unknown or already used token → 401
    // (a token is spent by any `auth` call that names it, right password or not); a token whose
    // step 1 answered `isCaptcha: true` (the seed's captcha user, or an e-mail a test marked
    // with `require_captcha`) → 403 whatever the password (a captcha is required, and the
    // sandbox cannot take one; how a real client would send it is not documented); an unknown
    // e-mail or a wrong password → 401, the same answer for both.
    let (email, captcha) = state
        .edin
        .logins
        .pending
        .remove(token)
        .ok_or(Refusal::Unauthorized(
            "The token is unknown or already used",
        ))?;
    let user = shared.seed.edin.user_index(&email);
    if captcha {
        return Err(Refusal::Forbidden(
            "A captcha is required for this user".to_owned(),
        ));
    }
    let user = user
        .filter(|&u| shared.seed.edin.users[u].password == password)
        .ok_or(Refusal::Unauthorized("Invalid e-mail or password"))?;
    let sid = random_uuid(shared);
    state.edin.logins.open(sid.clone(), user);
    Ok(Reply::Login(sid))
}

/// `GET /bdoc/logout`: ends the caller's session; 200, no body (api.md §2 #9). What a call with
/// the ended SID gets is UNKNOWN (§2 #10); the sandbox's choice: exactly what an expired one
/// gets (the same 401 and message, then "unknown" as for any refused session), so the session
/// is marked expired rather than forgotten. The successful logout does not refresh it.
pub(crate) fn logout(shared: &Shared, _call: &Call, caller: &Caller) -> Outcome {
    if let Some(s) = shared.lock().edin.logins.sessions.get_mut(&caller.sid) {
        s.expired = true;
    }
    Ok(Reply::Empty)
}

/// The caller of a method that needs a session. api.md §2 #10: what a missing or expired SID
/// gets is UNKNOWN; the sandbox's choice: 401 for a missing cookie, an unknown SID, a logged-out
/// one and one idle for the idle time or longer.
pub(crate) fn caller(shared: &Shared, call: &Call) -> Result<Caller, Refusal> {
    let sid = call
        .cookie("SID")
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::Unauthorized("The SID cookie is missing"))?;
    let idle = shared.settings.edin_session_idle;
    let mut state = shared.lock();
    let sessions = &mut state.edin.logins.sessions;
    let session = sessions
        .get(sid)
        .ok_or(Refusal::Unauthorized("The session is unknown or has ended"))?;
    if session.expired || session.last.elapsed() >= idle {
        sessions.remove(sid);
        return Err(Refusal::Unauthorized("The session has expired"));
    }
    Ok(Caller {
        sid: sid.to_owned(),
        user: session.user,
    })
}

/// Restarts the idle timer of session `sid`, if it is still open. api.md §2 #8 counts idle
/// time "without requests" and does not say whether refused ones count; the sandbox's choice:
/// only successful calls refresh.
pub(crate) fn refresh(shared: &Shared, sid: &str) {
    if let Some(s) = shared.lock().edin.logins.sessions.get_mut(sid) {
        s.last = Instant::now();
    }
}

/// Opens a session for user `user` (index into `EdinSeed::users`) and returns its SID.
pub(crate) fn issue(shared: &Shared, user: usize) -> String {
    let sid = random_uuid(shared);
    shared.lock().edin.logins.open(sid.clone(), user);
    sid
}

impl Logins {
    /// Makes step 1 for `email` (ASCII case ignored) answer `isCaptcha: on` from now on.
    pub(crate) fn require_captcha(&mut self, email: &str, on: bool) {
        self.captcha.insert(email.to_ascii_lowercase(), on);
    }

    fn open(&mut self, sid: String, user: usize) {
        self.sessions.insert(
            sid,
            Session {
                user,
                last: Instant::now(),
                expired: false,
            },
        );
    }

    /// Expires session `sid` now (its next call gets the idle answer); false when it is not
    /// open (unknown, logged out or already expired). `None` expires every open session.
    pub(crate) fn expire(&mut self, sid: Option<&str>) -> bool {
        let mut any = false;
        for (_, session) in self
            .sessions
            .iter_mut()
            .filter(|(s, session)| !session.expired && sid.is_none_or(|sid| sid == s.as_str()))
        {
            session.expired = true;
            any = true;
        }
        any
    }
}

/// A required multipart text field. api.md §2 #2 and #4: both steps take
/// `multipart/form-data`; the sandbox's choice: any other body, or a missing or empty field,
/// is a 400.
fn field<'a>(call: &'a Call, name: &str) -> Result<&'a str, Refusal> {
    let form = call
        .form
        .as_ref()
        .ok_or_else(|| Refusal::bad_request("The body must be multipart/form-data"))?;
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Refusal::bad_request(format!("Form field '{name}' is required")))
}

/// A random version-4 UUID, lower case. The step-1 token is one (api.md §2 #3); for the SID
/// api.md §2 #11 shows no format (EDIN 2.0 examples use a UUID), and the sandbox's choice is
/// the same shape.
fn random_uuid(shared: &Shared) -> String {
    let mut b = shared.random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    crate::seed::ids::dashed(&hex)
}
