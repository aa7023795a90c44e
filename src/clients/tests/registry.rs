//! The registry: start-up, reload, change detection and the watcher (paused clock).

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret as _;

use super::{SECRET, TempDir, sha256_hex};
use crate::clients::{Registry, ReloadOutcome};
use crate::config::Config;

fn client(name: &str, key: &str, password_file: &str) -> String {
    format!(
        "[[client]]\nname = \"{name}\"\napi_key_sha256 = \"{}\"\n[client.edin]\n\
         email = \"{name}@example.com\"\npassword_file = \"{password_file}\"\n",
        sha256_hex(key)
    )
}

fn password(registry: &Registry, name: &str) -> Option<String> {
    let clients = registry.snapshot();
    let edin = clients.get(name)?.edin.as_ref()?;
    Some(edin.password.expose_secret().to_owned())
}

#[test]
fn no_clients_file_means_an_empty_registry() {
    let registry = Registry::from_config(&Config::for_upstream("http://127.0.0.1:1", None))
        .expect("no file is fine");
    assert!(registry.snapshot().is_empty());
    assert_eq!(registry.reload(), Ok(ReloadOutcome::default()));
}

#[test]
fn a_broken_file_at_start_up_is_an_error() {
    let dir = TempDir::new();
    let path = dir.clients("[[client]]\nname = \"a\"\n");
    let config = Config {
        clients_file: Some(path.clone()),
        ..Config::for_upstream("http://127.0.0.1:1", None)
    };
    let message = Registry::from_config(&config).expect_err("refused");
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
}

#[test]
fn reload_keeps_the_old_clients_on_a_broken_file_and_swaps_on_a_good_one() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a1\n");
    dir.write("pb", "SECRET-b\n");
    let path = dir.clients(&format!(
        "{}{}",
        client("a", "ka", "pa"),
        client("b", "kb", "pb")
    ));
    let registry = Registry::load(Some(path)).expect("loads");
    let before = registry.snapshot();
    // A request in flight holds its client.
    let held = before.lookup("ka").expect("a");

    // Broken: a secret file vanished. The old clients stay, the error names no secret.
    std::fs::remove_file(dir.path().join("pb")).expect("rm");
    let message = registry.reload().expect_err("refused");
    assert!(
        message.contains("client[1] \"b\": edin.password_file"),
        "{message}"
    );
    assert!(!message.contains(SECRET), "{message}");
    assert!(Arc::ptr_eq(&before, &registry.snapshot()));
    assert!(registry.snapshot().lookup("kb").is_some());

    // Broken differently: bad TOML.
    dir.clients("[[client]\n");
    assert!(registry.reload().is_err());
    assert!(Arc::ptr_eq(&before, &registry.snapshot()));

    // Good: b removed, c added, a's password changed.
    dir.write("pa", "SECRET-a2\n");
    dir.write("pc", "SECRET-c\n");
    dir.clients(&format!(
        "{}{}",
        client("a", "ka", "pa"),
        client("c", "kc", "pc")
    ));
    let outcome = registry.reload().expect("reloads");
    assert_eq!(
        outcome,
        ReloadOutcome {
            clients: 2,
            added: vec!["c".to_owned()],
            removed: vec!["b".to_owned()],
            changed: vec!["a".to_owned()],
        }
    );
    let now = registry.snapshot();
    assert!(now.lookup("kb").is_none(), "a removed key stops working");
    assert_eq!(
        now.lookup("kc").map(|c| c.name.clone()).as_deref(),
        Some("c")
    );
    assert_eq!(password(&registry, "a").as_deref(), Some("SECRET-a2"));

    let debug = format!(
        "{registry:?} {:?}",
        registry.snapshot().iter().collect::<Vec<_>>()
    );
    assert!(!debug.contains(SECRET), "{debug}");

    // What was in flight is untouched.
    let edin = held.edin.as_ref().expect("edin");
    assert_eq!(edin.password.expose_secret(), "SECRET-a1");
    assert!(before.lookup("kb").is_some());
    assert_ne!(held.id, now.lookup("ka").expect("a").id);
}

#[test]
fn a_reload_of_the_same_content_changes_nothing_by_name() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a\n");
    let path = dir.clients(&client("a", "ka", "pa"));
    let registry = Registry::load(Some(path)).expect("loads");
    let outcome = registry.reload().expect("reloads");
    assert_eq!(
        outcome,
        ReloadOutcome {
            clients: 1,
            ..ReloadOutcome::default()
        }
    );
    // A new key for the same client is a change.
    dir.clients(&client("a", "ka", "pa").replace(
        &format!("\"{}\"", sha256_hex("ka")),
        &format!("[\"{}\", \"{}\"]", sha256_hex("ka"), sha256_hex("ka2")),
    ));
    assert_eq!(registry.reload().expect("reloads").changed, ["a"]);
}

