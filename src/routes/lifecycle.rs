//! Kontur's removal schedule against the route table: a test that fails before Kontur removes a
//! method version a route calls, naming the route and the replacement.
//!
//! The schedule is `reference/diadoc/removal-schedule.tsv`, transcribed from lifecycle.md §1.2
//! (one row per method version with a path). A route is at fault when any upstream path it
//! calls ([`Call::upstream_paths`](super::Call::upstream_paths): the main call and every extra
//! call, such as a box lookup) is removed, or will be within [`HORIZON_MONTHS`] months of the
//! day the test runs. Paths compare case-insensitively (Diadoc matches them so, api.md). A row
//! whose date is `UNKNOWN` counts as "not known to be removed": it never fails the test (the
//! schedule says the method is on Kontur's list, not when it goes).
//!
//! The Kontur OpenAPI operations (`openapi-operations.tsv`) are read here too, for the audit
//! (which query parameters a method takes) and the README's coverage table.

use jiff::ToSpan;
use jiff::civil::Date;

use super::{Route, Service, Verb};

/// The removal schedule (lifecycle.md §1.2), machine-readable.
const SCHEDULE: &str = include_str!("../../reference/diadoc/removal-schedule.tsv");

/// Kontur's OpenAPI operations, transcribed (reference/diadoc/openapi-operations.tsv).
const OPERATIONS: &str = include_str!("../../reference/diadoc/openapi-operations.tsv");

/// How far ahead a removal fails the test (Kontur's own deprecation period, lifecycle.md §1.1).
pub(super) const HORIZON_MONTHS: i32 = 6;

/// One method version on the removal list.
#[derive(Debug, Clone)]
pub(super) struct Removal {
    /// `GetCounteragents`.
    pub method: String,
    /// `V2`.
    pub version: String,
    /// `GET`.
    pub http_method: String,
    /// `/V2/GetCounteragents`.
    pub path: String,
    /// The last day it works; `None` where the schedule says UNKNOWN.
    pub removed_after: Option<Date>,
    /// What to call instead.
    pub replacement: String,
}

/// The schedule's rows. Panics (a test-only module) on a row that does not read.
pub(super) fn schedule() -> Vec<Removal> {
    let mut lines = SCHEDULE.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("removal-schedule.tsv has no column {name}"))
    };
    let (method, version, http_method, path, date, replacement) = (
        col("method"),
        col("version"),
        col("http_method"),
        col("path"),
        col("removed_after"),
        col("replacement_path"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let cell = |i: usize| {
                cells
                    .get(i)
                    .unwrap_or_else(|| panic!("removal-schedule.tsv: short row {line:?}"))
                    .trim()
                    .to_owned()
            };
            let removed_after = match cell(date).as_str() {
                "UNKNOWN" => None,
                text => Some(text.parse::<Date>().unwrap_or_else(|e| {
                    panic!("removal-schedule.tsv: bad date {text:?} in {line:?}: {e}")
                })),
            };
            Removal {
                method: cell(method),
                version: cell(version),
                http_method: cell(http_method),
                path: cell(path),
                removed_after,
                replacement: cell(replacement),
            }
        })
        .collect()
}

/// Every upstream path of `route` that is removed, or will be within the horizon of `today`,
/// as one line naming the route, the path, the date and the replacement.
pub(super) fn removal_faults(route: &Route, schedule: &[Removal], today: Date) -> Vec<String> {
    if route.service() != Service::Diadoc {
        return Vec::new();
    }
    let horizon = today
        .checked_add(HORIZON_MONTHS.months())
        .unwrap_or(Date::MAX);
    let mut out = Vec::new();
    for (verb, path) in route.upstream.upstream_paths() {
        for r in schedule {
            let Some(after) = r.removed_after else {
                continue;
            };
            if !r.path.eq_ignore_ascii_case(path)
                || !r.http_method.eq_ignore_ascii_case(verb_name(verb))
            {
                continue;
            }
            if after <= horizon {
                let when = if after < today {
                    format!("was removed after {after}")
                } else {
                    format!(
                        "will be removed after {after}, within {HORIZON_MONTHS} months of {today}"
                    )
                };
                out.push(format!(
                    "route {} calls {} {path} ({} {}), which {when}: call {} instead",
                    route.id,
                    verb_name(verb),
                    r.method,
                    r.version,
                    r.replacement
                ));
            }
        }
    }
    out
}

