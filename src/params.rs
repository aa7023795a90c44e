//! Path and query parameters: checked against the route's [`Param`] list before any upstream
//! call, every problem collected into one 400 that names each parameter at fault.
//!
//! The output, [`Args`], holds each value normalised (GUIDs lower-cased, dates re-spelled for
//! the upstream) under both our name and the upstream's, so the upstream query, the cache key and
//! the `Link` header are all built from the same validated values.

use edi_transcode::{FieldProblem, ProblemCode};

use crate::error::{ApiError, problem};
use crate::routes::{Call, In, Param, ParamKind, Route, Target};
use crate::rules::{BOX_ID, CURSOR, DATE, DATE_TIME, FILTER_CATEGORY, GUID, TEXT, integer};

/// Validated parameter values, in the route's declaration order.
#[derive(Debug, Default)]
pub struct Args {
    /// (parameter, normalised value) for every parameter the caller sent.
    pub values: Vec<(&'static Param, String)>,
}

impl Args {
    /// Our value for the parameter named `name`, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(p, _)| p.name == name)
            .map(|(_, v)| v.as_str())
    }

    /// The upstream query: (upstream name, value) pairs. Flags are sent bare when true and not at
    /// all when false (api.md, "Query-string conventions").
    pub fn upstream_query(&self, route: &Route) -> Vec<(&'static str, String)> {
        let fixed: &[(&str, &str)] = match &route.upstream {
            Call::Diadoc(call) => call.fixed_query,
            Call::Edin(_) | Call::EdinLogin => &[],
        };
        let mut query: Vec<(&'static str, String)> =
            fixed.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        for param in route.params {
            if let Target::QueryOr(name, default) = param.upstream {
                if self.get(param.name).is_none() {
                    query.push((name, default.to_owned()));
                }
            }
        }
        for (param, value) in &self.values {
            let (Target::Query(name) | Target::QueryOr(name, _)) = param.upstream else {
                continue;
            };
            match param.kind {
                ParamKind::Flag if value == "false" => {}
                ParamKind::Flag => query.push((name, String::new())),
                ParamKind::Date => {
                    if let Some(date) = to_upstream_date(value) {
                        query.push((name, date));
                    }
                }
                ParamKind::DateTime => {
                    if let Ok(ticks) = edi_transcode::rfc3339_to_ticks_clamped(value) {
                        query.push((name, ticks.to_string()));
                    }
                }
                ParamKind::Mapped(pairs) => {
                    if let Some((_, code)) = pairs.iter().find(|(ours, _)| ours == value) {
                        query.push((name, (*code).to_owned()));
                    }
                }
                _ => query.push((name, value.clone())),
            }
        }
        query
    }

    /// Our value of an integer parameter (validated, so it parses).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.parse().ok())
    }
}

