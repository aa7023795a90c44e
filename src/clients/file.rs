//! The clients file's schema (TOML, `docs/clients.md`) and its checks: a `[[client]]` entry
//! becomes a [`Client`] only when every rule holds, and the first broken rule is the answer.
//!
//! Every message names the file, the client (`client[i]`, 0-based, and its name once the name
//! is known to be valid) and the field, and never a value: a secret could stand anywhere, even
//! in the wrong field, so values (and quoted text in the TOML parser's messages) stay out.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::source::Content;
use super::{
    Client, ClientLimits, Clients, Diadoc, DiadocLogin, Digest, Edin, Entry, KONTUR_ISSUER, Parts,
};

/// The most clients one file may describe.
pub(crate) const MAX_CLIENTS: usize = 10_000;
/// The most API keys one client may have (rotation needs two; a few more do no harm).
pub(crate) const MAX_KEYS: usize = 16;
/// The longest name.
pub(crate) const MAX_NAME: usize = 64;
/// The longest login, e-mail or `client_id`.
pub(crate) const MAX_TEXT: usize = 256;
/// The most Diadoc requests at once a client may be given.
pub(crate) const MAX_CONCURRENCY: usize = 1024;

// === the schema ===

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    client: Vec<RawClient>,
}

/// One `[[client]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    name: String,
    api_key_sha256: KeyHashes,
    diadoc: Option<RawDiadoc>,
    edin: Option<RawEdin>,
    #[serde(default)]
    limits: RawLimits,
}

/// `[client.diadoc]`: the OpenID Connect fields or the password ones, never both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiadoc {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    client_secret_file: Option<PathBuf>,
    refresh_token: Option<SecretString>,
    refresh_token_file: Option<PathBuf>,
    login: Option<String>,
    password: Option<SecretString>,
    password_file: Option<PathBuf>,
}

/// `[client.edin]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdin {
    email: String,
    password: Option<SecretString>,
    password_file: Option<PathBuf>,
}

/// `[client.limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    diadoc_concurrency: Option<usize>,
    diadoc_per_second: Option<u32>,
    requests_per_second: Option<u32>,
    burst: Option<u32>,
}

/// `api_key_sha256`: one hex digest, or a list of them (key rotation). Checked later, so the
/// message can name the client.
#[derive(Debug)]
struct KeyHashes(Vec<String>);

impl<'de> Deserialize<'de> for KeyHashes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Hashes;
        impl<'de> Visitor<'de> for Hashes {
            type Value = KeyHashes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SHA-256 hex digest or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyHashes, E> {
                Ok(KeyHashes(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyHashes, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<String>()? {
                    // Bounded here, not after: a list of a million strings is refused early.
                    if all.len() == MAX_KEYS {
                        return Err(de::Error::custom(format_args!(
                            "more than {MAX_KEYS} key digests"
                        )));
                    }
                    all.push(one);
                }
                Ok(KeyHashes(all))
            }
        }
        deserializer.deserialize_any(Hashes)
    }
}

// === parsing ===

/// Parses the file's text. The message never quotes the text.
pub(crate) fn parse(path: &Path, text: &str) -> Result<RawFile, String> {
    let raw: RawFile = toml::Deserializer::parse(text)
        .map_err(|e| describe(path, text, "", &e))
        .and_then(|de| {
            serde_path_to_error::deserialize(de)
                .map_err(|e| describe(path, text, &e.path().to_string(), e.inner()))
        })?;
    if raw.client.len() > MAX_CLIENTS {
        return Err(format!(
            "{}: {} clients; at most {MAX_CLIENTS}",
            path.display(),
            raw.client.len()
        ));
    }
    Ok(raw)
}