/// The upstream method's name as the TSVs write it.
pub(super) const fn verb_name(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "GET",
        Verb::Post => "POST",
        Verb::Put => "PUT",
        Verb::Delete => "DELETE",
        Verb::Patch => "PATCH",
        Verb::Options => "OPTIONS",
    }
}

/// One operation of Kontur's OpenAPI document.
#[derive(Debug, Clone)]
pub(super) struct Operation {
    /// `GET`.
    pub method: String,
    /// `/V3/GetCounteragents`.
    pub path: String,
    /// `GetCounteragentsV3`.
    pub operation_id: String,
    /// The English group (`Counteragents_CounteragentGroups`).
    pub group: String,
    /// Marked `deprecated` in the document.
    pub deprecated: bool,
    /// Query and path parameter names (the `*` of required ones removed).
    pub params: Vec<String>,
}

/// The operations of `openapi-operations.tsv`, read by its header's column names.
pub(super) fn operations() -> Vec<Operation> {
    let mut lines = OPERATIONS.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("openapi-operations.tsv has no column {name}"))
    };
    let (method, path, id, group, deprecated, params) = (
        col("method"),
        col("path"),
        col("operationId"),
        col("x_operation_group"),
        col("deprecated"),
        col("query_path_params"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let cell = |i: usize| cells.get(i).copied().unwrap_or_default().trim().to_owned();
            Operation {
                method: cell(method),
                path: cell(path),
                operation_id: cell(id),
                group: cell(group),
                deprecated: cell(deprecated) == "yes",
                params: cell(params)
                    .split(',')
                    .map(|p| p.trim().trim_end_matches('*').to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
            }
        })
        .collect()
}

/// The query parameters Kontur's OpenAPI gives `method path`, if it has the operation.
pub(super) fn kontur_params(method: Verb, path: &str) -> Option<Vec<String>> {
    operations()
        .into_iter()
        .find(|o| {
            o.method.eq_ignore_ascii_case(verb_name(method)) && o.path.eq_ignore_ascii_case(path)
        })
        .map(|o| o.params)
}

/// Today's date in UTC.
fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

