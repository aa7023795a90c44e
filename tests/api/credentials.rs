//! Credentials the gateway holds (`src/credentials.rs`, `broker.rs`, `clients.rs`, `limits.rs`):
//! managed clients by `X-Api-Key`, one upstream token per credential, the 401 that renews it,
//! Kontur's limits kept for every caller, inbound limits, and the reload of the clients file.

use std::time::Duration;

use edi_sandbox::{Fault, Sandbox};
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ROBOT_KEY, TestApp, header, key_digest, kind, problem, robot_entry, spawn_managed, spawn_with,
};

const ME: &str = "/v1/diadoc/me";
const TOKEN_PATH: &str = "/connect/token";
const PROCS: &str = "/v1/edin/agreement-procs";

/// Diadoc calls the sandbox answered 429 for Kontur's limits or anything else.
fn upstream_429s(app: &TestApp) -> usize {
    app.sandbox
        .journal()
        .iter()
        .filter(|e| e.status == 429)
        .count()
}

// --- managed clients -------------------------------------------------------------------------

#[tokio::test]
async fn a_managed_client_calls_diadoc_and_edin_with_its_key_alone() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    let me = app.managed(Method::GET, ME, ROBOT_KEY, None).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.expect("json");
    assert_eq!(me["login"], edi_sandbox::DEMO_LOGIN);
    let procs = app.managed(Method::GET, PROCS, ROBOT_KEY, None).await;
    assert_eq!(procs.status(), 200);
    // Diadoc saw an OIDC access token as `Bearer`, with no developer key.
    let call = app.upstream_calls("/V2/GetMyUser");
    let auth = call[0].authorization.clone().unwrap_or_default();
    assert!(auth.starts_with("Bearer "), "{auth}");
    assert!(!auth.contains(edi_sandbox::DEVELOPER_KEY));
    // EDIN saw the session the gateway logged in for the client.
    assert_eq!(app.upstream_calls("/bdoc/auth").len(), 1);
    assert!(
        app.upstream_calls("/bdoc/agreement_procs")[0]
            .cookie("SID")
            .is_some()
    );
}

