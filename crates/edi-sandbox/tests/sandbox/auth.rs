//! Authenticate, the 401 rules, Bearer tokens, token isolation and GetMyOrganizations.

use std::time::Duration;

use edi_proto::diadoc::api::proto as dap;
use edi_sandbox::{DEMO_LOGIN, DEMO_PASSWORD, DEVELOPER_KEY, OTHER_LOGIN, Sandbox};
use prost::Message;

use crate::helpers::{content_type, decode, error, start, start_with};

fn login_password(login: &str, password: &str) -> Vec<u8> {
    dap::LoginPassword {
        login: login.into(),
        password: password.into(),
    }
    .encode_to_vec()
}

fn key_only() -> String {
    format!("DiadocAuth ddauth_api_client_id={DEVELOPER_KEY}")
}

#[tokio::test]
async fn authenticate_returns_a_token_for_protobuf_and_json_bodies() {
    let up = start().await;
    let url = up.url("/V3/Authenticate?type=password");
    let r = up
        .client
        .post(&url)
        .header("authorization", key_only())
        .body(login_password(DEMO_LOGIN, DEMO_PASSWORD))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(content_type(&r), "text/plain; charset=utf-8");
    let token = r.text().await.expect("token");
    assert!(token.len() >= 64 && token.is_ascii());
    for json in [
        r#"{"login":"demo","password":"demo"}"#,
        r#"{"Login":"demo","Password":"demo"}"#,
    ] {
        let r = up
            .client
            .post(&url)
            .header("authorization", key_only())
            .header("content-type", "application/json; charset=utf-8")
            .body(json)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "{json}");
        assert_ne!(r.text().await.expect("token"), token, "each token is new");
    }
    let orgs: dap::OrganizationList = decode(
        up.get_as("/GetMyOrganizations", &[], Some(&up.sb.diadoc_auth(&token)))
            .await,
    )
    .await;
    assert_eq!(orgs.organizations.len(), 2);
}

#[tokio::test]
async fn authenticate_needs_a_known_developer_key_and_a_type() {
    let up = start().await;
    let body = login_password(DEMO_LOGIN, DEMO_PASSWORD);
    let send = |auth: Option<String>, query: &'static str| {
        let mut r = up
            .client
            .post(up.url(&format!("/V3/Authenticate{query}")))
            .body(body.clone());
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    let r = send(None, "?type=password").await.expect("send");
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.Unauthorized");
    error(r, 401).await;
    let other = "DiadocAuth ddauth_api_client_id=someone-0123456789abcdef0123456789abcdef";
    error(
        send(Some(other.into()), "?type=password")
            .await
            .expect("send"),
        401,
    )
    .await;
    error(
        send(Some("DiadocAuth".into()), "?type=password")
            .await
            .expect("send"),
        401,
    )
    .await;
    error(send(Some(key_only()), "").await.expect("send"), 400).await;
    error(send(Some(key_only()), "?type=").await.expect("send"), 400).await;
    error(
        send(Some(key_only()), "?type=certificate")
            .await
            .expect("send"),
        400,
    )
    .await;
}

#[tokio::test]
async fn wrong_credentials_and_bad_bodies_are_refused() {
    let up = start().await;
    let post = |body: Vec<u8>, json: bool| {
        let mut r = up
            .client
            .post(up.url("/V3/Authenticate?type=password"))
            .header("authorization", key_only())
            .body(body);
        if json {
            r = r.header("content-type", "application/json");
        }
        r.send()
    };
    let r = post(login_password(DEMO_LOGIN, "wrong"), false)
        .await
        .expect("send");
    error(r, 401).await;
    let r = post(login_password("nobody", "demo"), false)
        .await
        .expect("send");
    error(r, 401).await;
    // Not protobuf; a LoginPassword without Password (field 2 is required); broken JSON.
    error(
        post(vec![0xff, 0x01, 0x02], false).await.expect("send"),
        400,
    )
    .await;
    error(
        post(vec![0x0a, 0x01, b'a'], false).await.expect("send"),
        400,
    )
    .await;
    error(
        post(b"{\"login\":".to_vec(), true).await.expect("send"),
        400,
    )
    .await;
    error(
        post(b"{\"login\":\"demo\"}".to_vec(), true)
            .await
            .expect("send"),
        400,
    )
    .await;
}

