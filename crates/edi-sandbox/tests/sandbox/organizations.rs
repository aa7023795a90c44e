//! GetOrganization: one organization of the directory, by exactly one key; its auth (the
//! developer key alone, or a valid Bearer token).

use edi_proto::diadoc::api::proto as dap;

use crate::helpers::{decode, error, start};

#[tokio::test]
async fn finds_an_organization_by_id_or_box_with_its_boxes_in_order() {
    let up = start().await;
    let seed = up.sb.seed();
    // АО «Северный ветер»: two boxes.
    let org = seed.orgs[1].clone();
    assert_eq!(org.boxes.len(), 2);
    let by_id: dap::Organization = decode(
        up.get("/GetOrganization", &[("orgId", &org.org_id.to_uppercase())])
            .await,
    )
    .await;
    assert_eq!(by_id.org_id, org.org_id);
    let boxes: Vec<&str> = by_id.boxes.iter().map(|b| b.box_id_guid.as_str()).collect();
    assert_eq!(
        boxes,
        org.boxes
            .iter()
            .map(|b| b.box_id_guid.as_str())
            .collect::<Vec<_>>()
    );
    let second = org.boxes[1].box_id.clone();
    let by_box: dap::Organization =
        decode(up.get("/GetOrganization", &[("boxId", &second)]).await).await;
    assert_eq!(by_box.org_id, org.org_id);
    // A counteragent's organization is in the directory too.
    let partner = seed.counteragents[0][0].organization.clone();
    let found: dap::Organization = decode(
        up.get("/GetOrganization", &[("orgId", &partner.org_id)])
            .await,
    )
    .await;
    assert_eq!(found.inn, partner.inn);
    let by_inn: dap::Organization =
        decode(up.get("/GetOrganization", &[("inn", &org.inn)]).await).await;
    assert_eq!(by_inn.org_id, org.org_id);
}

#[tokio::test]
async fn unknown_is_404_and_no_key_or_two_keys_are_400() {
    let up = start().await;
    let unknown = "00000000-0000-0000-0000-000000000001";
    error(up.get("/GetOrganization", &[("orgId", unknown)]).await, 404).await;
    error(up.get("/GetOrganization", &[]).await, 400).await;
    let org = up.sb.seed().first_org_id().to_owned();
    let box_id = up.first_box();
    error(
        up.get("/GetOrganization", &[("orgId", &org), ("boxId", &box_id)])
            .await,
        400,
    )
    .await;
    error(up.get("/GetOrganization", &[("orgId", "nope")]).await, 400).await;
    error(
        up.get("/GetOrganization", &[("orgId", &org), ("kpp", "1")])
            .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn the_developer_key_alone_is_enough_and_a_bearer_token_must_be_valid() {
    let up = start().await;
    let org = up.sb.seed().first_org_id().to_owned();
    let key_only = format!("DiadocAuth ddauth_api_client_id={}", up.sb.developer_key());
    let r = up
        .get_as("/GetOrganization", &[("orgId", &org)], Some(&key_only))
        .await;
    assert_eq!(r.status(), 200);
    let bearer = format!("Bearer {}", up.token);
    let r = up
        .get_as("/GetOrganization", &[("orgId", &org)], Some(&bearer))
        .await;
    assert_eq!(r.status(), 200);
    error(
        up.get_as("/GetOrganization", &[("orgId", &org)], Some("Bearer nope"))
            .await,
        401,
    )
    .await;
    error(
        up.get_as("/GetOrganization", &[("orgId", &org)], None)
            .await,
        401,
    )
    .await;
}