#[tokio::test]
async fn unknown_and_ambiguous_keys_are_401_problems_with_no_upstream_call() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    let token = app.demo_token().await;
    app.sandbox.clear_journal();
    let unknown = app.managed(Method::GET, ME, "not-a-key", None).await;
    assert_eq!(unknown.status(), 401);
    let p = problem(unknown).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("X-Api-Key")
    );
    assert!(!p.to_string().contains("not-a-key"));
    let both = app
        .client
        .get(app.url(ME))
        .header("x-api-key", ROBOT_KEY)
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(both.status(), 401);
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn caller_tokens_can_be_switched_off_leaving_managed_clients() {
    let (app, _, _) =
        spawn_managed(Sandbox::builder(), robot_entry, |c| c.caller_tokens = false).await;
    let token = app
        .sandbox
        .issue_token(edi_sandbox::DEMO_LOGIN)
        .expect("token");
    let r = app.get(ME, Some(&token)).await;
    assert_eq!(r.status(), 401);
    assert!(
        problem(r).await["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("managed clients only")
    );
    let login = app
        .post_json(
            "/v1/diadoc/sessions",
            None,
            &json!({"login": edi_sandbox::DEMO_LOGIN, "password": edi_sandbox::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 401);
    assert!(app.upstream_calls("/V3/Authenticate").is_empty());
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
}

#[tokio::test]
async fn a_client_without_an_edin_credential_is_403_on_edin_routes() {
    let (app, _, _) = spawn_managed(
        Sandbox::builder(),
        |s| {
            let entry = robot_entry(s);
            // The same client with its [client.edin] table cut off.
            entry[..entry.find("[client.edin]").expect("edin table")].to_owned()
        },
        |_| {},
    )
    .await;
    let r = app.managed(Method::GET, PROCS, ROBOT_KEY, None).await;
    assert_eq!(r.status(), 403);
    assert_eq!(kind(r).await, "not-for-this-client");
    assert!(app.upstream_calls("/bdoc/auth_uuid").is_empty());
}

#[tokio::test]
async fn a_managed_edin_session_cannot_be_ended_by_a_caller() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    let r = app
        .managed(Method::DELETE, "/v1/edin/sessions/current", ROBOT_KEY, None)
        .await;
    assert_eq!(r.status(), 403);
    assert!(app.upstream_calls("/bdoc/logout").is_empty());
}

// --- the token broker ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_first_requests_cost_one_token_request() {
    let (app, _, _) = spawn_managed(
        // Limits high enough that the 1,000 calls pass quickly; the broker is what is tested.
        Sandbox::builder().kontur_limits(4, 100_000),
        robot_entry,
        |c| c.diadoc_per_second = 100_000,
    )
    .await;
    let calls = (0..1000).map(|_| app.managed(Method::GET, ME, ROBOT_KEY, None));
    let statuses: Vec<u16> = join_all(calls)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(app.sandbox.token_requests(), 1);
    assert_eq!(app.upstream_calls("/V2/GetMyUser").len(), 1000);
    assert!(app.sandbox.peak_concurrency() <= 4);
    assert_eq!(app.sandbox.limit_refusals(), 0);
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_refreshed_with_no_failed_caller() {
    // Access tokens live 5 minutes; four callers each call every 30 s for 20 minutes.
    let (app, _, _) = spawn_managed(
        Sandbox::builder().access_token_lifetime(Duration::from_secs(300)),
        robot_entry,
        |_| {},
    )
    .await;
    let failures = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let callers = (0..4).map(|_| {
        let app = &app;
        let failures = failures.clone();
        async move {
            for _ in 0..40 {
                let r = app.managed(Method::GET, ME, ROBOT_KEY, None).await;
                if r.status() != 200 {
                    failures.lock().expect("lock").push(r.status().as_u16());
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }
    });
    let run = join_all(callers);
    tokio::pin!(run);
    tokio::time::pause();
    tokio::select! {
        _ = &mut run => {}
        () = tokio::time::sleep(Duration::from_secs(3600)) => panic!("callers did not finish"),
    }
    tokio::time::resume();
    assert!(failures.lock().expect("lock").is_empty(), "{failures:?}");
    // 20 minutes of 5-minute tokens refreshed a minute early: at least 4 token requests, and
    // Diadoc never refused a token (no 401 anywhere).
    assert!(
        app.sandbox.token_requests() >= 4,
        "{}",
        app.sandbox.token_requests()
    );
    let refused = app
        .upstream_calls("/V2/GetMyUser")
        .iter()
        .filter(|e| e.status == 401)
        .count();
    assert_eq!(refused, 0);
}

#[tokio::test]
async fn a_401_on_a_managed_token_renews_it_once_and_repeats_a_get_once() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    assert_eq!(app.sandbox.token_requests(), 1);
    // Diadoc forgets the token the gateway holds, which still thinks it fresh.
    app.sandbox.expire_tokens();
    let r = app.managed(Method::GET, ME, ROBOT_KEY, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.sandbox.token_requests(), 2, "one refresh");
    let statuses: Vec<u16> = app
        .upstream_calls("/V2/GetMyUser")
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [200, 401, 200], "one repeat");
}

#[tokio::test]
async fn a_write_without_an_idempotency_key_is_not_repeated_after_a_401() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    app.sandbox.expire_tokens();
    let from = app.sandbox.seed().first_box_id_guid().to_owned();
    let partner = app.sandbox.seed().counteragent_box_id_guid().to_owned();
    let template = json!({
        "fromBoxId": from,
        "toBoxId": partner,
        "messageFromBoxId": partner,
        "messageToBoxId": from,
        "documentAttachments": [{
            "unsignedContent": {"content": "PFRlbXBsYXRlLz4="},
            "typeNamedId": "UniversalTransferDocument",
            "function": "СЧФДОП",
            "version": "utd970_05_03_01",
            "metadata": [{"key": "FileName", "value": "template.xml"}]
        }]
    });
    let post = || {
        app.managed(
            Method::POST,
            "/v1/diadoc/templates",
            ROBOT_KEY,
            Some(&template),
        )
    };
    let r = post().await;
    assert_eq!(r.status(), 503);
    assert_eq!(header(&r, "retry-after"), "1");
    assert_eq!(kind(r).await, "credential-renewed");
    assert_eq!(app.upstream_calls("/PostTemplate").len(), 1, "sent once");
    // The token was renewed: the caller's repeat goes through.
    assert_eq!(app.sandbox.token_requests(), 2);
    let again = post().await;
    assert_eq!(again.status(), 201);
}

#[tokio::test]
async fn a_rotated_refresh_token_is_used_from_then_on() {
    let (app, _, _) = spawn_managed(
        Sandbox::builder().rotate_refresh_tokens(true),
        robot_entry,
        |_| {},
    )
    .await;
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    app.sandbox.expire_tokens();
    // The second grant must use the refresh token the first one returned (the first is spent).
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    let grants = app.upstream_calls(TOKEN_PATH);
    assert_eq!(grants.len(), 2);
    assert!(grants.iter().all(|g| g.status == 200));
    let refresh = |g: &edi_sandbox::JournalEntry| {
        url::form_urlencoded::parse(&g.body)
            .find(|(name, _)| name == "refresh_token")
            .map(|(_, value)| value.into_owned())
            .expect("refresh_token sent")
    };
    assert_ne!(refresh(&grants[0]), refresh(&grants[1]));
}

#[tokio::test]
async fn an_edin_session_rejected_mid_run_is_renewed_and_a_read_repeated() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    assert_eq!(
        app.managed(Method::GET, PROCS, ROBOT_KEY, None)
            .await
            .status(),
        200
    );
    app.sandbox.expire_edin_sessions();
    let r = app.managed(Method::GET, PROCS, ROBOT_KEY, None).await;
    let status = r.status();
    assert_eq!(status, 200, "{}", r.text().await.unwrap_or_default());
    assert_eq!(app.upstream_calls("/bdoc/auth").len(), 2, "one re-login");
}

