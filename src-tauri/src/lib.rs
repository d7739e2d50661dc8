//! The Outpost desktop shell: Tauri commands over `outpost-core`'s [`Desk`], core
//! events forwarded to the webview, and the TypeScript bindings generated from both.
//!
//! [`Desk`]: outpost_core::Desk

pub mod commands;
pub mod error;
pub mod events;
pub mod first_page;
pub mod rendering;
pub mod state;

use outpost_core::credentials::Credentials;
use outpost_core::profile::Profile;
use state::{AppInfo, AppState};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::collect_commands;

/// Every command and event, as registered with Tauri and exported to TypeScript.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    use commands::*;
    tauri_specta::Builder::<R>::new()
        .commands(collect_commands![
            session::app_info,
            session::session,
            session::boot,
            session::sign_in,
            session::sign_in_with_token,
            session::sign_out,
            sync::sync_status,
            sync::sync_now,
            sync::set_offline,
            sync::outbox,
            tickets::first_screen,
            tickets::view_counts,
            tickets::list_tickets,
            tickets::ticket_detail,
            tickets::search,
            tickets::saved_searches,
            tickets::save_search,
            tickets::delete_saved_search,
            tickets::save_draft,
            tickets::directory,
            actions::claim,
            actions::takeover,
            actions::assign,
            actions::update_ticket,
            actions::tag,
            actions::send_message,
            actions::close,
            actions::reopen,
            actions::mark_read,
            actions::create_ticket,
            conflicts::conflicts,
            conflicts::resolve_conflict,
            settings::settings,
            settings::reset_cache,
        ])
        .typ::<outpost_core::DeskEvent>()
        .constant("DESK_EVENT", events::DESK_EVENT)
        .constant("START_LIST", outpost_core::FirstScreen::start_list())
        .constant("BOOT_ELEMENT_ID", first_page::BOOT_ELEMENT_ID)
        // Counts, sequence numbers and byte sizes stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (rather than `X_Serialize` and
        // `X_Deserialize` variants): every DTO reads the same both ways.
        .disable_serde_phases()
}

/// Write the TypeScript bindings to `path`.
pub fn export_bindings(path: &Path) -> anyhow::Result<()> {
    specta_builder::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from src-tauri by `make bindings`. Do not edit.\n"),
            path,
        )
        .map_err(|e| anyhow::anyhow!("exporting TypeScript bindings: {e}"))
}

/// Where the app keeps its profile when no `OUTPOST_PROFILE` is set.
fn default_profile<R: Runtime>(app: &tauri::App<R>) -> anyhow::Result<Profile> {
    if let Some(dir) =
        std::env::var_os(outpost_core::profile::PROFILE_ENV).filter(|v| !v.is_empty())
    {
        return Ok(Profile::at(std::path::absolute(PathBuf::from(dir))?));
    }
    Ok(Profile::at(app.path().app_data_dir()?.join("profile")))
}

/// The app's commands on `builder` (what tests build on the mock runtime).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(specta_builder::<R>().invoke_handler())
}

/// Give the built app its state: the profile, the credential store and the event
/// forwarding of every desk it opens.
pub fn install<R: Runtime>(
    app: &AppHandle<R>,
    creds: Credentials,
    profile: Profile,
    info: AppInfo,
) {
    let handle = app.clone();
    app.manage(AppState::new(
        profile,
        creds,
        info,
        Box::new(move |desk| events::forward(handle.clone(), desk)),
    ));
}

/// The app on `builder`, state installed at setup. `profile: None` picks
/// `OUTPOST_PROFILE` or the app data directory.
pub fn app<R: Runtime>(
    builder: tauri::Builder<R>,
    creds: Credentials,
    profile: Option<Profile>,
    info: AppInfo,
) -> tauri::Builder<R> {
    with_commands(builder).setup(move |app| {
        let profile = match profile {
            Some(p) => p,
            None => default_profile(app)?,
        };
        install(app.handle(), creds, profile, info);
        // Open the saved session and read its first screen while the webview starts
        // (the cache, the keychain read, the list): the window's page then carries
        // them (first_page.rs), or its `boot` finds them done. An error here is the
        // UI's to show; it gets the same one when it asks.
        let handle = app.handle().clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = handle.state::<AppState>().open_at_start().await {
                tracing::info!("the saved session did not open at start-up: {e}");
            }
        });
        first_page::open_main_window(app.handle())?;
        Ok(())
    })
}

#[cfg(test)]
mod bindings_tests;
