//! The OpenAPI 3.1 document, built from the route table and nothing else, and the routes that
//! serve it: `GET /openapi.json` and Swagger UI at `GET /docs` (vendored assets; nothing is
//! fetched at build or run time).
//!
//! Every operation comes from one [`Route`]: `operationId` = the route id, the tag = its
//! upstream, summary and description from the entry, parameters from its [`Param`] list (type,
//! format, enum values, bounds, required-ness), the headers its policies read (`Prefer`,
//! `Idempotency-Key`, `Cache-Control`), the request body and every response it can give —
//! success, 202 for long requests, and each `application/problem+json` error. Diadoc bodies are
//! derived from the proto descriptors (`openapi/proto.rs`); EDIN bodies from the Rust types
//! (`utoipa::ToSchema`), via the schema functions the route entries name.

pub mod proto;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use http::{Method, header};
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    Components, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder,
    Ref, RefOr, Required,
};
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::routes::{
    Auth, Body, CachePolicy, Call, In, Param, ParamKind, Polling, ROUTES, Reply, Route, Service,
};
use proto::ProtoSchemas;

/// Where the document is served.
pub const SPEC_PATH: &str = "/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

const PROBLEM: &str = "Problem";
const PENDING: &str = "Pending";
const JSON: &str = "application/json";
const PROBLEM_JSON: &str = crate::error::PROBLEM_JSON;

/// The router for `/openapi.json` and `/docs`.
pub fn router() -> Router<AppState> {
    let json = bytes::Bytes::from(to_pretty_json());
    let served = Router::new().route(
        SPEC_PATH,
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, JSON)], json).into_response() }
        }),
    );
    // Swagger UI reads the spec from SPEC_PATH; its own copy of the document is not served.
    let config = utoipa_swagger_ui::Config::from(SPEC_PATH)
        .display_operation_id(true)
        .try_it_out_enabled(true);
    served.merge(SwaggerUi::new(DOCS_PATH).config(config))
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut schemas = Schemas::default();
    let mut paths = PathsBuilder::new();
    let mut by_path: Vec<(&str, PathItem)> = Vec::new();
    for route in ROUTES {
        let operation = operation(route, &mut schemas);
        let method = http_method(&route.method);
        match by_path.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, item)) => item.merge_operations(PathItem::new(method, operation)),
            None => by_path.push((route.path, PathItem::new(method, operation))),
        }
    }
    for (path, item) in by_path {
        paths = paths.path(path, item);
    }
    let mut components = Components::new();
    for (name, schema) in schemas.finish() {
        components.schemas.insert(name, schema);
    }
    for (name, service) in [
        ("diadocToken", Service::Diadoc),
        ("edinSession", Service::Edin),
    ] {
        components.add_security_scheme(name, security_scheme(service));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("edi-gateway")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(INFO))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .tags(Some([
            TagBuilder::new()
                .name(Service::Diadoc.name())
                .description(Some(
                    "Kontur Diadoc. Log in with `createDiadocSession`, then send the token as \
                     `Authorization: Bearer <token>`.",
                ))
                .build(),
            TagBuilder::new()
                .name(Service::Edin.name())
                .description(Some(
                    "EDIN bdoc (doc.edin.ua). Log in with `createEdinSession`, then send the \
                     session id as `Authorization: Bearer <token>`.",
                ))
                .build(),
        ]))
        .build()
}

const INFO: &str = "Clean JSON REST in front of Kontur Diadoc (protobuf over HTTP) and EDIN bdoc \
(JSON with a session cookie). The gateway adds the upstream credentials, translates every call, \
waits out asynchronous work (`Prefer: wait=N`; 202 when the wait runs out) and answers every \
error as `application/problem+json` (RFC 9457). Diadoc JSON: camelCase keys, enum value names, \
64-bit integers as strings, timestamps as RFC 3339, bytes as base64.";

/// Every component: Diadoc messages, EDIN types, and the gateway's own.
#[derive(Default)]
struct Schemas {
    proto: ProtoSchemas,
    rust: Vec<(String, RefOr<Schema>)>,
    /// Components that are request bodies: they and every object they reach are closed.
    bodies: Vec<String>,
}

impl Schemas {
    fn message(&mut self, name: &str) -> RefOr<Schema> {
        self.proto
            .message_ref(name)
            .unwrap_or_else(|| RefOr::T(Schema::default()))
    }

    fn finish(self) -> Vec<(String, RefOr<Schema>)> {
        let mut all: Vec<(String, RefOr<Schema>)> = self.proto.components.into_iter().collect();
        all.extend(self.rust);
        all.push((PROBLEM.to_owned(), problem_schema()));
        all.push((PENDING.to_owned(), pending_schema()));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.dedup_by(|a, b| a.0 == b.0);
        close(&mut all, self.bodies);
        all
    }
}