#[tokio::test]
async fn an_edin_captcha_is_a_503_for_the_operator_and_is_not_retried_in_a_loop() {
    let (app, _, _) = spawn_managed(
        Sandbox::builder().require_captcha(edi_sandbox::EDIN_DEMO_EMAIL, true),
        robot_entry,
        |_| {},
    )
    .await;
    for _ in 0..3 {
        let r = app.managed(Method::GET, PROCS, ROBOT_KEY, None).await;
        assert_eq!(r.status(), 503);
        let retry: u64 = header(&r, "retry-after").parse().expect("Retry-After");
        assert!(retry >= 60, "{retry}");
        let p = problem(r).await;
        assert!(
            p["type"]
                .as_str()
                .unwrap_or_default()
                .ends_with("credential-unavailable")
        );
        assert!(p["detail"].as_str().unwrap_or_default().contains("web"));
        assert!(!p.to_string().contains(edi_sandbox::EDIN_DEMO_EMAIL));
    }
    // One attempt, then the back-off answers without calling EDIN.
    assert_eq!(app.upstream_calls("/bdoc/auth_uuid").len(), 1);
}

// --- Kontur's limits -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_callers_through_one_credential_keep_kontur_s_limits() {
    let (app, _, _) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    let token = app
        .sandbox
        .issue_token(edi_sandbox::DEMO_LOGIN)
        .expect("token");
    // A managed client, then a caller's own token: both kept to 4 at once and 100 a second.
    for who in ["managed", "own token"] {
        app.sandbox.clear_journal();
        let calls = (0..200).map(|_| async {
            if who == "managed" {
                app.managed(Method::GET, ME, ROBOT_KEY, None).await
            } else {
                app.get(ME, Some(&token)).await
            }
        });
        let statuses: Vec<u16> = join_all(calls)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert!(statuses.iter().all(|s| *s == 200), "{who}: {statuses:?}");
        let calls = app.upstream_calls("/V2/GetMyUser");
        assert_eq!(calls.len(), 200, "{who}");
        let peak = calls.iter().map(|e| e.in_flight).max().unwrap_or_default();
        assert!(peak <= 4, "{who}: {peak} at once");
        assert_eq!(upstream_429s(&app), 0, "{who}");
    }
    assert_eq!(app.sandbox.limit_refusals(), 0);
    assert!(app.sandbox.peak_concurrency() <= 4);
}

