//! One OpenAPI operation from one route: security, parameters and headers (`parameters.rs`),
//! the request body, the success response shaped as the route's reply, 202 for long requests,
//! and every error status the route can answer.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, OperationBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    AllOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Required};

use super::closed::component_of;
use super::parameters::{headers, parameter};
use super::{JSON, PENDING, PROBLEM, PROBLEM_JSON, Schemas};
use crate::routes::{
    Auth, BodyKind, CachePolicy, Call, DiadocReply, EdinReply, Polling, Route, Service,
};

pub(super) fn operation(route: &'static Route, schemas: &mut Schemas) -> Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(route.id))
        .tag(route.service().name())
        .summary(Some(route.summary))
        .description(Some(route.description));
    for param in route.params {
        op = op.parameter(parameter(param));
    }
    for header in headers(route) {
        op = op.parameter(header);
    }
    if let Some(body) = route.body() {
        let schema = match body {
            BodyKind::Proto(p) => super::from_path::body_schema(&p, schemas),
            BodyKind::Json(j) => (j.schema)(&mut schemas.rust),
            BodyKind::EdinLogin => {
                crate::routes::schema_of::<crate::edin_codec::Credentials>(&mut schemas.rust)
            }
        };
        if let RefOr::Ref(r) = &schema {
            schemas
                .bodies
                .push(component_of(&r.ref_location).to_owned());
        }
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(JSON, ContentBuilder::new().schema(Some(schema)).build())
                .build(),
        ));
    }
    op = match route.auth {
        // Either the caller's own upstream token or a managed client's API key.
        Auth::CallerToken => op.securities(Some([
            SecurityRequirement::new(
                match route.service() {
                    Service::Diadoc => "diadocToken",
                    Service::Edin => "edinSession",
                },
                Vec::<String>::new(),
            ),
            SecurityRequirement::new(super::API_KEY_SCHEME, Vec::<String>::new()),
        ])),
        Auth::DeveloperKey | Auth::None => op.securities(Some(Vec::<SecurityRequirement>::new())),
    };
    let (status, mut success) = success(route, schemas);
    for link in route.links {
        let mut built = LinkBuilder::new().operation_id(link.to.id);
        for (param, expression) in link.params {
            built = built.parameter(*param, *expression);
        }
        success
            .links
            .insert(link.name.to_owned(), built.build().into());
    }
    op = op.response(status, success);
    if route.polling.is_long() {
        op = op.response("202", pending_response(route));
    }
    for (status, why) in errors(route) {
        let mut response = ResponseBuilder::new().description(why).content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(PROBLEM)))
                .build(),
        );
        if matches!(status, "429" | "503") {
            response = response.header(
                "Retry-After",
                header_schema(
                    Type::Integer,
                    "Seconds to wait before sending the request again.",
                ),
            );
        }
        if status == "429" && route.auth == Auth::CallerToken {
            response = response
                .header(
                    "RateLimit-Policy",
                    header_schema(
                        Type::String,
                        "The caller's inbound limit, when the operator set one \
                         (draft-ietf-httpapi-ratelimit-headers).",
                    ),
                )
                .header(
                    "RateLimit",
                    header_schema(
                        Type::String,
                        "What is left of that limit, and when it resets.",
                    ),
                );
        }
        op = op.response(status, response.build());
    }
    op.build()
}

fn header_schema(t: Type, text: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(t).build()))
        .description(Some(text))
        .build()
}

