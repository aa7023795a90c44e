//! Kontur's deprecation notices. When Diadoc answers with `Sunset` (or `Link: <…>;
//! rel="sunset"`), the upstream method version behind a route is going away (lifecycle.md §1.1:
//! six months' notice). The gateway logs one warning per (route, upstream path) and process,
//! with the date and the upstream method and path, so operators move the route to the current
//! version in time. The headers are never passed to callers: our route is not going away, only
//! the upstream version behind it (`reply.rs` copies no upstream header).

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use crate::app::AppState;
use crate::routes::{Route, Verb};
use crate::upstream::UpstreamReply;

/// The (route id, upstream path) pairs already warned about. Bounded by the route table: each
/// route has a fixed set of upstream paths.
#[derive(Debug, Default)]
pub(crate) struct SunsetLog {
    warned: Mutex<HashSet<(&'static str, &'static str)>>,
}

impl SunsetLog {
    /// Whether this is the first notice for the pair (and records it).
    fn first(&self, route: &'static str, path: &'static str) -> bool {
        self.warned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((route, path))
    }
}

/// Logs a warning the first time `route`'s call `verb path` answers with a deprecation notice.
pub(crate) fn note(
    state: &AppState,
    route: &'static Route,
    verb: Verb,
    path: &'static str,
    reply: &UpstreamReply,
) {
    let Some(sunset) = &reply.sunset else {
        return;
    };
    if !state.sunsets.first(route.id, path) {
        return;
    }
    tracing::warn!(
        route = route.id,
        upstream_method = %verb.method(),
        upstream_path = path,
        sunset = ?sunset.date.as_deref().unwrap_or("(none)"),
        sunset_at = %sunset.date.as_deref().and_then(instant).unwrap_or_default(),
        sunset_link = ?sunset.link.as_deref().unwrap_or("(none)"),
        "Diadoc marks {} {path} deprecated (Sunset {}): move route {} to the current version \
         (reference/diadoc/lifecycle.md)",
        verb.method(),
        sunset.date.as_deref().unwrap_or("date not given"),
        route.id,
    );
}

/// The `Sunset` HTTP-date (RFC 9110 IMF-fixdate, an RFC 2822 date) as an ISO 8601 instant, if
/// it reads as one.
fn instant(http_date: &str) -> Option<String> {
    jiff::fmt::rfc2822::parse(http_date)
        .ok()
        .map(|z| z.timestamp().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_http_date_reads_as_an_instant() {
        assert_eq!(
            super::instant("Wed, 11 Nov 2026 11:11:11 GMT").as_deref(),
            Some("2026-11-11T11:11:11Z")
        );
        assert_eq!(super::instant("next spring"), None);
    }
}