#[tokio::test]
async fn no_slot_within_the_wait_is_a_503_with_retry_after_and_nothing_sent() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.diadoc_concurrency = 1;
        c.queue_timeout = Duration::from_millis(50);
    })
    .await;
    let token = app
        .sandbox
        .issue_token(edi_sandbox::DEMO_LOGIN)
        .expect("token");
    let gate = app.sandbox.hold();
    let held = tokio::spawn({
        let client = app.client.clone();
        let url = app.url(ME);
        let token = token.clone();
        async move { client.get(url).bearer_auth(token).send().await }
    });
    app.sandbox.wait_for_calls(1).await;
    // The only slot is held upstream: this one waits its 50 ms, then gives up.
    let r = app.get(ME, Some(&token)).await;
    assert_eq!(r.status(), 503);
    assert_eq!(header(&r, "retry-after"), "1");
    assert_eq!(kind(r).await, "upstream-limit");
    assert_eq!(app.sandbox.received(), 1, "nothing more was sent");
    gate.release();
    let first = held.await.expect("task").expect("response");
    assert_eq!(first.status(), 200);
}

#[tokio::test]
async fn diadoc_s_429_on_a_get_is_waited_out_and_repeated() {
    let app = spawn_with(Sandbox::builder(), |_| {}).await;
    let token = app
        .sandbox
        .issue_token(edi_sandbox::DEMO_LOGIN)
        .expect("token");
    app.sandbox.inject(
        1,
        Fault::text(429, "Too many requests").header("Retry-After", "2"),
    );
    // The gateway sleeps the 2 s on tokio's clock: paused, it passes without waiting.
    tokio::time::pause();
    let r = app.get(ME, Some(&token)).await;
    tokio::time::resume();
    assert_eq!(r.status(), 200);
    let statuses: Vec<u16> = app
        .upstream_calls("/V2/GetMyUser")
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
}

// --- inbound limits --------------------------------------------------------------------------