#[test]
fn the_content_digest_follows_the_file_and_its_secret_files() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a\n");
    let path = dir.clients(&client("a", "ka", "pa"));
    let registry = Registry::load(Some(path)).expect("loads");
    let loaded = registry.snapshot().content();
    // Nothing changed: the probe agrees with what the load read.
    assert_eq!(registry.probe_for_test(), loaded);
    // A secret file's content.
    dir.write("pa", "SECRET-rotated\n");
    let rotated = registry.probe_for_test();
    assert_ne!(rotated, loaded);
    // Back as it was: the same digest again.
    dir.write("pa", "SECRET-a\n");
    assert_eq!(registry.probe_for_test(), loaded);
    // A secret file gone, then back.
    std::fs::remove_file(dir.path().join("pa")).expect("rm");
    let gone = registry.probe_for_test();
    assert_ne!(gone, loaded);
    dir.write("pa", "SECRET-a\n");
    assert_eq!(registry.probe_for_test(), loaded);
    // The clients file itself, even a comment.
    dir.clients(&format!("# note\n{}", client("a", "ka", "pa")));
    assert_ne!(registry.probe_for_test(), loaded);
    // A broken file has a digest too (so the watcher warns once, not every interval).
    dir.clients("[[client]\n");
    let broken = registry.probe_for_test();
    assert_eq!(registry.probe_for_test(), broken);
}

// === the watcher ===

/// Waits for the next reload that takes effect, with time auto-advancing (paused clock).
async fn next_reload(
    rx: &mut tokio::sync::watch::Receiver<Arc<crate::clients::Clients>>,
    within: Duration,
) -> bool {
    tokio::time::timeout(within, rx.changed()).await.is_ok()
}

#[tokio::test(start_paused = true)]
async fn the_watcher_reloads_when_a_secret_file_changes_and_only_then() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a1\n");
    let path = dir.clients(&client("a", "ka", "pa"));
    let registry = Registry::load(Some(path)).expect("loads");
    let mut rx = registry.subscribe();
    let (_hangup, hangups) = tokio::sync::mpsc::channel(1);
    let watcher = Arc::clone(&registry).spawn_watcher_with(Duration::from_secs(30), hangups);

    // Ten intervals with nothing changed: no reload.
    assert!(!next_reload(&mut rx, Duration::from_secs(300)).await);

    // Kubernetes swaps the mounted Secret: picked up within one interval.
    dir.write("pa", "SECRET-a2\n");
    assert!(next_reload(&mut rx, Duration::from_secs(31)).await);
    assert_eq!(password(&registry, "a").as_deref(), Some("SECRET-a2"));

    // A broken file: not swapped, and not retried every interval either (one warning).
    let good = registry.snapshot();
    dir.clients("[[client]\n");
    assert!(!next_reload(&mut rx, Duration::from_secs(300)).await);
    assert!(Arc::ptr_eq(&good, &registry.snapshot()));

    // Fixed: swapped.
    dir.clients(&client("b", "kb", "pa"));
    assert!(next_reload(&mut rx, Duration::from_secs(31)).await);
    assert!(registry.snapshot().lookup("kb").is_some());
    assert!(registry.snapshot().lookup("ka").is_none());
    watcher.abort();
}

#[tokio::test(start_paused = true)]
async fn the_watcher_reloads_on_a_hangup_even_with_polling_off() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a1\n");
    let path = dir.clients(&client("a", "ka", "pa"));
    let registry = Registry::load(Some(path)).expect("loads");
    let mut rx = registry.subscribe();
    let (hangup, hangups) = tokio::sync::mpsc::channel(1);
    let watcher = Arc::clone(&registry).spawn_watcher_with(Duration::ZERO, hangups);

    dir.write("pa", "SECRET-a2\n");
    // Polling is off: a day passes without a reload.
    assert!(!next_reload(&mut rx, Duration::from_secs(86_400)).await);
    hangup.send(()).await.expect("send");
    assert!(next_reload(&mut rx, Duration::from_secs(1)).await);
    assert_eq!(password(&registry, "a").as_deref(), Some("SECRET-a2"));
    watcher.abort();
}

#[tokio::test(start_paused = true)]
async fn an_interval_too_long_for_the_clock_means_no_polling() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a1\n");
    let path = dir.clients(&client("a", "ka", "pa"));
    let registry = Registry::load(Some(path)).expect("loads");
    let mut rx = registry.subscribe();
    let (hangup, hangups) = tokio::sync::mpsc::channel(1);
    let watcher = Arc::clone(&registry).spawn_watcher_with(Duration::MAX, hangups);
    dir.write("pa", "SECRET-a2\n");
    assert!(!next_reload(&mut rx, Duration::from_secs(86_400)).await);
    // Still alive (no overflow panic): a hangup still reloads.
    hangup.send(()).await.expect("send");
    assert!(next_reload(&mut rx, Duration::from_secs(1)).await);
    watcher.abort();
}

#[tokio::test]
async fn a_real_sighup_reloads_the_file() {
    let dir = TempDir::new();
    dir.write("pa", "SECRET-a1\n");
    let path = dir.clients(&client("a", "ka", "pa"));
    let registry = Registry::load(Some(path)).expect("loads");
    let mut rx = registry.subscribe();
    // Polling off, so only the signal can cause the reload.
    let watcher = Arc::clone(&registry).spawn_watcher(Duration::ZERO);
    dir.write("pa", "SECRET-a2\n");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    // Other tests' watchers may reload too; wait until this registry has the new password.
    tokio::time::timeout(Duration::from_secs(30), async {
        while password(&registry, "a").as_deref() != Some("SECRET-a2") {
            rx.changed().await.expect("registry alive");
        }
    })
    .await
    .expect("reloaded on SIGHUP");
    watcher.abort();
}
