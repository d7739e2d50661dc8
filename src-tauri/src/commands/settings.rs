use crate::error::AppResult;
use crate::state::AppState;
use outpost_core::Settings;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn settings(state: State<'_, AppState>) -> AppResult<Settings> {
    Ok(state.desk().await?.settings())
}

/// Drop the cached server state (never the outbox); the engine bootstraps again.
#[tauri::command]
#[specta::specta]
pub async fn reset_cache(state: State<'_, AppState>) -> AppResult<()> {
    Ok(state.desk().await?.rebuild_cache().await?)
}
