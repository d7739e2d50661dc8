//! Support for the cross-component scenarios in `scenarios/`: they run the workspace's
//! real binaries next to an in-process server, so they need to find those binaries.

use std::path::PathBuf;

/// A binary of this workspace from the build the tests were compiled in (`cargo test
/// --workspace` and `make rust-build` build every binary next to the tests).
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test binary> -> target/<profile>/<name>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps");
    let bin = profile_dir.join(name);
    assert!(
        bin.exists(),
        "{} is not built: run `cargo test --workspace --no-run` (make rust-build) first",
        bin.display()
    );
    bin
}
