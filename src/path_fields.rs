//! Body fields that come from the path (`ProtoBody::from_path`) and caps that count items over
//! several repeated fields (`ProtoBody::max_items`), applied to the caller's JSON before it is
//! transcoded — so each problem is a 400 naming the field, before any upstream call.
//!
//! A field from the path: absent (or `null`) in the body → the path's validated value is put
//! in; present and naming the same thing → kept as the caller wrote it; different → 400. Box
//! ids are compared as the 128 bits both forms spell (api.md, "Identifiers": `BoxId` is 32 hex
//! digits + `@diadoc.ru`, `BoxIdGuid` the same bits dashed); GUIDs in any case.

use serde_json::Value;

use crate::error::ApiError;
use crate::params::Args;
use crate::routes::{ParamKind, ProtoBody};

/// Fills and checks the body's path fields in place.
pub(crate) fn fill(value: &mut Value, spec: &ProtoBody, args: &Args) -> Result<(), ApiError> {
    if spec.from_path.is_empty() {
        return Ok(());
    }
    let Value::Object(body) = value else {
        // Not an object: the transcoder names the problem.
        return Ok(());
    };
    let mut problems = Vec::new();
    for (field, param) in spec.from_path {
        let Some(ours) = args.get(param.name) else {
            return Err(ApiError::Internal(format!(
                "path parameter {} was not validated",
                param.name
            )));
        };
        let camel = edi_transcode::json_name(field);
        // The transcoder accepts the proto spelling too; look at whichever the caller used.
        let key = [camel.as_str(), field]
            .into_iter()
            .find(|k| body.get(*k).is_some_and(|v| !v.is_null()))
            .map(str::to_owned);
        match key {
            None => {
                body.remove(*field);
                body.insert(camel, Value::String(ours.to_owned()));
            }
            Some(key) => match body.get(&key) {
                Some(Value::String(theirs)) if same(param.kind, theirs, ours) => {}
                Some(Value::String(theirs)) => problems.push(crate::error::problem(
                    key,
                    format!(
                        "is {theirs:?}, but the path says {ours:?}: it comes from the path \
                         (`{{{}}}`), so leave it out or give the same value",
                        param.name
                    ),
                )),
                // Not a string: the transcoder names the problem.
                _ => {}
            },
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// Whether two values of a parameter of this kind name the same thing.
fn same(kind: ParamKind, a: &str, b: &str) -> bool {
    match kind {
        ParamKind::BoxId => box_bits(a).is_some_and(|x| box_bits(b) == Some(x)),
        ParamKind::Guid => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

/// The 32 lower-case hex digits a box id spells in either form, or `None`.
fn box_bits(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let hex = match lower.strip_suffix("@diadoc.ru") {
        Some(hex) => hex.to_owned(),
        None if crate::rules::GUID.is_match(&lower) => lower.replace('-', ""),
        None => return None,
    };
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// The route's item cap over the items the first pass counted per capped field
/// (`body_scan.rs`, before any `Value` is built). Over the cap → 400 naming the field where the
/// count passes it.
pub(crate) fn check_cap(
    counts: &[(&'static str, usize)],
    spec: &ProtoBody,
) -> Result<(), ApiError> {
    let Some((fields, max)) = spec.max_items else {
        return Ok(());
    };
    let mut total = 0usize;
    let mut passed_in = None;
    for (field, items) in counts {
        total = total.saturating_add(*items);
        if total > max && passed_in.is_none() {
            passed_in = Some(edi_transcode::json_name(field));
        }
    }
    let Some(field) = passed_in else {
        return Ok(());
    };
    let detail = match fields {
        [_] => format!("at most {max} items are allowed, got {total}"),
        _ => format!(
            "at most {max} items are allowed in total across {}, got {total}",
            fields
                .iter()
                .map(|f| format!("`{}`", edi_transcode::json_name(f)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(ApiError::field(field, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_ids_match_in_either_form_and_any_case() {
        let guid = "2a208d03-2a60-4f64-91b1-b7aad54cfaf3";
        let at = "2A208D032A604F6491B1B7AAD54CFAF3@diadoc.ru";
        assert!(same(ParamKind::BoxId, guid, at));
        assert!(same(ParamKind::BoxId, at, &guid.to_uppercase()));
        assert!(!same(
            ParamKind::BoxId,
            guid,
            "2a208d032a604f6491b1b7aad54cfaf4@diadoc.ru"
        ));
        assert!(!same(ParamKind::BoxId, "x", "x"));
        assert!(same(ParamKind::Guid, guid, &guid.to_uppercase()));
    }
}
