//! `GET /V3/GetDocuments?boxId=&filterCategory=&…` (api.md, GetDocuments): the box's documents
//! that match the filter, as a `Documents.DocumentList`, without content (`Content.Data` is always
//! empty; `Content.Size` is filled).
//!
//! Order: by `DeliveryTimestampTicks` for inbound and `SendTimestampTicks` for outbound documents
//! (api.md), ascending unless `sortDirection=Descending`. The same field is what
//! `timestampFromTicks`/`timestampToTicks` bound (inclusive). `afterIndexKey` is exclusive; every
//! document has one `IndexKey` here, whatever the filter. `TotalCount` is every match;
//! `HasMoreResults` (undocumented, api.md) is whether items remain after this page.
//!
//! `departmentId`, `fromDepartmentId`, `toDepartmentId` and `excludeSubdepartments` are checked
//! for shape and otherwise ignored: every seeded document is in the head department.

mod category;

use edi_proto::diadoc::api::proto as dap;
use jiff::civil::Date;

use super::{Outcome, PAGE_LIMIT, after_cursor, count32, proto, user_box};
use crate::call::Call;
use crate::reply::Refusal;
use crate::seed::ids::parse_document_date;
use crate::seed::{SeedDocument, box_key, is_guid};
use crate::state::Shared;
use category::Category;

/// The handler.
pub(crate) fn list(shared: &Shared, call: &Call, user: usize) -> Outcome {
    let b = user_box(shared, call, user, "boxId")?;
    let category = Category::parse(call.required("filterCategory")?)?;
    // api.md: `count` is 0..100, default 100.
    let count = match call.number::<i64>("count")? {
        None => PAGE_LIMIT,
        Some(n) if (0..=PAGE_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(Refusal::bad_request(format!(
                "Parameter 'count' must be between 0 and 100: {n}"
            )));
        }
    };
    let descending = match call.param("sortDirection") {
        None | Some("Ascending") => false,
        Some("Descending") => true,
        Some(other) => {
            return Err(Refusal::bad_request(format!(
                "Parameter 'sortDirection' must be Ascending or Descending: '{other}'"
            )));
        }
    };
    let from_ticks = call.number::<i64>("timestampFromTicks")?;
    let to_ticks = call.number::<i64>("timestampToTicks")?;
    let from_date = date_param(call, "fromDocumentDate")?;
    let to_date = date_param(call, "toDocumentDate")?;
    let number = call.param("documentNumber");
    let ticks_range = from_ticks.is_some() || to_ticks.is_some();
    if number.is_some() && ticks_range {
        // api.md: `documentNumber` "combined with timestampFromTicks/timestampToTicks gives 400".
        return Err(Refusal::bad_request(
            "Parameter 'documentNumber' cannot be combined with a timestamp range",
        ));
    }
    if ticks_range && (from_date.is_some() || to_date.is_some()) {
        // api.md: the document-date range "must not be combined with the ticks range".
        return Err(Refusal::bad_request(
            "A document-date range cannot be combined with a timestamp range",
        ));
    }
    let counteragent = match call.param("counteragentBoxId") {
        None => None,
        Some(id) => Some(box_key(id).ok_or_else(|| {
            Refusal::bad_request(format!(
                "Parameter 'counteragentBoxId' is not a valid box id: '{id}'"
            ))
        })?),
    };
    for name in ["departmentId", "fromDepartmentId", "toDepartmentId"] {
        if let Some(id) = call.param(name).filter(|id| !is_guid(id)) {
            return Err(Refusal::bad_request(format!(
                "Parameter '{name}' is not a valid identifier: '{id}'"
            )));
        }
    }
    let mut matching: Vec<&SeedDocument> = shared
        .seed
        .documents
        .iter()
        .filter(|d| d.box_index == b && category.matches(d))
        .filter(|d| {
            counteragent.as_deref().is_none_or(|c| {
                d.document
                    .counteragent_box_id
                    .as_deref()
                    .and_then(box_key)
                    .as_deref()
                    == Some(c)
            })
        })
        .filter(|d| number.is_none_or(|n| d.document.document_number.as_deref() == Some(n)))
        .filter(|d| {
            let t = timestamp(d);
            from_ticks.is_none_or(|f| t >= f) && to_ticks.is_none_or(|to| t <= to)
        })
        .filter(|d| {
            let date = d
                .document
                .document_date
                .as_deref()
                .and_then(parse_document_date);
            (from_date.is_none() && to_date.is_none())
                || date.is_some_and(|date| {
                    from_date.is_none_or(|f| date >= f) && to_date.is_none_or(|t| date <= t)
                })
        })
        .collect();
    matching.sort_by_key(|d| timestamp(d));
    if descending {
        matching.reverse();
    }
    let start = after_cursor(
        matching.iter().map(|d| d.document.index_key.as_deref()),
        call.param("afterIndexKey"),
    )?;
    let documents: Vec<dap::documents::Document> = matching
        .iter()
        .skip(start)
        .take(count)
        .map(|d| d.document.clone())
        .collect();
    let has_more = start + documents.len() < matching.len();
    proto(&dap::documents::DocumentList {
        total_count: count32(matching.len()),
        documents,
        has_more_results: Some(has_more),
    })
}

/// The time a document is listed and filtered by (api.md, GetDocuments).
fn timestamp(d: &SeedDocument) -> i64 {
    let doc = &d.document;
    let t = if d.inbound {
        doc.delivery_timestamp_ticks
    } else {
        doc.send_timestamp_ticks
    };
    t.unwrap_or(doc.creation_timestamp_ticks)
}

/// An optional `DD.MM.YYYY` parameter; a malformed or impossible date (`31.02.2024`) is a 400,
/// as any other unreadable parameter.
fn date_param(call: &Call, name: &str) -> Result<Option<Date>, Refusal> {
    call.param(name)
        .map(|v| {
            parse_document_date(v).ok_or_else(|| {
                Refusal::bad_request(format!(
                    "Parameter '{name}' must be a date as DD.MM.YYYY: '{v}'"
                ))
            })
        })
        .transpose()
}
