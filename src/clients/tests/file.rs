//! The schema, its checks, the credential keys, and the lookup.

use secrecy::ExposeSecret as _;

use super::{SECRET, TempDir, load, sha256_hex};
use crate::clients::{DiadocLogin, KONTUR_ISSUER};

/// A valid EDIN-only client.
fn edin_client(name: &str, key: &str) -> String {
    format!(
        "[[client]]\nname = \"{name}\"\napi_key_sha256 = \"{}\"\n[client.edin]\n\
         email = \"{name}@example.com\"\npassword = \"SECRET-edin-{name}\"\n",
        sha256_hex(key)
    )
}

/// A client with this `[client.diadoc]` body.
fn diadoc_client(name: &str, key: &str, diadoc: &str) -> String {
    format!(
        "[[client]]\nname = \"{name}\"\napi_key_sha256 = \"{}\"\n[client.diadoc]\n{diadoc}\n",
        sha256_hex(key)
    )
}

/// Loads `toml`, expects a refusal, and checks it names the file and leaks no secret.
fn refused(toml: &str) -> String {
    let dir = TempDir::new();
    refused_in(&dir, toml)
}

fn refused_in(dir: &TempDir, toml: &str) -> String {
    let path = dir.clients(toml);
    let message = load(&path).expect_err("the file must be refused");
    assert!(
        message.starts_with(&path.display().to_string()),
        "names the file: {message}"
    );
    assert!(!message.contains(SECRET), "leaks a secret: {message}");
    message
}

fn example_in(dir: &TempDir) -> std::path::PathBuf {
    // The example's absolute /run/secrets paths become relative ones, which resolve against the
    // clients file's directory.
    let example =
        include_str!("../../../examples/clients.toml").replace("/run/secrets/", "secrets/");
    dir.write(
        "secrets/billing/diadoc-client-secret",
        "SECRET-client-secret\n",
    );
    dir.write(
        "secrets/billing/diadoc-refresh-token",
        "  SECRET-refresh-token \r\n",
    );
    dir.write("secrets/edin/robot-password", "SECRET-robot-password");
    dir.write("secrets/edin/erp-password", "SECRET-erp-password\n");
    dir.clients(&example)
}

#[test]
fn example_file_loads_with_its_secret_files() {
    let dir = TempDir::new();
    let clients = load(&example_in(&dir)).expect("the example loads");
    assert_eq!(clients.len(), 3);
    let names: Vec<_> = clients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["billing-service", "edi-robot", "legacy-erp"]);

    let billing = clients.get("billing-service").expect("billing");
    let diadoc = billing.diadoc.as_ref().expect("diadoc");
    let DiadocLogin::Oidc {
        issuer,
        client_id,
        client_secret,
        refresh_token,
        refresh_token_file,
    } = &diadoc.login
    else {
        panic!("OIDC expected")
    };
    assert_eq!(issuer, KONTUR_ISSUER);
    assert_eq!(client_id, "billing-integrator-app");
    // One trailing newline, and spaces around, are trimmed.
    assert_eq!(client_secret.expose_secret(), "SECRET-client-secret");
    assert_eq!(refresh_token.expose_secret(), "SECRET-refresh-token");
    assert_eq!(
        refresh_token_file.as_deref(),
        Some(
            dir.path()
                .join("secrets/billing/diadoc-refresh-token")
                .as_path()
        )
    );
    assert!(billing.edin.is_none());
    assert_eq!(billing.limits.diadoc_concurrency, Some(2));
    assert_eq!(billing.limits.diadoc_per_second, Some(50));
    assert_eq!(billing.limits.requests_per_second, Some(20));
    assert_eq!(billing.limits.burst, Some(40));

    let robot = clients.get("edi-robot").expect("robot");
    assert!(robot.diadoc.is_none());
    let edin = robot.edin.as_ref().expect("edin");
    assert_eq!(edin.email, "robot@example.com");
    assert_eq!(edin.password.expose_secret(), "SECRET-robot-password");
    assert_eq!(robot.limits, Default::default());

    let legacy = clients.get("legacy-erp").expect("legacy");
    let Some(DiadocLogin::Password { login, password }) = legacy.diadoc.as_ref().map(|d| &d.login)
    else {
        panic!("password login expected")
    };
    assert_eq!(login, "erp@example.com");
    assert_eq!(password.expose_secret(), "example-diadoc-password");
    assert!(legacy.edin.is_some());
}

