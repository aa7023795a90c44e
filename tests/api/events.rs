//! `GET /v1/diadoc/boxes/{boxId}/events` (GetNewEvents V8): a page of the box's event feed, and
//! the same feed followed as Server-Sent Events (`Accept: text/event-stream`) with one shared
//! upstream poll per interval for identical streams.
//!
//! The SSE tests run on tokio's paused clock (`tokio::time::pause`): the clock moves only when
//! every task waits, so poll intervals and heartbeats pass in order and no wall-clock time is
//! waited. Streams are read with reqwest's `bytes_stream` and the small parser below.

use std::time::Duration;

use edi_sandbox::Sandbox;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::helpers::{TestApp, problem, problem_fields, spawn_app, spawn_with};

const UPSTREAM: &str = "/V8/GetNewEvents";
const SSE: (&str, &str) = ("accept", "text/event-stream");

fn events_path(box_id: &str, query: &str) -> String {
    if query.is_empty() {
        format!("/v1/diadoc/boxes/{box_id}/events")
    } else {
        format!("/v1/diadoc/boxes/{box_id}/events?{query}")
    }
}

/// Every event of the box's feed, paged through the gateway.
async fn whole_feed(app: &TestApp, token: &str, box_id: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut query = "limit=100".to_owned();
    loop {
        let r = app.get(&events_path(box_id, &query), Some(token)).await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.expect("json");
        all.extend(page["events"].as_array().expect("events").iter().cloned());
        match page["nextAfter"].as_str() {
            Some(next) => query = format!("limit=100&after={next}"),
            None => return all,
        }
    }
}

fn key(event: &Value) -> String {
    event["indexKey"].as_str().expect("indexKey").to_owned()
}

#[tokio::test]
async fn the_feed_pages_oldest_first_with_next_after_and_link() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let r = app
        .get(&events_path(&box_id, "limit=10"), Some(&token))
        .await;
    assert_eq!(r.status(), 200);
    let link = r.headers()["link"].to_str().expect("link").to_owned();
    let page: Value = r.json().await.expect("json");
    let events = page["events"].as_array().expect("events");
    assert_eq!(events.len(), 10);
    let total = app.sandbox.event_count(&box_id).expect("box");
    assert_eq!(page["totalCount"], total);
    assert_eq!(page["totalCountType"], "Equal");
    assert_eq!(page["nextAfter"], events[9]["indexKey"]);
    assert!(
        link.contains(&format!("after={}", key(&events[9]))) && link.ends_with("rel=\"next\""),
        "{link}"
    );
    // Each event is a message or a patch, with its id and cursor; never document content.
    for e in events {
        assert!(e["eventId"].is_string(), "{e}");
        assert!(e["message"].is_object() || e["patch"].is_object(), "{e}");
    }
    let first = &events[0]["message"];
    assert!(first["timestampTicks"].is_string());
    assert!(
        first["entities"][0]["content"]["data"].is_null(),
        "no content: {first}"
    );

    // The next page starts right after the cursor.
    let next = app
        .get(
            &events_path(&box_id, &format!("limit=10&after={}", key(&events[9]))),
            Some(&token),
        )
        .await;
    let next: Value = next.json().await.expect("json");
    let all = whole_feed(&app, &token, &box_id).await;
    assert_eq!(all.len(), total);
    assert_eq!(next["events"][0], all[10]);
    let keys: Vec<String> = all.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "oldest first");

    let calls = app.upstream_calls(UPSTREAM);
    assert_eq!(calls[0].query_param("boxId"), Some(box_id.as_str()));
    assert_eq!(calls[0].query_param("limit"), Some("10"));
    assert_eq!(calls[0].query_param("afterIndexKey"), None);
    assert_eq!(
        calls[1].query_param("afterIndexKey"),
        Some(key(&events[9]).as_str())
    );
    assert!(
        calls
            .iter()
            .all(|c| c.query_param("afterEventId").is_none())
    );
}