/// The success status and response.
fn success(route: &Route, schemas: &mut Schemas) -> (&'static str, Response) {
    let json = |schema: RefOr<Schema>| ContentBuilder::new().schema(Some(schema)).build();
    let shape = match &route.upstream {
        Call::Diadoc(call) => call.reply,
        Call::EdinLogin => DiadocReply::Token,
        Call::Edin(call) => {
            let EdinReply::Json(reply) = call.reply else {
                return (
                    "204",
                    ResponseBuilder::new().description("Done; no body.").build(),
                );
            };
            let schema = (reply.schema)(&mut schemas.rust);
            let status = if reply.status == http::StatusCode::CREATED {
                "201"
            } else {
                "200"
            };
            return (
                status,
                ResponseBuilder::new()
                    .description(if status == "201" { "Created" } else { "OK" })
                    .content(JSON, json(schema))
                    .build(),
            );
        }
    };
    match shape {
        DiadocReply::NoContent => (
            "204",
            ResponseBuilder::new().description("Done; no body.").build(),
        ),
        DiadocReply::Token => (
            "200",
            ResponseBuilder::new()
                .description("The session token: send it as `Authorization: Bearer <token>`.")
                .content(
                    JSON,
                    json(<crate::reply::TokenReply as utoipa::PartialSchema>::schema()),
                )
                .build(),
        ),
        DiadocReply::Message(message) => (
            "200",
            ResponseBuilder::new()
                .description("OK")
                .content(JSON, json(schemas.message(message)))
                .build(),
        ),
        DiadocReply::Created(message) => (
            "201",
            ResponseBuilder::new()
                .description("Created")
                .content(JSON, json(schemas.message(message)))
                .build(),
        ),
        DiadocReply::MessageOrFile(view) => (
            "200",
            ResponseBuilder::new()
                .description(format!(
                    "The result as JSON, or with `Accept: {}` the `{}` file itself \
                     (`Content-Disposition: attachment`).",
                    view.media_type,
                    edi_transcode::json_name(view.field)
                ))
                .content(JSON, json(schemas.message(view.message)))
                .content(
                    view.media_type,
                    json(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                            .build()
                            .into(),
                    ),
                )
                .build(),
        ),
        DiadocReply::Stream(view) => (
            "200",
            file_response(
                &[view.media_type, "*/*"],
                "The entity's bytes, streamed as the upstream sends them, with its media type \
                 (`application/octet-stream` when it names none).",
            ),
        ),
        DiadocReply::File(view) => (
            "200",
            file_response(
                &[view.media_type, "*/*"],
                "The file, with the upstream's media type and file name.",
            ),
        ),
        DiadocReply::Shelf(shelf) => (
            "200",
            file_response(&[shelf.file.media_type], "The file, streamed."),
        ),
        DiadocReply::Page(page) => {
            let base = schemas.message(page.message);
            let next = ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(
                    "nextAfter",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(format!(
                            "Cursor of the next page: pass it as `{}`. Absent on the last page.",
                            page.cursor.name
                        ))),
                )
                .build();
            let schema = AllOfBuilder::new().item(base).item(next).build();
            let mut response = ResponseBuilder::new()
                .description("One page")
                .content(JSON, json(RefOr::T(Schema::AllOf(schema))))
                .header(
                    "Link",
                    header_schema(Type::String, "`<…>; rel=\"next\"`: the next page's URL."),
                );
            if let Some(stream) = route.stream {
                response = response.content(
                    crate::preferences::EVENT_STREAM,
                    json(event_stream_schema(stream, schemas)),
                );
            }
            if route.cache == CachePolicy::PerCaller {
                response = response
                    .header(
                        "X-Cache",
                        HeaderBuilder::new()
                            .schema(Some(
                                ObjectBuilder::new()
                                    .schema_type(Type::String)
                                    .enum_values(Some(["hit", "miss"])),
                            ))
                            .description(Some("Whether the page came from the cache."))
                            .build(),
                    )
                    .header(
                        "Cache-Control",
                        header_schema(
                            Type::String,
                            "`private, no-store`: the page is the caller's.",
                        ),
                    );
            }
            ("200", response.build())
        }
    }
}

/// A file answer: raw bytes in each of `media_types`, as an attachment.
fn file_response(media_types: &[&str], text: &str) -> Response {
    let mut response = ResponseBuilder::new().description(text);
    for media_type in media_types {
        response = response.content(
            *media_type,
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
                ))
                .build(),
        );
    }
    response
        .header(
            "Content-Disposition",
            header_schema(
                Type::String,
                "`attachment; filename=\"…\"` (and `filename*`).",
            ),
        )
        .header(
            "Content-Length",
            header_schema(
                Type::Integer,
                "The size in bytes, when the upstream gives it.",
            ),
        )
        .header(
            "Cache-Control",
            header_schema(
                Type::String,
                "`private, no-store`: the file is the caller's.",
            ),
        )
        .build()
}

