//! Login throttling: the session routes (Diadoc's password login, EDIN's login) let a few
//! attempts per minute through per login name and per client address, and answer the rest 429
//! `too-many-requests` with `Retry-After`, before anything is sent upstream. Without it the
//! gateway relays password guesses under the operator's developer key as fast as they come (issue
//! 13: 29,000 per second), a brute-force tool and a way to get that key blocked for everyone.
//!
//! Each limit is a GCRA (the generic cell rate algorithm, as `governor` implements it): one
//! instant per key, the "theoretical arrival time"; `N` per minute lets `N` attempts through at
//! once, then one every `60/N` s, and `Retry-After` is the exact wait until the next. The keys
//! live in a moka cache with a maximum capacity and a time-to-live of one window, so memory is
//! bounded whatever arrives (a key idle for a window is equivalent to a fresh one, so expiring
//! it changes nothing). `governor`'s keyed limiter was not used: its keyed state store grows by
//! one entry per key seen, without a cap, until someone calls `retain_recent`; a flood of
//! distinct logins or addresses between two clean-ups is unbounded memory.
//!
//! The keys: the login name trimmed and case-folded, per upstream, stored as a SHA-256 digest
//! (never the name itself); the client's address — the connection's peer (`PeerAddr`), or with
//! `EDI_GATEWAY_TRUST_FORWARDED` the last `X-Forwarded-For` entry (the address the nearest
//! proxy saw: the first entries are whatever the client wrote) — an IPv6 address by its /64,
//! which one host can usually fill at will. Every attempt that would go upstream counts,
//! successful or not; a refused one does not.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::http::request::Parts;
use moka::future::Cache;
use moka::ops::compute::{CompResult, Op};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::app::{AppState, PeerAddr};
use crate::config::Config;
use crate::error::ApiError;
use crate::exchange::Payload;
use crate::routes::{Call, DiadocReply, Route};

/// The window the limits are counted in.
const WINDOW: Duration = Duration::from_secs(60);

/// The most keys each limit remembers (about 100 bytes each: ~10 MB per limit at most). Past
/// it moka evicts the least useful ones (TinyLFU: a flood of one-time keys does not push out
/// the keys being hammered).
pub(crate) const MAX_KEYS: u64 = 100_000;

/// The proto field of Diadoc's `LoginPassword` that names the user.
const DIADOC_LOGIN_FIELD: &str = "Login";

/// The login limits, built once (`AppState`).
#[derive(Debug)]
pub(crate) struct Throttle {
    per_login: Option<Limit<[u8; 32]>>,
    per_address: Option<Limit<IpAddr>>,
    trust_forwarded: bool,
}

impl Throttle {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            per_login: Limit::per_minute(config.login_per_minute),
            per_address: Limit::per_minute(config.login_per_address_per_minute),
            trust_forwarded: config.trust_forwarded,
        }
    }
}

/// Whether `route` is a login: its answer is a session token.
pub(crate) fn is_login(route: &Route) -> bool {
    match &route.upstream {
        Call::EdinLogin => true,
        Call::Diadoc(call) => matches!(call.reply, DiadocReply::Token),
        Call::Edin(_) => false,
    }
}

/// Counts one login attempt of `route` (a no-op for other routes), read and checked into
/// `payload`, before it goes upstream: 429 when the client's address or the login name has
/// used its attempts.
pub(crate) async fn admit(
    state: &AppState,
    route: &Route,
    parts: &Parts,
    payload: &Payload,
) -> Result<(), ApiError> {
    if !is_login(route) {
        return Ok(());
    }
    let throttle = &state.throttle;
    let now = Instant::now();
    if let (Some(limit), Some(ip)) = (
        &throttle.per_address,
        client_address(parts, throttle.trust_forwarded),
    ) {
        limit
            .take(address_key(ip), now)
            .await
            .map_err(|wait| refused("address", wait))?;
    }
    if let (Some(limit), Some(name)) = (&throttle.per_login, login_name(state, route, payload)) {
        limit
            .take(login_key(route, &name), now)
            .await
            .map_err(|wait| refused("login", wait))?;
    }
    Ok(())
}

fn refused(what: &'static str, wait: Duration) -> ApiError {
    // Whole seconds, rounded up, at least 1: the caller who waits that long gets through.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::TooManyLogins {
        what,
        retry_after: secs.max(1),
    }
}

