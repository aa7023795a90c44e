//! The token broker (issue 14): one upstream token per managed credential.
#![allow(dead_code)]
// INTEGRATION STUB (replaced by the broker helper's work at merge).
use crate::clients::{Diadoc, Edin};
use crate::upstream::UpstreamError;
use crate::upstream::diadoc::{DiadocAuthMode, DiadocClient};
use crate::upstream::edin::EdinClient;
use secrecy::SecretString;
#[derive(Debug)]
pub(crate) struct Broker {}
pub(crate) struct DiadocToken {
    pub token: SecretString,
    pub mode: DiadocAuthMode,
}
impl Broker {
    pub fn new(_http: reqwest::Client) -> Self {
        Self {}
    }
    pub async fn diadoc(
        &self,
        _c: &Diadoc,
        _d: &DiadocClient,
    ) -> Result<DiadocToken, UpstreamError> {
        Err(UpstreamError::Unusable("stub".into()))
    }
    pub async fn diadoc_after_401(
        &self,
        _c: &Diadoc,
        _s: &SecretString,
        _d: &DiadocClient,
    ) -> Result<DiadocToken, UpstreamError> {
        Err(UpstreamError::Unusable("stub".into()))
    }
    pub async fn edin(&self, _c: &Edin, _e: &EdinClient) -> Result<SecretString, UpstreamError> {
        Err(UpstreamError::Unusable("stub".into()))
    }
    pub async fn edin_after_reject(
        &self,
        _c: &Edin,
        _s: &SecretString,
        _e: &EdinClient,
    ) -> Result<SecretString, UpstreamError> {
        Err(UpstreamError::Unusable("stub".into()))
    }
}