#[test]
fn lookup_finds_the_client_by_its_key_and_nothing_else() {
    let dir = TempDir::new();
    let clients = load(&example_in(&dir)).expect("the example loads");
    let name = |key: &str| clients.lookup(key).map(|c| c.name.clone());
    // Both keys of a rotation work.
    assert_eq!(
        name("billing-key-2026-11").as_deref(),
        Some("billing-service")
    );
    assert_eq!(
        name("billing-key-2026-12").as_deref(),
        Some("billing-service")
    );
    assert_eq!(name("robot-key").as_deref(), Some("edi-robot"));
    assert_eq!(name("legacy-key").as_deref(), Some("legacy-erp"));
    assert_eq!(name("wrong-key"), None);
    assert_eq!(name(""), None);
    assert_eq!(name("robot-key "), None);
    // The stored digest is not a key.
    assert_eq!(name(&sha256_hex("robot-key")), None);
}

#[test]
fn no_file_content_or_empty_file_means_no_clients() {
    let dir = TempDir::new();
    let clients = load(&dir.clients("# nobody yet\n")).expect("empty is fine");
    assert!(clients.is_empty());
    assert!(clients.lookup("robot-key").is_none());
}

#[test]
fn debug_output_holds_no_secret() {
    let dir = TempDir::new();
    let clients = load(&example_in(&dir)).expect("the example loads");
    let all: Vec<_> = clients.iter().collect();
    let debug = format!("{all:?} {clients:?}");
    assert!(debug.contains("billing-service"), "{debug}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains("example-diadoc-password"), "{debug}");
}

// === the credential keys and the client id ===

const OIDC: &str = "client_id = \"app\"\nclient_secret = \"SECRET-a\"\n";

fn diadoc_key_and_id(diadoc: &str) -> ([u8; 32], [u8; 32]) {
    let dir = TempDir::new();
    let clients = load(&dir.clients(&diadoc_client("c", "k", diadoc))).expect("loads");
    let client = clients.get("c").expect("c");
    (client.diadoc.as_ref().expect("diadoc").key, client.id)
}

#[test]
fn the_refresh_token_is_not_part_of_the_credential() {
    let one = diadoc_key_and_id(&format!("{OIDC}refresh_token = \"SECRET-r1\""));
    let two = diadoc_key_and_id(&format!("{OIDC}refresh_token = \"SECRET-r2\""));
    assert_eq!(one, two);
}

#[test]
fn every_other_credential_field_is() {
    let base = diadoc_key_and_id(&format!("{OIDC}refresh_token = \"SECRET-r\""));
    for other in [
        "client_id = \"app\"\nclient_secret = \"SECRET-b\"\nrefresh_token = \"SECRET-r\"",
        "client_id = \"app2\"\nclient_secret = \"SECRET-a\"\nrefresh_token = \"SECRET-r\"",
        "issuer = \"https://identity.testkontur.ru\"\nclient_id = \"app\"\n\
         client_secret = \"SECRET-a\"\nrefresh_token = \"SECRET-r\"",
        "login = \"app\"\npassword = \"SECRET-a\"",
    ] {
        let changed = diadoc_key_and_id(other);
        assert_ne!(base.0, changed.0, "{other}");
        assert_ne!(base.1, changed.1, "{other}");
    }
    // The default issuer and the same one written out (with a trailing slash) are one credential.
    let explicit = diadoc_key_and_id(&format!(
        "issuer = \"https://identity.kontur.ru/\"\n{OIDC}refresh_token = \"SECRET-r\""
    ));
    assert_eq!(base, explicit);
}

#[test]
fn clients_sharing_a_credential_share_its_key_but_not_their_id() {
    let dir = TempDir::new();
    let text = format!("{}{}", edin_client("a", "ka"), edin_client("b", "kb"))
        .replace("a@example.com", "same@example.com")
        .replace("b@example.com", "same@example.com")
        .replace("SECRET-edin-a", "SECRET-same")
        .replace("SECRET-edin-b", "SECRET-same");
    let clients = load(&dir.clients(&text)).expect("loads");
    let (a, b) = (clients.get("a").expect("a"), clients.get("b").expect("b"));
    let key = |c: &crate::clients::Client| c.edin.as_ref().map(|e| e.key);
    assert_eq!(key(a), key(b));
    assert_ne!(a.id, b.id);
}

#[test]
fn an_edin_password_change_is_a_new_credential() {
    let dir = TempDir::new();
    let one = load(&dir.clients(&edin_client("a", "k"))).expect("loads");
    let two = load(&dir.clients(&edin_client("a", "k").replace("SECRET-edin-a", "SECRET-new")))
        .expect("loads");
    let key = |c: &crate::clients::Clients| c.get("a").and_then(|c| c.edin.as_ref()).map(|e| e.key);
    assert_ne!(key(&one), key(&two));
    assert_ne!(one.get("a").map(|c| c.id), two.get("a").map(|c| c.id));
}

// === every refusal names the file, the client and the field, and no secret ===

#[test]
fn duplicate_names_are_refused() {
    let message = refused(&format!(
        "{}{}",
        edin_client("a", "k1"),
        edin_client("a", "k2")
    ));
    assert!(
        message.contains("client[1] \"a\": name: also the name of client[0]"),
        "{message}"
    );
}

#[test]
fn clients_sharing_a_diadoc_credential_must_share_its_limits() {
    let oidc = "client_id = \"app\"\nclient_secret = \"SECRET-s\"\nrefresh_token = \"SECRET-r\"";
    let same = format!(
        "{}{}",
        diadoc_client("a", "k1", oidc),
        diadoc_client("b", "k2", oidc)
    );
    assert!(
        load(&TempDir::new().clients(&same)).is_ok(),
        "the same limits"
    );
    let message = refused(&format!(
        "{}{}\n[client.limits]\ndiadoc_concurrency = 2\n",
        diadoc_client("a", "k1", oidc),
        diadoc_client("b", "k2", oidc)
    ));
    assert!(
        message.contains("client[1] \"b\": limits: shares its Diadoc credential with client[0]"),
        "{message}"
    );
}

#[test]
fn a_key_digest_given_to_two_clients_is_refused() {
    let message = refused(&format!(
        "{}{}",
        edin_client("a", "k"),
        edin_client("b", "k")
    ));
    assert!(
        message.contains("client[1] \"b\": api_key_sha256"),
        "{message}"
    );
    assert!(message.contains("client[0] \"a\""), "{message}");
    // Also within one client's list.
    let twice = format!(
        "[[client]]\nname = \"a\"\napi_key_sha256 = [\"{0}\", \"{0}\"]\n\
         edin = {{ email = \"e\", password = \"SECRET-p\" }}\n",
        sha256_hex("k")
    );
    let message = refused(&twice);
    assert!(
        message.contains("client[0] \"a\": api_key_sha256[1]: the same digest twice"),
        "{message}"
    );
}

#[test]
fn a_bad_key_digest_is_refused_without_echoing_it() {
    let good = sha256_hex("k");
    for bad in [
        &good[1..],
        &format!("{}zz", &good[2..]),
        "SECRET-key-in-the-wrong-place",
    ] {
        let message = refused(&edin_client("a", "k").replace(&good, bad));
        assert!(
            message.contains("client[0] \"a\": api_key_sha256: not a SHA-256 digest"),
            "{message}"
        );
        assert!(!message.contains(bad), "{message}");
    }
    // Upper-case hex is fine.
    let dir = TempDir::new();
    let upper = edin_client("a", "k").replace(&good, &good.to_uppercase());
    assert!(load(&dir.clients(&upper)).is_ok());
    // An empty list is not.
    let message = refused(&edin_client("a", "k").replace(&format!("\"{good}\""), "[]"));
    assert!(
        message.contains("api_key_sha256: an empty list"),
        "{message}"
    );
}

#[test]
fn a_secret_given_inline_and_as_a_file_is_refused() {
    let dir = TempDir::new();
    dir.write("p", "SECRET-file");
    let text = edin_client("a", "k").replace(
        "password = \"SECRET-edin-a\"",
        "password = \"SECRET-inline\"\npassword_file = \"p\"",
    );
    let message = refused_in(&dir, &text);
    assert!(
        message.contains(
            "client[0] \"a\": edin.password: given both inline and as edin.password_file"
        ),
        "{message}"
    );
}

#[test]
fn a_missing_secret_is_refused() {
    let text = edin_client("a", "k").replace("password = \"SECRET-edin-a\"", "");
    let message = refused(&text);
    assert!(
        message.contains(
            "client[0] \"a\": edin.password: missing; give edin.password or edin.password_file"
        ),
        "{message}"
    );
    let oidc = diadoc_client("d", "k", "client_id = \"x\"\nrefresh_token = \"SECRET-r\"");
    let message = refused(&oidc);
    assert!(
        message.contains("client[0] \"d\": diadoc.client_secret: missing"),
        "{message}"
    );
    let oidc = diadoc_client(
        "d",
        "k",
        "client_secret = \"SECRET-s\"\nrefresh_token = \"SECRET-r\"",
    );
    let message = refused(&oidc);
    assert!(
        message.contains("client[0] \"d\": diadoc.client_id: missing"),
        "{message}"
    );
}

#[test]
fn an_empty_secret_is_refused() {
    let text = edin_client("a", "k").replace("\"SECRET-edin-a\"", "\"\"");
    assert!(refused(&text).contains("edin.password: is empty"));
    let dir = TempDir::new();
    dir.write("p", " \n");
    let text =
        edin_client("a", "k").replace("password = \"SECRET-edin-a\"", "password_file = \"p\"");
    let message = refused_in(&dir, &text);
    assert!(
        message.contains("client[0] \"a\": edin.password_file: "),
        "{message}"
    );
    assert!(message.ends_with("p: is empty"), "{message}");
}

#[test]
fn a_missing_or_oversized_secret_file_is_refused() {
    let dir = TempDir::new();
    let text = edin_client("a", "k").replace(
        "password = \"SECRET-edin-a\"",
        "password_file = \"secrets/nowhere\"",
    );
    let message = refused_in(&dir, &text);
    assert!(
        message.contains("client[0] \"a\": edin.password_file: "),
        "{message}"
    );
    assert!(
        message.contains("secrets/nowhere: cannot be read"),
        "{message}"
    );

    dir.write(
        "secrets/nowhere",
        &format!("{SECRET}{}", "x".repeat(64 * 1024)),
    );
    let message = refused_in(&dir, &text);
    assert!(
        message.contains("secrets/nowhere: is larger than 64 KiB"),
        "{message}"
    );
    // Exactly at the bound is fine.
    dir.write("secrets/nowhere", &"x".repeat(64 * 1024));
    assert!(load(&dir.path().join("clients.toml")).is_ok());
}

#[test]
fn a_secret_file_that_is_not_utf8_is_refused_without_its_bytes() {
    let dir = TempDir::new();
    let path = dir.path().join("p");
    std::fs::write(&path, b"SECRET-\xff\xfe").expect("write");
    let text =
        edin_client("a", "k").replace("password = \"SECRET-edin-a\"", "password_file = \"p\"");
    let message = refused_in(&dir, &text);
    assert!(message.ends_with("p: not UTF-8"), "{message}");
}

#[test]
fn unknown_fields_are_refused_without_the_line_they_are_on() {
    // A misspelt secret field: the message names the field and not the value beside it.
    let text = diadoc_client(
        "d",
        "k",
        "client_id = \"x\"\nclinet_secret = \"SECRET-typo\"\nrefresh_token = \"SECRET-r\"",
    );
    let message = refused(&text);
    assert!(message.contains("line 6"), "{message}");
    assert!(message.contains("client[0].diadoc"), "{message}");
    assert!(
        message.contains("unknown field `clinet_secret`"),
        "{message}"
    );
    for text in [
        format!("version = 2\n{}", edin_client("a", "k")),
        edin_client("a", "k").replace("[client.edin]", "colour = \"blue\"\n[client.edin]"),
        format!("{}[client.limits]\nburst_size = 1\n", edin_client("a", "k")),
        edin_client("a", "k")
            .replace("[[client]]", "[[clients]]")
            .replace("[client.", "[clients."),
    ] {
        let message = refused(&text);
        assert!(message.contains("unknown field"), "{message}");
    }
}

#[test]
fn a_wrong_type_or_broken_syntax_does_not_quote_the_value() {
    let text = format!(
        "{}[client.limits]\nburst = \"SECRET-here\"\n",
        edin_client("a", "k")
    );
    let message = refused(&text);
    assert!(message.contains("client[0].limits.burst"), "{message}");
    assert!(message.contains("invalid type"), "{message}");
    let text = edin_client("a", "k").replace(
        "\"SECRET-edin-a\"",
        "\"SECRET-unterminated\npassword_file = 1",
    );
    let message = refused(&text);
    assert!(message.contains("line 6"), "{message}");
    let text = edin_client("a", "k").replace("\"SECRET-edin-a\"", "SECRET-bare-word");
    refused(&text);
    let text = edin_client("a", "k").replace("email = ", "email = \"SECRET-dup\"\nemail = ");
    refused(&text);
}

#[test]
fn a_client_with_neither_diadoc_nor_edin_is_refused() {
    let text = format!(
        "[[client]]\nname = \"a\"\napi_key_sha256 = \"{}\"\n",
        sha256_hex("k")
    );
    let message = refused(&text);
    assert!(
        message.contains("client[0] \"a\": diadoc, edin: neither is given"),
        "{message}"
    );
    let message = refused(&diadoc_client("a", "k", ""));
    assert!(
        message.contains("client[0] \"a\": diadoc: no credential"),
        "{message}"
    );
}

#[test]
fn oidc_and_password_fields_together_are_refused() {
    for mixed in [
        format!("{OIDC}refresh_token = \"SECRET-r\"\nlogin = \"l\""),
        "client_id = \"x\"\nlogin = \"l\"\npassword = \"SECRET-p\"".to_owned(),
        "issuer = \"https://identity.kontur.ru\"\nlogin = \"l\"\npassword = \"SECRET-p\""
            .to_owned(),
    ] {
        let message = refused(&diadoc_client("a", "k", &mixed));
        assert!(
            message.contains("client[0] \"a\": diadoc: both OpenID Connect fields"),
            "{message}"
        );
    }
}

#[test]
fn a_bad_issuer_is_refused_without_echoing_it() {
    for issuer in [
        "ftp://identity.kontur.ru",
        "identity.kontur.ru",
        "https://user:SECRET-in-url@identity.kontur.ru",
        "https://identity.kontur.ru/?SECRET-query",
    ] {
        let text = diadoc_client(
            "a",
            "k",
            &format!("issuer = \"{issuer}\"\n{OIDC}refresh_token = \"SECRET-r\""),
        );
        let message = refused(&text);
        assert!(
            message.contains("client[0] \"a\": diadoc.issuer: must be an http(s) URL"),
            "{message}"
        );
        assert!(!message.contains(issuer), "{message}");
    }
}

#[test]
fn bad_names_logins_and_limits_are_refused() {
    for name in ["", "has space", "ünïcode", &"x".repeat(65)] {
        let message = refused(
            &edin_client("placeholder", "k").replace("\"placeholder\"", &format!("\"{name}\"")),
        );
        assert!(
            message.contains("client[0]: name: must be 1 to 64"),
            "{message}"
        );
    }
    let message = refused(&edin_client("a", "k").replace("a@example.com", " a@example.com"));
    assert!(
        message.contains("client[0] \"a\": edin.email: must be"),
        "{message}"
    );
    let message = refused(&diadoc_client(
        "a",
        "k",
        "login = \"\"\npassword = \"SECRET-p\"",
    ));
    assert!(
        message.contains("client[0] \"a\": diadoc.login: must be"),
        "{message}"
    );
    for (limit, rule) in [
        (
            "diadoc_concurrency = 0",
            "limits.diadoc_concurrency: must be 1 to 1024",
        ),
        (
            "diadoc_concurrency = 1025",
            "limits.diadoc_concurrency: must be 1 to 1024",
        ),
        (
            "diadoc_per_second = 0",
            "limits.diadoc_per_second: must be at least 1",
        ),
    ] {
        let message = refused(&format!(
            "{}[client.limits]\n{limit}\n",
            edin_client("a", "k")
        ));
        assert!(
            message.contains(&format!("client[0] \"a\": {rule}")),
            "{message}"
        );
    }
    let message = refused(&format!(
        "{}[client.limits]\nburst = -1\n",
        edin_client("a", "k")
    ));
    assert!(message.contains("client[0].limits.burst"), "{message}");
}

#[test]
fn too_many_keys_or_clients_or_bytes_are_refused() {
    let keys: Vec<_> = (0..17)
        .map(|i| format!("\"{}\"", sha256_hex(&i.to_string())))
        .collect();
    let text = edin_client("a", "k").replace(
        &format!("\"{}\"", sha256_hex("k")),
        &format!("[{}]", keys.join(",")),
    );
    assert!(refused(&text).contains("more than 16 key digests"));

    let many: String = (0..=10_000)
        .map(|i| {
            format!(
                "[[client]]\nname=\"c{i}\"\napi_key_sha256=\"{}\"\nedin={{email=\"e\",password=\"SECRET-p\"}}\n",
                sha256_hex(&i.to_string())
            )
        })
        .collect();
    assert!(refused(&many).ends_with("10001 clients; at most 10000"));

    let big = format!("# {}\n", "x".repeat(4 << 20));
    assert!(refused(&big).ends_with("clients.toml: is larger than 4096 KiB"));
}

#[test]
fn a_missing_clients_file_is_refused() {
    let dir = TempDir::new();
    let path = dir.path().join("nowhere.toml");
    let message = load(&path).expect_err("refused");
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("cannot be read"), "{message}");
}

