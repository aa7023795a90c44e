//! Deprecation headers on methods a test marks deprecated (`SandboxBuilder::deprecate`).
//! Kontur's deprecation policy (lifecycle.md §1.1): "during the period deprecated methods
//! return `Sunset` and `Link` headers", e.g. `Sunset: Wed, 11 Nov 2026 11:11:11 GMT` and
//! `Link: <http://example.net/sunset>;rel="sunset";type="text/html"`. Whether the live server
//! sends them is UNKNOWN; the sandbox sends both, on every answer of a marked method (errors
//! too), and on no other.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::state::Shared;

/// Adds the headers when `path` is marked deprecated.
pub(crate) fn mark(shared: &Shared, path: &str, headers: &mut HeaderMap) {
    let Some((_, date)) = shared
        .settings
        .deprecated
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(path))
    else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(date) {
        headers.insert("sunset", value);
        headers.append(
            header::LINK,
            HeaderValue::from_static(concat!(
                "<",
                "https://developer.kontur.ru/doc/diadoc-api/howtostart/deprecationPolicy",
                ">;rel=\"sunset\";type=\"text/html\""
            )),
        );
    }
}
