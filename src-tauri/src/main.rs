// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use outpost_app::state::AppInfo;
use outpost_core::credentials::Credentials;

fn main() -> anyhow::Result<()> {
    paint_on_the_cpu();
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

/// Tell WebKitGTK to paint on the CPU before anything starts (rendering.rs says why).
#[allow(unsafe_code)]
fn paint_on_the_cpu() {
    if let Some((name, value)) = outpost_app::rendering::cpu_painting_env(|k| std::env::var(k).ok())
    {
        // SAFETY: the first thing `main` does: no other thread exists yet, so none can
        // read the environment while it changes.
        unsafe { std::env::set_var(name, value) };
    }
}
