//! The route table's audit: what the types cannot hold together, this test does. It walks
//! [`ROUTES`] and checks every cross-reference inside an entry — parameters named by pages and
//! exclusive pairs, path placeholders, proto messages and fields against the descriptor pool,
//! file-name placeholders, which policies fit which calls — and fails with the route's id.
//! The tests at the bottom break one thing at a time to show that each check fires.

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};

use super::{
    Auth, BodyKind, CachePolicy, Call, DiadocReply, In, Param, ParamKind, Polling, ROUTES, Route,
    Target, Verb,
};

/// Every problem of one entry, each naming the route.
fn audit(route: &Route, pool: &DescriptorPool) -> Vec<String> {
    let mut out = Vec::new();
    let mut fault = |what: String| out.push(format!("route {}: {what}", route.id));

    if route.id.is_empty() || !route.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        fault(format!(
            "id {:?} must be a non-empty camelCase word",
            route.id
        ));
    }
    if route.summary.is_empty() || route.description.is_empty() {
        fault("needs a summary and a description (they are the Swagger text)".to_owned());
    }

    // Path placeholders are exactly the path parameters, each required.
    let placeholders = placeholders_of(route.path);
    for name in &placeholders {
        if !route
            .params
            .iter()
            .any(|p| p.location == In::Path && p.name == *name)
        {
            fault(format!("path placeholder {{{name}}} has no path parameter"));
        }
    }
    for (i, p) in route.params.iter().enumerate() {
        if p.location == In::Path && !placeholders.contains(&p.name) {
            fault(format!("path parameter {} is not in the path", p.name));
        }
        if p.location == In::Path && !p.required {
            fault(format!("path parameter {} must be required", p.name));
        }
        if route.params[..i].iter().any(|o| o.name == p.name) {
            fault(format!("parameter {} is declared twice", p.name));
        }
        if p.upstream == Target::Body && route.body().is_none() {
            fault(format!(
                "parameter {} goes into the upstream body, but the route has none",
                p.name
            ));
        }
        match p.kind {
            ParamKind::Enum([]) | ParamKind::Mapped([]) => {
                fault(format!("parameter {} allows no value", p.name));
            }
            ParamKind::Int { min, max } if min > max => {
                fault(format!(
                    "parameter {} has min {min} above max {max}",
                    p.name
                ));
            }
            ParamKind::Text { max: 0 } => fault(format!("parameter {} allows no text", p.name)),
            _ => {}
        }
    }
    for (a, b) in route.exclusive {
        for p in [a, b] {
            if !declared(route, p) {
                fault(format!(
                    "exclusive pair names {}, which is not a query parameter of the route",
                    p.name
                ));
            }
        }
    }

    // Links lead to parameters their target has, fed by something this operation has.
    for link in route.links {
        for (param, expression) in link.params {
            if !link.to.params.iter().any(|p| p.name == *param) {
                fault(format!(
                    "link {} sets {param}, not a parameter of route {}",
                    link.name, link.to.id
                ));
            }
            let from_path = expression.strip_prefix("$request.path.");
            let fed = from_path.map_or_else(
                || expression.starts_with("$response.body#/"),
                |name| placeholders.contains(&name),
            );
            if !fed {
                fault(format!(
                    "link {} takes {param} from {expression:?}, which this route does not have",
                    link.name
                ));
            }
        }
    }

    // Which policies fit which calls.
    let diadoc = matches!(route.upstream, Call::Diadoc(_));
    if route.auth == Auth::DeveloperKey && !diadoc {
        fault("only Diadoc calls are signed with the developer key".to_owned());
    }
    if route.polling != Polling::None && !diadoc {
        fault("only Diadoc answers \"still working\" with Retry-After".to_owned());
    }
    if route.idempotency.is_some() && (!diadoc || route.upstream.method() == Verb::Get) {
        fault("an Idempotency-Key (operationId) belongs to a Diadoc write".to_owned());
    }
    if route.cache == CachePolicy::PerCaller
        && (route.auth != Auth::CallerToken || route.method != Verb::Get)
    {
        fault("only a caller's GET may be cached per caller".to_owned());
    }

    body_limits::faults(route, pool, &mut fault);

    // Diadoc messages and fields exist, with the shapes the entry assumes.
    if let Call::Diadoc(call) = &route.upstream {
        if !call.path.starts_with('/') || call.path.contains('?') {
            fault(format!("upstream path {:?} must be a bare path", call.path));
        }
        if let Some(body) = call.body {
            match message(pool, body.message) {
                None => fault(format!("body message {} is not in the pool", body.message)),
                Some(m) => {
                    for field in body.max_items.map_or(&[][..], |(fields, _)| fields) {
                        if !m.get_field_by_name(field).is_some_and(|f| f.is_list()) {
                            fault(format!(
                                "max_items names {field}, not a repeated field of {}",
                                body.message
                            ));
                        }
                    }
                    from_path_faults(route, &m, body.from_path, &mut fault);
                }
            }
        }
        box_of_org_faults(route, call, &mut fault);
        if let Some(name) = call.reply.message() {
            if message(pool, name).is_none() {
                fault(format!("reply message {name} is not in the pool"));
            }
        }
        match call.reply {
            DiadocReply::Page(page) => {
                page_faults(route, pool, &page, &mut fault);
            }
            DiadocReply::MessageOrFile(view) => {
                let bytes = message(pool, view.message)
                    .and_then(|m| m.get_field_by_name(view.field))
                    .is_some_and(|f| matches!(f.kind(), Kind::Bytes) && !f.is_list());
                if !bytes {
                    fault(format!(
                        "file field {} is not a bytes field of {}",
                        view.field, view.message
                    ));
                }
                for name in placeholders_of(view.file_name) {
                    if !route
                        .params
                        .iter()
                        .any(|p| p.location == In::Path && p.name == name)
                    {
                        fault(format!(
                            "file name {:?} names {{{name}}}, not a path parameter",
                            view.file_name
                        ));
                    }
                }
            }
            DiadocReply::Stream(view) | DiadocReply::File(view) => {
                file_name_faults(route, view.file_name, &mut fault);
                if matches!(call.reply, DiadocReply::Stream(_))
                    && (route.polling != Polling::None || route.cache != CachePolicy::None)
                {
                    fault("a streamed reply is neither polled nor cached".to_owned());
                }
            }
            DiadocReply::Shelf(shelf) => {
                file_name_faults(route, shelf.file.file_name, &mut fault);
                let text = message(pool, shelf.message)
                    .and_then(|m| m.get_field_by_name(shelf.field))
                    .is_some_and(|f| matches!(f.kind(), Kind::String) && !f.is_list());
                if !text {
                    fault(format!(
                        "shelf field {} is not a string field of {}",
                        shelf.field, shelf.message
                    ));
                }
                if route.polling != Polling::RetryAfter {
                    fault("a shelf reply is a long request (Polling::RetryAfter)".to_owned());
                }
            }
            DiadocReply::Message(_)
            | DiadocReply::Created(_)
            | DiadocReply::Token
            | DiadocReply::NoContent => {}
        }
        reply_cap_faults(call, &mut fault);
        for &(field, _) in call.text_limits {
            let text = call
                .body
                .and_then(|b| message(pool, b.message))
                .and_then(|m| m.get_field_by_name(field))
                .is_some_and(|f| matches!(f.kind(), Kind::String) && !f.is_list());
            if !text {
                fault(format!(
                    "text limit names {field}, not a string field of the body"
                ));
            }
        }
        for &(status, _) in call.meanings {
            if !(400..500).contains(&status) {
                fault(format!("a meaning for {status}, which is not a refusal"));
            }
        }
    }
    task_faults(route, pool, &mut fault);
    for cached in route.invalidates {
        if cached.cache != CachePolicy::PerCaller {
            fault(format!("invalidates {}, which is not cached", cached.id));
        }
        if route.method == Verb::Get && route.polling == Polling::None {
            fault(format!(
                "a plain read cannot make {}'s pages stale",
                cached.id
            ));
        }
    }
    // An event stream follows a Diadoc GET list whose items are the stream's item message.
    if let Some(stream) = route.stream {
        let page = match &route.upstream {
            Call::Diadoc(call) if route.method == Verb::Get => match call.reply {
                DiadocReply::Page(page) => Some(page),
                _ => None,
            },
            _ => None,
        };
        match page {
            None => fault("an event stream needs a Diadoc GET list (a Page reply)".to_owned()),
            Some(page) => {
                let item = message(pool, page.message)
                    .and_then(|m| m.get_field_by_name(page.items))
                    .and_then(|f| f.kind().as_message().map(|m| m.full_name().to_owned()));
                if item.as_deref() != Some(stream.item) {
                    fault(format!(
                        "the stream's item {} is not the message of {}.{}",
                        stream.item, page.message, page.items
                    ));
                }
                if stream.kinds.is_empty() {
                    fault("an event stream must document its event kinds".to_owned());
                }
            }
        }
        if route.cache != CachePolicy::None || route.polling != Polling::None {
            fault("an event stream is neither cached nor a long request".to_owned());
        }
    }
    if let Some(BodyKind::Proto(_) | BodyKind::Json(_) | BodyKind::EdinLogin) = route.body() {
        if route.method == Verb::Get || route.method == Verb::Delete {
            fault("a GET or DELETE takes no body".to_owned());
        }
    }
    out
}

