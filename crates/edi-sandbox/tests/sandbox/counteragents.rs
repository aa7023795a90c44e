//! GetCounteragents V3: pages, the exclusive cursor, filters and their 400s; V2 removed; the
//! deprecation headers of a method marked deprecated.

use std::collections::HashSet;

use dap::CounteragentStatus as S;
use edi_proto::diadoc::api::proto as dap;

use crate::helpers::{Upstream, decode, error, start, start_with};

async fn page(up: &Upstream, query: &[(&str, &str)]) -> dap::CounteragentList {
    decode(up.get("/V3/GetCounteragents", query).await).await
}

#[tokio::test]
async fn a_walk_gives_pages_of_100_100_50_with_an_exclusive_cursor() {
    let up = start().await;
    let box_id = up.first_box();
    let mut after: Option<String> = None;
    let mut sizes = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let mut query = vec![("myBoxId", box_id.as_str())];
        if let Some(a) = &after {
            query.push(("afterIndexKey", a.as_str()));
        }
        let list = page(&up, &query).await;
        assert_eq!(list.total_count, 250, "counted from the start of the list");
        assert_eq!(list.total_count_type, dap::TotalCountType::Equal as i32);
        if list.counteragents.is_empty() {
            break;
        }
        sizes.push(list.counteragents.len());
        for c in &list.counteragents {
            let key = c.index_key.clone().expect("IndexKey");
            assert_eq!(key.len(), 48);
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            );
            assert!(seen.insert(key), "no item twice");
            assert!(c.organization.departments.is_empty());
        }
        after = list.counteragents.last().and_then(|c| c.index_key.clone());
    }
    assert_eq!(sizes, [100, 100, 50]);
    let calls: Vec<_> = up
        .sb
        .journal()
        .into_iter()
        .filter(|e| e.path == "/V3/GetCounteragents")
        .collect();
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[0].query_param("afterIndexKey"), None);
    assert!(calls[1].query_param("afterIndexKey").is_some());
}

#[tokio::test]
async fn v2_is_removed_and_answers_like_a_path_the_server_lacks() {
    // lifecycle.md §1.2: GetCounteragents V2 was removed after 10 Nov 2026.
    let up = start().await;
    let org_id = up.sb.seed().first_org_id().to_owned();
    let text = error(
        up.get("/V2/GetCounteragents", &[("myOrgId", &org_id)])
            .await,
        404,
    )
    .await;
    assert!(text.starts_with("No HTTP resource was found"), "{text}");
}

#[tokio::test]
async fn deprecated_methods_carry_sunset_and_a_sunset_link_on_every_answer() {
    let up = start_with(
        edi_sandbox::SandboxBuilder::default()
            .deprecate("/v3/getcounteragents", "Sat, 01 May 2027 00:00:00 GMT"),
    )
    .await;
    let box_id = up.first_box();
    for query in [vec![("myBoxId", box_id.as_str())], vec![]] {
        let r = up.get("/V3/GetCounteragents", &query).await;
        assert_eq!(
            r.headers()
                .get("sunset")
                .map(|v| v.to_str().expect("ascii")),
            Some("Sat, 01 May 2027 00:00:00 GMT")
        );
        let link = r
            .headers()
            .get("link")
            .expect("link")
            .to_str()
            .expect("ascii");
        assert!(link.contains("rel=\"sunset\""), "{link}");
    }
    let other = up.get("/GetMyOrganizations", &[]).await;
    assert!(other.headers().get("sunset").is_none());
    assert!(other.headers().get("link").is_none());
}

#[tokio::test]
async fn rejected_matches_either_sides_rejection_and_unknown_statuses_are_400() {
    let up = start().await;
    let box_id = up.first_box();
    let list = page(
        &up,
        &[("myBoxId", &box_id), ("counteragentStatus", "Rejected")],
    )
    .await;
    assert!(!list.counteragents.is_empty());
    let statuses: HashSet<i32> = list
        .counteragents
        .iter()
        .filter_map(|c| c.current_status)
        .collect();
    assert_eq!(
        statuses,
        HashSet::from([S::RejectsMe as i32, S::IsRejectedByMe as i32])
    );
    for bad in ["Nope", "UnknownCounteragentStatus", "ismycounteragent"] {
        let r = up
            .get(
                "/V3/GetCounteragents",
                &[("myBoxId", &box_id), ("counteragentStatus", bad)],
            )
            .await;
        error(r, 400).await;
    }
}

#[tokio::test]
async fn query_matches_names_and_inn_and_cannot_be_combined_with_a_cursor() {
    let up = start().await;
    let box_id = up.first_box();
    let list = page(&up, &[("myBoxId", &box_id), ("query", "альфа-трейд")]).await;
    assert_eq!(list.counteragents.len(), 1);
    let inn = list.counteragents[0].organization.inn.clone();
    assert_eq!(list.total_count, 1);
    let by_inn = page(&up, &[("myBoxId", &box_id), ("query", &inn)]).await;
    assert_eq!(by_inn.counteragents[0].organization.inn, inn);
    let many = page(&up, &[("myBoxId", &box_id), ("query", "ТРЕЙД")]).await;
    assert!(many.counteragents.len() > 10);
    let key = list.counteragents[0].index_key.clone().expect("key");
    let r = up
        .get(
            "/V3/GetCounteragents",
            &[
                ("myBoxId", &box_id),
                ("query", "a"),
                ("afterIndexKey", &key),
            ],
        )
        .await;
    assert!(error(r, 400).await.contains("afterIndexKey"));
}

#[tokio::test]
async fn bad_parameters_are_400_and_foreign_boxes_403() {
    let up = start().await;
    let box_id = up.first_box();
    let path = "/V3/GetCounteragents";
    error(up.get(path, &[]).await, 400).await;
    error(up.get(path, &[("myBoxId", "")]).await, 400).await;
    error(up.get(path, &[("myBoxId", "not-a-box")]).await, 400).await;
    let unknown = "00000000-1111-4222-8333-444444444444";
    error(up.get(path, &[("myBoxId", unknown)]).await, 403).await;
    let r = up
        .get(path, &[("myBoxId", &box_id), ("afterIndexKey", "FFFF")])
        .await;
    error(r, 400).await;
    for size in ["0", "101", "x"] {
        error(
            up.get(path, &[("myBoxId", &box_id), ("pageSize", size)])
                .await,
            400,
        )
        .await;
    }
    let ten = page(&up, &[("myBoxId", &box_id), ("pageSize", "10")]).await;
    assert_eq!(ten.counteragents.len(), 10);
    // The BoxId form (…@diadoc.ru) names the same box.
    let long = up.sb.seed().boxes[0].box_id.clone();
    let same = page(&up, &[("myBoxId", &long), ("pageSize", "10")]).await;
    assert_eq!(same, ten);
}

#[tokio::test]
async fn counteragents_carry_realistic_details() {
    let up = start().await;
    let list = page(&up, &[("myBoxId", &up.first_box())]).await;
    // api.md, "Time values": 2024-01-01 and 2027-01-01 in .NET ticks.
    let (from, to) = (638_396_640_000_000_000_i64, 639_343_584_000_000_000_i64);
    for c in &list.counteragents {
        assert!((from..to).contains(&c.last_event_timestamp_ticks));
        let o = &c.organization;
        assert!(o.inn.len() == 10 || o.inn.len() == 12);
        assert!(
            o.fns_participant_id
                .as_deref()
                .is_some_and(|f| f.starts_with(&format!("2BM-{}", o.inn)))
        );
        assert_eq!(o.boxes.len(), 1);
    }
}
