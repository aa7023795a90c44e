//! The per-caller page cache (moka). It stores the final response — status, content type, body
//! bytes and `Link` — so a hit costs no upstream call and no transcoding.
//!
//! * Key (`keys.rs`): SHA-256 over the caller's token, the route id and every validated
//!   parameter, so one token's page is never served to another, and the token itself is never
//!   held in the clear.
//! * Single flight: concurrent misses on one key wait for one upstream call
//!   (`Entry::or_try_insert_with`); errors are handed to every waiter and never stored.
//! * Bounded by total body bytes, and by a TTL (0 turns the cache off).

use std::sync::Arc;
use std::time::Duration;

use crate::error::ApiError;
use crate::keys::CacheKey;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use bytes::Bytes;

/// A finished response, as stored and as served.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    /// Our status code.
    pub status: StatusCode,
    /// Our `Content-Type` (none for a 204).
    pub content_type: Option<HeaderValue>,
    /// The body bytes.
    pub body: Bytes,
    /// Other headers: `Link: <…>; rel="next"` for list pages, `Content-Disposition` for files.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Whether a reply came from the cache (`X-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CacheStatus {
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

/// The page cache held in `AppState`.
#[derive(Debug, Clone)]
pub(crate) struct PageCache {
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