#[tokio::test]
async fn every_other_method_needs_a_valid_token() {
    let up = start().await;
    let token = &up.token;
    for (auth, why) in [
        (None, "no header"),
        (Some(key_only()), "no token"),
        (
            Some(format!(
                "DiadocAuth ddauth_api_client_id=x-1,ddauth_token={token}"
            )),
            "unknown key",
        ),
        (
            Some(format!(
                "DiadocAuth ddauth_api_client_id={DEVELOPER_KEY},ddauth_token=nope"
            )),
            "unknown token",
        ),
        (Some("Bearer nope".to_owned()), "unknown bearer token"),
        (Some(format!("Basic {token}")), "another scheme"),
    ] {
        let r = up.get_as("/GetMyOrganizations", &[], auth.as_deref()).await;
        assert_eq!(r.status(), 401, "{why}");
        error(r, 401).await;
    }
    for auth in [
        format!("DiadocAuth ddauth_api_client_id={DEVELOPER_KEY},ddauth_token={token}"),
        format!("DiadocAuth ddauth_api_client_id={DEVELOPER_KEY}, ddauth_token={token}"),
        format!("DiadocAuth ddauth_token={token},ddauth_api_client_id={DEVELOPER_KEY}"),
        format!("Bearer {token}"),
    ] {
        let r = up.get_as("/GetMyOrganizations", &[], Some(&auth)).await;
        assert_eq!(r.status(), 200, "{auth}");
    }
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let up = start_with(Sandbox::builder().token_ttl(Duration::ZERO)).await;
    let r = up.get("/GetMyOrganizations", &[]).await;
    assert!(error(r, 401).await.contains("expired"));
}

#[tokio::test]
async fn tokens_expired_by_the_handle_are_refused_and_new_ones_work() {
    let up = start().await;
    assert_eq!(up.get("/GetMyOrganizations", &[]).await.status(), 200);
    up.sb.expire_tokens();
    let r = up.get("/GetMyOrganizations", &[]).await;
    assert!(error(r, 401).await.contains("expired"));
    let fresh = up.sb.issue_token(DEMO_LOGIN).expect("demo exists");
    let r = up
        .get_as("/GetMyOrganizations", &[], Some(&up.sb.diadoc_auth(&fresh)))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn another_users_box_is_a_403_after_the_token_check() {
    let up = start().await;
    let other = up.sb.issue_token(OTHER_LOGIN).expect("other exists");
    let other_auth = up.sb.diadoc_auth(&other);
    let demo_box = up.first_box();
    let other_box = up.sb.seed().other_box_id_guid().to_owned();
    let path = "/V3/GetCounteragents";
    let r = up
        .get_as(path, &[("myBoxId", &demo_box)], Some(&other_auth))
        .await;
    error(r, 403).await;
    let r = up.get(path, &[("myBoxId", &other_box)]).await;
    error(r, 403).await;
    // A bad token on someone else's box is still a 401: the token is checked first.
    let r = up
        .get_as(path, &[("myBoxId", &other_box)], Some("Bearer nope"))
        .await;
    error(r, 401).await;
    let mine: dap::CounteragentList = decode(
        up.get_as(path, &[("myBoxId", &other_box)], Some(&other_auth))
            .await,
    )
    .await;
    assert!(!mine.counteragents.is_empty());
}

#[tokio::test]
async fn my_organizations_lists_each_users_organizations_and_boxes() {
    let up = start().await;
    let demo: dap::OrganizationList = decode(up.get("/GetMyOrganizations", &[]).await).await;
    assert_eq!(demo.organizations.len(), 2);
    let boxes: Vec<&dap::Box> = demo.organizations.iter().flat_map(|o| &o.boxes).collect();
    assert_eq!(boxes.len(), 3);
    for b in boxes {
        let hex = b.box_id.strip_suffix("@diadoc.ru").expect("BoxId form");
        assert_eq!(hex, b.box_id_guid.replace('-', ""));
    }
    let first = &demo.organizations[0];
    assert_eq!(first.org_id, up.sb.seed().first_org_id());
    assert_eq!(first.short_name.as_deref(), Some("ООО «Ромашка»"));
    assert_eq!(first.inn.len(), 10);
    assert_eq!(first.kpp.as_deref().map(str::len), Some(9));
    assert!(
        first
            .fns_participant_id
            .as_deref()
            .is_some_and(|f| f.starts_with("2BM-"))
    );
    let other = up.sb.issue_token(OTHER_LOGIN).expect("other");
    let r = up
        .get_as(
            "/GetMyOrganizations",
            &[("autoRegister", "False")],
            Some(&format!("Bearer {other}")),
        )
        .await;
    let theirs: dap::OrganizationList = decode(r).await;
    assert_eq!(theirs.organizations.len(), 1);
    assert_ne!(theirs.organizations[0].org_id, first.org_id);
}
