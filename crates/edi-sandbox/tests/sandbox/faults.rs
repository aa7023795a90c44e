//! `Fault`: each injected answer, as a plain HTTP client sees it.

use std::time::Duration;

use edi_sandbox::{Fault, Sandbox};

use crate::helpers::start_with;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_status_with_headers_keeps_its_text_and_the_error_code() {
    let up = start_with(
        Sandbox::builder().inject(
            1,
            Fault::text(429, "slow down")
                .retry_after("-5")
                .header("x-extra", "1"),
        ),
    )
    .await;
    let r = client()
        .get(up.url("/GetMyOrganizations"))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "-5");
    assert_eq!(r.headers()["x-extra"], "1");
    assert_eq!(r.headers()["x-diadoc-errorcode"], "Http.TooManyRequests");
    assert_eq!(r.text().await.expect("text"), "slow down");
    // fail_next is the plain-text case of the same thing.
    up.sb.fail_next(1, 503, "down");
    let r = client()
        .get(up.url("/bdoc/agreement_groups"))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 503);
    assert_eq!(r.text().await.expect("text"), "down");
}

#[tokio::test]
async fn html_garbage_and_redirects_are_what_they_say() {
    let up = start_with(Sandbox::builder()).await;
    up.sb.inject(1, Fault::html(502));
    up.sb.inject(1, Fault::garbage());
    up.sb.inject(1, Fault::redirect("http://login.example/"));
    let c = client();
    let r = c
        .get(up.url("/GetMyOrganizations"))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["content-type"], "text/html");
    assert!(r.text().await.expect("text").starts_with("<!DOCTYPE html>"));
    let r = c
        .get(up.url("/GetMyOrganizations"))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.expect("bytes");
    assert!(std::str::from_utf8(&body).is_err(), "not text");
    let r = c
        .get(up.url("/GetMyOrganizations"))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "http://login.example/");
}

#[tokio::test]
async fn an_oversize_body_is_streamed_with_or_without_its_length() {
    let up = start_with(Sandbox::builder()).await;
    let n = 3 * 64 * 1024 + 5;
    up.sb.inject(1, Fault::oversize(n));
    up.sb
        .inject(1, Fault::oversize(n).declared().with_status(500));
    let c = client();
    let r = c.get(up.url("/x")).send().await.expect("answer");
    assert_eq!(r.status(), 200);
    assert_eq!(r.content_length(), None, "chunked");
    assert_eq!(r.bytes().await.expect("body").len() as u64, n);
    let r = c.get(up.url("/x")).send().await.expect("answer");
    assert_eq!(r.status(), 500);
    assert_eq!(r.content_length(), Some(n));
    assert_eq!(r.bytes().await.expect("body").len() as u64, n);
}

#[tokio::test]
async fn a_reset_cuts_the_body_and_a_hang_never_answers() {
    let up = start_with(Sandbox::builder()).await;
    up.sb.inject(1, Fault::reset_mid_body());
    let r = client()
        .get(up.url("/x"))
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(r.status(), 200);
    assert_eq!(r.content_length(), Some(1024 * 1024));
    assert!(r.bytes().await.is_err(), "the body is cut short");

    up.sb.inject(1, Fault::hang());
    let before = up.sb.received();
    let c = client();
    let url = up.url("/GetMyOrganizations");
    let pending = tokio::spawn(async move { c.get(url).send().await });
    up.sb.wait_for_calls(before + 1).await;
    // It arrived, and nothing comes back: the client gives up.
    let r = tokio::time::timeout(Duration::from_millis(200), pending).await;
    assert!(r.is_err(), "no answer");
    assert_eq!(up.sb.journal().last().map(|e| e.status), Some(0));
    // The next call is answered as usual.
    assert_eq!(
        client()
            .get(up.url("/GetMyOrganizations"))
            .send()
            .await
            .expect("answer")
            .status(),
        401
    );
}