#[tokio::test]
async fn the_last_page_has_no_next_and_the_default_page_is_100() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    let before_last = key(&all[all.len() - 3]);
    let r = app
        .get(
            &events_path(&box_id, &format!("after={before_last}")),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("link").is_none());
    let page: Value = r.json().await.expect("json");
    assert_eq!(page["events"].as_array().map(Vec::len), Some(2));
    assert!(page.get("nextAfter").is_none());
    // Without `limit` the gateway asks for 100: a page means the same whichever range Kontur
    // really has (lifecycle.md §1.4: 1..100 or 1..500).
    let last = app.upstream_calls(UPSTREAM).pop().expect("call");
    assert_eq!(last.query_param("limit"), Some("100"));
    // A page ignores `Last-Event-ID` (only a stream resumes from it).
    let r = app
        .send(
            Method::GET,
            &events_path(&box_id, "limit=1"),
            &token,
            &[("last-event-id", "not a key")],
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn filters_reach_the_upstream_in_its_names_and_units() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let r = app
        .get(
            &events_path(
                &box_id,
                "documentDirection=Inbound&messageType=Letter,Draft&typeNamedId=Nonformalized,Invoice\
                 &from=2024-08-06T12:36:38.8979088Z&to=2030-01-01T03:00:00%2B03:00",
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.expect("json");
    let events = page["events"].as_array().expect("events");
    assert!(!events.is_empty());
    let total = app.sandbox.event_count(&box_id).expect("box");
    assert!(page["totalCount"].as_u64().expect("count") < total as u64);
    let call = app.upstream_calls(UPSTREAM).pop().expect("call");
    assert_eq!(call.query_param("documentDirection"), Some("Inbound"));
    assert_eq!(call.query_param("messageType"), Some("Letter,Draft"));
    assert_eq!(
        call.query_param("typeNamedId"),
        Some("Nonformalized,Invoice")
    );
    // api.md, "Time values": the docs' own pair.
    assert_eq!(
        call.query_param("timestampFromTicks"),
        Some("638585445988979088")
    );
    // 2030-01-01T00:00:00Z = Unix 1893456000.
    assert_eq!(
        call.query_param("timestampToTicks"),
        Some("640290528000000000")
    );
    // Every event returned is inbound: a message from someone else, or a patch to one.
    for e in events {
        if let Some(m) = e.get("message") {
            assert_ne!(m["fromBoxId"], box_id.as_str(), "{e}");
        }
    }
}

#[tokio::test]
async fn bad_parameters_are_400s_before_any_upstream_call() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("documentDirection=Sideways", "documentDirection"),
        ("documentDirection=Inbound,%20Outbound", "documentDirection"),
        ("messageType=letter", "messageType"),
        ("typeNamedId=a.b", "typeNamedId"),
        ("from=yesterday", "from"),
        ("from=2024-02-30T00:00:00Z", "from"),
        ("to=2024-08-06T12:36:38", "to"),
        ("to=2024-08-06T12:36:38.123456789Z", "to"),
        ("after=%20", "after"),
        ("afterEventId=x", "afterEventId"),
        ("orderBy=Descending", "orderBy"),
    ] {
        let r = app.get(&events_path(&box_id, query), Some(&token)).await;
        assert_eq!(r.status(), 400, "{query}");
        let p = problem(r).await;
        assert_eq!(problem_fields(&p), [field], "{query}");
    }
    let r = app.get(&events_path("nope", ""), Some(&token)).await;
    assert_eq!(problem_fields(&problem(r).await), ["boxId"]);
    let r = app.get(&events_path(&box_id, ""), None).await;
    assert_eq!(r.status(), 401);
    let r = app
        .send(
            Method::GET,
            &events_path(&box_id, ""),
            &token,
            &[SSE, ("last-event-id", "bad id")],
            None,
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(problem_fields(&problem(r).await), ["Last-Event-ID"]);
    let r = app
        .send(
            Method::GET,
            &events_path(&box_id, ""),
            &token,
            &[("accept", "image/png")],
            None,
        )
        .await;
    assert_eq!(r.status(), 406);
    assert!(app.upstream_calls(UPSTREAM).is_empty());
}

#[tokio::test]
async fn another_users_box_is_the_upstream_s_403() {
    let app = spawn_app().await;
    let token = app.demo_token().await;
    let other = app.sandbox.seed().other_box_id_guid().to_owned();
    let r = app.get(&events_path(&other, ""), Some(&token)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
    // The same refusal, asked as a stream, is a problem before the stream starts (its first
    // page is read first).
    let r = app
        .send(Method::GET, &events_path(&other, ""), &token, &[SSE], None)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["upstream"]["status"], 403);
    assert_eq!(app.upstream_calls(UPSTREAM).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events

/// One SSE block: its fields, or a comment.
#[derive(Debug, Default, Clone)]
struct Frame {
    id: Option<String>,
    event: Option<String>,
    data: String,
    comment: Option<String>,
}

/// An SSE response read by a task into frames; dropping it closes the connection.
struct Stream {
    rx: mpsc::UnboundedReceiver<Frame>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stream {
    fn read(response: reqwest::Response) -> Self {
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an event stream"
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut bytes = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = bytes.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if tx.send(parse(&block)).is_err() {
                        return;
                    }
                }
            }
        });
        Self { rx, task }
    }

    /// The next frame (comments included); fails the test after ten minutes of paused time.
    async fn frame(&mut self) -> Frame {
        tokio::time::timeout(Duration::from_secs(600), self.rx.recv())
            .await
            .expect("a frame in time")
            .expect("the stream is open")
    }

    /// The next event, skipping comments.
    async fn next(&mut self) -> Frame {
        loop {
            let frame = self.frame().await;
            if frame.comment.is_none() {
                return frame;
            }
        }
    }

    /// Whether the stream ended (within ten minutes of paused time).
    async fn ended(&mut self) -> bool {
        loop {
            match tokio::time::timeout(Duration::from_secs(600), self.rx.recv()).await {
                Ok(None) => return true,
                Ok(Some(f)) if f.comment.is_some() => {}
                Ok(Some(_)) | Err(_) => return false,
            }
        }
    }
}

