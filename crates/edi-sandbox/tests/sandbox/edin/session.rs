//! EDIN's two-step login and its `SID` cookie session (reference/edin/api.md §2): the form it
//! journals, refusals (wrong password, captcha, non-multipart bodies), the idle timeout and its
//! refresh, sessions expired by the handle, logout.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use edi_sandbox::{
    EDIN_CAPTCHA_EMAIL, EDIN_CAPTCHA_PASSWORD, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD,
    EDIN_OTHER_EMAIL, EDIN_OTHER_PASSWORD, Sandbox,
};
use reqwest::Method;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{PROCS, auth_uuid, call, demo_sid, list, login, post_form, reply, sid_of};
use crate::helpers::start;

#[tokio::test]
async fn the_two_step_login_journals_the_form_and_sets_the_sid_cookie() {
    let up = start().await;
    let (captcha, token) = auth_uuid(&up, EDIN_DEMO_EMAIL).await;
    assert!(!captcha);
    assert_eq!(token.len(), 36);
    assert_eq!(&token[14..15], "4", "a version-4 UUID: {token}");
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let sid = sid_of(&r);
    assert_eq!(cookie, format!("SID={sid}; Path=/; HttpOnly"));
    assert_eq!(r.bytes().await.expect("body").len(), 0);
    // The session works, also among other cookies.
    let r = up
        .client
        .post(up.url(PROCS))
        .header("cookie", format!("lang=uk; SID={sid}; theme=dark"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);

    up.assert_journal(&[
        ("POST", "/bdoc/auth_uuid", 200),
        ("POST", "/bdoc/auth", 200),
        ("POST", PROCS, 200),
    ]);
    let journal = up.sb.journal();
    assert_eq!(
        journal[0].form,
        [("email".to_owned(), EDIN_DEMO_EMAIL.to_owned())]
    );
    assert_eq!(journal[1].form_field("token"), Some(token.as_str()));
    assert_eq!(journal[1].form_field("password"), Some(EDIN_DEMO_PASSWORD));
    assert_eq!(journal[1].form_field("email"), None);
    assert_eq!(journal[1].cookie("SID"), None);
    assert_eq!(journal[2].cookie("SID"), Some(sid.as_str()));
    assert_eq!(journal[2].cookie("lang"), Some("uk"));
    assert!(journal[2].form.is_empty());

    // The token was spent.
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(reply(r).await.0, 401);
}

#[tokio::test]
async fn a_wrong_password_or_an_unknown_email_is_401() {
    let up = start().await;
    let (status, body) = reply(login(&up, EDIN_DEMO_EMAIL, "not-demo").await).await;
    assert_eq!(status, 401, "{body}");
    // Any e-mail gets a token; only step 2 fails.
    let (captcha, _) = auth_uuid(&up, "nobody@example.com").await;
    assert!(!captcha);
    assert_eq!(
        reply(login(&up, "nobody@example.com", "x").await).await.0,
        401
    );
    assert_eq!(
        reply(
            post_form(
                &up,
                "/bdoc/auth",
                &[("token", "no-such"), ("password", "demo")]
            )
            .await
        )
        .await
        .0,
        401
    );
    // The other user logs in, with the e-mail in another case.
    let r = login(&up, &EDIN_OTHER_EMAIL.to_uppercase(), EDIN_OTHER_PASSWORD).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_captcha_user_gets_is_captcha_then_403() {
    let up = start().await;
    let (captcha, token) = auth_uuid(&up, EDIN_CAPTCHA_EMAIL).await;
    assert!(captcha);
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_CAPTCHA_PASSWORD)],
    )
    .await;
    assert!(!r.headers().contains_key("set-cookie"));
    let (status, body) = reply(r).await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "A captcha is required for this user");
}

#[tokio::test]
async fn login_bodies_must_be_multipart_with_the_fields() {
    let up = start().await;
    let r = up
        .client
        .post(up.url("/bdoc/auth_uuid"))
        .header("content-type", "application/json")
        .body(r#"{"email":"demo@example.com"}"#)
        .send()
        .await
        .expect("request");
    let (status, body) = reply(r).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("The body must be multipart/form-data"))
    );
    let (status, body) = reply(post_form(&up, "/bdoc/auth_uuid", &[("login", "x")]).await).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Form field 'email' is required"))
    );
    let (_, token) = auth_uuid(&up, EDIN_DEMO_EMAIL).await;
    let (status, _) = reply(post_form(&up, "/bdoc/auth", &[("token", &token)]).await).await;
    assert_eq!(status, 400);
    // A 400 does not spend the token.
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", "demo")],
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn methods_need_a_live_session() {
    let up = start().await;
    let (status, body) = reply(call(&up, Method::POST, PROCS, &[], None, None).await).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"status": 401, "message": "The SID cookie is missing"})
    );
    assert_eq!(list(&up, "not-a-session", &[]).await.0, 401);
    assert_eq!(
        reply(call(&up, Method::GET, "/bdoc/logout", &[], None, None).await)
            .await
            .0,
        401
    );
    assert!(up.sb.issue_edin_session("nobody@example.com").is_none());
    let sid = demo_sid(&up);
    assert_eq!(list(&up, &sid, &[]).await.0, 200);
}

/// `POST /bdoc/agreement_procs` with `sid`, straight into the sandbox's router: no socket, so on
/// tokio's paused clock nothing but `advance` moves time.
async fn list_in_process(router: &axum::Router, sid: &str) -> (u16, Value) {
    let request = Request::post(PROCS)
        .header("cookie", format!("SID={sid}"))
        .body(Body::empty())
        .expect("request");
    let r = router.clone().oneshot(request).await.expect("infallible");
    let status = r.status().as_u16();
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, serde_json::from_slice(&body).expect("JSON"))
}

