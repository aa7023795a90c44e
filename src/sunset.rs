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
        sunset_link = ?sunset.link.as_deref().unwrap_or("(none)"),
        "Diadoc marks {} {path} deprecated (Sunset {}): move route {} to the current version \
         (reference/diadoc/lifecycle.md)",
        verb.method(),
        sunset.date.as_deref().unwrap_or("date not given"),
        route.id,
    );
}