/// Checks path captures and the raw query string against `route`.
pub fn validate(
    route: &'static Route,
    path: &[(String, String)],
    raw_query: Option<&str>,
) -> Result<Args, ApiError> {
    let mut args = Args::default();
    // Decoded strictly: a name or value that is not UTF-8 once percent-decoded (`%ff`) is a
    // problem naming it, never decoded lossily and sent on.
    let (query, mut problems, undecodable) = decode_query(raw_query.unwrap_or_default());

    // One problem per unknown name, at most `MAX_PROBLEMS` (a query of thousands of `a&a&…`
    // would otherwise cost a problem, with the list of known names, each).
    let mut more = 0usize;
    for (name, _) in &query {
        if problems.len() >= edi_transcode::MAX_PROBLEMS {
            more += 1;
            continue;
        }
        let known = route
            .params
            .iter()
            .any(|p| p.location == In::Query && p.name == name);
        if !known {
            problems.push(FieldProblem {
                field: name.clone(),
                code: ProblemCode::UnknownField,
                detail: "unknown query parameter".to_owned(),
                allowed: Some(
                    route
                        .params
                        .iter()
                        .filter(|p| p.location == In::Query)
                        .map(|p| p.name.to_owned())
                        .collect(),
                ),
            });
        }
    }

    for param in route.params {
        if param.location == In::Query && undecodable.iter().any(|n| n == param.name) {
            // Already named as undecodable.
            continue;
        }
        let mut sent = match param.location {
            In::Path => path
                .iter()
                .filter(|(k, _)| k == param.name)
                .collect::<Vec<_>>(),
            In::Query => query.iter().filter(|(k, _)| k == param.name).collect(),
        };
        if sent.len() > 1 {
            problems.push(FieldProblem {
                field: param.name.to_owned(),
                code: ProblemCode::Duplicate,
                detail: "given more than once".to_owned(),
                allowed: None,
            });
            continue;
        }
        let Some((_, raw)) = sent.pop() else {
            if param.required {
                problems.push(FieldProblem {
                    field: param.name.to_owned(),
                    code: ProblemCode::MissingRequired,
                    detail: "required".to_owned(),
                    allowed: None,
                });
            }
            continue;
        };
        match check(param, raw) {
            Ok(value) => args.values.push((param, value)),
            Err(p) => problems.push(p),
        }
    }

    for (a, b) in route.exclusive {
        if args.get(a.name).is_some() && args.get(b.name).is_some() {
            problems.push(problem(
                a.name,
                format!("cannot be combined with `{}`", b.name),
            ));
        }
    }
    if problems.len() > edi_transcode::MAX_PROBLEMS {
        more += problems.len() - edi_transcode::MAX_PROBLEMS;
        problems.truncate(edi_transcode::MAX_PROBLEMS);
    }
    if more > 0 {
        problems.push(problem(
            "",
            format!(
                "and {more} more problems, not listed (at most {} are)",
                edi_transcode::MAX_PROBLEMS
            ),
        ));
    }
    if problems.is_empty() {
        Ok(args)
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// The query's `name=value` pairs (`application/x-www-form-urlencoded`: `+` is a space, then
/// percent-decoding), each name and value required to be UTF-8 once decoded. Returns the pairs,
/// a problem for each pair that is not, and the names of those pairs (so they are not also
/// reported missing or unknown).
fn decode_query(raw: &str) -> (Vec<(String, String)>, Vec<FieldProblem>, Vec<String>) {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    let mut undecodable = Vec::new();
    for piece in raw.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let Some(name) = form_decode(raw_name) else {
            problems.push(undecodable_problem(raw_name.to_owned(), "its name"));
            undecodable.push(raw_name.to_owned());
            continue;
        };
        match form_decode(raw_value) {
            Some(value) => pairs.push((name, value)),
            None => {
                problems.push(undecodable_problem(name.clone(), "its value"));
                undecodable.push(name);
            }
        }
    }
    (pairs, problems, undecodable)
}

/// One form-encoded component: `+` → space, then percent-decoded; `None` unless UTF-8.
fn form_decode(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

fn undecodable_problem(field: String, what: &str) -> FieldProblem {
    problem(
        field,
        format!(
            "{what} is not UTF-8 text once percent-decoded (a byte such as %ff): percent-encode \
             the UTF-8 bytes of the text"
        ),
    )
}

/// The path parameters of `route` whose segment of `path` (the request's, percent-encoded) is
/// not UTF-8 once percent-decoded: one problem each (the router refuses such a path before it
/// gives the gateway any parameter).
pub fn undecodable_path(route: &Route, path: &str) -> Vec<FieldProblem> {
    let mut problems: Vec<FieldProblem> = route
        .path
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(template, sent)| {
            let name = template.strip_prefix('{')?.strip_suffix('}')?;
            percent_encoding::percent_decode_str(sent)
                .decode_utf8()
                .is_err()
                .then(|| undecodable_problem(name.to_owned(), "the path parameter"))
        })
        .collect();
    if problems.is_empty() {
        problems.push(undecodable_problem("path".to_owned(), "a path segment"));
    }
    problems
}

/// `raw` if it is one of `names`, else a problem listing them.
fn one_of<'a>(
    param: &Param,
    raw: &str,
    names: impl Iterator<Item = &'a str> + Clone,
) -> Result<String, FieldProblem> {
    if names.clone().any(|n| n == raw) {
        return Ok(raw.to_owned());
    }
    Err(FieldProblem {
        field: param.name.to_owned(),
        code: ProblemCode::UnknownEnumValue,
        detail: format!("unknown value {raw:?}"),
        allowed: Some(names.map(str::to_owned).collect()),
    })
}

