//! Partnerships as Diadoc changes them (api.md, GetCounteragent, AcquireCounteragent with its
//! result, BreakWithCounteragent; lifecycle.md §1.4 for the V3 result): tasks that finish after
//! N polls, the state rules, the other side of a partnership between two seeded organizations.

use dap::CounteragentStatus as S;
use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::Sandbox;
use prost::Message;

use crate::helpers::{Upstream, decode, error, start_with};

/// The first box's counteragent in `status` (no document, not roaming), as its box id.
fn in_status(up: &Upstream, status: S) -> String {
    up.sb.seed().counteragents[0]
        .iter()
        .find(|c| {
            c.current_status == Some(status as i32)
                && c.invitation_document_id.is_none()
                && c.organization.is_roaming != Some(true)
        })
        .map(|c| c.organization.boxes[0].box_id_guid.clone())
        .expect("seeded")
}

async fn status(up: &Upstream, my_box: &str, other: &str) -> i32 {
    let c: dap::Counteragent = decode(
        up.get(
            "/V3/GetCounteragent",
            &[("myBoxId", my_box), ("counteragentBoxId", other)],
        )
        .await,
    )
    .await;
    c.current_status.expect("status")
}

async fn start_task(
    up: &Upstream,
    my_box: &str,
    request: &dap::AcquireCounteragentRequest,
) -> String {
    let started: dap::AsyncMethodResult = decode(
        up.post(
            "/V3/AcquireCounteragent",
            &[("myBoxId", my_box)],
            request.encode_to_vec(),
        )
        .await,
    )
    .await;
    started.task_id.expect("task id")
}

#[tokio::test]
async fn a_task_answers_204_n_times_then_the_result_in_v3_and_v2() {
    let up = start_with(Sandbox::builder().acquire_polls(2).retry_after_secs(7)).await;
    let my_box = up.first_box();
    let stranger = in_status(&up, S::NotInCounteragentList);
    let request = dap::AcquireCounteragentRequest {
        box_id: Some(stranger.clone()),
        ..Default::default()
    };
    let task = start_task(&up, &my_box, &request).await;
    for _ in 0..2 {
        let r = up
            .get(
                "/V3/AcquireCounteragentResult",
                &[("myBoxId", my_box.as_str()), ("taskId", task.as_str())],
            )
            .await;
        assert_eq!(r.status(), 204);
        assert_eq!(r.headers()["retry-after"], "7");
    }
    let done: dap::AcquireCounteragentResultV2 = decode(
        up.get(
            "/V3/AcquireCounteragentResult",
            &[("myBoxId", my_box.as_str()), ("taskId", task.as_str())],
        )
        .await,
    )
    .await;
    assert_eq!(done.box_id, stranger);
    let v2: dap::AcquireCounteragentResultV2 = decode(
        up.get(
            "/V2/AcquireCounteragentResult",
            &[("taskId", task.as_str())],
        )
        .await,
    )
    .await;
    assert_eq!(v2, done);
    // Another box of the same user does not see the task.
    let second_box = up.sb.seed().boxes[1].box_id_guid.clone();
    let r = up
        .get(
            "/V3/AcquireCounteragentResult",
            &[("myBoxId", second_box.as_str()), ("taskId", task.as_str())],
        )
        .await;
    error(r, 404).await;
    assert_eq!(
        status(&up, &my_box, &stranger).await,
        S::IsInvitedByMe as i32
    );
}

