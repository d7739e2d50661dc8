//! The session token lives in the OS keychain and nowhere else: sign in with the real
//! `outpost` binary against a real server and a real Secret Service, then look for the
//! token in the cache database, its WAL, the profile file and the debug log.
//!
//! Needs a Secret Service: runs when `OUTPOST_TEST_SECRET_SERVICE=1`, which
//! `scripts/keyring-test.sh` sets inside a private D-Bus session with gnome-keyring.

use outpost_core::credentials::{CredentialStore, KeyringStore};
use outpost_core::profile::Profile;
use outpost_server::testing::Served;
use std::path::Path;
use std::process::{Command, Output};

fn outpost(profile: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_outpost"))
        .arg("--profile")
        .arg(profile)
        .args(args)
        .env("OUTPOST_PASSWORD", outpost_server::demo::DEMO_PASSWORD)
        .env("OUTPOST_LOG", "trace")
        .env_remove("OUTPOST_TOKEN")
        .env_remove("OUTPOST_PROFILE")
        .output()
        .expect("run outpost");
    assert!(
        out.status.success(),
        "outpost {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Where a secret must not be: every file of the profile (cache, WAL, profile.json)
/// and what each command printed (stdout, and stderr with the trace log).
fn places(profile_dir: &Path, outputs: &[(&str, &Output)]) -> Vec<(String, Vec<u8>)> {
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(profile_dir).unwrap() {
        let p = entry.unwrap().path();
        places.push((p.display().to_string(), std::fs::read(&p).unwrap()));
    }
    for (name, out) in outputs {
        places.push((format!("{name} stdout"), out.stdout.clone()));
        places.push((format!("{name} stderr (trace log)"), out.stderr.clone()));
    }
    places
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_in_the_keychain_and_nowhere_else() {
    if std::env::var("OUTPOST_TEST_SECRET_SERVICE").as_deref() != Ok("1") {
        eprintln!("skipped: needs a Secret Service (scripts/keyring-test.sh)");
        return;
    }
    let srv = Served::demo("kc", 20, 2).await;
    let (base, dir) = (srv.base.clone(), srv.dir.clone());

    let profile_dir = dir.join("profile");
    let login = outpost(
        &profile_dir,
        &[
            "login",
            "--server",
            &base,
            "--email",
            "agent1@demo.test",
            "--tenant",
            "demo",
        ],
    );
    // Work that writes the cache and its WAL, with the token in use on every request.
    let sync = outpost(&profile_dir, &["sync"]);
    let tickets = outpost(&profile_dir, &["--json", "tickets", "--view", "all_open"]);
    let status = outpost(&profile_dir, &["status"]);

    let config = Profile::at(&profile_dir)
        .config()
        .unwrap()
        .expect("signed in");
    let key = config.credential_key().unwrap();
    let token = KeyringStore::new()
        .get(&key)
        .expect("the keychain answers")
        .expect("the login stored the token in the keychain");
    assert!(token.len() >= 32, "a real session token");

    let places = places(
        &profile_dir,
        &[
            ("login", &login),
            ("sync", &sync),
            ("tickets", &tickets),
            ("status", &status),
        ],
    );
    assert!(
        places.iter().any(|(p, _)| p.ends_with("cache.db-wal")),
        "the WAL is among the files checked: {:?}",
        places.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (place, bytes) in &places {
        assert!(
            !contains(bytes, &token),
            "the session token must not be stored or logged in {place}"
        );
    }

    // Logout removes it from the keychain.
    outpost(&profile_dir, &["logout"]);
    assert_eq!(
        KeyringStore::new().get(&key).unwrap(),
        None,
        "logout deletes the token from the keychain"
    );

    srv.stop().await;
}

/// `outpost login --api ondi` against a server that offers only the OnDi API: the API
/// token typed on standard input goes to the keychain and nowhere else, and the verbs
/// work through the connector.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_token_read_from_stdin_is_in_the_keychain_and_nowhere_else() {
    if std::env::var("OUTPOST_TEST_SECRET_SERVICE").as_deref() != Ok("1") {
        eprintln!("skipped: needs a Secret Service (scripts/keyring-test.sh)");
        return;
    }
    use outpost_server::apis::{Api, Apis};
    use outpost_server::service::{admin, auth};
    use std::io::Write;
    use std::process::Stdio;

    let (srv, key) = Served::start_apis("kc-ondi", Apis::only([Api::Ondi]), async |db| {
        let options = outpost_server::demo::DemoOptions {
            tickets_per_tenant: 20,
            messages_per_ticket: 2,
        };
        outpost_server::demo::generate(db, &options).await.unwrap();
        let tenant = admin::tenant(db, "demo").await.unwrap();
        let agent = admin::user_by_email(db, tenant.id, "agent1@demo.test")
            .await
            .unwrap();
        auth::create_api_key(
            db,
            tenant.id,
            agent.id,
            "laptop",
            &outpost_server::auth::Scope::ALL,
        )
        .await
        .unwrap()
    })
    .await;
    let profile_dir = srv.dir.join("profile");

    let mut child = Command::new(env!("CARGO_BIN_EXE_outpost"))
        .arg("--profile")
        .arg(&profile_dir)
        .args(["login", "--server", &srv.base, "--api", "ondi"])
        .args(["--email", "agent1@demo.test"])
        .env("OUTPOST_LOG", "trace")
        .env_remove("OUTPOST_TOKEN")
        .env_remove("OUTPOST_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run outpost");
    writeln!(child.stdin.take().unwrap(), "{key}").unwrap();
    let login = child.wait_with_output().unwrap();
    assert!(
        login.status.success(),
        "login --api ondi: {}",
        String::from_utf8_lossy(&login.stderr)
    );
    let status = outpost(&profile_dir, &["--json", "status"]);
    let doc: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(doc["api"], "ondi");
    assert!(doc["tickets"].as_i64().unwrap() > 0, "{doc}");
    let tickets = outpost(&profile_dir, &["--json", "tickets", "--view", "all_open"]);

    let config = Profile::at(&profile_dir)
        .config()
        .unwrap()
        .expect("signed in");
    let stored = KeyringStore::new()
        .get(&config.credential_key().unwrap())
        .expect("the keychain answers")
        .expect("the login stored the API token in the keychain");
    assert_eq!(stored, key);
    let places = places(
        &profile_dir,
        &[
            ("login", &login),
            ("status", &status),
            ("tickets", &tickets),
        ],
    );
    for (place, bytes) in &places {
        assert!(
            !contains(bytes, &key),
            "the API token must not be in {place}"
        );
    }
    outpost(&profile_dir, &["logout"]);
    srv.stop().await;
}
