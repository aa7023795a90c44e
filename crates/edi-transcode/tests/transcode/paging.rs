//! `page_facts`: a list reply's item count, last key and "more" flag read off the wire agree
//! with a full decode.

use edi_proto::diadoc::api::proto as dap;
use edi_proto::names;
use edi_transcode::PageFacts;
use prost::Message as _;

use crate::support::diadoc;

fn counteragent(key: &str) -> dap::Counteragent {
    dap::Counteragent {
        index_key: Some(key.to_owned()),
        last_event_timestamp_ticks: 638_585_445_988_979_088,
        ..Default::default()
    }
}

#[test]
fn counts_items_and_reads_the_last_key() {
    let list = dap::CounteragentList {
        total_count: 3,
        counteragents: vec![counteragent("a"), counteragent("b"), counteragent("ключ-3")],
        ..Default::default()
    };
    let facts = diadoc()
        .page_facts(
            names::COUNTERAGENT_LIST,
            &list.encode_to_vec(),
            "Counteragents",
            "IndexKey",
            None,
        )
        .expect("scans");
    assert_eq!(
        facts,
        PageFacts {
            items: 3,
            last_key: Some("ключ-3".to_owned()),
            more: None
        }
    );
}

#[test]
fn reads_the_more_flag_and_copes_with_an_empty_page() {
    let list = dap::documents::DocumentList {
        total_count: 0,
        has_more_results: Some(false),
        ..Default::default()
    };
    let facts = diadoc()
        .page_facts(
            names::DOCUMENT_LIST,
            &list.encode_to_vec(),
            "Documents",
            "IndexKey",
            Some("HasMoreResults"),
        )
        .expect("scans");
    assert_eq!(facts.items, 0);
    assert_eq!(facts.more, Some(false));
    assert!(facts.last_key.is_none());
}

#[test]
fn truncated_bytes_and_unknown_names_are_errors() {
    let wire = dap::CounteragentList {
        total_count: 1,
        counteragents: vec![counteragent("a")],
        ..Default::default()
    }
    .encode_to_vec();
    let t = diadoc();
    let name = names::COUNTERAGENT_LIST;
    assert!(
        t.page_facts(
            name,
            &wire[..wire.len() - 3],
            "Counteragents",
            "IndexKey",
            None
        )
        .is_err()
    );
    assert!(t.page_facts(name, &wire, "Nope", "IndexKey", None).is_err());
    assert!(
        t.page_facts(name, &wire, "Counteragents", "Nope", None)
            .is_err()
    );
}
