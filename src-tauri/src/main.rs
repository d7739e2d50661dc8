// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use outpost_app::state::AppInfo;
use outpost_core::credentials::Credentials;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init());
    outpost_app::app(builder, Credentials::keychain(), None, AppInfo::from_env())
        .run(tauri::generate_context!())?;
    Ok(())
}