/// A task route's start reply and result route fit: the task id is a string field of the start
/// reply, and the result route is a long GET whose path parameters are the start's plus the
/// task id.
/// The upstream methods whose reply carries document content (api.md, "Rate limits and size
/// limits": GetDocflows, GetMessage, GetTemplate, GetDocument; a posted message or template
/// answers with the same content).
const CONTENT_METHODS: &[&str] = &[
    "GetDocflows",
    "GetMessage",
    "GetDocument",
    "PostTemplate",
    "PostMessage",
    "TransformTemplateToMessage",
];

/// A reply cap is sane: above zero, at most the content cap, the content cap where the reply
/// carries document content, a small one for a login's token.
fn reply_cap_faults(call: &super::DiadocCall, fault: &mut impl FnMut(String)) {
    use crate::upstream::read::{CONTENT_REPLY_CAP, DEFAULT_REPLY_CAP, LOGIN_REPLY_CAP};
    let cap = call.reply_cap;
    if cap == 0 || cap > CONTENT_REPLY_CAP {
        fault(format!(
            "reply cap {cap} is not within 1..={CONTENT_REPLY_CAP}"
        ));
    }
    let method = call.path.rsplit('/').next().unwrap_or_default();
    if CONTENT_METHODS.contains(&method) && cap < CONTENT_REPLY_CAP {
        fault(format!(
            "{method}'s reply carries document content: its cap must be CONTENT_REPLY_CAP, not {cap}"
        ));
    }
    if matches!(call.reply, DiadocReply::Token) && cap > LOGIN_REPLY_CAP {
        fault(format!(
            "a token reply's cap must be at most {LOGIN_REPLY_CAP}, not {cap}"
        ));
    }
    const _: () =
        assert!(LOGIN_REPLY_CAP < DEFAULT_REPLY_CAP && DEFAULT_REPLY_CAP < CONTENT_REPLY_CAP);
}

