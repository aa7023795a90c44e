//! `EDI_GATEWAY_LOG_FORMAT=json`: one JSON object per line — `timestamp` (RFC 3339, UTC),
//! `level` and `message` first, then, by name, the fields of the enclosing spans (for a
//! request: `method`, `route`, `request_id`) and the event's own, an event's field winning over
//! a span's of the same name (an inner span's over an outer one's). tracing-subscriber's own
//! JSON format nests span fields under `span`/`spans`; flat objects are what log stores index
//! without a mapping.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The flat JSON event format (span fields recorded by `JsonFields`, so each span's are a JSON
/// object already).
#[derive(Debug, Clone, Copy)]
pub(super) struct FlatJson;

impl<S, N> FormatEvent<S, N> for FlatJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert(
            "timestamp".to_owned(),
            Value::String(jiff::Timestamp::now().to_string()),
        );
        line.insert(
            "level".to_owned(),
            Value::String(event.metadata().level().as_str().to_owned()),
        );
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<N>>() else {
                    continue;
                };
                if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(fields) {
                    line.extend(fields);
                }
            }
        }
        event.record(&mut Fields(&mut line));
        writeln!(writer, "{}", ordered(&line).map_err(|_| fmt::Error)?)
    }
}

/// The keys read first, in this order; the others follow sorted by name.
const FIRST: [&str; 3] = ["timestamp", "level", "message"];

/// `line` as a JSON object with the [`FIRST`] keys first (serde_json's map is sorted).
fn ordered(line: &Map<String, Value>) -> serde_json::Result<String> {
    let mut out = String::with_capacity(256);
    out.push('{');
    let rest = line
        .keys()
        .map(String::as_str)
        .filter(|k| !FIRST.contains(k));
    for key in FIRST.into_iter().chain(rest) {
        let Some(value) = line.get(key) else {
            continue;
        };
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key)?);
        out.push(':');
        out.push_str(&serde_json::to_string(value)?);
    }
    out.push('}');
    Ok(out)
}

/// An event's fields into the line's object.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.put(field, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}
