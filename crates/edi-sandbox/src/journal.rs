//! The journal: every request the sandbox received, in arrival order, with the status it was
//! answered with. Tests read it to check what reached "the upstream": which developer key was
//! sent, what the body decodes to, how many calls a burst of gateway requests made. Refused
//! requests (401, 404, injected faults) are journaled too.
//!
//! An entry is written when the request arrives and its status filled in once the reply is
//! chosen, before any configured delay. A request whose client gave up during the delay still
//! has its entry and status.
//!
//! Bounded: a ring of the newest [`DEFAULT_JOURNAL_CAPACITY`] entries (set with
//! `SandboxBuilder::journal_capacity`; 0 keeps none, as `demo` does), each holding at most the
//! first [`JOURNAL_BODY_BYTES`] of its request body ([`JournalEntry::body_len`] is the whole
//! length). Unbounded, a million requests in `demo` held 1.4 GB.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

/// One request as the sandbox received it.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// The HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// The path as sent, without the query (`/V3/GetCounteragents`).
    pub path: String,
    /// The query parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// The query string as sent, without the `?`.
    pub raw_query: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// Every header as (lower-case name, value); non-UTF-8 values are decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The request body, at most its first [`JOURNAL_BODY_BYTES`] (see `body_len`).
    pub body: Bytes,
    /// The length of the whole request body, in bytes.
    pub body_len: usize,
    /// The text fields of a `multipart/form-data` body as (name, value), in order (file parts
    /// are left out); empty for any other body, and for one that is not valid multipart.
    pub form: Vec<(String, String)>,
    /// The status the sandbox answered with (0 while the reply is still being chosen).
    pub status: u16,
    /// When the request arrived.
    pub at: Instant,
    /// How many calls carrying the same token (the `Bearer` token or the `ddauth_token`) were in
    /// flight at this call's arrival, itself included — also for a call refused with 429 for
    /// Kontur's limits, which then reads one more than the limit. 0 for a call that is not
    /// counted: no token, EDIN, the token endpoint (`limits.rs`).
    pub in_flight: usize,
}

impl JournalEntry {
    /// The first value of the query parameter `name` (exact name).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the form field `name` (exact name; see [`JournalEntry::form`]).
    pub fn form_field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of cookie `name` (exact name) in the `Cookie` request header(s): the first
    /// `name=value` pair among the `;`-separated pairs of every `Cookie` header, in order.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .find_map(|(_, v)| crate::call::cookie_in(v, name))
    }
}

/// How many entries a journal keeps unless the builder says otherwise: the newest 10,000.
pub const DEFAULT_JOURNAL_CAPACITY: usize = 10_000;

/// How much of each request body an entry keeps: the first 64 KiB.
pub const JOURNAL_BODY_BYTES: usize = 64 * 1024;

/// The entries, each with a sequence number so a reply can find its entry after the journal
/// was cleared or grew concurrently: a ring of at most `capacity` entries, the newest.
#[derive(Debug)]
pub(crate) struct Journal {
    next: u64,
    capacity: usize,
    entries: VecDeque<(u64, JournalEntry)>,
}

impl Default for Journal {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_JOURNAL_CAPACITY)
    }
}

impl Journal {
    /// An empty journal that keeps the newest `capacity` entries (0: none).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            next: 0,
            capacity,
            entries: VecDeque::new(),
        }
    }

    /// Records a request (its body cut to [`JOURNAL_BODY_BYTES`]) and returns its sequence
    /// number; the oldest entry goes when the journal is full.
    pub(crate) fn begin(&mut self, mut entry: JournalEntry) -> u64 {
        let seq = self.next;
        self.next += 1;
        if self.capacity == 0 {
            return seq;
        }
        entry.body_len = entry.body.len();
        if let Some(kept) = entry
            .body
            .get(..JOURNAL_BODY_BYTES)
            .filter(|_| entry.body_len > JOURNAL_BODY_BYTES)
        {
            // Copied, not sliced: a slice would keep the whole buffer alive.
            entry.body = Bytes::copy_from_slice(kept);
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back((seq, entry));
        seq
    }

    /// Sets the status of entry `seq`, if it is still there.
    pub(crate) fn finish(&mut self, seq: u64, status: u16) {
        if let Some((_, e)) = self.entries.iter_mut().rev().find(|(s, _)| *s == seq) {
            e.status = status;
        }
    }

    /// A copy of every entry, in arrival order.
    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().map(|(_, e)| e.clone()).collect()
    }

    /// Forgets every entry.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
