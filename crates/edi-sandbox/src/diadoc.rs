//! The Diadoc method table: each simulated method once, with its HTTP method, path (as in
//! api.md), auth level and handler; plus the helpers every box-scoped method shares.
//!
//! Paths match in any case: the docs' Authenticate example writes `v3/Authenticate` and a
//! third-party client calls `/v3/Authenticate` (api.md, "Query-string conventions": weak
//! evidence, so accepting both spellings is the safe side). An unknown path is a 404; a known
//! path with another HTTP method a 405, before any auth check.

mod account;
pub(crate) mod authenticate;
mod counteragents;
mod docflows;
mod documents;
pub(crate) mod events;
pub(crate) mod files;
pub(crate) mod messages;
mod organizations;
pub(crate) mod partners;
pub(crate) mod protocol;
pub(crate) mod sunset;
pub(crate) mod templates;

use prost::Message;

use crate::auth;
use crate::call::Call;
use crate::reply::{Refusal, Reply};
use crate::seed::box_key;
use crate::state::Shared;

/// What a handler returns.
pub(crate) type Outcome = Result<Reply, Refusal>;

/// A method handler and the credentials it needs.
#[derive(Clone, Copy)]
enum Handler {
    /// Only a known developer key (Authenticate).
    DeveloperKey(fn(&Shared, &Call) -> Outcome),
    /// A valid token; the handler gets the index of the token's user in `Seed::users`.
    User(fn(&Shared, &Call, usize) -> Outcome),
    /// The directory (GetOrganization, GetBox): the developer key, token optional; or a valid
    /// `Bearer` token (`auth::directory`).
    Directory(fn(&Shared, &Call) -> Outcome),
}

/// One simulated upstream method.
struct Method {
    verb: &'static str,
    path: &'static str,
    handler: Handler,
}

const METHODS: &[Method] = &[
    Method {
        verb: "POST",
        path: "/V3/Authenticate",
        handler: Handler::DeveloperKey(authenticate::password),
    },
    Method {
        verb: "GET",
        path: "/GetMyOrganizations",
        handler: Handler::User(organizations::mine),
    },
    // `/V2/GetCounteragents` was removed after 10 Nov 2026 (lifecycle.md §1.2), so it is not
    // here: like any path the server lacks it answers 404 "No HTTP resource …" (the sandbox's
    // choice: lifecycle.md §1.1 says only that removed versions "return errors").
    Method {
        verb: "GET",
        path: "/GetOrganization",
        handler: Handler::Directory(organizations::one),
    },
    Method {
        verb: "GET",
        path: "/V3/GetCounteragents",
        handler: Handler::User(counteragents::v3),
    },
    Method {
        verb: "GET",
        path: "/V3/GetCounteragent",
        handler: Handler::User(partners::get),
    },
    Method {
        verb: "POST",
        path: "/V3/AcquireCounteragent",
        handler: Handler::User(partners::acquire),
    },
    Method {
        verb: "GET",
        path: "/V3/AcquireCounteragentResult",
        handler: Handler::User(partners::result_v3),
    },
    Method {
        verb: "GET",
        path: "/V2/AcquireCounteragentResult",
        handler: Handler::User(partners::result_v2),
    },
    Method {
        verb: "POST",
        path: "/V2/BreakWithCounteragent",
        handler: Handler::User(partners::break_with),
    },
    Method {
        verb: "GET",
        path: "/V3/GetDocuments",
        handler: Handler::User(documents::list),
    },
    Method {
        verb: "POST",
        path: "/V3/GetDocflows",
        handler: Handler::User(docflows::batch),
    },
    Method {
        verb: "POST",
        path: "/V5/GetDocflows",
        handler: Handler::User(docflows::batch_v5),
    },
    Method {
        verb: "GET",
        path: "/GenerateDocumentProtocol",
        handler: Handler::User(protocol::generate),
    },
    Method {
        verb: "POST",
        path: "/PostTemplate",
        handler: Handler::User(templates::post),
    },
    Method {
        verb: "GET",
        path: "/V2/GetMyUser",
        handler: Handler::User(account::my_user),
    },
    Method {
        verb: "GET",
        path: "/GetBox",
        handler: Handler::Directory(account::get_box),
    },
    Method {
        verb: "GET",
        path: "/V6/GetMessage",
        handler: Handler::User(messages::get_message),
    },
    Method {
        verb: "GET",
        path: "/V3/GetDocument",
        handler: Handler::User(messages::get_document),
    },
    Method {
        verb: "POST",
        path: "/V3/PostMessage",
        handler: Handler::User(messages::post),
    },
    Method {
        verb: "POST",
        path: "/TransformTemplateToMessage",
        handler: Handler::User(messages::transform),
    },
    Method {
        verb: "GET",
        path: "/V4/GetEntityContent",
        handler: Handler::User(files::entity_content),
    },
    Method {
        verb: "GET",
        path: "/GeneratePrintForm",
        handler: Handler::User(files::print_form),
    },
    Method {
        verb: "GET",
        path: "/GenerateDocumentZip",
        handler: Handler::User(files::document_zip),
    },
    Method {
        verb: "GET",
        path: "/V2/ShelfDownload",
        handler: Handler::User(files::shelf_download),
    },
    Method {
        verb: "GET",
        path: "/V8/GetNewEvents",
        handler: Handler::User(events::new_events),
    },
];

