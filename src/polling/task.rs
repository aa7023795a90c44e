//! The start-then-poll shape (`Polling::Task`, api.md AcquireCounteragent): one call starts a
//! task upstream and answers its id, and a different call polls the task's result, answering
//! "still working" with 204 + `Retry-After` like any long request.
//!
//! The caller makes ONE long request. [`start_then_poll`]:
//! 1. sends the starting call **once**: it is a POST with no `operationId` (api.md:
//!    "there is no `operationId`"), so after a transport failure or a timeout nobody knows
//!    whether it was applied; the caller gets a 502/504 saying so, never a second invitation;
//! 2. drops the caller's cached pages the route names (`Route::invalidates`): the task may
//!    change them at any moment from now on;
//! 3. reads the task id from the reply and turns the request into the result route's: its path
//!    (the starting route's path parameters plus the task id), validated like a caller's;
//! 4. waits on that call with what is left of the caller's budget, exactly as a request to the
//!    result route would (`dispatch::long_request`): identical waiters share one polling loop,
//!    and when the budget runs out the 202's `Location` is the result route's URL.
//!
//! Stateless: the task id travels in the `Location` path, so any replica answers it; the
//! upstream keeps the task.

use std::sync::Arc;

use axum::http::{HeaderName, StatusCode};
use axum::response::Response;

use crate::app::AppState;
use crate::dispatch::{LongCall, long_request, send};
use crate::error::ApiError;
use crate::exchange::{Exchange, Payload};
use crate::params;
use crate::routes::TaskPoll;
use crate::upstream::{UpstreamError, UpstreamReply};

/// Serves a `Polling::Task` route (see the module docs).
pub(crate) async fn start_then_poll(
    state: &AppState,
    call: LongCall,
    task: &'static TaskPoll,
) -> Response {
    let began = tokio::time::Instant::now();
    let reply = match send(state, &call.ex).await {
        Ok(reply) => reply,
        Err(e @ (UpstreamError::Transport(_) | UpstreamError::Timeout)) => {
            tracing::warn!(
                route = call.ex.route.id,
                error = %e,
                "the task's start got no answer; not repeated"
            );
            return finish(
                &call,
                ApiError::OutcomeUnknown {
                    timed_out: matches!(e, UpstreamError::Timeout),
                }
                .render(),
            );
        }
        Err(e) => return finish(&call, ApiError::from(e).render()),
    };
    state.cache.invalidate_for(&call.ex).await;
    let result = task_id(state, task, &reply).and_then(|id| result_call(&call.ex, task, &id));
    let ex = match result {
        Ok(ex) => ex,
        Err(e) => return finish(&call, e.render()),
    };
    let budget = call.budget.saturating_sub(began.elapsed());
    long_request(
        state,
        LongCall {
            ex: Arc::new(ex),
            budget,
            ..call
        },
    )
    .await
}

/// An early answer, with `Preference-Applied` as every answer of a long request has.
fn finish(call: &LongCall, mut response: Response) -> Response {
    if let Some(applied) = call.prefer.applied(call.granted) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("preference-applied"), applied);
    }
    response
}

/// The task id in the starting call's reply.
fn task_id(state: &AppState, task: &TaskPoll, reply: &UpstreamReply) -> Result<String, ApiError> {
    if reply.status == StatusCode::NO_CONTENT || reply.body.is_empty() {
        return Err(ApiError::BadGateway(
            "the task was started without a task id".to_owned(),
        ));
    }
    let started = state.transcoder.decode(task.started, &reply.body)?;
    started
        .get_field_by_name(task.task_id)
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::BadGateway(format!("the reply has no {}", task.task_id)))
}

/// The result route's exchange for task `task_id`, as if the caller had requested its URL:
/// the path parameters of the start plus the task id, validated by the result route's rules.
fn result_call(start: &Exchange, task: &TaskPoll, task_id: &str) -> Result<Exchange, ApiError> {
    let route = task.result;
    let (path, captures) = fill_path(route.path, |name| {
        if name == task.task_param {
            Some(task_id.to_owned())
        } else {
            start.args.get(name).map(str::to_owned)
        }
    })
    .ok_or_else(|| ApiError::Internal(format!("{} has an unfilled placeholder", route.id)))?;
    let args = params::validate(route, &captures, None).map_err(|_| {
        ApiError::BadGateway(format!("the task id is not usable in {}'s path", route.id))
    })?;
    let uri = path
        .parse::<http::Uri>()
        .map_err(|e| ApiError::Internal(format!("task path: {e}")))?;
    Ok(Exchange {
        route,
        query: args.upstream_query(route),
        args,
        payload: Payload::Empty,
        caller: start.caller.clone(),
        idempotency_key: None,
        uri,
        request_id: start.request_id.clone(),
    })
}

/// `template` (`/v1/…/{boxId}/…/{taskId}`) with each placeholder's value, percent-encoded as a
/// path segment, and the (name, value) pairs; `None` when a placeholder has no value.
fn fill_path(
    template: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Option<(String, Vec<(String, String)>)> {
    let mut url = url::Url::parse("http://gateway/").ok()?;
    let mut captures = Vec::new();
    {
        let mut segments = url.path_segments_mut().ok()?;
        segments.clear();
        for segment in template.trim_start_matches('/').split('/') {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let filled = value(name)?;
                    segments.push(&filled);
                    captures.push((name.to_owned(), filled));
                }
                None => {
                    segments.push(segment);
                }
            }
        }
    }
    Some((url.path().to_owned(), captures))
}

#[cfg(test)]
mod tests {
    use super::fill_path;

    #[test]
    fn a_task_path_is_filled_and_encoded() {
        let (path, captures) = fill_path(
            "/v1/diadoc/boxes/{boxId}/counteragent-tasks/{taskId}",
            |n| {
                Some(if n == "boxId" {
                    "b-1".to_owned()
                } else {
                    "a/b c".to_owned()
                })
            },
        )
        .expect("filled");
        assert_eq!(path, "/v1/diadoc/boxes/b-1/counteragent-tasks/a%2Fb%20c");
        assert_eq!(captures[1], ("taskId".to_owned(), "a/b c".to_owned()));
        assert!(fill_path("/x/{y}", |_| None).is_none());
    }
}
