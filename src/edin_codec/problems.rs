//! Collects every problem of a caller's EDIN body, each with its path, into one 400.

use std::collections::BTreeMap;

use edi_transcode::{FieldProblem, ProblemCode};
use serde_json::Value;

use crate::error::ApiError;
use crate::rules::{TextFault, TextFormat, TextRule};

/// Collects problems with their paths.
#[derive(Default)]
pub(super) struct Problems(Vec<FieldProblem>);

impl Problems {
    pub(super) fn push(
        &mut self,
        code: ProblemCode,
        field: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.0.push(FieldProblem {
            field: field.into(),
            code,
            detail: detail.into(),
            allowed: None,
        });
    }

    pub(super) fn unknown(&mut self, prefix: &str, keys: &BTreeMap<String, Value>) {
        for key in keys.keys() {
            self.push(
                ProblemCode::UnknownField,
                format!("{prefix}{key}"),
                "unknown field",
            );
        }
    }

    pub(super) fn required<'a, T>(&mut self, field: &str, value: Option<&'a T>) -> Option<&'a T> {
        if value.is_none() {
            self.push(ProblemCode::MissingRequired, field, "required");
        }
        value
    }

    /// Checks a text against its rule; `required` says whether it may be absent.
    pub(super) fn text(
        &mut self,
        field: &str,
        value: Option<&str>,
        required: bool,
        rule: &TextRule,
    ) {
        let Some(v) = value else {
            if required {
                self.push(ProblemCode::MissingRequired, field, "required");
            }
            return;
        };
        match rule.check(v) {
            Ok(()) => {}
            Err(TextFault::Blank) => {
                self.push(ProblemCode::MissingRequired, field, "must not be empty");
            }
            Err(TextFault::TooLong) => self.push(
                ProblemCode::OutOfRange,
                field,
                format!("at most {} characters", rule.max),
            ),
            Err(TextFault::Shape) => {
                let detail = match rule.format {
                    Some(TextFormat::Email) => "must be an e-mail address",
                    _ => "has the wrong shape",
                };
                self.push(ProblemCode::InvalidFormat, field, detail);
            }
        }
    }

    pub(super) fn positive(&mut self, field: &str, value: Option<i64>) {
        if value.is_some_and(|v| v <= 0) {
            self.push(ProblemCode::OutOfRange, field, "must be a positive id");
        }
    }

    pub(super) fn non_negative(&mut self, field: &str, value: Option<i64>) {
        if value.is_some_and(|v| v < 0) {
            self.push(ProblemCode::OutOfRange, field, "must be 0 or more");
        }
    }

    /// Checks a value's JSON name against the enum's `names`; an unknown one lists them.
    pub(super) fn named<T>(
        &mut self,
        field: &str,
        value: &str,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.0.push(FieldProblem {
                field: field.to_owned(),
                code: ProblemCode::UnknownEnumValue,
                detail: format!("unknown value {value:?}"),
                allowed: Some(names.iter().map(|n| (*n).to_owned()).collect()),
            });
        }
        parsed
    }

    /// Checks an upstream code (`"1"` or `1`) against the codes of the enum whose JSON names
    /// are `names`; an unknown one lists the codes allowed.
    pub(super) fn coded<T: Copy>(
        &mut self,
        field: &str,
        value: &str,
        names: &[&str],
        from_name: fn(&str) -> Option<T>,
        code: fn(T) -> i64,
    ) -> Option<T> {
        let all = names.iter().filter_map(|n| from_name(n));
        let found = all.clone().find(|v| code(*v).to_string() == value);
        if found.is_none() {
            self.0.push(FieldProblem {
                field: field.to_owned(),
                code: ProblemCode::UnknownEnumValue,
                detail: format!("unknown code {value:?}"),
                allowed: Some(all.map(|v| code(v).to_string()).collect()),
            });
        }
        found
    }

    /// One field the caller may spell our way (`ours`) or EDIN's (`theirs`): the name used and
    /// the value given, or a `duplicate` naming both when both are given (`null` counts as not
    /// given). The value is then ours, so that its own checks still run.
    pub(super) fn spelled<'a, T>(
        &mut self,
        ours: &'a str,
        our_value: Option<T>,
        theirs: &'a str,
        their_value: Option<T>,
    ) -> (&'a str, Option<T>) {
        match (our_value, their_value) {
            (Some(v), Some(_)) => {
                self.both(ours, theirs);
                (ours, Some(v))
            }
            (None, Some(v)) => (theirs, Some(v)),
            (v, None) => (ours, v),
        }
    }

    /// The problem of a field given both as `ours` and as `theirs`.
    pub(super) fn both(&mut self, ours: &str, theirs: &str) {
        let name = |f: &str| f.rsplit('.').next().unwrap_or(f).to_owned();
        self.push(
            ProblemCode::Duplicate,
            ours,
            format!(
                "given twice, as \"{}\" and as \"{}\" (either spelling, but only once)",
                name(ours),
                name(theirs)
            ),
        );
    }

    pub(super) fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.0))
        }
    }
}
