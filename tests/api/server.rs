//! Connections and shutdown (`src/server.rs`), driven by raw TCP clients: slow heads, stalled
//! bodies, idle keep-alive, the connection cap, the drain after SIGTERM, and hyper's own
//! 400/414/431 answers as problem+json.
//!
//! Every timeout here is configured short (100–500 ms) and awaited by reading until the server
//! closes; the outer `tokio::time::timeout` (`SAFETY`) is only a net for a broken build.

use std::time::Duration;

use edi_sandbox::Sandbox;
use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

use crate::helpers::{Stoppable, TestApp, spawn_stoppable, spawn_with};

/// The net under every wait for the server: far above any configured timeout.
const SAFETY: Duration = Duration::from_secs(10);

const SHORT: Duration = Duration::from_millis(200);
const LONG: Duration = Duration::from_secs(30);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.addr).await.expect("connect")
}

/// Everything the server sends until it closes the connection (a reset counts as closed).
/// Panics if it is still open after [`SAFETY`].
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let read = timeout(SAFETY, async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open");
    out
}

/// One response with a `content-length` body, read without waiting for the connection to close.
async fn one_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    timeout(SAFETY, async {
        let mut data = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).into_owned();
                let length = header(&head, "content-length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = stream.read(&mut buf).await.expect("read body");
                    assert!(n > 0, "closed mid-body");
                    data.extend_from_slice(&buf[..n]);
                }
                return (head, data[end + 4..end + 4 + length].to_vec());
            }
            let n = stream.read(&mut buf).await.expect("read head");
            assert!(
                n > 0,
                "closed before a response: {:?}",
                String::from_utf8_lossy(&data)
            );
            data.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("a response in time")
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn status(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"))
}

/// A whole answer (head and problem body) as sent before the close.
fn split_problem(raw: &[u8]) -> (String, Value) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response: {text:?}"));
    assert_eq!(
        header(head, "content-type"),
        Some("application/problem+json"),
        "{head}"
    );
    assert_eq!(
        header(head, "content-length").and_then(|v| v.parse::<usize>().ok()),
        Some(body.len()),
        "{head}"
    );
    let problem: Value = serde_json::from_str(body).expect("problem json");
    (head.to_owned(), problem)
}

const QUICK_GET: &[u8] = b"GET /v1/no-such-route HTTP/1.1\r\nhost: gateway\r\n\r\n";

#[tokio::test]
async fn a_slow_loris_head_is_cut_at_the_header_timeout() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.header_timeout = SHORT;
        c.keepalive_idle = LONG;
    })
    .await;
    // Half a head, then nothing.
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /v1/diadoc/organizations HTTP/1.1\r\nhost: gateway\r\nx-a: 1\r\n")
        .await
        .expect("write");
    // Nothing at all.
    let mut silent = connect(&app).await;
    let began = Instant::now();
    assert!(
        until_closed(&mut slow).await.is_empty(),
        "no answer, a close"
    );
    assert!(until_closed(&mut silent).await.is_empty());
    assert!(began.elapsed() >= SHORT - Duration::from_millis(50));
}

#[tokio::test]
async fn a_body_that_never_comes_is_a_408_problem_and_a_close() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.body_idle_timeout = SHORT;
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
    })
    .await;
    let mut client = connect(&app).await;
    // The login reads its body; 100 bytes announced, 10 sent.
    client
        .write_all(
            b"POST /v1/diadoc/sessions HTTP/1.1\r\nhost: gateway\r\n\
              content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"login\":",
        )
        .await
        .expect("write");
    let raw = until_closed(&mut client).await;
    let (head, problem) = split_problem(&raw);
    assert_eq!(status(&head), 408, "{head}");
    assert_eq!(header(&head, "connection"), Some("close"));
    assert_eq!(problem["status"], 408);
    assert!(
        problem["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/request-timeout")),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("body")),
        "{problem}"
    );
    // Nothing reached the upstream.
    assert!(app.sandbox.journal().is_empty());
}