fn parse(block: &str) -> Frame {
    let mut frame = Frame::default();
    let mut data = Vec::new();
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            frame.comment = Some(comment.trim().to_owned());
            continue;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match name {
            "id" => frame.id = Some(value.to_owned()),
            "event" => frame.event = Some(value.to_owned()),
            "data" => data.push(value.to_owned()),
            _ => {}
        }
    }
    frame.data = data.join("\n");
    frame
}

/// A gateway polling every second, with a heartbeat every `heartbeat` seconds.
async fn spawn_sse(heartbeat: u64) -> TestApp {
    spawn_with(Sandbox::builder(), |c| {
        c.events_poll_secs = 1;
        c.events_heartbeat_secs = heartbeat;
    })
    .await
}

async fn open(app: &TestApp, token: &str, path: &str, headers: &[(&str, &str)]) -> Stream {
    let mut all = vec![SSE];
    all.extend_from_slice(headers);
    let r = app.send(Method::GET, path, token, &all, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    Stream::read(r)
}

/// The event frame's JSON, checked against its id.
fn event_json(frame: &Frame) -> Value {
    let json: Value = serde_json::from_str(&frame.data).expect("event json");
    assert_eq!(Some(key(&json)), frame.id, "id is the event's indexKey");
    json
}

#[tokio::test]
async fn a_stream_sends_the_feed_in_order_from_last_event_id() {
    let app = spawn_sse(3600).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    let from = all.len() - 5;
    tokio::time::pause();
    // `Last-Event-ID` wins over `after`.
    let mut sse = open(
        &app,
        &token,
        &events_path(&box_id, &format!("after={}", key(&all[0]))),
        &[("last-event-id", &key(&all[from]))],
    )
    .await;
    for expected in &all[from + 1..] {
        let frame = sse.next().await;
        assert_eq!(frame.id.as_deref(), Some(key(expected).as_str()));
        let json = event_json(&frame);
        assert_eq!(&json, expected, "the same JSON as the page");
        let kind = if json.get("patch").is_some() {
            "patch"
        } else {
            "message"
        };
        assert_eq!(frame.event.as_deref(), Some(kind));
    }
    let call = app.upstream_calls(UPSTREAM).pop().expect("call");
    assert_eq!(
        call.query_param("afterIndexKey"),
        Some(key(&all[from]).as_str())
    );

    // Reconnecting from the third of them resumes right after it.
    drop(sse);
    let mut again = open(
        &app,
        &token,
        &events_path(&box_id, ""),
        &[("last-event-id", &key(&all[from + 2]))],
    )
    .await;
    assert_eq!(again.next().await.id, Some(key(&all[from + 3])));

    // Without Last-Event-ID the stream starts after `after`.
    let mut after = open(
        &app,
        &token,
        &events_path(&box_id, &format!("after={}", key(&all[from + 3]))),
        &[],
    )
    .await;
    assert_eq!(after.next().await.id, Some(key(&all[from + 4])));
}

#[tokio::test]
async fn a_stream_from_the_start_catches_up_page_by_page() {
    let app = spawn_sse(3600).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let total = app.sandbox.event_count(&box_id).expect("box");
    tokio::time::pause();
    let mut sse = open(&app, &token, &events_path(&box_id, "limit=40"), &[]).await;
    let mut ids = Vec::new();
    for _ in 0..total {
        ids.push(sse.next().await.id.expect("id"));
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "in order, each once");
    let calls = app.upstream_calls(UPSTREAM);
    assert_eq!(calls.len(), total / 40 + 1, "one read per page");
    assert!(calls.iter().all(|c| c.query_param("limit") == Some("40")));
}

#[tokio::test]
async fn new_events_are_delivered_after_the_next_poll() {
    let app = spawn_sse(3600).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    let last = key(&all[all.len() - 1]);
    tokio::time::pause();
    let before = app.sandbox.received();
    let mut sse = open(
        &app,
        &token,
        &events_path(&box_id, ""),
        &[("last-event-id", &last)],
    )
    .await;
    app.sandbox.wait_for_calls(before + 1).await;
    let first = app.sandbox.append_letter(&box_id).expect("box");
    let second = app.sandbox.append_letter(&box_id).expect("box");
    let frame = sse.next().await;
    assert_eq!(frame.id.as_deref(), Some(first.as_str()));
    assert_eq!(frame.event.as_deref(), Some("message"));
    let json = event_json(&frame);
    assert_eq!(json["message"]["messageType"], "Letter");
    assert_eq!(sse.next().await.id.as_deref(), Some(second.as_str()));
    let polls = app.upstream_calls(UPSTREAM);
    let poll = polls.last().expect("poll");
    assert_eq!(poll.query_param("afterIndexKey"), Some(last.as_str()));
}

#[tokio::test]
async fn identical_streams_share_one_poll_per_interval_and_stop_when_gone() {
    let app = spawn_sse(2).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    let last = key(&all[all.len() - 1]);
    let path = events_path(&box_id, "documentDirection=Inbound");
    tokio::time::pause();
    let before = app.sandbox.received();
    let mut a = open(&app, &token, &path, &[("last-event-id", &last)]).await;
    let mut b = open(&app, &token, &path, &[("last-event-id", &last)]).await;
    // Both have read up to the end themselves (one call each).
    app.sandbox.wait_for_calls(before + 2).await;
    let caught_up = app.upstream_calls(UPSTREAM).len();

    // Ten intervals: ten shared polls, not twenty.
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    let polls = app.upstream_calls(UPSTREAM).len() - caught_up;
    assert!((9..=11).contains(&polls), "{polls} polls in 10 intervals");

    // A new event reaches both streams through one poll.
    let appended = app.sandbox.append_letter(&box_id).expect("box");
    let at = app.upstream_calls(UPSTREAM).len();
    assert_eq!(a.next().await.id.as_deref(), Some(appended.as_str()));
    assert_eq!(b.next().await.id.as_deref(), Some(appended.as_str()));
    assert_eq!(
        app.upstream_calls(UPSTREAM).len(),
        at + 1,
        "one poll for both"
    );

    // One leaves: the other still gets its events.
    drop(a);
    let next = app.sandbox.append_letter(&box_id).expect("box");
    assert_eq!(b.next().await.id.as_deref(), Some(next.as_str()));

    // Both gone: the heartbeat finds the closed connections, the poller stops.
    drop(b);
    tokio::time::sleep(Duration::from_secs(30)).await;
    let settled = app.upstream_calls(UPSTREAM).len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        app.upstream_calls(UPSTREAM).len(),
        settled,
        "no polls once every stream is gone"
    );
}

