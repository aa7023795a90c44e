//! The crate's integration tests: one binary, one module per concern.

mod conventions;
mod naming;
mod paging;
mod problems;
mod robustness;
mod roundtrip;
mod support;
mod timestamps;