#[tokio::test]
async fn a_client_over_its_inbound_limit_gets_429_with_ratelimit_headers() {
    let (app, _, _) = spawn_managed(
        Sandbox::builder(),
        |s| {
            format!(
                "{}\n[client.limits]\nrequests_per_second = 1\nburst = 2\n",
                robot_entry(s)
            )
        },
        |_| {},
    )
    .await;
    // One instant of tokio's clock for the three calls, then one second more.
    tokio::time::pause();
    let first = app.managed(Method::GET, ME, ROBOT_KEY, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "ratelimit-policy"), r#""default";q=2;w=2"#);
    assert!(header(&first, "ratelimit").starts_with(r#""default";r=1;t="#));
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    let third = app.managed(Method::GET, ME, ROBOT_KEY, None).await;
    assert_eq!(third.status(), 429);
    assert_eq!(header(&third, "retry-after"), "1");
    assert!(header(&third, "ratelimit").starts_with(r#""default";r=0;t=1"#));
    assert_eq!(problem(third).await["status"], 429);
    assert_eq!(
        app.upstream_calls("/V2/GetMyUser").len(),
        2,
        "the 429 went nowhere"
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    tokio::time::resume();
}

// --- reload ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_reload_keeps_requests_in_flight_and_a_broken_file_changes_nothing() {
    const NEW_KEY: &str = "the-new-robot-key-after-rotation";
    let (app, state, file) = spawn_managed(Sandbox::builder(), robot_entry, |_| {}).await;
    // A request in flight with the old key, held upstream.
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        200
    );
    let gate = app.sandbox.hold();
    let before = app.sandbox.received();
    let held = tokio::spawn({
        let client = app.client.clone();
        let url = app.url(ME);
        async move { client.get(url).header("x-api-key", ROBOT_KEY).send().await }
    });
    app.sandbox.wait_for_calls(before + 1).await;
    // The operator swaps the key.
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        text.replace(&key_digest(ROBOT_KEY), &key_digest(NEW_KEY)),
    )
    .expect("write");
    assert_eq!(state.reload_clients(), Ok(1));
    gate.release();
    assert_eq!(held.await.expect("task").expect("response").status(), 200);
    assert_eq!(
        app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
        401
    );
    assert_eq!(
        app.managed(Method::GET, ME, NEW_KEY, None).await.status(),
        200
    );
    // A broken file is refused, and the clients in force stay.
    std::fs::write(
        &file,
        "[[client]]\nname = \"x\"\napi_key_sha256 = \"not hex\"\n",
    )
    .expect("write");
    let why = state.reload_clients().expect_err("refused");
    assert!(why.contains("api_key_sha256"), "{why}");
    assert_eq!(
        app.managed(Method::GET, ME, NEW_KEY, None).await.status(),
        200
    );
    // The client kept its name and credential: its token was kept too.
    assert_eq!(app.sandbox.token_requests(), 1);
}

#[tokio::test]
async fn a_managed_client_on_the_legacy_password_login_gets_a_diadocauth_token() {
    let (app, _, _) = spawn_managed(
        Sandbox::builder(),
        |_| {
            format!(
                "[[client]]\nname = \"legacy\"\napi_key_sha256 = \"{}\"\n[client.diadoc]\n\
                 login = \"{}\"\npassword = \"{}\"\n",
                key_digest(ROBOT_KEY),
                edi_sandbox::DEMO_LOGIN,
                edi_sandbox::DEMO_PASSWORD
            )
        },
        // Callers' tokens go as Bearer here; the legacy login's token still goes as DiadocAuth.
        |c| c.diadoc_auth = edi_gateway::DiadocAuthMode::Bearer,
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.managed(Method::GET, ME, ROBOT_KEY, None).await.status(),
            200
        );
    }
    let logins = app.upstream_calls("/V3/Authenticate");
    assert_eq!(logins.len(), 1, "one login for three calls");
    assert_eq!(
        logins[0].authorization.as_deref(),
        Some(
            format!(
                "DiadocAuth ddauth_api_client_id={}",
                edi_sandbox::DEVELOPER_KEY
            )
            .as_str()
        )
    );
    for call in app.upstream_calls("/V2/GetMyUser") {
        let auth = call.authorization.unwrap_or_default();
        assert!(
            auth.starts_with(&format!(
                "DiadocAuth ddauth_api_client_id={},ddauth_token=",
                edi_sandbox::DEVELOPER_KEY
            )),
            "{auth}"
        );
    }
    assert_eq!(app.sandbox.token_requests(), 0);
}

#[tokio::test]
async fn the_openapi_document_offers_both_ways_in_on_every_caller_route() {
    let app = spawn_with(Sandbox::builder(), |_| {}).await;
    let doc: Value = app
        .get("/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    let scheme = &doc["components"]["securitySchemes"]["apiKey"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "X-Api-Key");
    let mut wrong = Vec::new();
    let mut callers = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let security = op["security"].as_array().cloned().unwrap_or_default();
            if security.is_empty() {
                continue; // the login routes
            }
            callers += 1;
            let names: Vec<&str> = security
                .iter()
                .filter_map(|s| s.as_object()?.keys().next().map(String::as_str))
                .collect();
            let own = names.contains(&"diadocToken") || names.contains(&"edinSession");
            if !(own && names.contains(&"apiKey") && names.len() == 2) {
                wrong.push(format!("{method} {path}: {names:?}"));
            }
            for status in ["429", "503"] {
                if op["responses"][status]["headers"]["Retry-After"].is_null() {
                    wrong.push(format!("{method} {path}: {status} without Retry-After"));
                }
            }
        }
    }
    assert!(callers > 30, "{callers}");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
