//! Every action is saved locally first and works offline; the result names the
//! outbox entry whose delivery the UI then follows.

use crate::error::AppResult;
use crate::state::AppState;
use outpost_core::{ActionResult, NewTicket, TicketEdit};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn claim(state: State<'_, AppState>, ticket: String) -> AppResult<ActionResult> {
    Ok(state.desk().await?.claim(&ticket).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn takeover(state: State<'_, AppState>, ticket: String) -> AppResult<ActionResult> {
    Ok(state.desk().await?.takeover(&ticket).await?)
}

/// `assigneeEmail`: `null` leaves the assignee, `""` unassigns, else an agent's email.
/// `team`: `null` leaves the team, `""` clears it, else a team id.
#[tauri::command]
#[specta::specta]
pub async fn assign(
    state: State<'_, AppState>,
    ticket: String,
    assignee_email: Option<String>,
    team: Option<String>,
) -> AppResult<ActionResult> {
    let (agent, team) = (cleared(&assignee_email), cleared(&team));
    Ok(state.desk().await?.assign(&ticket, agent, team).await?)
}

/// An empty field is the app's spelling of "clear it" (`Some(None)` for the core).
fn cleared(field: &Option<String>) -> Option<Option<&str>> {
    field
        .as_deref()
        .map(str::trim)
        .map(|v| (!v.is_empty()).then_some(v))
}

#[tauri::command]
#[specta::specta]
pub async fn update_ticket(
    state: State<'_, AppState>,
    ticket: String,
    edit: TicketEdit,
) -> AppResult<ActionResult> {
    Ok(state.desk().await?.update(&ticket, edit).await?)
}

/// Add (`add = true`) or remove one tag.
#[tauri::command]
#[specta::specta]
pub async fn tag(
    state: State<'_, AppState>,
    ticket: String,
    tag: String,
    add: bool,
) -> AppResult<ActionResult> {
    Ok(state.desk().await?.tag(&ticket, &tag, add).await?)
}

/// A public reply (`internal = false`) or an internal note.
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    ticket: String,
    text: String,
    internal: bool,
) -> AppResult<ActionResult> {
    Ok(state.desk().await?.send(&ticket, &text, internal).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn close(
    state: State<'_, AppState>,
    ticket: String,
    note: Option<String>,
) -> AppResult<ActionResult> {
    Ok(state.desk().await?.close(&ticket, note.as_deref()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn reopen(state: State<'_, AppState>, ticket: String) -> AppResult<ActionResult> {
    Ok(state.desk().await?.reopen(&ticket).await?)
}

/// `null` when there is nothing to mark read.
#[tauri::command]
#[specta::specta]
pub async fn mark_read(
    state: State<'_, AppState>,
    ticket: String,
) -> AppResult<Option<ActionResult>> {
    Ok(state.desk().await?.mark_read(&ticket).await?)
}

/// `newTicket` (not `new`, a reserved word in JavaScript).
#[tauri::command]
#[specta::specta]
pub async fn create_ticket(
    state: State<'_, AppState>,
    new_ticket: NewTicket,
) -> AppResult<ActionResult> {
    Ok(state.desk().await?.create(new_ticket).await?)
}
