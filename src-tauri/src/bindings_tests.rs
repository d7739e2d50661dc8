//! The committed TypeScript bindings match the commands and types in Rust. Unit tests
//! of the library (not integration tests) so that regenerating them never needs the
//! UI build the app binary embeds.
//!
//! With `OUTPOST_BINDINGS_OUT=FILE` the bindings are written to FILE instead (what
//! `make bindings` and `make bindings-check` use).

use std::path::Path;

#[test]
fn bindings_are_current() {
    let out = std::env::var_os("OUTPOST_BINDINGS_OUT").filter(|v| !v.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("bindings.ts");
    crate::export_bindings(&fresh_path).unwrap();
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();
    assert!(fresh.contains("sendMessage"), "commands are exported");
    assert!(
        !fresh.contains("bigint"),
        "i64 values cross IPC as JSON numbers and must be typed `number`"
    );
    if let Some(out) = out {
        std::fs::write(&out, &fresh).unwrap();
        return;
    }
    let committed_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/bindings.ts");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run `make bindings` and commit it",
        committed_path.display()
    );
}

#[test]
fn every_command_has_a_permission() {
    // build.rs generates `allow-<command>` only for names in COMMANDS, and the
    // capability grants the `app-commands` set: a command registered without both
    // would be refused in the real app.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    crate::export_bindings(&path).unwrap();
    let ts = std::fs::read_to_string(&path).unwrap();
    let registered: std::collections::BTreeSet<String> = ts
        .split("__TAURI_INVOKE")
        .skip(2) // the import line
        .map(|rest| rest.split('"').nth(1).unwrap().to_owned())
        .collect();
    let listed: std::collections::BTreeSet<String> = crate::commands::COMMANDS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(registered, listed);
    let set = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("permissions/app-commands.toml"),
    )
    .unwrap();
    for name in &listed {
        let perm = format!("\"allow-{}\"", name.replace('_', "-"));
        assert!(set.contains(&perm), "app-commands.toml lacks {perm}");
    }
}
