//! The per-caller page cache (moka). It stores the final response — status, content type, body
//! bytes and `Link` — so a hit costs no upstream call and no transcoding.
//!
//! * Key: SHA-256 over the caller's token, the route id and every validated parameter, so one
//!   token's page is never served to another, and the token itself is never held in the clear.
//! * Single flight: concurrent misses on one key wait for one upstream call
//!   (`Entry::or_try_insert_with`); errors are handed to every waiter and never stored.
//! * Bounded by total body bytes, and by a TTL (0 turns the cache off).

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::params::Args;
use crate::routes::Route;

/// A finished response, as stored and as served.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Our status code.
    pub status: StatusCode,
    /// Our `Content-Type`.
    pub content_type: HeaderValue,
    /// The body bytes.
    pub body: Bytes,
    /// Other headers: `Link: <…>; rel="next"` for list pages, `Content-Disposition` for files.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Whether a reply came from the cache (`X-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache, or from a concurrent caller's in-flight fetch.
    Hit,
    /// This request fetched it from the upstream.
    Miss,
}

impl CacheStatus {
    /// The `X-Cache` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
        }
    }
}

/// A cache key: a digest, never the token itself.
pub type CacheKey = [u8; 32];

/// A SHA-256 over a caller's token, a route id and further parts, each length-prefixed so no
/// two different inputs hash the same byte stream. Cache keys and polling keys are built with
/// it, so neither ever holds a token in the clear.
pub struct Fingerprint(Sha256);

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(..)")
    }
}

impl Fingerprint {
    /// Starts with the caller's token and the route.
    pub fn new(token: &SecretString, route: &Route) -> Self {
        let mut key = Self(Sha256::new());
        key.part(token.expose_secret().as_bytes());
        key.part(route.id.as_bytes());
        key
    }

    /// Adds one part.
    pub fn part(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The page cache held in `AppState`.
#[derive(Debug, Clone)]
pub struct PageCache {
    inner: Option<moka::future::Cache<CacheKey, Arc<Rendered>>>,
}

impl PageCache {
    /// A cache whose entries live `ttl` and whose bodies add up to at most `max_bytes`.
    /// A zero `ttl` disables caching.
    pub fn new(ttl: Duration, max_bytes: u64) -> Self {
        let inner = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(max_bytes)
                .weigher(|_k, v: &Arc<Rendered>| u32::try_from(v.body.len()).unwrap_or(u32::MAX))
                .build()
        });
        Self { inner }
    }

    /// Whether caching is on.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The key for one caller's call of one route with these arguments.
    pub fn key(token: &SecretString, route: &Route, args: &Args) -> CacheKey {
        let mut key = Fingerprint::new(token, route);
        for (param, value) in &args.values {
            key.part(param.name.as_bytes());
            key.part(value.as_bytes());
        }
        key.finish()
    }

    /// Serves `key` from the cache, or runs `fetch` once for all concurrent callers of that key.
    /// With `refresh` (the caller sent `Cache-Control: no-cache`) the stored entry is dropped first.
    pub async fn get_or_fetch<F>(
        &self,
        key: CacheKey,
        refresh: bool,
        fetch: F,
    ) -> Result<(Arc<Rendered>, CacheStatus), Arc<ApiError>>
    where
        F: Future<Output = Result<Rendered, ApiError>>,
    {
        let Some(cache) = &self.inner else {
            let rendered = fetch.await.map_err(Arc::new)?;
            return Ok((Arc::new(rendered), CacheStatus::Miss));
        };
        if refresh {
            cache.invalidate(&key).await;
        }
        let entry = cache
            .entry(key)
            .or_try_insert_with(async { fetch.await.map(Arc::new) })
            .await?;
        let status = if entry.is_fresh() {
            CacheStatus::Miss
        } else {
            CacheStatus::Hit
        };
        Ok((entry.into_value(), status))
    }
}