#[tokio::test]
async fn a_client_that_reads_nothing_is_cut_after_the_body_idle_timeout() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.body_idle_timeout = SHORT;
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
    })
    .await;
    let token = app.demo_token().await;
    let large = app.sandbox.seed().large_entity().expect("large entity");
    let size = usize::try_from(app.sandbox.large_entity_bytes()).expect("size");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer");
    let mut client = socket.connect(app.addr).await.expect("connect");
    let request = format!(
        "GET /v1/diadoc/boxes/{}/messages/{}/entities/{}/content HTTP/1.1\r\n\
         host: gateway\r\nauthorization: Bearer {token}\r\n\r\n",
        large.box_id, large.message_id, large.entity_id
    );
    client.write_all(request.as_bytes()).await.expect("write");
    // The client reads nothing for a while: the gateway's writes wait, then it gives up.
    tokio::time::sleep(SHORT * 4).await;
    let got = until_closed(&mut client).await;
    assert!(got.starts_with(b"HTTP/1.1 200 "));
    assert!(got.len() < size, "{} of {size} bytes", got.len());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.keepalive_idle = SHORT;
        c.header_timeout = LONG;
    })
    .await;
    let mut client = connect(&app).await;
    client.write_all(QUICK_GET).await.expect("write");
    let (head, _) = one_response(&mut client).await;
    assert_eq!(status(&head), 404);
    // Kept alive after the answer, then closed when idle.
    assert!(until_closed(&mut client).await.is_empty());
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.keepalive_idle = SHORT;
        c.header_timeout = LONG;
    })
    .await;
    let mut client = connect(&app).await;
    // The preface, then an empty SETTINGS frame (RFC 9113 §3.4), then no stream at all.
    client
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .expect("write");
    let began = Instant::now();
    let frames = until_closed(&mut client).await;
    // The server's SETTINGS came first (frame type 4 after the 3-byte length).
    assert_eq!(frames.get(3), Some(&4), "{frames:?}");
    assert!(began.elapsed() >= SHORT - Duration::from_millis(50));
}

#[tokio::test]
async fn garbage_after_a_valid_http2_preface_is_a_goaway_and_a_close() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.keepalive_idle = LONG;
        c.header_timeout = LONG;
    })
    .await;
    let mut client = connect(&app).await;
    client
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nthis is not an HTTP/2 frame at all")
        .await
        .expect("write");
    let frames = until_closed(&mut client).await;
    // Walk the frames the server sent: a GOAWAY (type 7) is among them.
    let mut types = Vec::new();
    let mut rest = &frames[..];
    while rest.len() >= 9 {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        types.push(rest[3]);
        rest = rest.get(9 + len..).unwrap_or_default();
    }
    assert!(types.contains(&7), "frame types {types:?}");
}

#[tokio::test]
async fn keep_alive_outlasts_the_header_timeout() {
    // The head timer runs from a head's first byte, not through the idle time between requests.
    let app = spawn_with(Sandbox::builder(), |c| {
        c.header_timeout = Duration::from_millis(100);
        c.keepalive_idle = LONG;
    })
    .await;
    let mut client = connect(&app).await;
    client.write_all(QUICK_GET).await.expect("write");
    assert_eq!(status(&one_response(&mut client).await.0), 404);
    tokio::time::sleep(Duration::from_millis(400)).await;
    client.write_all(QUICK_GET).await.expect("write");
    assert_eq!(status(&one_response(&mut client).await.0), 404);
}

#[tokio::test]
async fn past_the_connection_cap_accept_waits_for_a_close() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.max_connections = 2;
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
    })
    .await;
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    for c in [&mut first, &mut second] {
        c.write_all(QUICK_GET).await.expect("write");
        assert_eq!(status(&one_response(c).await.0), 404);
    }
    // The kernel completes the handshake, but the gateway does not accept the third.
    let mut third = connect(&app).await;
    third.write_all(QUICK_GET).await.expect("write");
    let mut byte = [0u8; 1];
    assert!(
        timeout(Duration::from_millis(300), third.read(&mut byte))
            .await
            .is_err(),
        "the third connection was served past the cap"
    );
    drop(first);
    assert_eq!(status(&one_response(&mut third).await.0), 404);
    // And the second still works.
    second.write_all(QUICK_GET).await.expect("write");
    assert_eq!(status(&one_response(&mut second).await.0), 404);
}

