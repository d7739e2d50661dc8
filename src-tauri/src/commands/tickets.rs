use crate::error::AppResult;
use crate::state::AppState;
use outpost_core::{
    Directory, FirstScreen, ListRequest, SavedSearch, SearchHit, TicketDetail, TicketPage,
    ViewCount,
};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn view_counts(state: State<'_, AppState>) -> AppResult<Vec<ViewCount>> {
    Ok(state.desk().await?.view_counts().await?)
}

/// The window's first screen after a sign-in (at start-up it comes with `boot`).
#[tauri::command]
#[specta::specta]
pub async fn first_screen(state: State<'_, AppState>, list: ListRequest) -> AppResult<FirstScreen> {
    Ok(state.desk().await?.first_screen(list).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_tickets(state: State<'_, AppState>, query: ListRequest) -> AppResult<TicketPage> {
    Ok(state.desk().await?.list(query).await?)
}

/// `ticket`: a number (`1042` or `#1042`) or a ticket id.
#[tauri::command]
#[specta::specta]
pub async fn ticket_detail(state: State<'_, AppState>, ticket: String) -> AppResult<TicketDetail> {
    Ok(state.desk().await?.ticket(&ticket).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn search(
    state: State<'_, AppState>,
    text: String,
    limit: i64,
) -> AppResult<Vec<SearchHit>> {
    Ok(state.desk().await?.search(&text, limit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn saved_searches(state: State<'_, AppState>) -> AppResult<Vec<SavedSearch>> {
    Ok(state.desk().await?.saved_searches().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_search(
    state: State<'_, AppState>,
    name: String,
    text: String,
) -> AppResult<SavedSearch> {
    Ok(state.desk().await?.save_search(&name, &text).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_saved_search(state: State<'_, AppState>, id: uuid::Uuid) -> AppResult<()> {
    Ok(state.desk().await?.delete_saved_search(id).await?)
}

/// Keep the composer's text for the ticket; a blank body deletes the draft.
#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    state: State<'_, AppState>,
    ticket: String,
    body: String,
    internal: bool,
) -> AppResult<()> {
    Ok(state
        .desk()
        .await?
        .save_draft(&ticket, &body, internal)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn directory(state: State<'_, AppState>) -> AppResult<Directory> {
    Ok(state.desk().await?.directory().await?)
}