/// The component name a `$ref` points at.
fn component_of(location: &str) -> &str {
    location
        .strip_prefix("#/components/schemas/")
        .unwrap_or(location)
}

/// Sets `additionalProperties: false` on the `bodies` and every object component they reach:
/// the gateway answers an unknown member anywhere in a body with a 400 naming it (the
/// transcoder and the EDIN codecs both do), and the schema says so. (Where such a component is
/// also part of a response it still holds: replies carry declared members only.) Components
/// reached from responses alone are left open.
fn close(all: &mut [(String, RefOr<Schema>)], bodies: Vec<String>) {
    let mut reached: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut queue = bodies;
    while let Some(name) = queue.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let Some((_, schema)) = all.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let mut refs = Vec::new();
        collect_refs(&serde_json::to_value(schema).unwrap_or_default(), &mut refs);
        queue.extend(refs);
    }
    for (name, schema) in all.iter_mut() {
        if let (true, RefOr::T(Schema::Object(object))) = (reached.contains(name), schema) {
            if object.schema_type == SchemaType::Type(Type::Object) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => out.push(component_of(r).to_owned()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

fn security_scheme(service: Service) -> SecurityScheme {
    let text = match service {
        Service::Diadoc => {
            "A Diadoc token from `createDiadocSession` (or an OIDC access token \
                            when the gateway runs in bearer mode)."
        }
        Service::Edin => {
            "An EDIN session id from `createEdinSession` (ends after 10 idle minutes)."
        }
    };
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(text))
            .build(),
    )
}

fn operation(route: &'static Route, schemas: &mut Schemas) -> Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(route.id))
        .tag(route.service.name())
        .summary(Some(route.summary))
        .description(Some(route.description));
    for param in route.params {
        op = op.parameter(parameter(param));
    }
    for header in headers(route) {
        op = op.parameter(header);
    }
    if let Some(body) = &route.body {
        let schema = match body {
            Body::Proto(p) => schemas.message(p.message),
            Body::Json(j) => (j.schema)(&mut schemas.rust),
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
        Auth::CallerToken => op.security(SecurityRequirement::new(
            match route.service {
                Service::Diadoc => "diadocToken",
                Service::Edin => "edinSession",
            },
            Vec::<String>::new(),
        )),
        Auth::None => op.securities(Some(Vec::<SecurityRequirement>::new())),
    };
    let (status, success) = success(route, schemas);
    op = op.response(status, success);
    if route.polling == Polling::RetryAfter {
        op = op.response("202", pending_response());
    }
    for (status, why) in errors(route) {
        op = op.response(
            status,
            ResponseBuilder::new()
                .description(why)
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(PROBLEM)))
                        .build(),
                )
                .build(),
        );
    }
    op.build()
}

/// A path or query parameter's schema, from its kind.
fn parameter(param: &Param) -> utoipa::openapi::path::Parameter {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let schema: Object = match param.kind {
        ParamKind::Guid => string()
            .format(Some(SchemaFormat::Custom("uuid".to_owned())))
            .build(),
        ParamKind::BoxId => string()
            .pattern(Some(
                "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}@diadoc\\.ru)$",
            ))
            .build(),
        ParamKind::Cursor => string().min_length(Some(1)).build(),
        ParamKind::Enum(values) => string().enum_values(Some(values.iter().copied())).build(),
        ParamKind::Mapped(pairs) => string()
            .enum_values(Some(pairs.iter().map(|(ours, _)| *ours)))
            .build(),
        ParamKind::Int { min, max } => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(min))
            .maximum(Some(max))
            .build(),
        ParamKind::Text { max } => string().max_length(Some(max)).build(),
        ParamKind::FilterCategory => string()
            .pattern(Some("^[A-Za-z0-9]+\\.(Inbound|Outbound|Internal|Proxy)[A-Za-z]*$"))
            .examples(["Any.Inbound", "Any.OutboundNotFinished"])
            .build(),
        ParamKind::Date => string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .build(),
        ParamKind::Ticks => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0))
            .build(),
        ParamKind::Flag => ObjectBuilder::new().schema_type(Type::Boolean).build(),
    };
    ParameterBuilder::new()
        .name(param.name)
        .parameter_in(match param.location {
            In::Path => ParameterIn::Path,
            In::Query => ParameterIn::Query,
        })
        .required(if param.required || param.location == In::Path {
            Required::True
        } else {
            Required::False
        })
        .description(Some(param.description))
        .schema(Some(schema))
        .build()
}

