//! The validation rules, each written once: the validator (`params.rs`, `preferences.rs`, the
//! EDIN codecs) checks values with them, and the OpenAPI document (`openapi/`) describes them
//! from the same values, so the two cannot drift. `tests/api/agreement.rs`-style checks push
//! sample values through both and require the same verdict (see `openapi/tests.rs`).
//!
//! A pattern is kept as its source text (what the document says, an ECMA-262 regex that JSON
//! Schema tools read) and compiled once for the validator. Every pattern here uses only syntax
//! both dialects read the same way: ASCII classes, `\x` escapes, anchors, bounded repeats.

use std::sync::LazyLock;

use regex::Regex;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

/// A regular expression: its source, as the document shows it, and its compiled form.
#[derive(Debug)]
pub struct Pattern {
    /// The expression, anchored (`^…$`).
    pub source: &'static str,
    compiled: LazyLock<Option<Regex>>,
}

impl Pattern {
    /// Whether `value` matches. A pattern that does not compile matches nothing (a unit test
    /// compiles every pattern, so that is a defect caught by `cargo test`, not a runtime panic).
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled.as_ref().is_some_and(|r| r.is_match(value))
    }

    /// Whether the pattern compiles.
    #[cfg(test)]
    pub(crate) fn compiles(&self) -> bool {
        self.compiled.is_some()
    }
}

/// Declares a [`Pattern`] static: the source is written once and compiled on first use.
macro_rules! pattern {
    ($(#[$doc:meta])* $name:ident = $source:literal) => {
        $(#[$doc])*
        pub static $name: Pattern = Pattern {
            source: $source,
            compiled: LazyLock::new(|| Regex::new($source).ok()),
        };
    };
}

pattern! {
    /// A GUID, 8-4-4-4-12 hex digits in either case (api.md, "Identifiers").
    GUID = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
}

pattern! {
    /// A box id: the GUID form, or 32 hex digits + `@diadoc.ru` (api.md, "Identifiers").
    BOX_ID = "^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32}@diadoc\\.ru)$"
}

pattern! {
    /// A paging cursor (`IndexKey`): opaque to us (api.md, "Identifiers"), but 1 to 256
    /// printable ASCII characters, so it cannot smuggle anything into the upstream query or our
    /// `Link` header.
    CURSOR = "^[!-~]{1,256}$"
}

pattern! {
    /// `<DocumentType>.<DocumentClass><DocumentStatus>` (api.md, GetDocuments `filterCategory`):
    /// the type is a TypeNamedId or `Any`, the class one of four, the status list is long and
    /// grows, so only its shape is checked.
    FILTER_CATEGORY = "^[A-Za-z0-9_]{1,64}\\.(Inbound|Outbound|Internal|Proxy)[A-Za-z0-9]{0,64}$"
}

pattern! {
    /// Free text: no control characters (Unicode category Cc).
    TEXT = "^[^\\x00-\\x1F\\x7F-\\x9F]*$"
}

pattern! {
    /// A calendar date's shape, `YYYY-MM-DD`; the calendar itself is checked by `jiff`.
    DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
}

pattern! {
    /// `Idempotency-Key`: 1 to 100 letters, digits, `-` or `_`, so it can be sent upstream as
    /// Diadoc's `operationId` query value unchanged.
    IDEMPOTENCY_KEY = "^[A-Za-z0-9_-]{1,100}$"
}

pattern! {
    /// Not blank: at least one character that is not white space.
    NOT_BLANK = "\\S"
}

pattern! {
    /// An e-mail address, as far as we check one: something, `@`, something, no spaces.
    EMAIL = "^[^@\\s]+@[^@\\s]+$"
}

pattern! {
    /// An RFC 3339 date-time: date, `T`, time to the second, up to 7 fraction digits (.NET's
    /// 100 ns), then `Z` or an offset within ±23:59. Whether the date exists is checked by the
    /// validator (and by JSON Schema's `date-time` format).
    DATE_TIME = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,7})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
}

pattern! {
    /// GetNewEvents `documentDirection`: a comma-separated list of at most three directions.
    DOCUMENT_DIRECTIONS = "^(Inbound|Outbound|Internal)(,(Inbound|Outbound|Internal)){0,2}$"
}

pattern! {
    /// GetNewEvents `messageType`: a comma-separated list of at most three message types.
    MESSAGE_TYPES = "^(Letter|Draft|Template)(,(Letter|Draft|Template)){0,2}$"
}