fn task_faults(route: &Route, pool: &DescriptorPool, fault: &mut impl FnMut(String)) {
    let Polling::Task(task) = route.polling else {
        return;
    };
    let id_field = message(pool, task.started)
        .and_then(|m| m.get_field_by_name(task.task_id))
        .is_some_and(|f| matches!(f.kind(), Kind::String) && !f.is_list());
    if !id_field {
        fault(format!(
            "task id {} is not a string field of {}",
            task.task_id, task.started
        ));
    }
    let result = task.result;
    if result.method != Verb::Get || result.polling != Polling::RetryAfter {
        fault(format!(
            "task result route {} must be a GET with Polling::RetryAfter",
            result.id
        ));
    }
    for name in placeholders_of(result.path) {
        let fed = name == task.task_param
            || route
                .params
                .iter()
                .any(|p| p.location == In::Path && p.name == name);
        if !fed {
            fault(format!(
                "task result route {} needs {{{name}}}, which the start does not have",
                result.id
            ));
        }
    }
    if !placeholders_of(result.path).contains(&task.task_param) {
        fault(format!(
            "task result route {} has no {{{}}} for the task id",
            result.id, task.task_param
        ));
    }
}

/// A box lookup reads a required GUID path parameter of the route whose upstream target is
/// [`Target::Lookup`] (and only the lookup reads such parameters), and fills a query parameter
/// of the main call that no other parameter sends; the upstream method takes that parameter and
/// no longer an organization id (openapi-operations.tsv's parameter column, when it lists the
/// path).
fn box_of_org_faults(route: &Route, call: &super::DiadocCall, fault: &mut impl FnMut(String)) {
    let lookups: Vec<&Param> = route
        .params
        .iter()
        .filter(|p| p.upstream == Target::Lookup)
        .collect();
    let Some(lookup) = call.box_of_org else {
        for p in lookups {
            fault(format!(
                "parameter {} is for a box lookup, but the call has none",
                p.name
            ));
        }
        return;
    };
    if lookup.lookup().is_none() {
        fault(format!(
            "box_of_org looks up through {}, which is not a Diadoc call with one query-bound path \
             parameter",
            lookup.via.id
        ));
    }
    match route.params.iter().find(|p| p.name == lookup.param) {
        None => fault(format!(
            "box_of_org reads {}, not a parameter of the route",
            lookup.param
        )),
        Some(p) => {
            if p.location != In::Path || !p.required || !matches!(p.kind, ParamKind::Guid) {
                fault(format!(
                    "box_of_org reads {}, which must be a required GUID path parameter",
                    p.name
                ));
            }
            if p.upstream != Target::Lookup {
                fault(format!(
                    "box_of_org reads {}, whose upstream target must be Target::Lookup",
                    p.name
                ));
            }
        }
    }
    for p in lookups {
        if p.name != lookup.param {
            fault(format!(
                "parameter {} is for a box lookup, but box_of_org reads {}",
                p.name, lookup.param
            ));
        }
    }
    if route.polling != Polling::None {
        // The polling key is the upstream query (`keys::poll_key`), which the box is added to
        // only when the call is sent: two organizations would share one polling loop.
        fault("a box lookup is not supported on a long request (Polling)".to_owned());
    }
    let sent_twice = route.params.iter().any(
        |p| matches!(p.upstream, Target::Query(n) | Target::QueryOr(n, _) if n == lookup.fills),
    ) || call.fixed_query.iter().any(|(n, _)| *n == lookup.fills);
    if sent_twice {
        fault(format!(
            "box_of_org fills {}, which another parameter also sends",
            lookup.fills
        ));
    }
    if let Some(params) = super::lifecycle::kontur_params(call.method, call.path) {
        if !params.iter().any(|p| p == lookup.fills) {
            fault(format!(
                "box_of_org fills {}, which {} does not take (openapi-operations.tsv)",
                lookup.fills, call.path
            ));
        }
    }
}