#[tokio::test]
async fn an_invitation_between_two_seeded_organizations_shows_on_both_sides() {
    let up = start_with(Sandbox::builder().acquire_polls(0)).await;
    let seed = up.sb.seed();
    // ООО «Ромашка» (box 0) and АО «Северный ветер» (box 1) both belong to `demo`; Ромашка's
    // list does not have Северный ветер, whose list has Ромашка as a partner.
    let romashka = seed.boxes[0].box_id_guid.clone();
    let veter = seed.boxes[1].box_id_guid.clone();
    let request = dap::AcquireCounteragentRequest {
        org_id: Some(seed.orgs[1].org_id.clone()),
        message_to_counteragent: Some("Привет".to_owned()),
        ..Default::default()
    };
    start_task(&up, &romashka, &request).await;
    assert_eq!(
        status(&up, &romashka, &veter).await,
        S::IsInvitedByMe as i32
    );
    assert_eq!(status(&up, &veter, &romashka).await, S::InvitesMe as i32);
    // Withdrawn: back to the status before the invitation, on both sides.
    let r = up
        .post(
            "/V2/BreakWithCounteragent",
            &[
                ("myBoxId", romashka.as_str()),
                ("counteragentBoxId", veter.as_str()),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        status(&up, &romashka, &veter).await,
        S::NotInCounteragentList as i32
    );
    assert_eq!(
        status(&up, &veter, &romashka).await,
        S::NotInCounteragentList as i32
    );
}

#[tokio::test]
async fn refusals_at_the_start() {
    let up = start_with(Sandbox::builder()).await;
    let my_box = up.first_box();
    let post = |request: dap::AcquireCounteragentRequest| {
        let query = [("myBoxId", my_box.clone())];
        let body = request.encode_to_vec();
        let up = &up;
        async move {
            let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            up.post("/V3/AcquireCounteragent", &query, body).await
        }
    };
    let text = error(post(dap::AcquireCounteragentRequest::default()).await, 400).await;
    assert!(text.contains("BoxId, OrgId or Inn"), "{text}");
    let long = dap::AcquireCounteragentRequest {
        box_id: Some(in_status(&up, S::NotInCounteragentList)),
        message_to_counteragent: Some("x".repeat(2001)),
        ..Default::default()
    };
    error(post(long).await, 400).await;
    let unknown = dap::AcquireCounteragentRequest {
        box_id: Some("3f2504e0-4f89-41d3-9a0c-0305e82c3301".to_owned()),
        ..Default::default()
    };
    error(post(unknown).await, 404).await;
    let accept_with_document = dap::AcquireCounteragentRequest {
        box_id: Some(in_status(&up, S::InvitesMe)),
        invitation_document: Some(dap::InvitationDocument {
            file_name: "a.xml".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    };
    error(post(accept_with_document).await, 400).await;
    let r = up
        .get("/V3/AcquireCounteragent", &[("myBoxId", my_box.as_str())])
        .await;
    assert_eq!(r.status(), 405);
}

/// How many events the box's feed holds (GetNewEvents' `TotalCount`).
async fn feed_total(up: &Upstream, my_box: &str) -> i32 {
    let list: dap::events::BoxEventList = decode(
        up.get("/V8/GetNewEvents", &[("boxId", my_box), ("limit", "100")])
            .await,
    )
    .await;
    list.total_count.unwrap_or_default()
}

#[tokio::test]
async fn an_invitation_with_a_document_is_a_message_in_the_box_feed() {
    let up = start_with(Sandbox::builder()).await;
    let my_box = up.first_box();
    let stranger = in_status(&up, S::NotInCounteragentList);
    let before = feed_total(&up, &my_box).await;
    // Without a document: a status change, not a message (GetCounteragentEvents' business).
    let plain = dap::AcquireCounteragentRequest {
        box_id: Some(in_status(&up, S::IsRejectedByMe)),
        ..Default::default()
    };
    start_task(&up, &my_box, &plain).await;
    assert_eq!(feed_total(&up, &my_box).await, before);
    let content = b"<invitation/>".to_vec();
    let with_document = dap::AcquireCounteragentRequest {
        box_id: Some(stranger),
        invitation_document: Some(dap::InvitationDocument {
            signed_content: dap::events::SignedContent {
                signature: Some(edi_sandbox::detached_signature("demo", &content).into()),
                content: Some(content.into()),
                ..Default::default()
            },
            file_name: "invitation.xml".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    };
    start_task(&up, &my_box, &with_document).await;
    assert_eq!(feed_total(&up, &my_box).await, before + 1);
}
