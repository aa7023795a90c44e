//! Server-Sent Events over a paged feed (a route with an [`EventStream`], asked for with
//! `Accept: text/event-stream`): Diadoc's box event feed followed live, statelessly.
//!
//! * **Catch-up.** A stream starts at the caller's cursor (`Last-Event-ID`, else `after`, else
//!   the feed's start) and reads the feed page by page with its own upstream calls, each page
//!   only when the previous one has been handed to the connection (the per-stream buffer is
//!   [`BUFFER`] events), until a page is short: then it is caught up.
//! * **Sharing.** A caught-up stream joins the [`Feeds`] poller of its feed, keyed by a digest of
//!   the caller's token, the route and the upstream query without the cursor (`keys::feed_key`):
//!   identical streams of one caller share one upstream poll per interval. The poller polls
//!   from its cursor every interval (at once again after a full page) and broadcasts each
//!   non-empty page as a batch tagged with the cursor it was read after. A stream whose cursor
//!   is that cursor sends the whole batch; one whose cursor is inside the batch sends what
//!   follows it; any other (it lagged behind the broadcast buffer, or the poller moved while it
//!   was joining) reads the feed itself again from its own cursor and joins anew. A joining
//!   stream moves the poller's cursor to its own, which the rules above keep correct for the
//!   others. So every stream sends each event once, in feed order, whatever joins or leaves.
//! * **Stopping.** A client that disconnects drops the response body; its task sees the closed
//!   channel and drops its subscription; the poller stops at its next tick once its last
//!   subscriber is gone (subscribing happens under the registry lock, so none joins a stopping
//!   poller). A `: keep-alive` comment after `EDI_GATEWAY_EVENTS_HEARTBEAT_SECS` of silence
//!   keeps proxies from closing an idle stream, and finds dead connections.
//! * **Errors.** Before the stream starts, a normal problem+json (400s before any upstream call,
//!   503 past `EDI_GATEWAY_EVENTS_MAX_STREAMS`). After: `event: error` with the problem JSON,
//!   then the end of the stream (for every subscriber of a failed poll).
//!
//! Nothing is kept beyond the open connections: a client that reconnects anywhere resumes from
//! its `Last-Event-ID`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use prost_reflect::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, mpsc};

use crate::app::AppState;
use crate::error::ApiError;
use crate::exchange::Exchange;
use crate::keys;
use crate::routes::{Call, DiadocReply, EventStream, Page, Route};
use crate::rules::CURSOR;
use crate::upstream::diadoc::DiadocRequest;

/// Events a stream holds that its connection has not taken yet (one page at most is read ahead).
pub(crate) const BUFFER: usize = 128;

/// Batches a poller keeps for subscribers that have not read them yet; one that falls further
/// behind reads the feed itself.
const BATCHES: usize = 16;

/// The registry of shared pollers and the bound on open streams, held in `AppState`.
#[derive(Debug)]
pub(crate) struct Feeds {
    interval: Duration,
    heartbeat: Duration,
    slots: Arc<Semaphore>,
    /// The bound of `slots` (for `open`).
    max: usize,
    pollers: Mutex<HashMap<[u8; 32], Arc<Poller>>>,
}

/// One feed's shared poller.
#[derive(Debug)]
struct Poller {
    tx: broadcast::Sender<Batch>,
    /// The cursor the next poll reads after.
    cursor: Mutex<Option<String>>,
}

/// One event, ready to send.
#[derive(Debug, Clone)]
struct Item {
    /// The item's cursor (`IndexKey`): the SSE `id`.
    id: String,
    /// The SSE `event` name.
    kind: &'static str,
    /// The item's JSON.
    data: String,
}

/// What a poller broadcasts.
#[derive(Debug, Clone)]
enum Batch {
    /// A non-empty page read after `after`.
    Items {
        after: Option<String>,
        items: Arc<[Item]>,
    },
    /// The poll failed: every subscriber ends with this error.
    Failed(Arc<ApiError>),
}