pattern! {
    /// GetNewEvents `typeNamedId`: a comma-separated list of at most 20 document type ids
    /// (`UniversalTransferDocument`, `Nonformalized`, …).
    TYPE_NAMED_IDS = "^[A-Za-z0-9_-]{1,100}(,[A-Za-z0-9_-]{1,100}){0,19}$"
}

/// Every pattern, for the test that compiles them.
#[cfg(test)]
pub(crate) static ALL: &[&Pattern] = &[
    &GUID,
    &BOX_ID,
    &CURSOR,
    &FILTER_CATEGORY,
    &TEXT,
    &DATE,
    &IDEMPOTENCY_KEY,
    &NOT_BLANK,
    &EMAIL,
    &DATE_TIME,
    &DOCUMENT_DIRECTIONS,
    &MESSAGE_TYPES,
    &TYPE_NAMED_IDS,
];

/// An integer query value, as JSON Schema reads `type: integer`: a JSON number token (no sign
/// `+`, no leading zeros, no spaces) whose value is whole — so `5`, `-3`, `1.0` and `1e2` are
/// integers and `+5`, `007`, `1.5` are not — that fits an `i64`.
pub fn integer(raw: &str) -> Option<i64> {
    if raw.is_empty() || raw.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let n: serde_json::Number = serde_json::from_str(raw).ok()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    // A whole number written with a fraction or an exponent. `as` saturates, so the round trip
    // fails for anything outside the i64 range.
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let i = f as i64;
    (f.fract() == 0.0 && i as f64 == f && f.abs() < 9.0e18).then_some(i)
}

/// A text field of a JSON body: its length bounds in characters and whether it must not be
/// blank. `schema()` is what the document says; `check()` is what the codec enforces.
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    /// Longest allowed value, in characters (Unicode scalar values, as JSON Schema counts).
    pub max: usize,
    /// At least one non-space character (a required name, a password).
    pub not_blank: bool,
    /// A shape the value must also have, if any.
    pub pattern: Option<&'static Pattern>,
    /// The OpenAPI `format` to show (a hint for clients; the pattern is what is checked).
    pub format: Option<TextFormat>,
}

/// An OpenAPI `format` hint of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// `email`.
    Email,
    /// `password`: UIs obscure the input.
    Password,
}

/// Why a text failed its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFault {
    /// Empty or only spaces where `not_blank`.
    Blank,
    /// Longer than `max`.
    TooLong,
    /// Does not match the pattern.
    Shape,
}

impl TextRule {
    /// A text of at most `max` characters.
    pub const fn max(max: usize) -> Self {
        Self {
            max,
            not_blank: false,
            pattern: None,
            format: None,
        }
    }

    /// The same rule, requiring a non-blank value.
    pub const fn not_blank(self) -> Self {
        Self {
            not_blank: true,
            ..self
        }
    }

    /// Checks `value`.
    pub fn check(&self, value: &str) -> Result<(), TextFault> {
        if self.not_blank && !NOT_BLANK.is_match(value) {
            return Err(TextFault::Blank);
        }
        if value.chars().count() > self.max {
            return Err(TextFault::TooLong);
        }
        if self.pattern.is_some_and(|p| !p.is_match(value)) {
            return Err(TextFault::Shape);
        }
        Ok(())
    }

    /// The string schema that says the same.
    pub fn schema(&self) -> ObjectBuilder {
        let mut schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(self.max));
        if let Some(format) = self.format {
            let known = match format {
                TextFormat::Email => KnownFormat::Email,
                TextFormat::Password => KnownFormat::Password,
            };
            schema = schema.format(Some(SchemaFormat::KnownFormat(known)));
        }
        match (self.not_blank, self.pattern) {
            (_, Some(p)) => schema = schema.pattern(Some(p.source)),
            (true, None) => {
                schema = schema.min_length(Some(1)).pattern(Some(NOT_BLANK.source));
            }
            (false, None) => {}
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for p in ALL {
            assert!(p.compiles(), "pattern {} does not compile", p.source);
        }
    }

    #[test]
    fn text_rules_count_characters_not_bytes() {
        let rule = TextRule::max(3).not_blank();
        assert_eq!(rule.check("абв"), Ok(()));
        assert_eq!(rule.check("абвг"), Err(TextFault::TooLong));
        assert_eq!(rule.check("  "), Err(TextFault::Blank));
    }
}
