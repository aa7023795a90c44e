//! The audit of [`Route::body_limit`](super::Route::body_limit): every route with a body has a
//! sane limit, and a Diadoc body gets the large limit exactly when it can carry file content.

use std::collections::HashSet;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};

use super::super::body_limit::LARGEST_BODY_LIMIT;
use super::super::{BodyKind, DEFAULT_BODY_LIMIT, DOCUMENT_BODY_LIMIT, Route};

/// The smallest limit a route with a body may have (a login's JSON is ~100 bytes).
const SMALLEST: usize = 1024;

/// Reports the route's body-limit faults.
pub(super) fn faults(route: &Route, pool: &DescriptorPool, fault: &mut impl FnMut(String)) {
    let Some(kind) = route.body() else {
        // A route without a body never reads one; its limit is unused.
        return;
    };
    let limit = route.body_limit;
    if !(SMALLEST..=LARGEST_BODY_LIMIT).contains(&limit) {
        fault(format!(
            "body_limit {limit} must be from {SMALLEST} to {LARGEST_BODY_LIMIT} bytes"
        ));
    }
    if let BodyKind::Proto(body) = kind {
        let Some(message) = pool.get_message_by_name(body.message) else {
            // Reported by the message check.
            return;
        };
        let carries_files = has_bytes(&message, &mut HashSet::new());
        if carries_files && limit < DOCUMENT_BODY_LIMIT {
            fault(format!(
                "body {} can carry file content (a bytes field), so body_limit must be \
                 DOCUMENT_BODY_LIMIT, not {limit}",
                body.message
            ));
        }
        if !carries_files && limit > DEFAULT_BODY_LIMIT {
            fault(format!(
                "body {} carries no file content, so body_limit must be at most \
                 DEFAULT_BODY_LIMIT, not {limit}",
                body.message
            ));
        }
    }
}

/// Whether `message` has a `bytes` field anywhere inside it.
fn has_bytes(message: &MessageDescriptor, seen: &mut HashSet<String>) -> bool {
    if !seen.insert(message.full_name().to_owned()) {
        return false;
    }
    message.fields().any(|f| match f.kind() {
        Kind::Bytes => true,
        Kind::Message(m) => has_bytes(&m, seen),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::broken::assert_fault;
    use crate::routes::{Route, diadoc, edin};

    #[test]
    fn a_document_body_with_the_small_limit() {
        let broken = Route {
            body_limit: super::DEFAULT_BODY_LIMIT,
            ..diadoc::POST_MESSAGE
        };
        assert_fault(&broken, "can carry file content");
    }

    #[test]
    fn a_small_body_with_the_documents_limit() {
        let broken = Route {
            body_limit: super::DOCUMENT_BODY_LIMIT,
            ..diadoc::BATCH_GET_DOCFLOWS
        };
        assert_fault(&broken, "carries no file content");
    }

    #[test]
    fn a_limit_out_of_range() {
        for limit in [0, 10, super::LARGEST_BODY_LIMIT + 1] {
            let broken = Route {
                body_limit: limit,
                ..edin::CREATE_STEP
            };
            assert_fault(&broken, "body_limit");
        }
    }
}