/// A page read from the feed.
struct Fetched {
    items: Vec<Item>,
    /// The page was full: more may follow at once.
    full: bool,
}

/// The feed a stream follows: the route's call with the caller's filters and token.
#[derive(Debug)]
struct Feed {
    route: &'static Route,
    page: Page,
    stream: EventStream,
    /// The upstream query without the cursor.
    query: Vec<(&'static str, String)>,
    caller: Option<crate::auth::Caller>,
    /// The page size sent upstream.
    limit: usize,
    key: [u8; 32],
}

impl Feeds {
    /// Streams poll every `interval` once caught up, send a keep-alive after `heartbeat` of
    /// silence, and at most `max` are open at once.
    pub(crate) fn new(interval: Duration, heartbeat: Duration, max: usize) -> Self {
        Self {
            interval,
            heartbeat,
            slots: Arc::new(Semaphore::new(max)),
            max,
            pollers: Mutex::new(HashMap::new()),
        }
    }

    /// Streams open now (`metrics.rs`).
    pub(crate) fn open(&self) -> usize {
        self.max.saturating_sub(self.slots.available_permits())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Arc<Poller>>> {
        // Every critical section is one lookup, insert or remove: the map stays consistent.
        self.pollers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Answers `ex` as a Server-Sent Events stream from `last_event_id` (else the route's cursor
/// parameter, else the start). The first page is read before the stream starts, so what the
/// upstream refuses at once (403 for a foreign box, 401) is a normal problem, as is 503 when
/// too many streams are open.
pub(crate) async fn respond(
    state: &AppState,
    ex: Exchange,
    last_event_id: Option<String>,
) -> Result<Response, ApiError> {
    let (Some(stream), Call::Diadoc(call)) = (ex.route.stream, &ex.route.upstream) else {
        return Err(ApiError::Internal(format!(
            "{} has no event stream",
            ex.route.id
        )));
    };
    let DiadocReply::Page(page) = call.reply else {
        return Err(ApiError::Internal(format!("{} is not a list", ex.route.id)));
    };
    let permit = Arc::clone(&state.feeds.slots)
        .try_acquire_owned()
        .map_err(|_| ApiError::Unavailable("too many event streams are open; reconnect later"))?;
    let cursor_name = match page.cursor.upstream {
        crate::routes::Target::Query(name) | crate::routes::Target::QueryOr(name, _) => name,
        crate::routes::Target::Body | crate::routes::Target::Lookup => page.cursor.name,
    };
    let start = last_event_id.or_else(|| ex.args.get(page.cursor.name).map(str::to_owned));
    let limit = page
        .size
        .and_then(|p| ex.args.int(p.name))
        .unwrap_or(page.default_size);
    let feed = Arc::new(Feed {
        route: ex.route,
        page,
        stream,
        query: ex
            .query
            .iter()
            .filter(|(name, _)| *name != cursor_name)
            .cloned()
            .collect(),
        caller: ex.caller.clone(),
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
        key: keys::feed_key(&ex, cursor_name),
    });
    let first = fetch(state, &feed, start.as_deref(), cursor_name).await?;
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(follow(
        state.clone(),
        feed,
        start,
        Some(first),
        tx,
        permit,
        cursor_name,
    ));
    let heartbeat = KeepAlive::new()
        .interval(state.feeds.heartbeat)
        .text("keep-alive");
    let mut response = Sse::new(Events(rx)).keep_alive(heartbeat).into_response();
    // The stream is the caller's and live: no cache may keep or buffer it.
    let headers = response.headers_mut();
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    headers.insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    Ok(response)
}

/// The stream of events a connection sends.
struct Events(mpsc::Receiver<Event>);

impl futures_util::Stream for Events {
    type Item = Result<Event, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|e| e.map(Ok))
    }
}

/// Why a stream stops sending.
enum Stop {
    /// The client is gone.
    Gone,
    /// The stream failed; the error event has been sent (or the client is gone too).
    Failed,
}

/// One stream: catch up, then follow the shared poller; again after falling out of step.
async fn follow(
    state: AppState,
    feed: Arc<Feed>,
    mut cursor: Option<String>,
    mut first: Option<Fetched>,
    tx: mpsc::Sender<Event>,
    _permit: OwnedSemaphorePermit,
    cursor_name: &'static str,
) {
    loop {
        if catch_up(&state, &feed, &mut cursor, first.take(), &tx, cursor_name)
            .await
            .is_err()
        {
            return;
        }
        let mut rx = join(&state, &feed, &cursor, cursor_name);
        loop {
            let batch = tokio::select! {
                () = tx.closed() => return,
                batch = rx.recv() => batch,
            };
            match batch {
                Ok(Batch::Items { after, items }) => {
                    let start = if after == cursor {
                        0
                    } else if let Some(p) =
                        items.iter().position(|i| Some(&i.id) == cursor.as_ref())
                    {
                        p + 1
                    } else {
                        // Out of step: read on from our own cursor.
                        break;
                    };
                    for item in items.iter().skip(start) {
                        if send(&tx, item).await.is_err() {
                            return;
                        }
                        cursor = Some(item.id.clone());
                    }
                }
                Ok(Batch::Failed(e)) => {
                    let _ = tx.send(error_event(&e)).await;
                    return;
                }
                // Fell behind the broadcast, or the poller ended: read on from our own cursor.
                Err(
                    broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed,
                ) => {
                    break;
                }
            }
        }
    }
}

/// Reads the feed from `cursor` until a short page (starting with `first` when it was read
/// already), sending each item. `Err` when the stream must stop.
async fn catch_up(
    state: &AppState,
    feed: &Feed,
    cursor: &mut Option<String>,
    mut first: Option<Fetched>,
    tx: &mpsc::Sender<Event>,
    cursor_name: &'static str,
) -> Result<(), Stop> {
    loop {
        let fetched = match first.take() {
            Some(page) => Ok(page),
            None => tokio::select! {
                () = tx.closed() => return Err(Stop::Gone),
                fetched = fetch(state, feed, cursor.as_deref(), cursor_name) => fetched,
            },
        };
        match fetched {
            Ok(page) => {
                for item in &page.items {
                    send(tx, item).await.map_err(|()| Stop::Gone)?;
                    *cursor = Some(item.id.clone());
                }
                if !page.full {
                    return Ok(());
                }
            }
            Err(e) => {
                let _ = tx.send(error_event(&e)).await;
                return Err(Stop::Failed);
            }
        }
    }
}

async fn send(tx: &mpsc::Sender<Event>, item: &Item) -> Result<(), ()> {
    let event = Event::default()
        .id(&item.id)
        .event(item.kind)
        .data(&item.data);
    tx.send(event).await.map_err(|_| ())
}

/// `event: error` with the problem JSON.
fn error_event(e: &ApiError) -> Event {
    Event::default()
        .event("error")
        .data(String::from_utf8_lossy(&e.problem_body()))
}

/// One page of the feed after `cursor`.
async fn fetch(
    state: &AppState,
    feed: &Feed,
    cursor: Option<&str>,
    cursor_name: &'static str,
) -> Result<Fetched, ApiError> {
    let Call::Diadoc(call) = &feed.route.upstream else {
        return Err(ApiError::Internal(
            "an event stream needs a Diadoc call".to_owned(),
        ));
    };
    let mut query = feed.query.clone();
    if let Some(c) = cursor {
        query.push((cursor_name, c.to_owned()));
    }
    let reply = crate::credentials::diadoc(
        state,
        crate::credentials::Via::queued(state, feed.caller.as_ref()),
        DiadocRequest {
            method: call.method.method(),
            path: call.path,
            query: &query,
            body: None,
            token: None,
            mode: None,
            reply_cap: call.reply_cap,
            // A feed's poller serves every subscriber: no one caller's request id.
            request_id: None,
        },
    )
    .await?;
    let list = state.transcoder.decode(feed.page.message, &reply.body)?;
    let mut items = Vec::new();
    if let Some(values) = list.get_field_by_name(feed.page.items) {
        if let Value::List(values) = values.as_ref() {
            for value in values {
                let Value::Message(event) = value else {
                    continue;
                };
                let id = event
                    .get_field_by_name(feed.page.key)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .filter(|k| CURSOR.is_match(k))
                    .ok_or_else(|| {
                        ApiError::BadGateway(format!("an event without a usable {}", feed.page.key))
                    })?;
                let data = state.transcoder.dynamic_to_json(event, &[]);
                items.push(Item {
                    id,
                    kind: (feed.stream.kind)(event),
                    data: String::from_utf8(data)
                        .map_err(|e| ApiError::Internal(format!("event JSON: {e}")))?,
                });
            }
        }
    }
    let full = items.len() >= feed.limit;
    Ok(Fetched { items, full })
}

/// Subscribes to the feed's poller, starting one if none runs; the poller reads on from
/// `cursor` (see the module docs).
fn join(
    state: &AppState,
    feed: &Arc<Feed>,
    cursor: &Option<String>,
    cursor_name: &'static str,
) -> broadcast::Receiver<Batch> {
    let mut pollers = state.feeds.lock();
    if let Some(poller) = pollers.get(&feed.key) {
        let mut at = poller.cursor.lock().unwrap_or_else(PoisonError::into_inner);
        if *at != *cursor {
            at.clone_from(cursor);
        }
        return poller.tx.subscribe();
    }
    let (tx, rx) = broadcast::channel(BATCHES);
    let poller = Arc::new(Poller {
        tx,
        cursor: Mutex::new(cursor.clone()),
    });
    pollers.insert(feed.key, Arc::clone(&poller));
    drop(pollers);
    tokio::spawn(poll(state.clone(), Arc::clone(feed), poller, cursor_name));
    rx
}

/// The shared poller: every interval (at once after a full page), one page after its cursor,
/// broadcast when not empty; stops when nobody listens, or after a failed poll.
async fn poll(state: AppState, feed: Arc<Feed>, poller: Arc<Poller>, cursor_name: &'static str) {
    let mut wait = true;
    loop {
        if wait {
            tokio::time::sleep(state.feeds.interval).await;
        }
        if release_if_unwatched(&state, &feed.key, &poller) {
            tracing::debug!(
                route = feed.route.id,
                "event poller stopped: no stream left"
            );
            return;
        }
        let after = poller
            .cursor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match fetch(&state, &feed, after.as_deref(), cursor_name).await {
            Ok(page) => {
                wait = !page.full;
                if let Some(last) = page.items.last() {
                    let mut at = poller.cursor.lock().unwrap_or_else(PoisonError::into_inner);
                    // A stream that joined meanwhile moved the cursor: its next poll reads from
                    // there, and this page goes to those it fits.
                    if *at == after {
                        *at = Some(last.id.clone());
                    }
                    drop(at);
                    let _ = poller.tx.send(Batch::Items {
                        after,
                        items: page.items.into(),
                    });
                }
            }
            Err(e) => {
                let mut pollers = state.feeds.lock();
                if pollers
                    .get(&feed.key)
                    .is_some_and(|p| Arc::ptr_eq(p, &poller))
                {
                    pollers.remove(&feed.key);
                }
                drop(pollers);
                let _ = poller.tx.send(Batch::Failed(Arc::new(e)));
                return;
            }
        }
    }
}

/// Removes the poller if no stream listens to it any more; true when it must stop. Under the
/// registry lock, like `join`, so no stream joins a stopping poller.
fn release_if_unwatched(state: &AppState, key: &[u8; 32], poller: &Arc<Poller>) -> bool {
    let mut pollers = state.feeds.lock();
    if poller.tx.receiver_count() > 0 {
        return false;
    }
    if pollers.get(key).is_some_and(|p| Arc::ptr_eq(p, poller)) {
        pollers.remove(key);
    }
    true
}
