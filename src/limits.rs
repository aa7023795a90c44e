//! Kontur's published limits kept per upstream credential, and inbound limits per client
//! (issue 14).
#![allow(dead_code)]
// INTEGRATION STUB (replaced by the limits helper's work at merge).
use std::time::Duration;
#[derive(Debug, Default)]
pub(crate) struct UpstreamLimits {}
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub concurrency: usize,
    pub per_second: u32,
}
#[derive(Debug)]
pub(crate) struct Slot {}
#[derive(Debug)]
pub(crate) struct Busy {
    pub retry_after: Duration,
    pub why: &'static str,
}
impl UpstreamLimits {
    pub async fn acquire(&self, _k: &[u8; 32], _l: Limits, _w: Duration) -> Result<Slot, Busy> {
        Ok(Slot {})
    }
}
#[derive(Debug, Default)]
pub(crate) struct Inbound {}
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    pub per_second: u32,
    pub burst: u32,
}
pub(crate) struct Quota {}
pub(crate) struct Refused {
    pub retry_after: Duration,
}
type H = Vec<(http::HeaderName, http::HeaderValue)>;
impl Quota {
    pub fn headers(&self) -> H {
        Vec::new()
    }
}
impl Refused {
    pub fn headers(&self) -> H {
        Vec::new()
    }
}
impl Inbound {
    pub fn check(&self, _k: &[u8; 32], _r: Rate) -> Result<Quota, Refused> {
        Ok(Quota {})
    }
}
