//! The per-caller page cache (moka). It stores the final response — status, content type, body
//! bytes and `Link` — so a hit costs no upstream call and no transcoding.
//!
//! * Key (`keys.rs`): SHA-256 over the caller's token, the route id and every validated
//!   parameter, so one token's page is never served to another, and the token itself is never
//!   held in the clear.
//! * Single flight: concurrent misses on one key wait for one upstream call
//!   (`Entry::or_try_insert_with`); errors are handed to every waiter and never stored.
//! * Bounded by total body bytes, and by a TTL (0 turns the cache off).
//!
//! Invalidation: a write drops the caller's pages it makes stale (`Route::invalidates`) in O(1),
//! with no scan. Each cache key folds in a **generation** of its scope — a digest of (caller
//! token, cached route, box id when the route has one; `keys::scope_key`) — which is 0 until a
//! write bumps it. A write stores a fresh value from one process-wide counter, so the pages
//! keyed with the old generation are never found again (and age out by TTL). Generations live
//! twice the page TTL plus the longest upstream call, so a page stored before the write is gone
//! before its generation is forgotten; values are never reused. Other callers' scopes, and the
//! same caller's other boxes, are untouched. Per process: another replica keeps its own pages
//! until their TTL, as before.

use std::sync::Arc;
use std::time::Duration;

use crate::error::ApiError;
use crate::exchange::Exchange;
use crate::keys::{CacheKey, ScopeKey};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use bytes::Bytes;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Scope generations bumped by writes (see the module docs); none when caching is off.
    generations: Option<Generations>,
}

/// The generations of the scopes some write has made stale.
#[derive(Debug, Clone)]
struct Generations {
    by_scope: moka::future::Cache<ScopeKey, u64>,
    next: Arc<AtomicU64>,
}

/// Most scopes whose generation is remembered at once; each entry is a write of a caller to a
/// box within the last few minutes.
const MAX_GENERATIONS: u64 = 100_000;

/// The longest an upstream call that fills a page can take (a page fetched before a write but
/// stored after it must be gone before the write's generation is forgotten).
const LONGEST_FETCH: Duration = Duration::from_secs(300);

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
        let generations = (!ttl.is_zero()).then(|| Generations {
            by_scope: moka::future::Cache::builder()
                .time_to_live(ttl.saturating_mul(2).saturating_add(LONGEST_FETCH))
                .max_capacity(MAX_GENERATIONS)
                .build(),
            next: Arc::new(AtomicU64::new(1)),
        });
        Self { inner, generations }
    }

    /// Pages held and their body bytes (moka's `entry_count`, `weighted_size`, after its
    /// pending housekeeping, which they lag behind), for `metrics.rs`.
    pub async fn size(&self) -> (u64, u64) {
        match &self.inner {
            Some(c) => {
                c.run_pending_tasks().await;
                (c.entry_count(), c.weighted_size())
            }
            None => (0, 0),
        }
    }

    /// The current generation of `scope`: 0 unless a write has bumped it.
    pub async fn generation(&self, scope: &ScopeKey) -> u64 {
        match &self.generations {
            Some(g) => g.by_scope.get(scope).await.unwrap_or(0),
            None => 0,
        }
    }

    /// After a successful write: drops the caller's pages that `ex`'s route makes stale
    /// (`Route::invalidates`), for the box in its arguments.
    pub async fn invalidate_for(&self, ex: &Exchange) {
        for cached in ex.route.invalidates {
            let scope = crate::keys::scope_key(ex.caller.as_ref(), cached, &ex.args);
            self.invalidate(scope).await;
        }
    }

    /// Makes every page of `scope` stale: later lookups use a generation never used before.
    pub async fn invalidate(&self, scope: ScopeKey) {
        if let Some(g) = &self.generations {
            let value = g.next.fetch_add(1, Ordering::Relaxed);
            g.by_scope.insert(scope, value).await;
        }
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
