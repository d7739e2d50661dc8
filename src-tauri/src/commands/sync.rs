use crate::error::AppResult;
use crate::state::AppState;
use outpost_core::OutboxEntry;
use outpost_core::SyncReport;
use outpost_core::SyncStatus as Status;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> AppResult<Status> {
    Ok(state.desk().await?.status().await?)
}

/// One full pass now ("sync now"); fails with `unreachable`/`offline` instead of waiting.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> AppResult<SyncReport> {
    Ok(state.desk().await?.sync().await?)
}

/// The "work offline" switch.
#[tauri::command]
#[specta::specta]
pub async fn set_offline(state: State<'_, AppState>, offline: bool) -> AppResult<()> {
    state.desk().await?.set_offline(offline);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn outbox(state: State<'_, AppState>, limit: i64) -> AppResult<Vec<OutboxEntry>> {
    Ok(state.desk().await?.outbox(limit).await?)
}