/// Each body field filled from the path is a singular string field of the body message, and
/// its parameter is one of the route's path parameters, going nowhere but into the body.
fn from_path_faults(
    route: &Route,
    body: &MessageDescriptor,
    fields: &[(&str, &Param)],
    fault: &mut impl FnMut(String),
) {
    for (field, param) in fields {
        let string = body
            .get_field_by_name(field)
            .is_some_and(|f| matches!(f.kind(), Kind::String) && !f.is_list());
        if !string {
            fault(format!(
                "from_path names {field}, not a string field of {}",
                body.full_name()
            ));
        }
        let ours = route
            .params
            .iter()
            .any(|p| p.name == param.name && p.location == In::Path && p.upstream == Target::Body);
        if !ours {
            fault(format!(
                "from_path fills {field} from {}, not a path parameter of the route whose \
                 upstream target is the body",
                param.name
            ));
        }
    }
}

/// Every `{name}` of a file name is a path parameter of the route.
fn file_name_faults(route: &Route, file_name: &str, fault: &mut impl FnMut(String)) {
    for name in placeholders_of(file_name) {
        if !route
            .params
            .iter()
            .any(|p| p.location == In::Path && p.name == name)
        {
            fault(format!(
                "file name {file_name:?} names {{{name}}}, not a path parameter"
            ));
        }
    }
}