/// `file: line L, column C: client[1].diadoc: message` from the TOML parser's error, without
/// its source excerpt (the line could hold a secret) and with quoted text blanked (serde says
/// `invalid type: string "…"`, quoting the value).
fn describe(path: &Path, text: &str, at: &str, e: &toml::de::Error) -> String {
    let mut out = format!("{}", path.display());
    if let Some(span) = e.span() {
        let before = text.get(..span.start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        out.push_str(&format!(": line {line}, column {column}"));
    }
    if !at.is_empty() && at != "." {
        out.push_str(": ");
        out.push_str(at);
    }
    out.push_str(": ");
    out.push_str(&blank_quoted(e.message().trim()));
    out
}

/// Replaces what is between double quotes in a message with `…`; text between backticks (a
/// field name, or the parser's `"` in "expected `\"`") is kept. An opening quote with no
/// closing one blanks the rest.
pub(super) fn blank_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '`' => {
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '`' {
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for inner in chars.by_ref() {
                    match inner {
                        '"' if !escaped => break,
                        '\\' if !escaped => escaped = true,
                        _ => escaped = false,
                    }
                }
                out.push_str("…\"");
            }
            _ => {}
        }
    }
    out
}

impl RawFile {
    /// Every secret file the file names, in the order a load reads them.
    pub(crate) fn secret_files(&self) -> impl Iterator<Item = &Path> {
        self.client.iter().flat_map(|c| {
            let d = c.diadoc.as_ref();
            let e = c.edin.as_ref();
            [
                d.and_then(|d| d.client_secret_file.as_deref()),
                d.and_then(|d| d.refresh_token_file.as_deref()),
                d.and_then(|d| d.password_file.as_deref()),
                e.and_then(|e| e.password_file.as_deref()),
            ]
            .into_iter()
            .flatten()
        })
    }
}

// === checking and building ===

/// Checks every client and builds the snapshot.
pub(crate) fn build(path: &Path, content: Content, digest: Digest) -> Result<Clients, String> {
    let Content { raw, secrets } = content;
    let base = path.parent().unwrap_or(Path::new("")).to_owned();
    let mut entries = Vec::with_capacity(raw.client.len());
    let mut by_key: HashMap<Digest, usize> = HashMap::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    // Clients sharing one Diadoc credential share its limits (`limits.rs` keeps them per
    // credential): their Diadoc limits must agree, or the concurrencies would add up.
    let mut by_credential: HashMap<Digest, (usize, Option<usize>, Option<u32>)> = HashMap::new();
    for (index, raw) in raw.client.into_iter().enumerate() {
        let mut at = At {
            file: path,
            base: &base,
            index,
            name: None,
        };
        if !valid_name(&raw.name) {
            return Err(at.err(
                "name",
                format_args!("must be 1 to {MAX_NAME} of A-Z a-z 0-9 . _ -"),
            ));
        }
        let name = raw.name.clone();
        at.name = Some(&name);
        if let Some(first) = by_name.get(&name) {
            return Err(at.err("name", format_args!("also the name of client[{first}]")));
        }
        let keys = key_digests(&at, &raw.api_key_sha256)?;
        for key in &keys {
            if let Some(&other) = by_key.get(key) {
                let whose = entries
                    .get(other)
                    .map_or(String::new(), |e: &Entry| e.client.name.clone());
                return Err(at.err(
                    "api_key_sha256",
                    format_args!("a digest also given to client[{other}] \"{whose}\""),
                ));
            }
        }
        let client = client(&at, &secrets, raw)?;
        if let Some(diadoc) = &client.diadoc {
            let mine = (
                index,
                client.limits.diadoc_concurrency,
                client.limits.diadoc_per_second,
            );
            let first = *by_credential.entry(diadoc.key).or_insert(mine);
            if (first.1, first.2) != (mine.1, mine.2) {
                return Err(at.err(
                    "limits",
                    format_args!(
                        "shares its Diadoc credential with client[{}], so its \
                         diadoc_concurrency and diadoc_per_second must be the same",
                        first.0
                    ),
                ));
            }
        }
        for key in &keys {
            by_key.insert(*key, index);
        }
        by_name.insert(client.name.clone(), index);
        entries.push(Entry {
            client: Arc::new(client),
            keys,
        });
    }
    Ok(Clients {
        entries,
        by_key,
        by_name,
        content: digest,
    })
}

/// Where a rule broke.
struct At<'a> {
    file: &'a Path,
    /// The directory relative secret paths start from.
    base: &'a Path,
    index: usize,
    name: Option<&'a str>,
}

impl At<'_> {
    fn err(&self, field: &str, what: impl fmt::Display) -> String {
        match self.name {
            Some(name) => format!(
                "{}: client[{}] \"{name}\": {field}: {what}",
                self.file.display(),
                self.index
            ),
            None => format!(
                "{}: client[{}]: {field}: {what}",
                self.file.display(),
                self.index
            ),
        }
    }
}

fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The key digests, decoded; at least one, none twice.
fn key_digests(at: &At<'_>, hashes: &KeyHashes) -> Result<Vec<Digest>, String> {
    if hashes.0.is_empty() {
        return Err(at.err("api_key_sha256", "an empty list; give at least one digest"));
    }
    let mut keys: Vec<Digest> = Vec::with_capacity(hashes.0.len());
    for (i, hex) in hashes.0.iter().enumerate() {
        let field = if hashes.0.len() == 1 {
            "api_key_sha256".to_owned()
        } else {
            format!("api_key_sha256[{i}]")
        };
        let key = decode_hex(hex.trim())
            .ok_or_else(|| at.err(&field, "not a SHA-256 digest (64 hex digits)"))?;
        if keys.contains(&key) {
            return Err(at.err(&field, "the same digest twice"));
        }
        keys.push(key);
    }
    Ok(keys)
}

fn decode_hex(hex: &str) -> Option<Digest> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        *o = u8::try_from(hi << 4 | lo).ok()?;
    }
    Some(out)
}

/// One client's credentials and limits, checked.
fn client(
    at: &At<'_>,
    secrets: &HashMap<PathBuf, Result<SecretString, String>>,
    raw: RawClient,
) -> Result<Client, String> {
    if raw.diadoc.is_none() && raw.edin.is_none() {
        return Err(at.err(
            "diadoc, edin",
            "neither is given; a client needs [client.diadoc] or [client.edin] or both",
        ));
    }
    let diadoc = raw.diadoc.map(|d| diadoc(at, secrets, d)).transpose()?;
    let edin = raw.edin.map(|e| edin(at, secrets, e)).transpose()?;
    let limits = limits(at, &raw.limits)?;
    let mut id = Parts::new("client");
    id.part(raw.name.as_bytes());
    id.part(diadoc.as_ref().map_or(&[][..], |d| &d.key[..]));
    id.part(edin.as_ref().map_or(&[][..], |e| &e.key[..]));
    Ok(Client {
        name: raw.name,
        id: id.finish(),
        diadoc,
        edin,
        limits,
    })
}

fn diadoc(
    at: &At<'_>,
    secrets: &HashMap<PathBuf, Result<SecretString, String>>,
    d: RawDiadoc,
) -> Result<Diadoc, String> {
    let oidc = d.issuer.is_some()
        || d.client_id.is_some()
        || d.client_secret.is_some()
        || d.client_secret_file.is_some()
        || d.refresh_token.is_some()
        || d.refresh_token_file.is_some();
    let password = d.login.is_some() || d.password.is_some() || d.password_file.is_some();
    match (oidc, password) {
        (true, true) => Err(at.err(
            "diadoc",
            "both OpenID Connect fields (client_id, client_secret, refresh_token, issuer) and \
             password fields (login, password); give one kind",
        )),
        (false, false) => Err(at.err(
            "diadoc",
            "no credential; give client_id, client_secret and refresh_token (OpenID Connect) \
             or login and password",
        )),
        (true, false) => {
            let issuer = match &d.issuer {
                Some(issuer) => self::issuer(issuer).map_err(|why| at.err("diadoc.issuer", why))?,
                None => KONTUR_ISSUER.to_owned(),
            };
            let client_id = d
                .client_id
                .ok_or_else(|| at.err("diadoc.client_id", "missing"))?;
            text(&client_id).map_err(|why| at.err("diadoc.client_id", why))?;
            let (client_secret, _) = secret(
                at,
                secrets,
                "diadoc.client_secret",
                d.client_secret,
                d.client_secret_file,
            )?;
            let (refresh_token, refresh_token_file) = secret(
                at,
                secrets,
                "diadoc.refresh_token",
                d.refresh_token,
                d.refresh_token_file,
            )?;
            // The refresh token stays out of the key: it may rotate (model.rs).
            let mut key = Parts::new("diadoc/oidc");
            key.part(issuer.as_bytes())
                .part(client_id.as_bytes())
                .part(client_secret.expose_secret().as_bytes());
            Ok(Diadoc {
                key: key.finish(),
                login: DiadocLogin::Oidc {
                    issuer,
                    client_id,
                    client_secret,
                    refresh_token,
                    refresh_token_file,
                },
            })
        }
        (false, true) => {
            let login = d.login.ok_or_else(|| at.err("diadoc.login", "missing"))?;
            text(&login).map_err(|why| at.err("diadoc.login", why))?;
            let (password, _) =
                secret(at, secrets, "diadoc.password", d.password, d.password_file)?;
            let mut key = Parts::new("diadoc/password");
            key.part(login.as_bytes())
                .part(password.expose_secret().as_bytes());
            Ok(Diadoc {
                key: key.finish(),
                login: DiadocLogin::Password { login, password },
            })
        }
    }
}

