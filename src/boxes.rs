//! An organization's box, for calls that take a box where our REST path names an organization
//! (`DiadocCall::box_of_org`; GetCounteragents V2 took `myOrgId`, V3 takes `myBoxId`:
//! lifecycle.md §1.2, §1.4).
//!
//! * The lookup is `GET /GetOrganization?orgId=` (api.md, GetOrganization), with the caller's
//!   token: one organization, one small reply. GetMyOrganizations would list every organization
//!   of the user (large for integrators), can register organizations as a side effect and has a
//!   daily quota (api.md, GetMyOrganizations: 409 after 3 registration attempts), so it is not
//!   used for this.
//! * Several boxes: the first in Diadoc's order (`Organization.Boxes[0]`), as the organizations
//!   list shows them. No box: 404. An organization Diadoc does not know: its 404, passed on;
//!   a box the caller may not use: the main call's 403, passed on.
//! * Cached per caller: the key is a digest of the caller's token and the organization id
//!   (`keys::box_key`, never the token), in a bounded moka cache with a TTL; concurrent misses
//!   share one lookup, and failures are not stored.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use prost_reflect::{DynamicMessage, Value};

use crate::app::AppState;
use crate::exchange::Exchange;
use crate::keys::{self, CacheKey};
use crate::routes::{BoxOfOrg, DiadocCall, Service};
use crate::upstream::diadoc::DiadocRequest;
use crate::upstream::{UpstreamError, UpstreamFailure};

/// How long a looked-up box is kept. An organization's boxes rarely change; a token that stops
/// working is refused by the main call whatever is cached.
const TTL: Duration = Duration::from_secs(5 * 60);

/// How many (caller, organization) pairs are kept at most.
const CAPACITY: u64 = 10_000;

/// The per-caller cache of organizations' boxes (`BoxIdGuid`).
#[derive(Debug, Clone)]
pub(crate) struct BoxCache {
    inner: moka::future::Cache<CacheKey, Arc<str>>,
}

impl Default for BoxCache {
    fn default() -> Self {
        Self {
            inner: moka::future::Cache::builder()
                .time_to_live(TTL)
                .max_capacity(CAPACITY)
                .build(),
        }
    }
}

/// The main call's upstream query: the exchange's own, plus the organization's box when the
/// call has a box lookup.
pub(crate) async fn upstream_query<'a>(
    state: &AppState,
    call: &DiadocCall,
    ex: &'a Exchange,
) -> Result<Cow<'a, [(&'static str, String)]>, UpstreamError> {
    let Some(lookup) = call.box_of_org else {
        return Ok(Cow::Borrowed(&ex.query));
    };
    let org_id = ex.args.get(lookup.param).unwrap_or_default().to_owned();
    let key = keys::box_key(ex.token.as_ref(), &org_id);
    let found = state
        .boxes
        .inner
        .try_get_with(key, find_box(state, ex, lookup, org_id))
        .await
        .map_err(|e| clone_error(&e))?;
    let mut query = ex.query.clone();
    query.push((lookup.fills, found.to_string()));
    Ok(Cow::Owned(query))
}

/// The lookup route's call (`GET /GetOrganization?orgId=`) and the first box of the answer.
async fn find_box(
    state: &AppState,
    ex: &Exchange,
    lookup: BoxOfOrg,
    org_id: String,
) -> Result<Arc<str>, UpstreamError> {
    let (method, path, name) = lookup.lookup().ok_or_else(|| {
        UpstreamError::Unusable("the box lookup names no usable route".to_owned())
    })?;
    let query = [(name, org_id.clone())];
    let reply = state
        .diadoc
        .send(DiadocRequest {
            method: method.method(),
            path,
            query: &query,
            body: None,
            token: ex.token.as_ref(),
            reply_cap: crate::upstream::read::DEFAULT_REPLY_CAP,
            request_id: ex.request_id.as_ref(),
        })
        .await?;
    crate::sunset::note(state, ex.route, method, path, &reply);
    let descriptor = edi_proto::message(edi_proto::names::ORGANIZATION)
        .ok_or_else(|| UpstreamError::Unusable("Organization is not in the schema".to_owned()))?;
    let organization = DynamicMessage::decode(descriptor, reply.body.clone()).map_err(|e| {
        UpstreamError::Unusable(format!(
            "GetOrganization's reply is not an Organization: {e}"
        ))
    })?;
    let first = organization
        .get_field_by_name("Boxes")
        .and_then(|boxes| match boxes.as_ref() {
            Value::List(list) => list.first().and_then(Value::as_message).and_then(|b| {
                b.get_field_by_name("BoxIdGuid")
                    .and_then(|v| v.as_str().map(str::to_owned))
            }),
            _ => None,
        })
        .filter(|id| !id.is_empty());
    first.map(Arc::from).ok_or_else(|| {
        UpstreamError::Status(UpstreamFailure {
            service: Service::Diadoc,
            status: 404,
            error_code: None,
            trace_id: None,
            message: format!(
                "the organization {org_id} has no box in Diadoc (GetOrganization lists none), \
                 and this call is made on a box"
            ),
        })
    })
}

/// Every waiter of a shared lookup gets the one failure.
fn clone_error(e: &UpstreamError) -> UpstreamError {
    match e {
        UpstreamError::Status(f) => UpstreamError::Status(f.clone()),
        UpstreamError::RateLimited(f, secs) => UpstreamError::RateLimited(f.clone(), *secs),
        UpstreamError::Timeout => UpstreamError::Timeout,
        UpstreamError::Transport(why) => UpstreamError::Transport(why.clone()),
        UpstreamError::Unusable(why) => UpstreamError::Unusable(why.clone()),
        UpstreamError::EdinSessionRejected => UpstreamError::EdinSessionRejected,
        UpstreamError::EdinLoginRefused => UpstreamError::EdinLoginRefused,
        UpstreamError::EdinCaptchaRequired => UpstreamError::EdinCaptchaRequired,
        UpstreamError::TooLarge(n) => UpstreamError::TooLarge(*n),
        UpstreamError::CredentialUnavailable(c) => UpstreamError::CredentialUnavailable(c.clone()),
    }
}
