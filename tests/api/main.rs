//! One integration-test binary: a real gateway against a real sandbox, both on port 0.

mod helpers;

mod account;
mod breaker;
mod counteragents;
mod credentials;
mod docflows;
mod documents;
mod edge;
mod edin;
mod edin_documented;
mod edin_groups;
mod errors;
mod events;
mod faults;
mod files;
mod input;
mod managed_routes;
mod messages;
mod openapi;
mod operate;
mod partners;
mod protocol;
mod router;
mod server;
mod sessions;
mod templates;
