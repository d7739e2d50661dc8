include!("src/commands/names.rs");

fn main() {
    // Listing the commands makes Tauri generate `allow-<command>` permissions and
    // refuse any app command a capability does not grant.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