/// The request headers the route's policies read.
fn headers(route: &Route) -> Vec<utoipa::openapi::path::Parameter> {
    let header = |name: &str, schema: Object, text: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(text))
            .schema(Some(schema))
            .build()
    };
    let mut out = Vec::new();
    if route.polling == Polling::RetryAfter {
        out.push(header(
            "Prefer",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^.*$"))
                .examples(["wait=10", "respond-async"])
                .build(),
            "RFC 7240. `wait=N`: wait up to N seconds for the upstream to finish (default 25, \
             at most 120) before answering 202. `respond-async` or `wait=0`: one upstream attempt, \
             then the result or 202 at once. Honoured preferences are echoed in \
             `Preference-Applied`.",
        ));
    }
    if route.idempotency.is_some() {
        out.push(header(
            "Idempotency-Key",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Za-z0-9_-]{1,100}$"))
                .build(),
            "Makes the call safe to repeat: the same key always yields the same result (sent \
             upstream as Diadoc's `operationId`). Without it, identical bodies count as one \
             operation.",
        ));
    }
    if route.cache == CachePolicy::PerCaller {
        out.push(header(
            "Cache-Control",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["no-cache"]))
                .build(),
            "`no-cache` refreshes the caller's cached page.",
        ));
    }
    out
}

fn header_schema(t: Type, text: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(t).build()))
        .description(Some(text))
        .build()
}

/// The success status and response.
fn success(route: &Route, schemas: &mut Schemas) -> (&'static str, Response) {
    let message = |schemas: &mut Schemas| match &route.upstream {
        Call::Diadoc(call) => call.response.map(|m| schemas.message(m)),
        Call::Edin(_) | Call::EdinLogin => None,
    };
    let json = |schema: RefOr<Schema>| ContentBuilder::new().schema(Some(schema)).build();
    match route.reply {
        Reply::Token => (
            "200",
            ResponseBuilder::new()
                .description("The session token: send it as `Authorization: Bearer <token>`.")
                .content(JSON, json(token_schema()))
                .build(),
        ),
        Reply::Message => (
            "200",
            ResponseBuilder::new()
                .description("OK")
                .content(JSON, json(message(schemas).unwrap_or_default()))
                .build(),
        ),
        Reply::Created => (
            "201",
            ResponseBuilder::new()
                .description("Created")
                .content(JSON, json(message(schemas).unwrap_or_default()))
                .build(),
        ),
        Reply::MessageOrFile(view) => (
            "200",
            ResponseBuilder::new()
                .description(format!(
                    "The result as JSON, or with `Accept: {}` the `{}` file itself \
                     (`Content-Disposition: attachment`).",
                    view.media_type,
                    edi_transcode::json_name(view.field)
                ))
                .content(JSON, json(message(schemas).unwrap_or_default()))
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
        Reply::Page(page) => {
            let base = message(schemas).unwrap_or_default();
            let next = ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(
                    "nextAfter",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(format!(
                            "Cursor of the next page: pass it as `{}`. Absent on the last page.",
                            page.cursor_param
                        ))),
                )
                .build();
            let schema = utoipa::openapi::schema::AllOfBuilder::new()
                .item(base)
                .item(next)
                .build();
            let mut response = ResponseBuilder::new()
                .description("One page")
                .content(JSON, json(RefOr::T(Schema::AllOf(schema))))
                .header(
                    "Link",
                    header_schema(Type::String, "`<…>; rel=\"next\"`: the next page's URL."),
                );
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
        Reply::Json(j) => {
            let schema = (j.schema)(&mut schemas.rust);
            let status = if j.status == http::StatusCode::CREATED {
                "201"
            } else {
                "200"
            };
            (
                status,
                ResponseBuilder::new()
                    .description(if status == "201" { "Created" } else { "OK" })
                    .content(JSON, json(schema))
                    .build(),
            )
        }
    }
}

fn pending_response() -> Response {
    ResponseBuilder::new()
        .description(
            "The upstream is still working and the wait budget ran out. Repeat the same request \
             (same body and `Idempotency-Key`) after `Retry-After` seconds.",
        )
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
        .header(
            "Location",
            header_schema(Type::String, "The URL to repeat."),
        )
        .header(
            "Preference-Applied",
            header_schema(Type::String, "The `Prefer` preferences honoured."),
        )
        .build()
}

/// Every error status the route can answer, with why.
fn errors(route: &Route) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![(
        "400",
        "Invalid parameters, headers or body (each field named in `errors`), or the upstream \
         refused the request as invalid.",
    )];
    out.push((
        "401",
        match route.auth {
            Auth::CallerToken => {
                "No usable bearer token, or the upstream rejected it (log in again)."
            }
            Auth::None => "Wrong login or password.",
        },
    ));
    if route.service == Service::Diadoc {
        out.push((
            "402",
            "The organization's Diadoc subscription does not cover this.",
        ));
    }
    out.push((
        "403",
        "The upstream denies access (box, company), or asks for a captcha.",
    ));
    out.push(("404", "The upstream has no such object."));
    if matches!(route.reply, Reply::MessageOrFile(_)) {
        out.push((
            "406",
            "`Accept` names neither JSON nor the file's media type.",
        ));
    }
    out.push((
        "409",
        "The upstream reports a conflict (e.g. no protocol for this document kind).",
    ));
    if route.body.is_some() {
        out.push(("413", "The body is too large."));
        out.push(("415", "The body is not `application/json`."));
    }
    out.push(("429", "The upstream's rate limit."));
    out.push(("500", "A defect in the gateway (no detail is given)."));
    if route.auth == Auth::None && route.service == Service::Diadoc {
        out.push(("501", "The gateway has no Diadoc developer key configured."));
    }
    out.push(("502", "The upstream failed or sent an unusable reply."));
    out.push(("504", "The upstream did not answer in time."));
    out
}