fn edin(
    at: &At<'_>,
    secrets: &HashMap<PathBuf, Result<SecretString, String>>,
    e: RawEdin,
) -> Result<Edin, String> {
    text(&e.email).map_err(|why| at.err("edin.email", why))?;
    let (password, _) = secret(at, secrets, "edin.password", e.password, e.password_file)?;
    let mut key = Parts::new("edin");
    key.part(e.email.as_bytes())
        .part(password.expose_secret().as_bytes());
    Ok(Edin {
        key: key.finish(),
        email: e.email,
        password,
    })
}

fn limits(at: &At<'_>, l: &RawLimits) -> Result<ClientLimits, String> {
    if l.diadoc_concurrency
        .is_some_and(|n| !(1..=MAX_CONCURRENCY).contains(&n))
    {
        return Err(at.err(
            "limits.diadoc_concurrency",
            format_args!("must be 1 to {MAX_CONCURRENCY}"),
        ));
    }
    if l.diadoc_per_second == Some(0) {
        return Err(at.err("limits.diadoc_per_second", "must be at least 1"));
    }
    Ok(ClientLimits {
        diadoc_concurrency: l.diadoc_concurrency,
        diadoc_per_second: l.diadoc_per_second,
        requests_per_second: l.requests_per_second,
        burst: l.burst,
    })
}

/// A secret given inline (`field`) or as a file (`field_file`), exactly one of them. Returns
/// it and the file it came from.
fn secret(
    at: &At<'_>,
    secrets: &HashMap<PathBuf, Result<SecretString, String>>,
    field: &str,
    inline: Option<SecretString>,
    file: Option<PathBuf>,
) -> Result<(SecretString, Option<PathBuf>), String> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(at.err(
            field,
            format_args!("given both inline and as {field}_file; give one"),
        )),
        (None, None) => Err(at.err(field, format_args!("missing; give {field} or {field}_file"))),
        (Some(inline), None) => {
            if inline.expose_secret().is_empty() {
                return Err(at.err(field, "is empty"));
            }
            Ok((inline, None))
        }
        (None, Some(named)) => {
            let resolved = at.base.join(&named);
            let secret = match secrets.get(&resolved) {
                Some(Ok(secret)) => secret.clone(),
                Some(Err(why)) => {
                    return Err(at.err(
                        &format!("{field}_file"),
                        format_args!("{}: {why}", resolved.display()),
                    ));
                }
                // `source::read` reads every file `RawFile::secret_files` names, so this
                // cannot happen; answer as if the file were missing rather than panic.
                None => {
                    return Err(at.err(
                        &format!("{field}_file"),
                        format_args!("{}: not read", resolved.display()),
                    ));
                }
            };
            Ok((secret, Some(resolved)))
        }
    }
}

/// A login, e-mail or `client_id`: not empty, not too long, no spaces around it, no control
/// characters.
fn text(value: &str) -> Result<(), String> {
    if value.is_empty()
        || value.len() > MAX_TEXT
        || value.trim() != value
        || value.chars().any(char::is_control)
    {
        return Err(format!(
            "must be 1 to {MAX_TEXT} bytes, with no spaces around it and no control characters"
        ));
    }
    Ok(())
}

/// An `http(s)` URL with a host and nothing a base URL should not carry, trailing `/` dropped.
fn issuer(value: &str) -> Result<String, String> {
    const RULE: &str = "must be an http(s) URL with a host and no user, query or fragment";
    let url = url::Url::parse(value).map_err(|_| RULE.to_owned())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(RULE.to_owned());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
