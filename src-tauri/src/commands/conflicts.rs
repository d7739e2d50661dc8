use crate::error::AppResult;
use crate::state::AppState;
use outpost_core::ActionResult;
use outpost_core::{ConflictChoice, ConflictView};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn conflicts(
    state: State<'_, AppState>,
    open_only: bool,
) -> AppResult<Vec<ConflictView>> {
    Ok(state.desk().await?.conflicts(open_only).await?)
}

/// `choice`: one of the conflict's `choices`; another one is refused (`invalid_input`).
#[tauri::command]
#[specta::specta]
pub async fn resolve_conflict(
    state: State<'_, AppState>,
    id: String,
    choice: ConflictChoice,
) -> AppResult<Vec<ActionResult>> {
    Ok(state.desk().await?.resolve_conflict(&id, choice).await?)
}