/// Validates and normalises one value, by the rules in `rules.rs` (which the OpenAPI document
/// shows too).
pub(crate) fn check(param: &Param, raw: &str) -> Result<String, FieldProblem> {
    let bad = |detail: String| problem(param.name, detail);
    match param.kind {
        ParamKind::Guid if GUID.is_match(raw) => Ok(raw.to_ascii_lowercase()),
        ParamKind::Guid => Err(bad(
            "must be a GUID like 997818e1-9420-4f8f-857f-c86fb070d0a7".to_owned(),
        )),
        ParamKind::BoxId if BOX_ID.is_match(raw) => Ok(raw.to_ascii_lowercase()),
        ParamKind::BoxId => Err(bad(
            "must be a box id: a GUID (boxIdGuid) or 32 hex digits + @diadoc.ru".to_owned(),
        )),
        ParamKind::Cursor if CURSOR.is_match(raw) => Ok(raw.to_owned()),
        ParamKind::Cursor => Err(bad(
            "must be a `nextAfter` value from a previous page".to_owned(),
        )),
        ParamKind::Mapped(pairs) => one_of(param, raw, pairs.iter().map(|(ours, _)| *ours)),
        ParamKind::Enum(allowed) => one_of(param, raw, allowed.iter().copied()),
        ParamKind::Int { min, max } => match integer(raw) {
            Some(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(FieldProblem {
                field: param.name.to_owned(),
                code: ProblemCode::OutOfRange,
                detail: format!("must be an integer from {min} to {max}"),
                allowed: None,
            }),
        },
        ParamKind::Text { max } => {
            let len = raw.chars().count();
            if len == 0 || len > max || !TEXT.is_match(raw) {
                Err(bad(format!("must be 1 to {max} printable characters")))
            } else {
                Ok(raw.to_owned())
            }
        }
        ParamKind::FilterCategory if FILTER_CATEGORY.is_match(raw) => Ok(raw.to_owned()),
        ParamKind::FilterCategory => Err(bad(
            "must be <DocumentType>.<DocumentClass><DocumentStatus>, e.g. Any.Inbound or Any.OutboundNotFinished"
                .to_owned(),
        )),
        ParamKind::Date => match calendar_date(raw) {
            Some(date) => Ok(date.to_string()),
            None => Err(bad("must be a calendar date YYYY-MM-DD".to_owned())),
        },
        ParamKind::Ticks => match integer(raw) {
            Some(n) if n >= 0 => Ok(n.to_string()),
            _ => Err(bad("must be a non-negative integer (.NET ticks)".to_owned())),
        },
        ParamKind::DateTime if DATE_TIME.is_match(raw) => {
            match edi_transcode::rfc3339_to_ticks_clamped(raw) {
                Ok(_) => Ok(raw.to_owned()),
                Err(why) => Err(bad(format!("must be an RFC 3339 date-time: {why}"))),
            }
        }
        ParamKind::DateTime => Err(bad(
            "must be an RFC 3339 date-time such as 2024-08-06T12:36:38Z or 2024-08-06T15:36:38+03:00 (at most 7 fraction digits)"
                .to_owned(),
        )),
        ParamKind::List { pattern, .. } if pattern.is_match(raw) => Ok(raw.to_owned()),
        ParamKind::List { items, .. } => Err(bad(format!(
            "must be a comma-separated list of {items}, without spaces"
        ))),
        ParamKind::Flag | ParamKind::Bool => match raw {
            "true" | "false" => Ok(raw.to_owned()),
            _ => Err(bad("must be true or false".to_owned())),
        },
    }
}

/// A real calendar date in the `YYYY-MM-DD` shape ([`DATE`]): `2024-02-31` is not one.
fn calendar_date(raw: &str) -> Option<jiff::civil::Date> {
    DATE.is_match(raw)
        .then(|| raw.parse::<jiff::civil::Date>().ok())
        .flatten()
}

/// `YYYY-MM-DD` → `DD.MM.YYYY`, the upstream's spelling (api.md, GetDocuments).
fn to_upstream_date(iso: &str) -> Option<String> {
    calendar_date(iso).map(|d| d.strftime("%d.%m.%Y").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::diadoc::{LIST_BOX_COUNTERAGENTS, LIST_DOCUMENTS};

    fn path(box_id: &str) -> Vec<(String, String)> {
        vec![("boxId".to_owned(), box_id.to_owned())]
    }

    const BOX: &str = "2A208D03-2a60-4f64-91b1-b7aad54cfaf3";

    #[test]
    fn guid_box_id_is_lower_cased_and_renamed_for_the_upstream() {
        let args = validate(
            &LIST_BOX_COUNTERAGENTS,
            &path(BOX),
            Some("status=InvitesMe"),
        )
        .expect("valid");
        let q = args.upstream_query(&LIST_BOX_COUNTERAGENTS);
        assert_eq!(
            q,
            vec![
                ("myBoxId", "2a208d03-2a60-4f64-91b1-b7aad54cfaf3".to_owned()),
                ("counteragentStatus", "InvitesMe".to_owned())
            ]
        );
    }

    #[test]
    fn every_bad_parameter_is_named_in_one_error() {
        let Err(ApiError::Invalid(p)) = validate(
            &LIST_BOX_COUNTERAGENTS,
            &path("nope"),
            Some("status=Rejected&query=x&after=K&extra=1"),
        ) else {
            panic!("expected a 400");
        };
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["extra", "boxId", "status", "query"]);
        assert!(
            p[2].allowed
                .as_ref()
                .is_some_and(|a| a.contains(&"IsMyCounteragent".to_owned()))
        );
    }

    #[test]
    fn documents_dates_are_respelled_and_flags_sent_bare() {
        let args = validate(
            &LIST_DOCUMENTS,
            &path(BOX),
            Some("filterCategory=Any.InboundNotRead&fromDocumentDate=2024-08-06&excludeSubdepartments=true&count=0"),
        )
        .expect("valid");
        let q = args.upstream_query(&LIST_DOCUMENTS);
        assert!(q.contains(&("fromDocumentDate", "06.08.2024".to_owned())));
        assert!(q.contains(&("excludeSubdepartments", String::new())));
        assert!(q.contains(&("count", "0".to_owned())));
    }

    #[test]
    fn impossible_dates_are_400s_and_never_sent_upstream() {
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
        ] {
            let Err(ApiError::Invalid(p)) = validate(
                &LIST_DOCUMENTS,
                &path(BOX),
                Some(&format!("filterCategory=Any.Inbound&toDocumentDate={bad}")),
            ) else {
                panic!("{bad} was accepted");
            };
            assert_eq!(p[0].field, "toDocumentDate", "{bad}");
        }
        let leap = validate(
            &LIST_DOCUMENTS,
            &path(BOX),
            Some("filterCategory=Any.Inbound&toDocumentDate=2024-02-29"),
        )
        .expect("a leap day is a date");
        assert!(
            leap.upstream_query(&LIST_DOCUMENTS)
                .contains(&("toDocumentDate", "29.02.2024".to_owned()))
        );
    }

    /// `%ff` decodes to a byte that is not UTF-8: a 400 naming the parameter, never a lossy
    /// `\u{fffd}` sent on (issue 13).
    #[test]
    fn a_query_that_is_not_utf8_once_decoded_names_the_parameter() {
        for (query, field) in [
            (
                "filterCategory=Any.Inbound&documentNumber=%ff",
                "documentNumber",
            ),
            (
                "filterCategory=Any.Inbound&documentNumber=a%C3",
                "documentNumber",
            ),
            ("filterCategory=Any.Inbound&%ff=1", "%ff"),
            ("filterCategory=%ff", "filterCategory"),
        ] {
            let Err(ApiError::Invalid(p)) = validate(&LIST_DOCUMENTS, &path(BOX), Some(query))
            else {
                panic!("{query} was accepted");
            };
            let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
            assert_eq!(fields, [field], "{query}");
            assert!(p[0].detail.contains("UTF-8"), "{query}");
        }
        // Valid UTF-8, `+` as a space: decoded and sent on.
        let args = validate(
            &LIST_DOCUMENTS,
            &path(BOX),
            Some("filterCategory=Any.Inbound&documentNumber=%D0%90+1"),
        )
        .expect("valid");
        assert_eq!(args.get("documentNumber"), Some("А 1"));
    }

    #[test]
    fn a_path_segment_that_is_not_utf8_names_its_parameter() {
        let p = undecodable_path(&LIST_DOCUMENTS, "/v1/diadoc/boxes/%ff/documents");
        assert_eq!(p[0].field, "boxId");
    }

    #[test]
    fn count_out_of_range_and_missing_filter_are_400s() {
        let Err(ApiError::Invalid(p)) = validate(&LIST_DOCUMENTS, &path(BOX), Some("count=101"))
        else {
            panic!("expected a 400");
        };
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["filterCategory", "count"]);
    }

    #[test]
    fn filter_category_shapes() {
        for ok in [
            "Any.Inbound",
            "Any.OutboundNotFinished",
            "UniversalTransferDocument.InternalFinished",
        ] {
            assert!(FILTER_CATEGORY.is_match(ok), "{ok}");
        }
        for bad in [
            "Any",
            "Any.Sideways",
            ".Inbound",
            "Any.Inbound Not",
            "Any.Inbound-x",
        ] {
            assert!(!FILTER_CATEGORY.is_match(bad), "{bad}");
        }
    }
}
