//! The README's coverage table, generated from the route table against Kontur's OpenAPI
//! operations (`reference/diadoc/openapi-operations.tsv`): which current (non-deprecated)
//! operations the gateway serves, and under which REST path. A route serves an operation when
//! one of its upstream calls ([`Call::upstream_paths`](super::Call::upstream_paths)) has the
//! operation's method and path (case-insensitive); a call made as a step of another (a box
//! lookup) is marked so.
//!
//! The test below fails when README's block differs from the generated one. To refresh it:
//! `UPDATE_README=1 cargo test --lib coverage` (rewrites the block between the markers).

use std::fmt::Write as _;

use super::lifecycle::{Operation, operations, verb_name};
use super::{ROUTES, Route, Service, Verb};

/// The markers around the generated block in README.md.
const START: &str = "<!-- coverage:start -->";
const END: &str = "<!-- coverage:end -->";

/// The REST routes that call `op`, each with whether it is the route's main call.
fn served_by<'a>(routes: &[&'a Route], op: &Operation) -> Vec<(&'a Route, bool)> {
    routes
        .iter()
        .filter(|r| r.service() == Service::Diadoc)
        .filter_map(|r| {
            let paths = r.upstream.upstream_paths();
            paths
                .iter()
                .position(|(verb, path)| {
                    verb_name(*verb).eq_ignore_ascii_case(&op.method)
                        && path.eq_ignore_ascii_case(&op.path)
                })
                .map(|i| (*r, i == 0))
        })
        .collect()
}

/// The REST method and path of a route, as the README writes them.
fn rest(route: &Route) -> String {
    format!("`{} {}`", verb_name(route.method), route.path)
}

/// The markdown block (without the markers).
pub(super) fn table(routes: &[&Route], ops: &[Operation]) -> String {
    let current: Vec<&Operation> = ops.iter().filter(|o| !o.deprecated).collect();
    let served = current
        .iter()
        .filter(|o| served_by(routes, o).iter().any(|(_, main)| *main))
        .count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Generated from the route table against `reference/diadoc/openapi-operations.tsv` \
         ({} operations, {} of them current, i.e. not marked deprecated). The gateway serves \
         **{served} of the {} current operations** as a route's own call (a call made as a step \
         of another route, such as a box lookup, is listed but not counted). Refresh with \
         `UPDATE_README=1 cargo test --lib coverage`.",
        ops.len(),
        current.len(),
        current.len()
    );
    out.push('\n');
    out.push_str("| Kontur operation | Diadoc call | served by |\n| --- | --- | --- |\n");
    for op in &current {
        let by = served_by(routes, op);
        let cell = if by.is_empty() {
            "—".to_owned()
        } else {
            by.iter()
                .map(|(r, main)| {
                    if *main {
                        rest(r)
                    } else {
                        format!("{} (a step of it)", rest(r))
                    }
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(
            out,
            "| {} ({}) | `{} {}` | {cell} |",
            op.operation_id, op.group, op.method, op.path
        );
    }
    let outside: Vec<(&Route, Verb, &str)> = routes
        .iter()
        .filter(|r| r.service() == Service::Diadoc)
        .flat_map(|r| {
            r.upstream
                .upstream_paths()
                .into_iter()
                .map(move |(v, p)| (*r, v, p))
        })
        .filter(|(_, v, p)| {
            !ops.iter().any(|o| {
                o.method.eq_ignore_ascii_case(verb_name(*v)) && o.path.eq_ignore_ascii_case(p)
            })
        })
        .collect();
    if !outside.is_empty() {
        out.push_str(
            "\nDiadoc calls of the gateway that Kontur's OpenAPI document does not list \
             (api.md and lifecycle.md document them):\n\n| Diadoc call | route |\n| --- | --- |\n",
        );
        for (r, v, p) in outside {
            let _ = writeln!(out, "| `{} {p}` | {} |", verb_name(v), rest(r));
        }
    }
    out
}

/// README's text with the block between the markers replaced by `block`.
fn with_block(readme: &str, block: &str) -> Option<String> {
    let start = readme.find(START)? + START.len();
    let end = readme[start..].find(END)? + start;
    Some(format!("{}\n{block}{}", &readme[..start], &readme[end..]))
}

#[test]
fn readme_coverage_table_matches_the_route_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let wanted = with_block(&readme, &table(ROUTES, &operations()))
        .unwrap_or_else(|| panic!("README.md has no {START} … {END} block"));
    if wanted == readme {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(path, wanted).expect("write README.md");
        return;
    }
    panic!(
        "README.md's coverage table is stale (the route table changed). Refresh it with \
         `UPDATE_README=1 cargo test --lib coverage` and commit README.md."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_serves_the_operation_of_its_call_in_any_case_and_marks_steps() {
        let ops = operations();
        let v3 = ops
            .iter()
            .find(|o| o.operation_id == "GetCounteragentsV3")
            .expect("op");
        let by = served_by(ROUTES, v3);
        let ids: Vec<(&str, bool)> = by.iter().map(|(r, main)| (r.id, *main)).collect();
        assert!(ids.contains(&("listDiadocOrganizationCounteragents", true)));
        assert!(ids.contains(&("listDiadocBoxCounteragents", true)));
        let org = ops
            .iter()
            .find(|o| o.operation_id == "GetOrganization")
            .expect("op");
        assert!(
            served_by(ROUTES, org)
                .iter()
                .any(|(r, main)| r.id == "listDiadocOrganizationCounteragents" && !main)
        );
        let text = table(ROUTES, &ops);
        assert!(text.contains(
            "| GetCounteragentsV3 (Counteragents_CounteragentGroups) | `GET /V3/GetCounteragents` |"
        ));
        // Deprecated operations are not listed; calls outside the document are.
        assert!(!text.contains("GetDocflowsV3"));
        assert!(text.contains("| `POST /V5/GetDocflows` |"));
    }

    #[test]
    fn the_block_is_replaced_between_the_markers_only() {
        let readme = format!("a\n{START}\nold\n{END}\nb\n");
        assert_eq!(
            with_block(&readme, "new\n").as_deref(),
            Some(format!("a\n{START}\nnew\n{END}\nb\n").as_str())
        );
        assert_eq!(with_block("no markers", "x"), None);
    }
}
