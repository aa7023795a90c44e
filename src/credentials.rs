//! The upstream credential of every call, in one place. Each Diadoc and EDIN call of a request
//! goes through [`diadoc`], [`diadoc_open`] or [`edin`], which:
//!
//! 1. pick the credential: the caller's own token, or the managed client's (`clients.rs`), whose
//!    token or session id comes from the broker (`broker.rs`: one per credential, refreshed
//!    before it expires, never fetched twice at once);
//! 2. then, for Diadoc, take a slot of that credential's limits first (`limits.rs`: Kontur's published
//!    "at most 4 at once, 100 per second", lifecycle.md §3), waiting at most the caller's wait;
//!    no slot in time is a 503 with `Retry-After` and nothing sent;
//! 3. send, and when the upstream refuses a **managed** credential (Diadoc 401, EDIN's rejected
//!    session) renew it once and repeat the call if it is safe to repeat (a read — the caller's
//!    route is a GET, or the upstream call is — or a write with an `operationId`); otherwise a
//!    problem saying the call was not repeated;
//! 4. when Diadoc answers 429, wait its `Retry-After` and repeat a safe call, while the wait
//!    fits the caller's; otherwise the 429 goes to the caller with its `Retry-After`.
//!
//! A caller's own token is never renewed here: its 401 goes back to the caller as before.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use crate::app::AppState;
use crate::auth::Caller;
use crate::clients::Digest;
use crate::error::ApiError;
use crate::metrics::Upstream;
use crate::routes::{Route, Service};
use crate::upstream::diadoc::{DiadocRequest, OpenReply};
use crate::upstream::edin::EdinRequest;
use crate::upstream::{UpstreamError, UpstreamReply};

/// The most times one call is repeated after Diadoc's 429.
const MAX_429_REPEATS: u32 = 3;

/// How a call is made for its caller: who, and how long it may wait for a slot or a 429's
/// `Retry-After` in all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Via<'a> {
    /// The caller; `None` for calls made without a credential (Diadoc's Authenticate).
    pub(crate) caller: Option<&'a Caller>,
    /// The longest wait for a slot of the credential's limits.
    pub(crate) wait: Duration,
    /// The longest wait for Diadoc's 429 `Retry-After` before the call is repeated; past it the
    /// 429 goes to the caller.
    pub(crate) retry_within: Duration,
    /// The call is a read whatever its upstream method: the caller's route is a GET (EDIN lists
    /// with a POST, Diadoc reads docflows with one). Calls whose upstream method is GET, or
    /// that carry an `operationId`, are safe to repeat anyway.
    pub(crate) read: bool,
}

impl<'a> Via<'a> {
    /// A call of a request that is not a long request: it waits at most the queue timeout.
    pub(crate) fn queued(state: &AppState, caller: Option<&'a Caller>) -> Self {
        Self {
            caller,
            wait: state.config.queue_timeout,
            retry_within: state.config.queue_timeout,
            read: false,
        }
    }

    /// The calls of `ex`: a long request's (or its polling loop's) wait [`Via::long`], any
    /// other's [`Via::queued`].
    pub(crate) fn of(state: &AppState, ex: &'a crate::exchange::Exchange) -> Self {
        let via = if ex.route.polling.is_long() {
            Self::long(state, ex.caller.as_ref())
        } else {
            Self::queued(state, ex.caller.as_ref())
        };
        Self {
            read: ex.route.method == crate::routes::Verb::Get,
            ..via
        }
    }

    /// A call of a polling loop or a long request: it may wait for a slot as long as the
    /// longest wait a caller can ask for (its caller gets a 202 when its own wait runs out), and
    /// for a 429's `Retry-After` as long as any other call.
    pub(crate) fn long(state: &AppState, caller: Option<&'a Caller>) -> Self {
        Self {
            caller,
            wait: state.config.wait_max(),
            retry_within: state.config.queue_timeout,
            read: false,
        }
    }
}

/// A Diadoc credential, as one call uses it.
enum DiadocCredential<'a> {
    /// The caller's own token, in the gateway's configured mode.
    Own(&'a SecretString),
    /// A managed client's credential, with its client's limits.
    Managed(&'a crate::clients::Diadoc, &'a crate::clients::Client),
}

impl DiadocCredential<'_> {
    /// The key of its limits: the managed credential's key, or a digest of the caller's token.
    fn limit_key(&self) -> Digest {
        match self {
            Self::Own(token) => token_digest(token),
            Self::Managed(cred, _) => cred.key,
        }
    }
}

