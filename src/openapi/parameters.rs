//! Parameters and request headers in the document, from the route's [`Param`] list and
//! policies. Every pattern, bound and enum here is read from the same value the validator checks
//! (`rules.rs`, the [`ParamKind`]), so the two agree (`openapi/agreement.rs` proves it on
//! samples).

use utoipa::openapi::Required;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

use crate::preferences::IDEMPOTENCY_KEY_HEADER;
use crate::routes::{CachePolicy, In, Param, ParamKind, Route};
use crate::rules;

/// The schema of a parameter of this kind: the same rule the validator checks.
pub(super) fn param_schema(kind: ParamKind) -> Object {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let integer = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
    };
    match kind {
        ParamKind::Guid => string()
            .format(Some(SchemaFormat::Custom("uuid".to_owned())))
            .pattern(Some(rules::GUID.source))
            .build(),
        ParamKind::BoxId => string().pattern(Some(rules::BOX_ID.source)).build(),
        ParamKind::Cursor => string()
            .min_length(Some(1))
            .max_length(Some(256))
            .pattern(Some(rules::CURSOR.source))
            .build(),
        ParamKind::Enum(values) => string().enum_values(Some(values.iter().copied())).build(),
        ParamKind::Mapped(pairs) => string()
            .enum_values(Some(pairs.iter().map(|(ours, _)| *ours)))
            .build(),
        ParamKind::Int { min, max } => integer().minimum(Some(min)).maximum(Some(max)).build(),
        ParamKind::Text { max } => string()
            .min_length(Some(1))
            .max_length(Some(max))
            .pattern(Some(rules::TEXT.source))
            .build(),
        ParamKind::FilterCategory => string()
            .pattern(Some(rules::FILTER_CATEGORY.source))
            .examples(["Any.Inbound", "Any.OutboundNotFinished"])
            .build(),
        ParamKind::Date => string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(rules::DATE.source))
            .build(),
        ParamKind::Ticks => integer().minimum(Some(0)).maximum(Some(i64::MAX)).build(),
        ParamKind::DateTime => string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .pattern(Some(rules::DATE_TIME.source))
            .examples(["2024-08-06T12:36:38Z"])
            .build(),
        ParamKind::List { pattern, .. } => string().pattern(Some(pattern.source)).build(),
        ParamKind::Flag | ParamKind::Bool => {
            ObjectBuilder::new().schema_type(Type::Boolean).build()
        }
    }
}

/// A path or query parameter, from its entry.
pub(super) fn parameter(param: &Param) -> utoipa::openapi::path::Parameter {
    let schema = param_schema(param.kind);
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
pub(super) fn headers(route: &Route) -> Vec<utoipa::openapi::path::Parameter> {
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
    if route.polling.is_long() {
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
            IDEMPOTENCY_KEY_HEADER,
            idempotency_key_schema(),
            "Makes the call safe to repeat: the same key always yields the same result (sent \
             upstream as Diadoc's `operationId`). Without it, identical bodies count as one \
             operation.",
        ));
    }
    if route.stream.is_some() {
        out.push(header(
            crate::preferences::LAST_EVENT_ID,
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(256))
                .pattern(Some(rules::CURSOR.source))
                .build(),
            "With `text/event-stream`: the `id` of the last event received; the stream resumes \
             after it (instead of `after`). Ignored by a JSON page.",
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

/// The `Idempotency-Key` header's schema: the validator's pattern.
pub(super) fn idempotency_key_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(rules::IDEMPOTENCY_KEY.source))
        .build()
}
