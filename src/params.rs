//! Path and query parameters: checked against the route's [`Param`] list before any upstream
//! call, every problem collected into one 400 that names each parameter at fault.
//!
//! The output, [`Args`], holds each value normalised (GUIDs lower-cased, dates re-spelled for
//! the upstream) under both our name and the upstream's, so the upstream query, the cache key and
//! the `Link` header are all built from the same validated values.

use edi_transcode::{FieldProblem, ProblemCode};

use crate::error::{ApiError, problem};
use crate::routes::{Call, In, Param, ParamKind, Route, Target};

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
        for (param, value) in &self.values {
            let Target::Query(name) = param.upstream else {
                continue;
            };
            match param.kind {
                ParamKind::Flag if value == "false" => {}
                ParamKind::Flag => query.push((name, String::new())),
                ParamKind::Date => query.push((name, to_upstream_date(value))),
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

/// The caller's `Idempotency-Key` header: 1 to 100 letters, digits, `-` or `_` (so it can be
/// sent upstream as Diadoc's `operationId` query value unchanged). At most one.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    const NAME: &str = "Idempotency-Key";
    let mut values = headers.get_all(NAME).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::Invalid(vec![FieldProblem {
            field: NAME.to_owned(),
            code: ProblemCode::Duplicate,
            detail: "given more than once".to_owned(),
            allowed: None,
        }]));
    }
    let key = value.to_str().unwrap_or_default();
    let valid = (1..=100).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(ApiError::field(
            NAME,
            "must be 1 to 100 characters of letters, digits, '-' or '_'",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Checks path captures and the raw query string against `route`.
pub fn validate(
    route: &'static Route,
    path: &[(String, String)],
    raw_query: Option<&str>,
) -> Result<Args, ApiError> {
    let mut problems = Vec::new();
    let mut args = Args::default();
    let query: Vec<(String, String)> = raw_query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();

    for (name, _) in &query {
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
        if args.get(a).is_some() && args.get(b).is_some() {
            problems.push(problem(*a, format!("cannot be combined with `{b}`")));
        }
    }
    if problems.is_empty() {
        Ok(args)
    } else {
        Err(ApiError::Invalid(problems))
    }
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

/// Validates and normalises one value.
fn check(param: &Param, raw: &str) -> Result<String, FieldProblem> {
    let bad = |detail: String| problem(param.name, detail);
    match param.kind {
        ParamKind::Guid => {
            if is_guid(raw) {
                Ok(raw.to_ascii_lowercase())
            } else {
                Err(bad(
                    "must be a GUID like 997818e1-9420-4f8f-857f-c86fb070d0a7".to_owned(),
                ))
            }
        }
        ParamKind::BoxId => {
            let hex32 = raw
                .strip_suffix("@diadoc.ru")
                .filter(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if is_guid(raw) || hex32.is_some() {
                Ok(raw.to_ascii_lowercase())
            } else {
                Err(bad(
                    "must be a box id: a GUID (boxIdGuid) or 32 hex digits + @diadoc.ru".to_owned(),
                ))
            }
        }
        ParamKind::Cursor => {
            // Opaque to us (api.md, "Identifiers"), but bounded and printable so it cannot smuggle
            // anything into the upstream query or our Link header.
            if !raw.is_empty() && raw.len() <= 256 && raw.bytes().all(|b| b.is_ascii_graphic()) {
                Ok(raw.to_owned())
            } else {
                Err(bad(
                    "must be a `nextAfter` value from a previous page".to_owned()
                ))
            }
        }
        ParamKind::Mapped(pairs) => one_of(param, raw, pairs.iter().map(|(ours, _)| *ours)),
        ParamKind::Enum(allowed) => one_of(param, raw, allowed.iter().copied()),
        ParamKind::Int { min, max } => match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(FieldProblem {
                field: param.name.to_owned(),
                code: ProblemCode::OutOfRange,
                detail: format!("must be an integer from {min} to {max}"),
                allowed: None,
            }),
        },
        ParamKind::Text { max } => {
            let len = raw.chars().count();
            if len == 0 || len > max || raw.chars().any(char::is_control) {
                Err(bad(format!("must be 1 to {max} printable characters")))
            } else {
                Ok(raw.to_owned())
            }
        }
        ParamKind::FilterCategory => {
            if is_filter_category(raw) {
                Ok(raw.to_owned())
            } else {
                Err(bad(
                    "must be <DocumentType>.<DocumentClass><DocumentStatus>, e.g. Any.Inbound or Any.OutboundNotFinished"
                        .to_owned(),
                ))
            }
        }
        ParamKind::Date => {
            if is_iso_date(raw) {
                Ok(raw.to_owned())
            } else {
                Err(bad("must be a date YYYY-MM-DD".to_owned()))
            }
        }
        ParamKind::Ticks => match raw.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n.to_string()),
            _ => Err(bad("must be a non-negative integer (.NET ticks)".to_owned())),
        },
        ParamKind::Flag => match raw {
            "true" | "" => Ok("true".to_owned()),
            "false" => Ok("false".to_owned()),
            _ => Err(bad("must be true or false".to_owned())),
        },
    }
}

/// 8-4-4-4-12 hex digits (api.md, "Identifiers").
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `<DocumentType>.<DocumentClass><DocumentStatus>`; the status list is long and grows
/// (api.md, GetDocuments), so only the shape and the four classes are checked here.
fn is_filter_category(s: &str) -> bool {
    let Some((doc_type, rest)) = s.split_once('.') else {
        return false;
    };
    let type_ok = !doc_type.is_empty()
        && doc_type.len() <= 64
        && doc_type
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let status = ["Inbound", "Outbound", "Internal", "Proxy"]
        .iter()
        .find_map(|class| rest.strip_prefix(class));
    type_ok
        && status.is_some_and(|st| st.len() <= 64 && st.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    matches!((num(0..4), num(5..7), num(8..10)), (Some(y), Some(m), Some(d)) if y >= 1 && (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// `YYYY-MM-DD` → `DD.MM.YYYY`, the upstream's spelling (api.md, GetDocuments).
fn to_upstream_date(iso: &str) -> String {
    format!("{}.{}.{}", &iso[8..10], &iso[5..7], &iso[0..4])
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
            assert!(is_filter_category(ok), "{ok}");
        }
        for bad in [
            "Any",
            "Any.Sideways",
            ".Inbound",
            "Any.Inbound Not",
            "Any.Inbound-x",
        ] {
            assert!(!is_filter_category(bad), "{bad}");
        }
    }
}