/// The login name of a login's payload: EDIN's e-mail, or the `Login` of Diadoc's
/// `LoginPassword` (already checked and transcoded, so it decodes).
fn login_name(state: &AppState, route: &Route, payload: &Payload) -> Option<String> {
    match (&route.upstream, payload) {
        (Call::EdinLogin, Payload::Login(login)) => Some(login.email.clone()),
        (Call::Diadoc(call), Payload::Bytes(bytes)) => {
            let message = state.transcoder.decode(call.body?.message, bytes).ok()?;
            let field = message.get_field_by_name(DIADOC_LOGIN_FIELD)?;
            field.as_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// A login name's key: its upstream and the name trimmed and case-folded, digested.
fn login_key(route: &Route, name: &str) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(route.service().name().as_bytes());
    digest.update([0]);
    digest.update(name.trim().to_lowercase().as_bytes());
    digest.finalize().into()
}

/// An address's key: IPv4 as it is, IPv6 by its /64 (an IPv4-mapped one as IPv4).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// The client's address: the last `X-Forwarded-For` entry when trusted and usable, else the
/// connection's peer.
fn client_address(parts: &Parts, trust_forwarded: bool) -> Option<IpAddr> {
    trust_forwarded
        .then(|| forwarded_for(&parts.headers))
        .flatten()
        .or_else(|| parts.extensions.get::<PeerAddr>().map(|p| p.0.ip()))
}

/// The last address of `X-Forwarded-For` (every header line counts, in order).
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|e| !e.is_empty())?;
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// One limit: `N` attempts per [`WINDOW`] per key (GCRA).
struct Limit<K> {
    /// Per key, the theoretical arrival time: the instant by which all the attempts it let
    /// through would have been spaced out at `interval`.
    tat: Cache<K, Instant>,
    /// `WINDOW / N`.
    interval: Duration,
}

impl<K> std::fmt::Debug for Limit<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limit")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl<K> Limit<K>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    /// `None` for 0 (the limit is off).
    fn per_minute(n: u32) -> Option<Self> {
        (n > 0).then(|| Self {
            tat: Cache::builder()
                .max_capacity(MAX_KEYS)
                .time_to_live(WINDOW)
                .build(),
            interval: WINDOW / n,
        })
    }

    /// Lets one attempt through at `now`, or says how long until one would be.
    async fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        let interval = self.interval;
        let next = |tat: Option<Instant>| tat.map_or(now, |t| t.max(now)) + interval;
        let result = self
            .tat
            .entry(key)
            .and_compute_with(|entry| {
                let next = next(entry.map(|e| e.into_value()));
                std::future::ready(if next.duration_since(now) <= WINDOW {
                    Op::Put(next)
                } else {
                    Op::Nop
                })
            })
            .await;
        match result {
            CompResult::Unchanged(entry) => {
                Err(next(Some(entry.into_value())).duration_since(now) - WINDOW)
            }
            CompResult::Inserted(_)
            | CompResult::ReplacedWith(_)
            | CompResult::StillNone(_)
            | CompResult::Removed(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn n_per_minute_then_one_every_interval() {
        let limit = Limit::<u8>::per_minute(5).expect("on");
        let start = Instant::now();
        for _ in 0..5 {
            assert_eq!(limit.take(1, start).await, Ok(()));
        }
        assert_eq!(limit.take(1, start).await, Err(Duration::from_secs(12)));
        // Another key is not affected.
        assert_eq!(limit.take(2, start).await, Ok(()));
        // A refused attempt does not count: after 12 s, one more; then 12 s again.
        let later = start + Duration::from_secs(12);
        assert_eq!(limit.take(1, later).await, Ok(()));
        assert_eq!(limit.take(1, later).await, Err(Duration::from_secs(12)));
        // After a whole window, all five again.
        let fresh = later + WINDOW;
        for _ in 0..5 {
            assert_eq!(limit.take(1, fresh).await, Ok(()));
        }
        assert!(limit.take(1, fresh).await.is_err());
        assert!(Limit::<u8>::per_minute(0).is_none());
    }

    #[test]
    fn retry_after_rounds_up() {
        let secs = |d| match refused("login", d) {
            ApiError::TooManyLogins { retry_after, .. } => retry_after,
            _ => 0,
        };
        assert_eq!(secs(Duration::from_millis(11_001)), 12);
        assert_eq!(secs(Duration::from_secs(12)), 12);
        assert_eq!(secs(Duration::ZERO), 1);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(
            address_key(mapped),
            "192.0.2.7".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn the_forwarded_address_is_the_last_entry() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6, 10.0.0.1".parse().expect("v"));
        headers.append("x-forwarded-for", "192.0.2.9".parse().expect("v"));
        assert_eq!(
            forwarded_for(&headers),
            Some("192.0.2.9".parse().expect("ip"))
        );
        let mut port = HeaderMap::new();
        port.insert("x-forwarded-for", "[2001:db8::1]:443".parse().expect("v"));
        assert_eq!(
            forwarded_for(&port),
            Some("2001:db8::1".parse().expect("ip"))
        );
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", "unknown".parse().expect("v"));
        assert_eq!(forwarded_for(&junk), None);
    }
}