fn token_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("token", ObjectBuilder::new().schema_type(Type::String))
        .required("token")
        .build()
        .into()
}

fn pending_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("A long request still running upstream."))
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["pending"])),
        )
        .property(
            "retryAfter",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .description(Some("Seconds to wait before repeating.")),
        )
        .property(
            "idempotencyKey",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::String,
                    Type::Null,
                ]))
                .description(Some(
                    "The `Idempotency-Key` to repeat the request with, if any.",
                )),
        )
        .required("status")
        .required("retryAfter")
        .required("idempotencyKey")
        .build()
        .into()
}

fn problem_schema() -> RefOr<Schema> {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let field_problem = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "field",
            string().description(Some(
                "The parameter, header or body path at fault (empty for the whole body).",
            )),
        )
        .property(
            "code",
            string().enum_values(Some([
                "missingRequired",
                "unknownField",
                "unknownEnumValue",
                "wrongType",
                "outOfRange",
                "invalidFormat",
                "duplicate",
                "invalidJson",
            ])),
        )
        .property("detail", string())
        .property("allowed", ArrayBuilder::new().items(string()))
        .required("field")
        .required("code")
        .required("detail");
    let upstream = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("service", string().enum_values(Some(["diadoc", "edin"])))
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property("errorCode", string())
        .property("traceId", string())
        .property("message", string())
        .required("service")
        .required("status")
        .required("message");
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("RFC 9457 problem details."))
        .property(
            "type",
            string().format(Some(SchemaFormat::Custom("uri".to_owned()))),
        )
        .property("title", string())
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property("detail", string())
        .property("errors", ArrayBuilder::new().items(field_problem))
        .property("upstream", upstream)
        .required("type")
        .required("title")
        .required("status")
        .required("detail")
        .build()
        .into()
}

/// The document as pretty JSON (what `edi-gateway openapi` prints and the repo commits).
pub fn to_pretty_json() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_route_is_in_the_spec_with_its_method_and_path() {
        let doc = serde_json::to_value(document()).expect("json");
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.as_str().to_ascii_lowercase()];
            assert_eq!(
                op["operationId"], route.id,
                "{} {}",
                route.method, route.path
            );
            assert_eq!(op["tags"], json!([route.service.name()]));
            if let Call::Diadoc(call) = &route.upstream {
                if let Some(m) = call.response {
                    assert!(edi_proto::pool().get_message_by_name(m).is_some(), "{m}");
                }
            }
            if let Some(Body::Proto(p)) = &route.body {
                assert!(
                    edi_proto::pool().get_message_by_name(p.message).is_some(),
                    "{}",
                    p.message
                );
            }
        }
    }

    #[test]
    fn every_ref_resolves() {
        let doc = serde_json::to_value(document()).expect("json");
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected ref {r}"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} is not defined"
            );
        }
    }

    fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_owned());
                        }
                    } else {
                        collect_refs(v, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn request_bodies_are_closed_objects_and_response_only_ones_are_open() {
        let doc = serde_json::to_value(super::document()).expect("json");
        let schemas = &doc["components"]["schemas"];
        for name in [
            "Diadoc.LoginPassword",
            "Diadoc.Events.TemplateToPost",
            "Diadoc.Events.TemplateDocumentAttachment",
            "Diadoc.Docflow.GetDocflowBatchRequest",
            "edin.Credentials",
            "edin.ProcessInput",
            "edin.StepInput",
            "edin.GroupRef",
        ] {
            assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
        }
        assert!(
            schemas["Diadoc.CounteragentList"]
                .get("additionalProperties")
                .is_none()
        );
        assert!(
            schemas["edin.AgreementProc"]
                .get("additionalProperties")
                .is_none()
        );
    }
}
