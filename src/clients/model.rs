//! What a managed client (service account) is, once its entry in the clients file has been read
//! and checked (`clients.rs` reads the file; the broker and the limiters read these values).
//! Every secret is a `SecretString` from the moment it is read, so `{:?}` of a client is safe.

use secrecy::SecretString;

/// A SHA-256 digest naming something without holding it: an API key, a credential.
pub type Digest = [u8; 32];

/// Kontur's production OpenID Connect issuer, the default of both SDKs (lifecycle.md §2.2:
/// `DEFAULT_OIDC_BASE_URL`, `DefaultOidcBaseUrl`).
pub const KONTUR_ISSUER: &str = "https://identity.kontur.ru";

/// One managed client.
#[derive(Debug)]
pub struct Client {
    /// The operator's name for it (logs, metrics, problem details; never a secret).
    pub name: String,
    /// A stable identity for the cache, polling and inbound-limit keys: SHA-256 over the name
    /// and its credentials' [`Diadoc::key`] / [`Edin::key`]. A reload that keeps the client as
    /// it was keeps its cached pages; one that changes its credentials starts afresh.
    pub id: Digest,
    /// Its Diadoc credential, if it may call Diadoc routes.
    pub diadoc: Option<Diadoc>,
    /// Its EDIN credential, if it may call EDIN routes.
    pub edin: Option<Edin>,
    /// Its own limits, where they differ from the gateway's defaults.
    pub limits: ClientLimits,
}

/// A Diadoc credential the gateway holds for a client.
#[derive(Debug)]
pub struct Diadoc {
    /// Names this credential (the broker's token, the upstream limiter's slots): SHA-256 over
    /// the kind and every field as the file gives it (secrets included, so a changed secret is
    /// a new credential) **except the OIDC refresh token**, which may rotate: the broker keeps
    /// the current one and notices when the file's changes. Two clients with the same
    /// credential share one token and one limit.
    pub key: Digest,
    /// How the gateway gets a token with it.
    pub login: DiadocLogin,
}

/// How the gateway gets a Diadoc token.
#[derive(Debug)]
pub enum DiadocLogin {
    /// OpenID Connect, refresh-token grant (lifecycle.md §2.2): `POST {issuer}/connect/token`;
    /// the access token goes as `Authorization: Bearer …`.
    Oidc {
        /// The issuer's base URL, no trailing slash ([`KONTUR_ISSUER`] unless the file says).
        issuer: String,
        /// The integrator app's `client_id`.
        client_id: String,
        /// Its `client_secret`.
        client_secret: SecretString,
        /// The refresh token, as the file gives it (a rotated one lives in the broker).
        refresh_token: SecretString,
        /// The file the refresh token was read from (`refresh_token_file`), if any: the broker
        /// writes a rotated refresh token back there when it can.
        refresh_token_file: Option<std::path::PathBuf>,
    },
    /// The legacy password login (Authenticate V3, obsolete per lifecycle.md §1.3) with the
    /// gateway's developer key; the token goes in the DiadocAuth header.
    Password {
        /// The Diadoc login.
        login: String,
        /// Its password.
        password: SecretString,
    },
}

/// An EDIN credential the gateway holds for a client (edin/api.md §2: e-mail and password).
#[derive(Debug)]
pub struct Edin {
    /// Names this credential (the broker's session), as [`Diadoc::key`] does.
    pub key: Digest,
    /// The EDIN login e-mail.
    pub email: String,
    /// Its password.
    pub password: SecretString,
}

/// A client's own limits; `None` takes the gateway's default (`Config`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimits {
    /// Diadoc requests at once with this client's credential (default
    /// `EDI_GATEWAY_DIADOC_CONCURRENCY`).
    pub diadoc_concurrency: Option<usize>,
    /// Diadoc requests per second with it (default `EDI_GATEWAY_DIADOC_PER_SECOND`).
    pub diadoc_per_second: Option<u32>,
    /// Inbound requests per second from this client (default `EDI_GATEWAY_CLIENT_PER_SECOND`).
    pub requests_per_second: Option<u32>,
    /// Inbound burst (default `EDI_GATEWAY_CLIENT_BURST`).
    pub burst: Option<u32>,
}