/// Routes a call: 404, 405, the method's auth check, then the method.
pub(crate) fn dispatch(shared: &Shared, call: &Call) -> Outcome {
    let Some(method) = METHODS
        .iter()
        .find(|m| m.path.eq_ignore_ascii_case(&call.path))
    else {
        return Err(Refusal::NotFound(format!(
            "No HTTP resource was found that matches the request URI '{}'",
            call.path
        )));
    };
    if call.method.as_str() != method.verb {
        return Err(Refusal::MethodNotAllowed(method.verb));
    }
    match method.handler {
        Handler::DeveloperKey(handler) => {
            auth::developer_key(shared, &call.headers)?;
            handler(shared, call)
        }
        Handler::User(handler) => {
            let user = auth::user(shared, &call.headers)?;
            handler(shared, call, user)
        }
        Handler::Directory(handler) => {
            auth::directory(shared, &call.headers)?;
            handler(shared, call)
        }
    }
}

/// A 200 with `message` as protobuf.
pub(crate) fn proto(message: &impl Message) -> Outcome {
    Ok(Reply::Proto(message.encode_to_vec()))
}

/// The box named by parameter `name`, as an index into `Seed::boxes`, if the user may use it.
/// Missing → 400; not a box id in either form → 400; not among the user's boxes (including
/// boxes the sandbox does not know) → 403 (api.md, "Status codes shared by most methods").
pub(crate) fn user_box(
    shared: &Shared,
    call: &Call,
    user: usize,
    name: &str,
) -> Result<usize, Refusal> {
    let id = call.required(name)?;
    if box_key(id).is_none() {
        return Err(Refusal::bad_request(format!(
            "Parameter '{name}' is not a valid box id: '{id}'"
        )));
    }
    shared
        .seed
        .box_index(id)
        .filter(|&b| {
            shared.seed.users[user]
                .orgs
                .contains(&shared.seed.boxes[b].org)
        })
        .ok_or_else(|| Refusal::Forbidden(format!("Access to Box {id} is denied")))
}

/// The position just after the item whose key is `after` (an exclusive cursor: api.md,
/// GetCounteragents and GetDocuments, "Pagination"), or 0 without a cursor. A key that is not in
/// the list is a 400 — the sandbox's choice; api.md does not say.
pub(crate) fn after_cursor<'a>(
    mut keys: impl Iterator<Item = Option<&'a str>>,
    after: Option<&str>,
) -> Result<usize, Refusal> {
    match after {
        None => Ok(0),
        Some(wanted) => keys
            .position(|k| k == Some(wanted))
            .map(|p| p + 1)
            .ok_or_else(|| Refusal::bad_request(format!("Unknown afterIndexKey '{wanted}'"))),
    }
}

/// The most items one page holds (api.md: GetCounteragents and GetDocuments pages ≤ 100;
/// GetDocflows batches ≤ 100 requests).
pub(crate) const PAGE_LIMIT: usize = 100;

/// Counts for protobuf `int32` fields.
pub(crate) fn count32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