/// Our path for the first document of the first box that has a protocol.
fn protocol_path(app: &TestApp) -> String {
    let seed = app.sandbox.seed();
    let d = seed
        .document_with_protocol()
        .expect("a document with a protocol");
    format!(
        "/v1/diadoc/boxes/{}/messages/{}/documents/{}/protocol",
        seed.first_box_id_guid(),
        d.document.message_id,
        d.document.entity_id
    )
}

#[tokio::test]
async fn at_shutdown_a_held_long_request_answers_202_and_serve_returns_by_the_deadline() {
    let drain = Duration::from_secs(1);
    let Stoppable { app, stop, served } = spawn_stoppable(Sandbox::builder(), |c| {
        c.drain = drain;
        c.body_idle_timeout = LONG;
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
        c.poll_floor_ms = 0;
    })
    .await;
    let token = app.demo_token().await;
    let path = protocol_path(&app);
    // The upstream holds the protocol: the request really waits.
    let gate = app.sandbox.hold();
    let before = app.sandbox.received();
    let request = {
        let client = app.client.clone();
        let url = app.url(&path);
        let token = token.clone();
        tokio::spawn(async move {
            client
                .get(url)
                .bearer_auth(token)
                .header("prefer", "wait=60")
                .send()
                .await
        })
    };
    app.sandbox.wait_for_calls(before + 1).await;
    // A client that holds a connection with half a head (closed when the drain starts), and
    // one whose request body stalls (in service: only the deadline ends it).
    let mut half_head = connect(&app).await;
    half_head
        .write_all(b"GET /v1/diadoc/organizations HTTP/1.1\r\nhost: gateway\r\n")
        .await
        .expect("write");
    let mut stuck = connect(&app).await;
    stuck
        .write_all(
            b"POST /v1/diadoc/sessions HTTP/1.1\r\nhost: gateway\r\n\
              content-type: application/json\r\ncontent-length: 100\r\n\r\n{",
        )
        .await
        .expect("write");
    let began = Instant::now();
    stop.send(()).expect("serve listens");
    let r = timeout(SAFETY, request)
        .await
        .expect("answered at once")
        .expect("task")
        .expect("response");
    assert!(!served.is_finished(), "answered before the deadline");
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["location"], path.as_str());
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["status"], "pending");
    // `serve` returns by the drain deadline although the stuck client is still there.
    let result = timeout(SAFETY, served).await.expect("serve returned");
    assert!(result.expect("task").is_ok());
    let took = began.elapsed();
    assert!(took >= drain - Duration::from_millis(50), "{took:?}");
    assert!(took < drain + Duration::from_secs(2), "{took:?}");
    assert!(until_closed(&mut half_head).await.is_empty());
    assert!(until_closed(&mut stuck).await.is_empty());
    // No new connection is served.
    assert!(
        TcpStream::connect(app.addr).await.is_err(),
        "the listener is closed"
    );
    drop(gate);
}

#[tokio::test]
async fn at_shutdown_a_held_long_request_over_http2_answers_202() {
    let Stoppable { app, stop, served } = spawn_stoppable(Sandbox::builder(), |c| {
        c.drain = Duration::from_secs(20);
        c.poll_floor_ms = 0;
    })
    .await;
    let token = app.demo_token().await;
    let path = protocol_path(&app);
    let gate = app.sandbox.hold();
    let before = app.sandbox.received();
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("client");
    let request = {
        let url = app.url(&path);
        tokio::spawn(async move {
            h2.get(url)
                .bearer_auth(token)
                .header("prefer", "wait=60")
                .send()
                .await
        })
    };
    app.sandbox.wait_for_calls(before + 1).await;
    stop.send(()).expect("serve listens");
    let r = timeout(SAFETY, request)
        .await
        .expect("answered at once")
        .expect("task")
        .expect("response");
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["location"], path.as_str());
    drop(r);
    // The last connection is gone well before the 20 s deadline.
    let result = timeout(SAFETY, served).await.expect("serve returned");
    assert!(result.expect("task").is_ok());
    drop(gate);
}