/// The page's cursor and size are the route's own query parameters of the right kinds, and its
/// proto names fit the reply message.
fn page_faults(
    route: &Route,
    pool: &DescriptorPool,
    page: &super::Page,
    fault: &mut impl FnMut(String),
) {
    if !declared(route, page.cursor) || !matches!(page.cursor.kind, ParamKind::Cursor) {
        fault(format!(
            "page cursor {} is not a cursor query parameter of the route",
            page.cursor.name
        ));
    }
    if let Some(size) = page.size {
        if !declared(route, size) || !matches!(size.kind, ParamKind::Int { .. }) {
            fault(format!(
                "page size {} is not an integer query parameter of the route",
                size.name
            ));
        }
    }
    let Some(reply) = message(pool, page.message) else {
        return;
    };
    let item = reply
        .get_field_by_name(page.items)
        .filter(|f| f.is_list())
        .and_then(|f| f.kind().as_message().cloned());
    match item {
        None => fault(format!(
            "page items {} is not a repeated message field of {}",
            page.items, page.message
        )),
        Some(item) => {
            if !item
                .get_field_by_name(page.key)
                .is_some_and(|f| matches!(f.kind(), Kind::String))
            {
                fault(format!(
                    "page key {} is not a string field of {}",
                    page.key,
                    item.full_name()
                ));
            }
        }
    }
    if let Some(flag) = page.more_flag {
        if !reply
            .get_field_by_name(flag)
            .is_some_and(|f| matches!(f.kind(), Kind::Bool))
        {
            fault(format!(
                "page more_flag {flag} is not a bool field of {}",
                page.message
            ));
        }
    }
}

/// `p` is one of the route's query parameters (same name, location and upstream name).
fn declared(route: &Route, p: &Param) -> bool {
    route
        .params
        .iter()
        .any(|o| o.name == p.name && o.location == In::Query && o.upstream == p.upstream)
}

fn message(pool: &DescriptorPool, name: &str) -> Option<MessageDescriptor> {
    pool.get_message_by_name(name)
}

/// `{name}` placeholders of an axum path or a file name.
fn placeholders_of(text: &str) -> Vec<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Problems of the table as a whole: ids and (method, path) pairs are unique.
fn audit_table(routes: &[&Route], pool: &DescriptorPool) -> Vec<String> {
    let mut out: Vec<String> = routes.iter().flat_map(|r| audit(r, pool)).collect();
    for (i, r) in routes.iter().enumerate() {
        for o in &routes[..i] {
            if o.id == r.id {
                out.push(format!("route {}: id used twice", r.id));
            }
            if o.method == r.method && o.path == r.path {
                out.push(format!(
                    "route {}: {:?} {} is also route {}",
                    r.id, r.method, r.path, o.id
                ));
            }
        }
    }
    out
}

#[test]
fn every_route_entry_holds_together() {
    let problems = audit_table(ROUTES, edi_proto::pool());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

mod body_limits;
mod broken;