#[test]
fn a_secret_file_named_by_two_clients_is_read_once_and_shared() {
    let dir = TempDir::new();
    dir.write("shared", "SECRET-shared\n");
    let text = format!("{}{}", edin_client("a", "ka"), edin_client("b", "kb"))
        .replace("password = \"SECRET-edin-a\"", "password_file = \"shared\"")
        .replace(
            "password = \"SECRET-edin-b\"",
            "password_file = \"./shared\"",
        );
    let clients = load(&dir.clients(&text)).expect("loads");
    for name in ["a", "b"] {
        let edin = clients
            .get(name)
            .and_then(|c| c.edin.as_ref())
            .expect("edin");
        assert_eq!(edin.password.expose_secret(), "SECRET-shared");
    }
}

#[test]
fn an_absolute_secret_path_is_taken_as_it_is() {
    let dir = TempDir::new();
    let secret = dir.write("elsewhere/p", "SECRET-abs");
    let text = edin_client("a", "k").replace(
        "password = \"SECRET-edin-a\"",
        &format!("password_file = \"{}\"", secret.display()),
    );
    let sub = dir.write("conf/clients.toml", &text);
    let clients = load(&sub).expect("loads");
    let edin = clients
        .get("a")
        .and_then(|c| c.edin.as_ref())
        .expect("edin");
    assert_eq!(edin.password.expose_secret(), "SECRET-abs");
}

#[test]
fn quoted_text_in_parser_messages_is_blanked_but_backticked_names_stay() {
    use crate::clients::file::blank_quoted;
    assert_eq!(
        blank_quoted(r#"invalid type: string "SECRET-\"x\"", expected u32"#),
        r#"invalid type: string "…", expected u32"#
    );
    assert_eq!(
        blank_quoted("invalid basic string, expected `\"`"),
        "invalid basic string, expected `\"`"
    );
    assert_eq!(blank_quoted("unknown field `x`"), "unknown field `x`");
    assert_eq!(blank_quoted(r#"open "SECRET-to the end"#), r#"open "…""#);
}