/// The `text/event-stream` body of a route with an event stream: text, described, with the
/// item's schema registered (`data` is one item's JSON).
fn event_stream_schema(stream: crate::routes::EventStream, schemas: &mut Schemas) -> RefOr<Schema> {
    let item = schemas.message(stream.item);
    let item_name = match &item {
        RefOr::Ref(r) => component_of(&r.ref_location).to_owned(),
        RefOr::T(_) => stream.item.to_owned(),
    };
    let kinds: Vec<String> = stream
        .kinds
        .iter()
        .map(|(name, what)| format!("`{name}`: {what}"))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!(
            "Server-Sent Events (`Accept: text/event-stream`). Each event is `id: <indexKey>` \
             (send it back as `Last-Event-ID` to resume), `event: <kind>` and `data: <JSON>`, \
             the JSON being one `{item_name}` object as in the page's list. Kinds: {}. When \
             caught up the gateway polls Diadoc every `EDI_GATEWAY_EVENTS_POLL_SECS` (default 5 \
             s) and sends `: keep-alive` comments when idle. A failure after the stream started \
             is `event: error` with a problem JSON as `data`, then the end of the stream.",
            kinds.join("; ")
        )))
        .examples([
            "id: 00000001AB…\nevent: message\ndata: {\"eventId\":\"…\",\"message\":{…},\"indexKey\":\"00000001AB…\"}\n\n: keep-alive\n\n",
        ])
        .build()
        .into()
}

fn pending_response(route: &Route) -> Response {
    let (text, location) = match route.polling {
        Polling::Task(task) => (
            format!(
                "The upstream is still working on the task and the wait budget ran out. Do not \
                 repeat this request: `GET` the `Location` (`{}`, operation `{}`) after \
                 `Retry-After` seconds; it answers the result, or 202 again.",
                task.result.path, task.result.id
            ),
            "The task's result URL: GET it (any gateway replica answers it).",
        ),
        Polling::RetryAfter | Polling::None => (
            "The upstream is still working and the wait budget ran out. Repeat the same request \
             (same body and `Idempotency-Key`) after `Retry-After` seconds."
                .to_owned(),
            "The URL to repeat.",
        ),
    };
    ResponseBuilder::new()
        .description(text)
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(PENDING)))
                .build(),
        )
        .header(
            "Retry-After",
            header_schema(Type::Integer, "Seconds to wait, as the upstream said."),
        )
        .header("Location", header_schema(Type::String, location))
        .header(
            "Preference-Applied",
            header_schema(Type::String, "The `Prefer` preferences honoured."),
        )
        .build()
}

/// Every error status the route can answer, with why.
/// A call's own meaning of a status replaces the generic reason; a task route adds its result
/// route's meanings (its errors reach the caller too).
fn errors(route: &Route) -> Vec<(&'static str, String)> {
    let meanings = |r: &Route| -> &'static [(u16, &'static str)] {
        match &r.upstream {
            Call::Diadoc(call) => call.meanings,
            Call::Edin(_) | Call::EdinLogin => &[],
        }
    };
    let mut all: Vec<(u16, &'static str)> = meanings(route).to_vec();
    if let Polling::Task(task) = route.polling {
        all.extend_from_slice(meanings(task.result));
    }
    errors_generic(route)
        .into_iter()
        .map(|(status, generic)| {
            let specific: Vec<&str> = all
                .iter()
                .filter(|(s, _)| s.to_string() == status)
                .map(|(_, m)| *m)
                .collect();
            let text = if status == "413" {
                // The route's own limit (`Route::body_limit`), which the 413 names too.
                format!(
                    "The body is larger than this route's limit of {} bytes.",
                    route.body_limit
                )
            } else if specific.is_empty() {
                generic
            } else {
                specific.join("; or: ")
            };
            (status, text)
        })
        .collect()
}