#[test]
fn no_route_calls_a_method_version_kontur_removes_within_six_months() {
    let schedule = schedule();
    let today = today();
    let faults: Vec<String> = super::ROUTES
        .iter()
        .flat_map(|r| removal_faults(r, &schedule, today))
        .collect();
    assert!(
        faults.is_empty(),
        "routes call upstream methods Kontur removes (reference/diadoc/removal-schedule.tsv, \
         lifecycle.md §1.2):\n{}",
        faults.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{Call, DiadocCall, DiadocReply, diadoc};

    fn day(text: &str) -> Date {
        text.parse().expect("date")
    }

    /// A route that calls `verb path` and nothing else.
    fn calling(verb: Verb, path: &'static str) -> Route {
        Route {
            upstream: Call::Diadoc(DiadocCall::new(
                verb,
                path,
                DiadocReply::Message(edi_proto::names::COUNTERAGENT_LIST),
            )),
            ..diadoc::LIST_BOX_COUNTERAGENTS
        }
    }

    #[test]
    fn the_schedule_reads_and_holds_the_dated_rows_of_lifecycle_1_2() {
        let s = schedule();
        assert!(s.len() >= 20, "{} rows", s.len());
        for r in &s {
            assert!(r.path.starts_with('/'), "{r:?}");
            assert!(r.replacement.starts_with('/'), "{r:?}");
            assert!(["GET", "POST"].contains(&r.http_method.as_str()), "{r:?}");
        }
        let v2 = s
            .iter()
            .find(|r| r.path == "/V2/GetCounteragents")
            .expect("GetCounteragents V2");
        assert_eq!(v2.removed_after, Some(day("2026-11-10")));
        assert_eq!(v2.replacement, "/V3/GetCounteragents");
        let v3 = s.iter().find(|r| r.path == "/V3/GetDocflows").expect("V3");
        assert_eq!(v3.removed_after, Some(day("2027-04-03")));
    }

    #[test]
    fn a_removed_path_is_reported_with_the_route_and_the_replacement() {
        let route = calling(Verb::Get, "/V2/GetCounteragents");
        let faults = removal_faults(&route, &schedule(), day("2026-12-01"));
        assert_eq!(faults.len(), 1, "{faults:?}");
        assert!(
            faults[0].contains("route listDiadocBoxCounteragents"),
            "{}",
            faults[0]
        );
        assert!(
            faults[0].contains("was removed after 2026-11-10"),
            "{}",
            faults[0]
        );
        assert!(
            faults[0].contains("call /V3/GetCounteragents instead"),
            "{}",
            faults[0]
        );
    }

    #[test]
    fn a_path_removed_within_six_months_is_reported_and_one_later_is_not() {
        let docflows = calling(Verb::Post, "/V3/GetDocflows");
        let acquire = calling(Verb::Get, "/V2/AcquireCounteragentResult");
        let s = schedule();
        // Today (2026-12-01) both are within six months: 3 Apr 2027 and 1 May 2027.
        for route in [&docflows, &acquire] {
            let faults = removal_faults(route, &s, day("2026-12-01"));
            assert_eq!(faults.len(), 1, "{faults:?}");
            assert!(faults[0].contains("will be removed after"), "{}", faults[0]);
        }
        assert!(removal_faults(&docflows, &s, day("2026-12-01"))[0].contains("/V5/GetDocflows"));
        // Six months and a day before the removal, neither is.
        assert!(removal_faults(&docflows, &s, day("2026-10-02")).is_empty());
        assert!(removal_faults(&acquire, &s, day("2026-10-31")).is_empty());
    }

    #[test]
    fn paths_compare_in_any_case_and_methods_must_match() {
        let s = schedule();
        let lower = calling(Verb::Get, "/v2/getcounteragents");
        assert_eq!(removal_faults(&lower, &s, day("2026-12-01")).len(), 1);
        let post = calling(Verb::Post, "/V2/GetCounteragents");
        assert!(removal_faults(&post, &s, day("2026-12-01")).is_empty());
    }

    #[test]
    fn an_unknown_date_is_not_known_to_be_removed() {
        let route = calling(Verb::Get, "/V7/GetNewEvents");
        assert!(removal_faults(&route, &schedule(), day("2030-01-01")).is_empty());
    }

    #[test]
    fn every_upstream_path_is_checked_not_only_the_main_one() {
        let route = &diadoc::LIST_ORGANIZATION_COUNTERAGENTS;
        let paths = route.upstream.upstream_paths();
        assert_eq!(
            paths,
            [
                (Verb::Get, "/V3/GetCounteragents"),
                (Verb::Get, "/GetOrganization")
            ]
        );
        // A schedule that removes the lookup fails the route on it.
        let lookup_removed = vec![Removal {
            method: "GetOrganization".to_owned(),
            version: "V1".to_owned(),
            http_method: "GET".to_owned(),
            path: "/GetOrganization".to_owned(),
            removed_after: Some(day("2026-12-31")),
            replacement: "/V2/GetOrganization".to_owned(),
        }];
        let faults = removal_faults(route, &lookup_removed, day("2026-12-01"));
        assert_eq!(faults.len(), 1, "{faults:?}");
        assert!(faults[0].contains("GET /GetOrganization"), "{}", faults[0]);
    }
}
