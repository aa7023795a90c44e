//! The two keys a request is known by, built in one place: the **cache key** (caller token,
//! route, validated parameters) and the **polling key** (caller token, route, upstream query
//! with any `operationId`, body bytes). Both are SHA-256 digests, so neither ever holds a token
//! in the clear, and both start with the caller's token, so one caller never sees another's
//! cached page or joins another's polling loop.

use secrecy::ExposeSecret;

use crate::auth::Caller;
use sha2::{Digest, Sha256};

use crate::exchange::Exchange;
use crate::params::Args;
use crate::routes::Route;

/// A cache key.
pub(crate) type CacheKey = [u8; 32];

/// A cache scope: (caller, cached route, box) whose pages a write can make stale (`cache.rs`,
/// "Invalidation").
pub(crate) type ScopeKey = [u8; 32];

/// A polling key: identifies one upstream call.
pub(crate) type PollKey = [u8; 32];

/// The page cache's key for this exchange: the same caller, route and parameters give the same
/// page.
/// `generation` is the page's scope generation (`cache.rs`): a write bumps it, so pages stored
/// before the write are never found again.
pub(crate) fn cache_key(ex: &Exchange, generation: u64) -> CacheKey {
    let mut key = Fingerprint::new(ex.caller.as_ref(), ex.route.id);
    key.part(&generation.to_le_bytes());
    for (param, value) in &ex.args.values {
        key.part(param.name.as_bytes());
        key.part(value.as_bytes());
    }
    key.finish()
}

/// The polling key: identical calls (same caller token, route, upstream query with the
/// `operationId`, and body bytes) share one polling loop.
pub(crate) fn poll_key(ex: &Exchange) -> PollKey {
    let mut key = Fingerprint::new(ex.caller.as_ref(), ex.route.id);
    for (name, value) in &ex.query {
        key.part(name.as_bytes());
        key.part(value.as_bytes());
    }
    key.part(ex.payload.bytes().map(|b| &b[..]).unwrap_or_default());
    key.finish()
}

/// The scope of `cached`'s pages for this caller that `args` name: the caller's token, the
/// cached route and — when the cached route takes a `boxId` — that box, in one canonical form
/// (32 lower-case hex digits; either spelling of a box id gives the same scope). Called with
/// the cached route's own arguments to read a page, and with a write's to invalidate.
pub(crate) fn scope_key(caller: Option<&Caller>, cached: &Route, args: &Args) -> ScopeKey {
    let mut key = Fingerprint::new(caller, "scope");
    key.part(cached.id.as_bytes());
    if cached.params.iter().any(|p| p.name == BOX_PARAM) {
        let lower = args.get(BOX_PARAM).unwrap_or_default().to_ascii_lowercase();
        let canonical: String = lower
            .trim_end_matches("@diadoc.ru")
            .chars()
            .filter(|c| *c != '-')
            .collect();
        key.part(canonical.as_bytes());
    }
    key.finish()
}

/// The path parameter that names a box in every Diadoc route.
const BOX_PARAM: &str = "boxId";

/// The box cache's key (`boxes.rs`): the caller's token and the organization id, so one caller's
/// lookup is never served to another.
pub(crate) fn box_key(caller: Option<&Caller>, org_id: &str) -> CacheKey {
    let mut key = Fingerprint::new(caller, "GetOrganization");
    key.part(org_id.to_ascii_lowercase().as_bytes());
    key.finish()
}

/// The key of an event stream's shared poller: the caller's token, the route and the upstream
/// query without the cursor parameter `cursor` (each stream has its own cursor; the feed and its
/// filters are what identical streams share).
pub(crate) fn feed_key(ex: &Exchange, cursor: &str) -> [u8; 32] {
    let mut key = Fingerprint::new(ex.caller.as_ref(), ex.route.id);
    for (name, value) in ex.query.iter().filter(|(name, _)| *name != cursor) {
        key.part(name.as_bytes());
        key.part(value.as_bytes());
    }
    key.finish()
}

/// A SHA-256 over parts, each length-prefixed so no two different inputs hash the same byte
/// stream.
struct Fingerprint(Sha256);

impl Fingerprint {
    /// Starts with the caller (its kind, then its token or its managed client's id; empty for
    /// anonymous routes) and the route id. The kind is a part of its own, so no token can
    /// collide with a client id.
    fn new(caller: Option<&Caller>, route: &str) -> Self {
        let mut key = Self(Sha256::new());
        match caller {
            None => key.part(b""),
            Some(Caller::Token(token)) => {
                key.part(b"token");
                key.part(token.expose_secret().as_bytes());
            }
            Some(Caller::Client(client)) => {
                key.part(b"client");
                key.part(&client.id);
            }
        }
        key.part(route.as_bytes());
        key
    }

    fn part(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}
