//! GetNewEvents V8: the seeded feed, the exclusive cursor, filters, `limit`, appended events,
//! 400s and 403.

use dap::events::BoxEventList;
use edi_proto::diadoc::api::proto as dap;

use crate::helpers::{Upstream, decode, error, start};

const PATH: &str = "/V8/GetNewEvents";

async fn list(up: &Upstream, extra: &[(&str, &str)]) -> BoxEventList {
    let box_id = up.first_box();
    let mut query = vec![("boxId", box_id.as_str())];
    query.extend_from_slice(extra);
    decode(up.get(PATH, &query).await).await
}

fn keys(list: &BoxEventList) -> Vec<String> {
    list.events
        .iter()
        .map(|e| e.index_key.clone().expect("IndexKey"))
        .collect()
}

#[tokio::test]
async fn the_feed_pages_oldest_first_with_an_exclusive_cursor() {
    let up = start().await;
    let all = list(&up, &[]).await;
    let total = up.sb.event_count(&up.first_box()).expect("box");
    assert_eq!(all.total_count, Some(i32::try_from(total).expect("count")));
    assert_eq!(all.total_count_type, dap::TotalCountType::Equal as i32);
    assert_eq!(all.events.len(), total.min(100), "a page is 100 by default");
    let ticks: Vec<i64> = all
        .events
        .iter()
        .map(|e| {
            e.message
                .as_ref()
                .map(|m| m.timestamp_ticks)
                .or_else(|| e.patch.as_ref().map(|p| p.timestamp_ticks))
                .expect("a message or a patch")
        })
        .collect();
    assert!(ticks.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let first = keys(&all);
    let page = list(&up, &[("limit", "5"), ("afterIndexKey", &first[9])]).await;
    assert_eq!(keys(&page), first[10..15]);
    assert_eq!(page.total_count, all.total_count, "whatever the cursor");
    // No content (api.md: "Document content is never included").
    assert!(
        all.events
            .iter()
            .filter_map(|e| e.message.as_ref())
            .all(|m| {
                m.entities
                    .iter()
                    .all(|e| e.content.as_ref().is_none_or(|c| c.data.is_none()))
            })
    );
}

#[tokio::test]
async fn filters_narrow_the_feed_and_the_cursor_is_a_place_in_the_whole_feed() {
    let up = start().await;
    let all = list(&up, &[]).await;
    let inbound = list(&up, &[("documentDirection", "Inbound")]).await;
    assert!(!inbound.events.is_empty());
    assert!(inbound.total_count < all.total_count);
    let own = up.first_box();
    for e in &inbound.events {
        if let Some(m) = &e.message {
            assert_ne!(m.from_box_id, own);
        }
    }
    let both = list(&up, &[("documentDirection", "Inbound,Outbound")]).await;
    assert_eq!(both.total_count, all.total_count);
    let letters = list(&up, &[("messageType", "Letter")]).await;
    assert_eq!(letters.total_count, all.total_count);
    let drafts = list(&up, &[("messageType", "Draft")]).await;
    assert_eq!(drafts.total_count, Some(0));
    let invoices = list(&up, &[("typeNamedId", "Invoice")]).await;
    assert!(invoices.total_count < all.total_count);
    assert!(
        invoices
            .events
            .iter()
            .filter_map(|e| e.message.as_ref())
            .all(|m| {
                m.entities
                    .iter()
                    .filter_map(|e| e.document_info.as_ref())
                    .all(|d| d.type_named_id == "Invoice")
            })
    );
    // A time window.
    let t = |i: usize| {
        all.events[i]
            .message
            .as_ref()
            .map(|m| m.timestamp_ticks)
            .or_else(|| all.events[i].patch.as_ref().map(|p| p.timestamp_ticks))
            .expect("ticks")
    };
    let (from, to) = (t(10).to_string(), t(19).to_string());
    let window = list(
        &up,
        &[("timestampFromTicks", &from), ("timestampToTicks", &to)],
    )
    .await;
    assert_eq!(window.total_count, Some(10));
    // A key from the unfiltered feed works with a filter.
    let k = keys(&all);
    let after = list(
        &up,
        &[("documentDirection", "Inbound"), ("afterIndexKey", &k[50])],
    )
    .await;
    assert!(
        after
            .events
            .iter()
            .all(|e| e.index_key.as_deref() > Some(k[50].as_str()))
    );
}

#[tokio::test]
async fn appended_events_extend_the_feed() {
    let up = start().await;
    let box_id = up.first_box();
    let before = up.sb.event_count(&box_id).expect("box");
    let all = list(&up, &[]).await;
    let last = all
        .events
        .last()
        .and_then(|e| e.index_key.clone())
        .expect("key");
    // Page to the end.
    let mut after = last;
    loop {
        let page = list(&up, &[("afterIndexKey", &after)]).await;
        match page.events.last().and_then(|e| e.index_key.clone()) {
            Some(k) => after = k,
            None => break,
        }
    }
    let appended = up.sb.append_letter(&box_id).expect("box");
    assert_eq!(up.sb.event_count(&box_id), Some(before + 1));
    assert!(appended > after, "keys sort in feed order");
    let page = list(&up, &[("afterIndexKey", &after)]).await;
    assert_eq!(keys(&page), std::slice::from_ref(&appended));
    let m = page.events[0].message.as_ref().expect("a message");
    assert_eq!(m.message_type, dap::documents::MessageType::Letter as i32);
    assert_eq!(m.to_box_id.as_deref(), Some(box_id.as_str()));
    // It is inbound, of a nonformalized document, for the filters.
    let inbound = list(
        &up,
        &[
            ("afterIndexKey", &after),
            ("documentDirection", "Inbound"),
            ("typeNamedId", "Nonformalized"),
        ],
    )
    .await;
    assert_eq!(keys(&inbound), [appended]);
    assert!(
        up.sb
            .append_letter("00000000-0000-0000-0000-000000000000")
            .is_none()
    );
}

#[tokio::test]
async fn bad_parameters_are_400s_and_a_foreign_box_403() {
    let up = start().await;
    for q in [
        [("limit", "0")],
        [("limit", "101")],
        [("afterIndexKey", "nope")],
        [("documentDirection", "Sideways")],
        [("messageType", "Letters")],
        [("orderBy", "Sideways")],
        [("timestampFromTicks", "soon")],
    ] {
        let r = list_raw(&up, &q).await;
        error(r, 400).await;
    }
    let r = list_raw(&up, &[("afterIndexKey", "x"), ("afterEventId", "y")]).await;
    assert!(error(r, 400).await.contains("cannot be combined"));
    let other = up.sb.seed().other_box_id_guid().to_owned();
    let r = up.get(PATH, &[("boxId", other.as_str())]).await;
    error(r, 403).await;
}

async fn list_raw(up: &Upstream, extra: &[(&str, &str)]) -> reqwest::Response {
    let box_id = up.first_box();
    let mut query = vec![("boxId", box_id.as_str())];
    query.extend_from_slice(extra);
    up.get(PATH, &query).await
}
