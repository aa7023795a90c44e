//! Kontur's published limits kept per upstream credential, and inbound limits per client
//! (issue 14).