#[tokio::test]
async fn streams_with_other_filters_poll_on_their_own() {
    let app = spawn_sse(3600).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    let last = key(&all[all.len() - 1]);
    tokio::time::pause();
    let before = app.sandbox.received();
    let _a = open(
        &app,
        &token,
        &events_path(&box_id, "messageType=Letter"),
        &[("last-event-id", &last)],
    )
    .await;
    let _b = open(
        &app,
        &token,
        &events_path(&box_id, ""),
        &[("last-event-id", &last)],
    )
    .await;
    app.sandbox.wait_for_calls(before + 2).await;
    let caught_up = app.upstream_calls(UPSTREAM).len();
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    let polls = app.upstream_calls(UPSTREAM).len() - caught_up;
    assert!(
        (9..=11).contains(&polls),
        "{polls}: two feeds, five intervals"
    );
}

#[tokio::test]
async fn an_idle_stream_sends_keep_alive_comments() {
    let app = spawn_sse(15).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    tokio::time::pause();
    let mut sse = open(
        &app,
        &token,
        &events_path(&box_id, ""),
        &[("last-event-id", &key(&all[all.len() - 1]))],
    )
    .await;
    let frame = sse.frame().await;
    assert_eq!(frame.comment.as_deref(), Some("keep-alive"), "{frame:?}");
    assert!(frame.id.is_none() && frame.event.is_none());
}