/// The caller's Diadoc credential; a managed client without one is refused before any call.
fn diadoc_credential(
    caller: Option<&Caller>,
) -> Result<Option<DiadocCredential<'_>>, UpstreamError> {
    match caller {
        None => Ok(None),
        Some(Caller::Token(token)) => Ok(Some(DiadocCredential::Own(token))),
        Some(Caller::Client(client)) => match &client.diadoc {
            Some(cred) => Ok(Some(DiadocCredential::Managed(cred, client))),
            // `dispatch.rs` refuses such a client before; kept as a clear refusal here too.
            None => Err(UpstreamError::Unusable(format!(
                "the managed client {} has no Diadoc credential",
                client.name
            ))),
        },
    }
}

/// A SHA-256 of a caller's token: its limits' key, never the token itself.
pub(crate) fn token_digest(token: &SecretString) -> Digest {
    let mut hash = Sha256::new();
    hash.update(b"caller-token\0");
    hash.update(token.expose_secret().as_bytes());
    hash.finalize().into()
}

/// Whether a call may be sent again after a refusal that says it was not processed: a GET, or a
/// call carrying Diadoc's `operationId` (api.md: "operationId").
fn repeatable(method: &http::Method, query: &[(&'static str, String)]) -> bool {
    *method == http::Method::GET
        || *method == http::Method::OPTIONS
        || query.iter().any(|(name, _)| *name == "operationId")
}

/// What [`diadoc_call`] does with the request once authorized.
#[derive(Clone, Copy)]
enum Op {
    /// Read the 2xx reply whole (`DiadocClient::send`).
    Send,
    /// Return as soon as the headers are in (`DiadocClient::open`), the whole call bounded by
    /// this long.
    Open(Duration),
}

/// What [`diadoc_call`] returns.
enum Got {
    Reply(UpstreamReply),
    Opened(OpenReply),
}

impl Got {
    /// The reply's status (`metrics.rs`).
    fn status(&self) -> u16 {
        match self {
            Self::Reply(reply) => reply.status.as_u16(),
            Self::Opened(opened) => opened.status.as_u16(),
        }
    }
}

/// Sends one Diadoc call for `via`'s caller and reads its reply whole.
pub(crate) async fn diadoc(
    state: &AppState,
    via: Via<'_>,
    req: DiadocRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    match Box::pin(diadoc_call(state, via, req, Op::Send)).await? {
        (Got::Reply(reply), _) => Ok(reply),
        (Got::Opened(_), _) => Err(UpstreamError::Unusable(
            "a whole reply was asked for".to_owned(),
        )),
    }
}

/// Sends one Diadoc call whose reply is a file, for `via`'s caller, and returns at its headers
/// with the slot of the credential's limits: keep it until the body has been read (Kontur
/// counts the call in flight until then).
pub(crate) async fn diadoc_open(
    state: &AppState,
    via: Via<'_>,
    req: DiadocRequest<'_>,
    timeout: Duration,
) -> Result<(OpenReply, Option<crate::limits::Slot>), UpstreamError> {
    match Box::pin(diadoc_call(state, via, req, Op::Open(timeout))).await? {
        (Got::Opened(reply), slot) => Ok((reply, slot)),
        (Got::Reply(_), _) => Err(UpstreamError::Unusable(
            "a file reply was asked for".to_owned(),
        )),
    }
}

/// One Diadoc call under Diadoc's circuit breaker (`breaker.rs`): refused at once while it is
/// open, its final outcome counted.
async fn diadoc_call(
    state: &AppState,
    via: Via<'_>,
    req: DiadocRequest<'_>,
    op: Op,
) -> Result<(Got, Option<crate::limits::Slot>), UpstreamError> {
    let permit = state.guards.diadoc.admit()?;
    let result = diadoc_attempts(state, via, req, op).await;
    permit.record(crate::breaker::Outcome::of(&result));
    result
}

async fn diadoc_attempts(
    state: &AppState,
    via: Via<'_>,
    req: DiadocRequest<'_>,
    op: Op,
) -> Result<(Got, Option<crate::limits::Slot>), UpstreamError> {
    let credential = diadoc_credential(via.caller)?;
    let deadline = Instant::now() + via.wait;
    let retry_deadline = Instant::now() + via.retry_within;
    let safe = via.read || repeatable(&req.method, req.query);
    let mut renewed = false;
    let mut repeats_429 = 0;
    let mut stale: Option<SecretString> = None;
    let mut retried = false;
    loop {
        // The token first: 1,000 requests arriving at once all wait on the broker's one fetch,
        // not four at a time behind the limits.
        let (token, mode) = match &credential {
            None => (None, None),
            Some(DiadocCredential::Own(token)) => (Some((*token).clone()), None),
            Some(DiadocCredential::Managed(cred, client)) => {
                let issued = managed_token(state, cred, client, stale.take()).await?;
                (Some(issued.token), Some(issued.mode))
            }
        };
        let slot = match &credential {
            Some(c) => Some(acquire(state, c, deadline).await?),
            None => None,
        };
        let attempt = DiadocRequest {
            token: token.as_ref(),
            mode,
            ..req.clone()
        };
        // A transport error on a call safe to repeat: sent once more, from the retry budget.
        let attempt = &attempt;
        let result = state
            .guards
            .diadoc
            .send(safe, &mut retried, move || {
                let attempt = attempt.clone();
                let (method, path) = (attempt.method.clone(), attempt.path);
                let sending = async move {
                    match op {
                        Op::Send => state.diadoc.send(attempt).await.map(Got::Reply),
                        Op::Open(timeout) => {
                            state.diadoc.open(attempt, timeout).await.map(Got::Opened)
                        }
                    }
                };
                // Each send counted, a retry too.
                counted(state, Upstream::Diadoc, method, path, Got::status, sending)
            })
            .await;
        match result {
            Ok(got) => return Ok((got, slot)),
            Err(UpstreamError::Status(f))
                if f.status == 401
                    && matches!(credential, Some(DiadocCredential::Managed(..)))
                    && !renewed =>
            {
                renewed = true;
                stale = token;
                if !safe {
                    // Renew now, so the caller's repeat finds a good token; do not repeat.
                    if let Some(DiadocCredential::Managed(cred, client)) = &credential {
                        managed_token(state, cred, client, stale.take()).await?;
                    }
                    return Err(UpstreamError::CredentialRenewed);
                }
                tracing::info!("Diadoc refused a managed token (401): renewed once, repeating");
            }
            Err(UpstreamError::RateLimited(f, secs))
                if f.status == 429 && safe && repeats_429 < MAX_429_REPEATS =>
            {
                let until = Instant::now() + Duration::from_secs(secs.max(1));
                if until > retry_deadline {
                    return Err(UpstreamError::RateLimited(f, secs));
                }
                repeats_429 += 1;
                // The slot goes back before the wait: others may use it meanwhile.
                drop(slot);
                tokio::time::sleep_until(until).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A managed client's Diadoc token from the broker: the current one, or — after Diadoc refused
/// `stale` — a renewed one.
async fn managed_token(
    state: &AppState,
    cred: &crate::clients::Diadoc,
    client: &crate::clients::Client,
    stale: Option<SecretString>,
) -> Result<crate::broker::DiadocToken, UpstreamError> {
    let broker = &state.broker;
    match stale {
        Some(old) => {
            broker
                .diadoc_after_401(&client.name, cred, &old, &state.diadoc)
                .await
        }
        None => broker.diadoc(&client.name, cred, &state.diadoc).await,
    }
}

/// `sending`, one upstream call, counted by upstream, method, path and status (`metrics.rs`).
async fn counted<T>(
    state: &AppState,
    upstream: Upstream,
    method: http::Method,
    path: &'static str,
    status: impl Fn(&T) -> u16,
    sending: impl Future<Output = Result<T, UpstreamError>>,
) -> Result<T, UpstreamError> {
    let sent = Instant::now();
    let result = sending.await;
    let status = crate::metrics::Status::of(&result, status);
    state
        .metrics
        .upstream_call(upstream, &method, path, status, sent.elapsed());
    result
}

/// A slot of the credential's limits, waiting at most until `deadline`.
async fn acquire(
    state: &AppState,
    credential: &DiadocCredential<'_>,
    deadline: Instant,
) -> Result<crate::limits::Slot, UpstreamError> {
    let own = match credential {
        DiadocCredential::Managed(_, client) => client.limits,
        DiadocCredential::Own(_) => crate::clients::ClientLimits::default(),
    };
    let limits = crate::limits::Limits {
        concurrency: own
            .diadoc_concurrency
            .unwrap_or(state.config.diadoc_concurrency),
        per_second: own
            .diadoc_per_second
            .unwrap_or(state.config.diadoc_per_second),
    };
    let wait = deadline.saturating_duration_since(Instant::now());
    let _waiting = state.metrics.limiter_wait();
    state
        .upstream_limits
        .acquire(&credential.limit_key(), limits, wait)
        .await
        .map_err(|busy| {
            tracing::debug!(
                why = busy.why,
                "no slot of the credential's limits within the wait"
            );
            UpstreamError::Saturated(busy.retry_after_secs())
        })
}

/// Sends one EDIN call for `via`'s caller: the caller's own session id, or the managed
/// client's (renewed once on a rejected session, the call repeated when safe). Under EDIN's
/// circuit breaker (`breaker.rs`): refused at once while it is open, its final outcome counted.
pub(crate) async fn edin(
    state: &AppState,
    via: Via<'_>,
    req: EdinRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    let permit = state.guards.edin.admit()?;
    let result = edin_attempts(state, via, req).await;
    permit.record(crate::breaker::Outcome::of(&result));
    result
}

/// One EDIN send; after a transport error, once more when `safe` and the budget allows.
async fn edin_send(
    state: &AppState,
    safe: bool,
    retried: &mut bool,
    req: &EdinRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    state
        .guards
        .edin
        .send(safe, retried, move || edin_counted(state, req.clone()))
        .await
}

async fn edin_attempts(
    state: &AppState,
    via: Via<'_>,
    req: EdinRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    let safe = via.read || repeatable(&req.method, req.query);
    let mut retried = false;
    let client = match via.caller {
        Some(Caller::Token(sid)) => {
            let req = EdinRequest {
                sid: Some(sid),
                ..req
            };
            return edin_send(state, safe, &mut retried, &req).await;
        }
        None => return Err(UpstreamError::EdinSessionRejected),
        Some(Caller::Client(client)) => client,
    };
    let Some(cred) = &client.edin else {
        return Err(UpstreamError::Unusable(format!(
            "the managed client {} has no EDIN credential",
            client.name
        )));
    };
    let sid = state.broker.edin(&client.name, cred, &state.edin).await?;
    let first = EdinRequest {
        sid: Some(&sid),
        ..req.clone()
    };
    match edin_send(state, safe, &mut retried, &first).await {
        Err(UpstreamError::EdinSessionRejected) => {
            let fresh = state
                .broker
                .edin_after_reject(&client.name, cred, &sid, &state.edin)
                .await?;
            if !safe {
                return Err(UpstreamError::CredentialRenewed);
            }
            tracing::info!("EDIN rejected a managed session: logged in again, repeating");
            let again = EdinRequest {
                sid: Some(&fresh),
                ..req
            };
            edin_send(state, safe, &mut retried, &again).await
        }
        other => other,
    }
}

/// One EDIN call, counted (`metrics.rs`).
async fn edin_counted(
    state: &AppState,
    req: EdinRequest<'_>,
) -> Result<UpstreamReply, UpstreamError> {
    let (method, path) = (req.method.clone(), req.path);
    let status = |r: &UpstreamReply| r.status.as_u16();
    counted(
        state,
        Upstream::Edin,
        method,
        path,
        status,
        state.edin.send(req),
    )
    .await
}

/// The caller of a route that takes a credential (`Auth::CallerToken`): a managed client by
/// `X-Api-Key`, or the caller's own token when the operator allows them (`auth.rs`). A managed
/// client may call only the routes of the upstreams it holds a credential for, and not EDIN's
/// logout: its session is the gateway's, shared by all its requests.
pub(crate) fn admit(
    state: &AppState,
    route: &Route,
    headers: &http::HeaderMap,
) -> Result<Caller, ApiError> {
    let clients = state.clients.snapshot();
    let caller = crate::auth::caller(headers, &clients, state.config.caller_tokens)?;
    if let Caller::Client(client) = &caller {
        let (held, upstream) = match route.upstream.service() {
            Service::Diadoc => (client.diadoc.is_some(), "Diadoc"),
            Service::Edin => (client.edin.is_some(), "EDIN"),
        };
        if !held {
            return Err(ApiError::NotForClient(format!(
                "the managed client {} holds no {upstream} credential (the clients file)",
                client.name
            )));
        }
        if route.id == crate::routes::edin::groups::DELETE_SESSION.id {
            return Err(ApiError::NotForClient(format!(
                "the managed client {}'s EDIN session belongs to the gateway: it is not ended by a caller",
                client.name
            )));
        }
    }
    Ok(caller)
}

/// A login route (a caller gets its own token): refused when the operator has switched caller
/// tokens off.
pub(crate) fn admit_login(state: &AppState) -> Result<(), ApiError> {
    if state.config.caller_tokens {
        Ok(())
    } else {
        Err(ApiError::Unauthorized(
            "this gateway serves managed clients only (X-Api-Key): logins are switched off",
        ))
    }
}

/// The caller's inbound limit: its `RateLimit` headers, or a 429 with them.
pub(crate) async fn inbound(
    state: &AppState,
    caller: &Caller,
) -> Result<crate::dispatch::RateHeaders, ApiError> {
    let own = match caller {
        Caller::Client(client) => client.limits,
        Caller::Token(_) => crate::clients::ClientLimits::default(),
    };
    let per_second = own
        .requests_per_second
        .unwrap_or(state.config.client_per_second);
    if per_second == 0 {
        return Ok(Vec::new());
    }
    // Digested only when there is a limit to count.
    let key = match caller {
        Caller::Client(client) => client.id,
        Caller::Token(token) => token_digest(token),
    };
    let burst = match own.burst.unwrap_or(state.config.client_burst) {
        0 => per_second,
        n => n,
    };
    match state
        .inbound
        .check(&key, crate::limits::Rate { per_second, burst })
        .await
    {
        Ok(quota) => Ok(quota.headers()),
        Err(refused) => Err(ApiError::TooManyRequests {
            retry_after: refused.retry_after_secs(),
            headers: refused.headers(),
        }),
    }
}