#[tokio::test]
async fn at_shutdown_an_event_stream_ends() {
    let Stoppable { app, stop, served } = spawn_stoppable(Sandbox::builder(), |c| {
        c.drain = Duration::from_secs(20);
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
    })
    .await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let mut r = app
        .send(
            Method::GET,
            &format!("/v1/diadoc/boxes/{box_id}/events"),
            &token,
            &[("accept", "text/event-stream")],
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    // The first events arrive: the stream is live.
    assert!(
        timeout(SAFETY, r.chunk())
            .await
            .expect("events")
            .expect("chunk")
            .is_some()
    );
    stop.send(()).expect("serve listens");
    // The stream ends (well before the 20 s deadline), and with it the last connection.
    timeout(SAFETY, async {
        while r.chunk().await.ok().flatten().is_some() {}
    })
    .await
    .expect("the stream ended");
    let result = timeout(SAFETY, served).await.expect("serve returned");
    assert!(result.expect("task").is_ok());
}

/// Sends `request` on a fresh connection; the problem answered before the close.
async fn refused(app: &TestApp, request: &[u8]) -> (u16, Value) {
    let mut client = connect(app).await;
    // The server may close before reading everything (431): a failed write is fine.
    let _ = client.write_all(request).await;
    let raw = until_closed(&mut client).await;
    let (head, problem) = split_problem(&raw);
    assert_eq!(header(&head, "connection"), Some("close"), "{head}");
    assert_eq!(problem["status"], status(&head), "{problem}");
    (status(&head), problem)
}

#[tokio::test]
async fn hypers_own_400_414_431_are_problems() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
    })
    .await;
    // A malformed header line.
    let (code, p) = refused(&app, b"GET / HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n").await;
    assert_eq!(code, 400);
    assert!(
        p["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/malformed-request"))
    );
    // A malformed request line.
    assert_eq!(refused(&app, b"GET\x01/ HTTP/1.1\r\n\r\n").await.0, 400);
    // A garbled HTTP/2 preface reaches the HTTP/1 parser.
    assert_eq!(
        refused(&app, b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n").await.0,
        400
    );
    // A request target over 65,534 bytes.
    let long = format!("GET /v1/{} HTTP/1.1\r\nhost: x\r\n\r\n", "a".repeat(66_000));
    let (code, p) = refused(&app, long.as_bytes()).await;
    assert_eq!(code, 414);
    assert!(
        p["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/uri-too-long"))
    );
    // Too many header lines.
    let mut many = String::from("GET / HTTP/1.1\r\nhost: x\r\n");
    for i in 0..120 {
        many.push_str(&format!("x-h{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    let (code, p) = refused(&app, many.as_bytes()).await;
    assert_eq!(code, 431);
    assert!(
        p["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/request-header-fields-too-large"))
    );
    // A head larger than the gateway buffers.
    let huge = format!(
        "GET / HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "b".repeat(200_000)
    );
    assert_eq!(refused(&app, huge.as_bytes()).await.0, 431);
}

#[tokio::test]
async fn a_malformed_second_request_on_a_kept_alive_connection_is_a_problem() {
    let app = spawn_with(Sandbox::builder(), |c| {
        c.header_timeout = LONG;
        c.keepalive_idle = LONG;
    })
    .await;
    let mut client = connect(&app).await;
    client.write_all(QUICK_GET).await.expect("write");
    let (head, body) = one_response(&mut client).await;
    assert_eq!(status(&head), 404);
    assert_eq!(
        header(&head, "content-type"),
        Some("application/problem+json")
    );
    assert!(!body.is_empty());
    client
        .write_all(b"GET / HTTP/1.1\r\nbroken header\r\n\r\n")
        .await
        .expect("write");
    let (head, problem) = split_problem(&until_closed(&mut client).await);
    assert_eq!(status(&head), 400);
    assert_eq!(problem["status"], 400);
}
