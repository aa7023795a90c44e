//! GetDocuments V3: paging with `count` and the exclusive cursor, sorting, filters, 400s.

use std::collections::HashSet;

use dap::documents::DocumentList;
use edi_proto::diadoc::api::proto as dap;

use crate::helpers::{Upstream, decode, error, start};

const PATH: &str = "/V3/GetDocuments";

async fn list(up: &Upstream, extra: &[(&str, &str)]) -> DocumentList {
    let box_id = up.first_box();
    let mut query = vec![("boxId", box_id.as_str())];
    query.extend_from_slice(extra);
    decode(up.get(PATH, &query).await).await
}

#[tokio::test]
async fn pages_follow_the_cursor_until_no_more_results() {
    let up = start().await;
    let inbound = up
        .sb
        .seed()
        .documents_in(&up.first_box())
        .filter(|d| d.inbound)
        .count();
    assert_eq!(inbound, 40);
    let mut after: Option<String> = None;
    let mut ids = HashSet::new();
    let mut pages = 0;
    loop {
        let mut q = vec![("filterCategory", "Any.Inbound"), ("count", "15")];
        if let Some(a) = &after {
            q.push(("afterIndexKey", a.as_str()));
        }
        let page = list(&up, &q).await;
        pages += 1;
        assert_eq!(page.total_count, 40);
        for d in &page.documents {
            assert!(ids.insert(d.entity_id.clone()));
            assert_eq!(
                d.document_direction,
                Some(dap::DocumentDirection::Inbound as i32)
            );
            let content = d.content.as_ref().expect("Content");
            assert!(
                content.data.is_none(),
                "api.md: Content.Data is always empty"
            );
            assert!(content.size > 0);
        }
        after = page.documents.last().and_then(|d| d.index_key.clone());
        if page.has_more_results != Some(true) {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 40);
}

#[tokio::test]
async fn descending_reverses_the_order_and_count_zero_returns_only_the_total() {
    let up = start().await;
    let asc = list(&up, &[("filterCategory", "Any.Outbound")]).await;
    let desc = list(
        &up,
        &[
            ("filterCategory", "Any.Outbound"),
            ("sortDirection", "Descending"),
        ],
    )
    .await;
    assert_eq!(asc.documents.len(), 20);
    let reversed: Vec<_> = asc.documents.iter().rev().map(|d| &d.entity_id).collect();
    let got: Vec<_> = desc.documents.iter().map(|d| &d.entity_id).collect();
    assert_eq!(got, reversed);
    let ticks: Vec<i64> = asc
        .documents
        .iter()
        .filter_map(|d| d.send_timestamp_ticks)
        .collect();
    assert!(ticks.windows(2).all(|w| w[0] <= w[1]));
    let zero = list(&up, &[("filterCategory", "Any.Outbound"), ("count", "0")]).await;
    assert!(zero.documents.is_empty());
    assert_eq!(zero.total_count, 20);
    assert_eq!(zero.has_more_results, Some(true));
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let up = start().await;
    let waiting = list(&up, &[("filterCategory", "Any.OutboundNotFinished")]).await;
    assert!(!waiting.documents.is_empty());
    assert!(waiting.documents.iter().all(|d| d.recipient_response_status
        == dap::documents::RecipientResponseStatus::WaitingForRecipientSignature as i32));
    let utd = list(
        &up,
        &[("filterCategory", "UniversalTransferDocument.Inbound")],
    )
    .await;
    assert!(!utd.documents.is_empty());
    assert!(
        utd.documents
            .iter()
            .all(|d| d.type_named_id == "UniversalTransferDocument")
    );
    let unread = list(&up, &[("filterCategory", "Any.InboundNotRead")]).await;
    assert!(unread.documents.iter().all(|d| d.is_read == Some(false)));
    let revoked = list(&up, &[("filterCategory", "Any.InboundRevocationAccepted")]).await;
    let not_revoked = list(&up, &[("filterCategory", "Any.InboundNotRevoked")]).await;
    assert_eq!(revoked.total_count + not_revoked.total_count, 40);
    let proxy = list(
        &up,
        &[("filterCategory", "Any.ProxyWaitingForProxySignature")],
    )
    .await;
    assert_eq!(proxy.total_count, 0);

    let all = list(&up, &[("filterCategory", "Any.Inbound")]).await;
    let first = &all.documents[0];
    let partner = first.counteragent_box_id.clone().expect("counteragent");
    let by_partner = list(
        &up,
        &[
            ("filterCategory", "Any.Inbound"),
            ("counteragentBoxId", &partner),
        ],
    )
    .await;
    assert!(
        by_partner
            .documents
            .iter()
            .all(|d| d.counteragent_box_id.as_deref() == Some(&partner))
    );
    assert!(by_partner.total_count < all.total_count);
    let number = first.document_number.clone().expect("number");
    let one = list(
        &up,
        &[
            ("filterCategory", "Any.Inbound"),
            ("documentNumber", &number),
        ],
    )
    .await;
    assert_eq!(one.documents.len(), 1);
    let t = first
        .delivery_timestamp_ticks
        .expect("delivered")
        .to_string();
    let exact = list(
        &up,
        &[
            ("filterCategory", "Any.Inbound"),
            ("timestampFromTicks", &t),
            ("timestampToTicks", &t),
        ],
    )
    .await;
    assert_eq!(exact.documents.len(), 1, "the ticks range is inclusive");
    let date = first.document_date.clone().expect("date");
    let by_date = list(
        &up,
        &[
            ("filterCategory", "Any.Inbound"),
            ("fromDocumentDate", &date),
            ("toDocumentDate", &date),
        ],
    )
    .await;
    assert!(
        by_date
            .documents
            .iter()
            .any(|d| d.entity_id == first.entity_id)
    );
}

#[tokio::test]
async fn an_impossible_document_date_is_a_400_like_a_malformed_one() {
    let up = start().await;
    let b = up.first_box();
    for (name, date) in [
        ("fromDocumentDate", "31.02.2024"),
        ("toDocumentDate", "29.02.2023"),
        ("fromDocumentDate", "2024-02-01"),
    ] {
        let r = up
            .get(
                PATH,
                &[
                    ("boxId", &b),
                    ("filterCategory", "Any.Inbound"),
                    (name, date),
                ],
            )
            .await;
        let text = error(r, 400).await;
        assert!(text.contains(name) && text.contains(date), "{text}");
    }
    // The leap day that exists is a date like any other.
    let r = up
        .get(
            PATH,
            &[
                ("boxId", &b),
                ("filterCategory", "Any.Inbound"),
                ("fromDocumentDate", "29.02.2024"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn bad_parameters_are_400() {
    let up = start().await;
    let b = up.first_box();
    for query in [
        vec![("boxId", b.as_str())],
        vec![("boxId", &b), ("filterCategory", "Inbound")],
        vec![("boxId", &b), ("filterCategory", "Any.Sideways")],
        vec![("boxId", &b), ("filterCategory", "Any.InboundSomething")],
        vec![("boxId", &b), ("filterCategory", "NoSuchType.Inbound")],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("count", "101"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("count", "-1"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("sortDirection", "Up"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("afterIndexKey", "00"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("timestampFromTicks", "x"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("fromDocumentDate", "2025-01-01"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("documentNumber", "1000"),
            ("timestampToTicks", "638800000000000000"),
        ],
        vec![
            ("boxId", &b),
            ("filterCategory", "Any.Inbound"),
            ("fromDocumentDate", "01.01.2025"),
            ("timestampFromTicks", "638800000000000000"),
        ],
        vec![("boxId", "x"), ("filterCategory", "Any.Inbound")],
    ] {
        let r = up.get(PATH, &query).await;
        assert_eq!(r.status(), 400, "{query:?}");
        error(r, 400).await;
    }
    let other = up.sb.seed().other_box_id_guid().to_owned();
    error(
        up.get(
            PATH,
            &[("boxId", &other), ("filterCategory", "Any.Inbound")],
        )
        .await,
        403,
    )
    .await;
}
