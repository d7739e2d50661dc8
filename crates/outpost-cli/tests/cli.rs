//! The `outpost` binary's contract without a server: exit codes and the `--json` error
//! document. Server-backed scenarios live elsewhere.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A profile directory of its own for each test, removed at the end.
struct TempProfile(PathBuf);

impl TempProfile {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "outpost-cli-test-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        Self(dir)
    }
}

impl Drop for TempProfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn outpost(profile: &TempProfile, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outpost"))
        .arg("--profile")
        .arg(&profile.0)
        .args(args)
        // The tests must not pick up the caller's session, keychain or profile.
        .env_remove("OUTPOST_TOKEN")
        .env_remove("OUTPOST_PASSWORD")
        .env_remove("OUTPOST_PROFILE")
        .env("OUTPOST_LOG", "off")
        .output()
        .expect("the outpost binary runs")
}

fn json_stdout(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout must be one JSON document ({e}): {:?}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn help_and_version_exit_zero() {
    let p = TempProfile::new("help");
    let help = outpost(&p, &["--help"]);
    assert_eq!(help.status.code(), Some(0), "--help is not an error");
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("tickets"),
        "help lists the verbs"
    );
    let verb_help = outpost(&p, &["set", "--help"]);
    assert_eq!(
        verb_help.status.code(),
        Some(0),
        "a verb's --help is not an error"
    );
    assert_eq!(outpost(&p, &["--version"]).status.code(), Some(0));
}

#[test]
fn usage_errors_exit_one() {
    let p = TempProfile::new("usage");
    for args in [
        &["frobnicate"][..],
        &[],
        &["tickets", "--limit", "many"],
        &["show"],
        &["login", "--server", "http://127.0.0.1:9"],
    ] {
        let out = outpost(&p, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?} is a usage error, which exits 1 (not clap's 2, which means failure)"
        );
        assert!(!out.stderr.is_empty(), "{args:?} explains itself on stderr");
    }
}

#[test]
fn usage_error_in_json_mode_is_a_json_document() {
    let p = TempProfile::new("usage-json");
    let out = outpost(&p, &["--json", "tickets", "--limit", "many"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_stdout(&out);
    assert_eq!(doc["error"]["code"], "usage");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--limit"))
    );
}

#[test]
fn status_on_an_empty_profile_fails_with_not_signed_in() {
    let p = TempProfile::new("status");
    let out = outpost(&p, &["--json", "status"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "not being signed in is a failure"
    );
    let doc = json_stdout(&out);
    assert_eq!(
        doc["error"]["code"], "not_signed_in",
        "scripts branch on the stable code: {doc}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("outpost: not signed in") && stderr.lines().count() == 1,
        "one line on stderr names the cause: {stderr:?}"
    );
    assert!(!p.0.exists(), "a failed status must not create the profile");
}

#[test]
fn login_offline_is_refused_without_touching_the_network() {
    let p = TempProfile::new("login-offline");
    let out = outpost(
        &p,
        &[
            "--offline",
            "--json",
            "login",
            "--server",
            "http://127.0.0.1:9",
            "--email",
            "a@example.com",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_stdout(&out)["error"]["code"], "offline");
}