#[tokio::test]
async fn a_failed_poll_ends_the_stream_with_an_error_event() {
    let app = spawn_sse(3600).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    tokio::time::pause();
    let before = app.sandbox.received();
    let mut sse = open(
        &app,
        &token,
        &events_path(&box_id, ""),
        &[("last-event-id", &key(&all[all.len() - 1]))],
    )
    .await;
    app.sandbox.wait_for_calls(before + 1).await;
    app.sandbox.expire_tokens();
    let frame = sse.next().await;
    assert_eq!(frame.event.as_deref(), Some("error"));
    let p: Value = serde_json::from_str(&frame.data).expect("problem");
    assert_eq!(p["status"], 401);
    assert_eq!(p["type"], "https://edi-gateway.dev/problems/upstream-error");
    assert!(sse.ended().await);
}

#[tokio::test]
async fn streams_past_the_bound_get_503() {
    let app = spawn_with(Sandbox::builder(), |c| c.events_max_streams = 1).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let first = app
        .send(Method::GET, &events_path(&box_id, ""), &token, &[SSE], None)
        .await;
    assert_eq!(first.status(), 200);
    let r = app
        .send(Method::GET, &events_path(&box_id, ""), &token, &[SSE], None)
        .await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let p = problem(r).await;
    assert_eq!(p["status"], 503);
    // The JSON page is not a stream: it is still served.
    let page = app
        .get(&events_path(&box_id, "limit=1"), Some(&token))
        .await;
    assert_eq!(page.status(), 200);
    drop(first);
}

#[tokio::test]
async fn streams_that_started_at_different_places_share_the_poller_without_repeats() {
    let app = spawn_sse(3600).await;
    let token = app.demo_token().await;
    let box_id = app.sandbox.seed().first_box_id_guid().to_owned();
    let all = whole_feed(&app, &token, &box_id).await;
    let n = all.len();
    let path = events_path(&box_id, "");
    tokio::time::pause();
    let mut a = open(&app, &token, &path, &[("last-event-id", &key(&all[n - 1]))]).await;
    let mut b = open(&app, &token, &path, &[("last-event-id", &key(&all[n - 3]))]).await;
    assert_eq!(b.next().await.id, Some(key(&all[n - 2])));
    assert_eq!(b.next().await.id, Some(key(&all[n - 1])));
    let mut appended = Vec::new();
    for _ in 0..3 {
        let new = app.sandbox.append_letter(&box_id).expect("box");
        assert_eq!(a.next().await.id.as_deref(), Some(new.as_str()));
        assert_eq!(b.next().await.id.as_deref(), Some(new.as_str()));
        appended.push(new);
    }
    // A third stream joins from further back while the poller runs: it reads up to the end
    // itself, then follows with the others, each event once.
    let mut c = open(&app, &token, &path, &[("last-event-id", &key(&all[n - 2]))]).await;
    assert_eq!(c.next().await.id, Some(key(&all[n - 1])));
    for new in &appended {
        assert_eq!(c.next().await.id.as_ref(), Some(new));
    }
    let last = app.sandbox.append_letter(&box_id).expect("box");
    for sse in [&mut a, &mut b, &mut c] {
        assert_eq!(sse.next().await.id.as_deref(), Some(last.as_str()));
    }
}