#[tokio::test(start_paused = true)]
async fn sessions_expire_when_idle_and_calls_refresh_them() {
    let idle = Duration::from_secs(10 * 60);
    let (router, sb) = Sandbox::builder()
        .edin_session_idle(idle)
        .into_router(([127, 0, 0, 1], 0).into());
    let sid = sb.issue_edin_session(EDIN_DEMO_EMAIL).expect("demo exists");
    // Three calls, each a second short of the idle time after the one before: half an hour in
    // all, alive throughout because every call starts the idle time again.
    for _ in 0..3 {
        tokio::time::advance(idle - Duration::from_secs(1)).await;
        assert_eq!(list_in_process(&router, &sid).await.0, 200);
    }
    tokio::time::advance(idle).await;
    let (status, body) = list_in_process(&router, &sid).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("The session has expired"))
    );
    assert_eq!(list_in_process(&router, &sid).await.0, 401, "gone for good");
}

#[tokio::test]
async fn sessions_expired_by_the_handle_are_refused_until_a_new_login() {
    let up = start().await;
    let sid = demo_sid(&up);
    let other = demo_sid(&up);
    assert!(up.sb.expire_edin_session(&sid));
    let (status, body) = list(&up, &sid, &[]).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("The session has expired")),
        "the answer of an idle session"
    );
    assert_eq!(list(&up, &other, &[]).await.0, 200, "only that session");
    assert!(
        !up.sb.expire_edin_session(&sid),
        "refused once, then gone for good"
    );
    up.sb.expire_edin_sessions();
    assert_eq!(list(&up, &other, &[]).await.0, 401, "every session");
    let fresh = sid_of(&login(&up, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD).await);
    assert_eq!(list(&up, &fresh, &[]).await.0, 200, "a new login works");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let up = start().await;
    let r = login(&up, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD).await;
    let sid = sid_of(&r);
    let other = demo_sid(&up);
    let r = call(&up, Method::GET, "/bdoc/logout", &[], Some(&sid), None).await;
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("x-kontur-trace-id"));
    assert_eq!(r.bytes().await.expect("body").len(), 0);
    // The same 401 as a session expired by the handle: first "expired", then unknown.
    let (status, body) = list(&up, &sid, &[]).await;
    assert_eq!(
        body,
        json!({"status": 401, "message": "The session has expired"}),
        "{status}"
    );
    let (status, body) = list(&up, &sid, &[]).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("The session is unknown or has ended"))
    );
    assert!(!up.sb.expire_edin_session(&sid), "no longer open");
    let r = call(&up, Method::GET, "/bdoc/logout", &[], Some(&sid), None).await;
    assert_eq!(reply(r).await.0, 401, "logging out twice");
    assert_eq!(
        list(&up, &other, &[]).await.0,
        200,
        "other sessions live on"
    );
    up.assert_journal(&[
        ("POST", "/bdoc/auth_uuid", 200),
        ("POST", "/bdoc/auth", 200),
        ("GET", "/bdoc/logout", 200),
        ("POST", PROCS, 401),
        ("POST", PROCS, 401),
        ("GET", "/bdoc/logout", 401),
        ("POST", PROCS, 200),
    ]);
    assert_eq!(up.sb.journal()[2].cookie("SID"), Some(sid.as_str()));
}

#[tokio::test]
async fn logout_of_an_expired_session_is_401_like_any_call() {
    let up = start().await;
    let sid = demo_sid(&up);
    up.sb.expire_edin_sessions();
    let r = call(&up, Method::GET, "/bdoc/logout", &[], Some(&sid), None).await;
    let (status, body) = reply(r).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("The session has expired"))
    );
}

#[tokio::test]
async fn require_captcha_switches_the_demand_per_e_mail() {
    let up = crate::helpers::start_with(
        Sandbox::builder().require_captcha(EDIN_CAPTCHA_EMAIL.to_uppercase(), false),
    )
    .await;
    // The seed's captcha user, let off by the builder, logs in.
    let (captcha, _) = auth_uuid(&up, EDIN_CAPTCHA_EMAIL).await;
    assert!(!captcha);
    assert_eq!(
        login(&up, EDIN_CAPTCHA_EMAIL, EDIN_CAPTCHA_PASSWORD)
            .await
            .status(),
        200
    );
    // The demo user, marked by the handle: step 1 says so, step 2 is refused with the right
    // password, and no session is opened.
    up.sb.require_captcha(EDIN_DEMO_EMAIL, true);
    let (captcha, token) = auth_uuid(&up, EDIN_DEMO_EMAIL).await;
    assert!(captcha);
    let r = post_form(
        &up,
        "/bdoc/auth",
        &[("token", &token), ("password", EDIN_DEMO_PASSWORD)],
    )
    .await;
    assert!(!r.headers().contains_key("set-cookie"));
    let (status, body) = reply(r).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("A captcha is required for this user"))
    );
    // Other users are not affected; switched off, the demo user logs in again.
    assert_eq!(
        login(&up, EDIN_OTHER_EMAIL, EDIN_OTHER_PASSWORD)
            .await
            .status(),
        200
    );
    up.sb.require_captcha(EDIN_DEMO_EMAIL, false);
    assert_eq!(
        login(&up, EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD)
            .await
            .status(),
        200
    );
}
