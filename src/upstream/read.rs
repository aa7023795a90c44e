//! Bounded reads of upstream bodies. Nothing an upstream sends is held whole without a cap: a
//! `Content-Length` above the cap is refused before a byte is read, and a body that grows past
//! it (chunked, or lying about its length) is refused as soon as it does, so a 2 GiB reply
//! costs at most the cap plus one chunk. Either way the call ends as
//! [`UpstreamError::TooLarge`] (502 `upstream-reply-too-large` naming the cap).
//!
//! The caps are data: a route's Diadoc call carries its own (`DiadocCall::reply_cap`, default
//! [`DEFAULT_REPLY_CAP`], [`CONTENT_REPLY_CAP`] on the calls whose reply carries document
//! content); logins read at most [`LOGIN_REPLY_CAP`]; an error body at most
//! [`ERROR_BODY_CAP`]. File downloads stream or collect under their own caps (`download.rs`).

use bytes::{Bytes, BytesMut};

use super::UpstreamError;

/// The cap on a 2xx reply read whole, unless the route sets its own: 8 MiB. Diadoc's lists are
/// pages of at most 100 items (api.md, "Rate limits and size limits"), far below it.
pub const DEFAULT_REPLY_CAP: usize = 8 * 1024 * 1024;

/// The cap on replies that carry document content (GetDocflows, GetMessage, GetDocument,
/// templates, posted messages). api.md, "Rate limits and size limits": "The total content in
/// GetDocflows, GetMessage, GetTemplate and GetDocument is capped at 1048576 bytes"; 32 MiB
/// leaves room for the metadata and signatures around that content.
pub const CONTENT_REPLY_CAP: usize = 32 * 1024 * 1024;

/// The cap on a login's replies (Diadoc's token is a short text, EDIN's steps small JSON).
pub const LOGIN_REPLY_CAP: usize = 64 * 1024;

/// The cap on an error body (any non-2xx): Diadoc's errors are short plain text (api.md,
/// "Errors"); a longer one is a 502 naming this cap.
pub const ERROR_BODY_CAP: usize = 64 * 1024;

/// Reads the whole body of `response`, at most `cap` bytes.
pub(crate) async fn capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Bytes, UpstreamError> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(UpstreamError::TooLarge(cap));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len().saturating_add(chunk.len()) > cap {
            return Err(UpstreamError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// An error body (any non-2xx), at most [`ERROR_BODY_CAP`] bytes: a longer one is
/// [`UpstreamError::TooLarge`]. A body cut short by the connection keeps what arrived (the
/// refusal still has its status).
pub(crate) async fn error_body(mut response: reqwest::Response) -> Result<Bytes, UpstreamError> {
    if response
        .content_length()
        .is_some_and(|n| n > ERROR_BODY_CAP as u64)
    {
        return Err(UpstreamError::TooLarge(ERROR_BODY_CAP));
    }
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len().saturating_add(chunk.len()) > ERROR_BODY_CAP {
                    return Err(UpstreamError::TooLarge(ERROR_BODY_CAP));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            // A timeout while reading the refusal is still a timeout.
            Err(e) if e.is_timeout() => return Err(UpstreamError::Timeout),
            Err(_) => break,
        }
    }
    Ok(body.freeze())
}