/// The statuses every route of its kind can answer, with the generic reasons.
fn errors_generic(route: &Route) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "400",
        "Invalid parameters, headers or body (each field named in `errors`), or the upstream \
         refused the request as invalid.",
    )];
    out.push((
        "401",
        match route.auth {
            Auth::CallerToken => {
                "No usable bearer token or API key (`X-Api-Key` unknown, or sent with an \
                 `Authorization` header), caller tokens switched off by the operator, or the \
                 upstream rejected the caller's own token (log in again)."
            }
            Auth::DeveloperKey | Auth::None => {
                "Wrong login or password, or logins are switched off (the gateway serves managed \
                 clients only)."
            }
        },
    ));
    if route.service() == Service::Diadoc {
        out.push((
            "402",
            "The organization's Diadoc subscription does not cover this.",
        ));
    }
    out.push((
        "403",
        "The upstream denies access (box, company), or asks for a captcha; or the managed \
         client (`X-Api-Key`) holds no credential for this upstream.",
    ));
    out.push(("404", "The upstream has no such object."));
    if matches!(
        &route.upstream,
        Call::Diadoc(c) if matches!(c.reply, DiadocReply::MessageOrFile(_))
    ) {
        out.push((
            "406",
            "`Accept` names neither JSON nor the file's media type.",
        ));
    }
    if route.stream.is_some() {
        out.push((
            "406",
            "`Accept` names neither JSON nor `text/event-stream`.",
        ));
    }
    out.push((
        "409",
        "The upstream reports a conflict (e.g. no protocol for this document kind).",
    ));
    if route.body().is_some() {
        out.push(("413", "The body is too large."));
        out.push(("415", "The body is not `application/json`."));
    }
    out.push((
        "429",
        "The caller's inbound limit (`RateLimit-Policy`, `RateLimit`), or the upstream's rate \
         limit for a call the gateway could not repeat within the wait; retry after \
         `Retry-After` seconds.",
    ));
    if crate::throttle::is_login(route) {
        // Replaces the line above (the later entry of a status wins).
        out.push((
            "429",
            "Too many login attempts from this address or for this login (the gateway's login \
             throttle, `EDI_GATEWAY_LOGIN_PER_MINUTE` and \
             `EDI_GATEWAY_LOGIN_PER_ADDRESS_PER_MINUTE`), or the upstream's rate limit; retry \
             after `Retry-After` seconds.",
        ));
    }
    out.push(("500", "A defect in the gateway (no detail is given)."));
    if route.auth == Auth::DeveloperKey {
        out.push(("501", "The gateway has no Diadoc developer key configured."));
    }
    out.push(("502", "The upstream failed or sent an unusable reply."));
    let mut unavailable = Vec::new();
    if route.stream.is_some() {
        unavailable.push("too many event streams are open (`EDI_GATEWAY_EVENTS_MAX_STREAMS`)");
    }
    if route.auth == Auth::CallerToken {
        if route.service() == Service::Diadoc {
            unavailable.push(
                "Kontur's published limits for this credential (requests at once and per second) \
                 are in use and no slot came within the wait (`upstream-limit`; nothing was sent)",
            );
        }
        unavailable.push(
            "a managed client's upstream credential was refused and renewed, and this call is \
             not safe to repeat automatically (`credential-renewed`: send it again), or cannot \
             be used now (`credential-unavailable`, e.g. EDIN asks for a captcha)",
        );
    }
    unavailable.push(
        "the upstream's circuit is open after repeated failures (`upstream-circuit-open`; \
         nothing was sent)",
    );
    unavailable.push("the upstream asks to retry later");
    let mut unavailable = unavailable.join("; or ");
    if let Some(first) = unavailable.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let mut out: Vec<(&'static str, String)> = out
        .into_iter()
        .map(|(status, text)| (status, text.to_owned()))
        .collect();
    out.push((
        "503",
        format!("{unavailable}; retry after `Retry-After` seconds."),
    ));
    out.push(("504", "The upstream did not answer in time.".to_owned()));
    out
}
