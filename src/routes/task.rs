//! [`TaskPoll`]: the start-then-poll shape of a long request, as data on the route
//! (`Polling::Task`). The route's own call starts the task and answers its id; the result is
//! then polled through another route (`result`), whose call is a plain `Polling::RetryAfter`
//! long request. When the caller's wait runs out, the 202 points at that route with the task id
//! in its path, so any replica can answer it: nothing is kept here.

use super::Route;

/// How a task-starting call hands over to its result.
#[derive(Debug)]
pub struct TaskPoll {
    /// The message the starting call answers with (`AsyncMethodResult`).
    pub started: &'static str,
    /// Its field holding the task id (proto name: `TaskId`).
    pub task_id: &'static str,
    /// The route that polls the result: a `GET` whose path has the starting route's path
    /// parameters plus [`TaskPoll::task_param`]; the 202's `Location`.
    pub result: &'static Route,
    /// The result route's path parameter that takes the task id.
    pub task_param: &'static str,
}

/// Task shapes are constants; two are the same shape when they are the same constant.
impl PartialEq for TaskPoll {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for TaskPoll {}
