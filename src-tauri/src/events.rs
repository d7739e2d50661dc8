//! Core events to the webview (`desk-event`) and the "assigned to you" notification.

use outpost_core::Desk;
use outpost_domain::ids::TicketId;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::broadcast::error::RecvError;

/// The Tauri event carrying each [`outpost_core::DeskEvent`] (its JSON as is). Exported
/// to TypeScript as the constant `DESK_EVENT`, with the payload type `DeskEvent`.
pub const DESK_EVENT: &str = "desk-event";

/// Forward every event of `desk` to the webview until the task is aborted.
pub fn forward<R: Runtime>(app: AppHandle<R>, desk: &Desk) -> JoinHandle<()> {
    let mut rx = desk.subscribe();
    let desk = desk.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match rx.recv().await {
                Ok(e) => e,
                // The webview fell behind: an empty `changed` tells it to reload.
                Err(RecvError::Lagged(_)) => outpost_core::DeskEvent::Changed {
                    tickets: Vec::new(),
                },
                Err(RecvError::Closed) => return,
            };
            if let outpost_core::DeskEvent::Assigned { ticket_id } = &event {
                notify_assigned(&app, &desk, *ticket_id).await;
            }
            if let Err(e) = app.emit(DESK_EVENT, &event) {
                tracing::warn!(error = %e, "could not send an event to the webview");
            }
        }
    })
}

async fn notify_assigned<R: Runtime>(app: &AppHandle<R>, desk: &Desk, ticket: TicketId) {
    use tauri_plugin_notification::NotificationExt;
    // Tests run without the plugin.
    if app
        .try_state::<tauri_plugin_notification::Notification<R>>()
        .is_none()
    {
        return;
    }
    let body = match desk.ticket(&ticket.to_string()).await {
        Ok(d) => match d.number {
            Some(n) => format!("#{n} {}", d.ticket.subject),
            None => d.ticket.subject,
        },
        Err(e) => {
            tracing::warn!(error = %e, %ticket, "assigned ticket not in the cache");
            return;
        }
    };
    if let Err(e) = app
        .notification()
        .builder()
        .title("Assigned to you")
        .body(body)
        .show()
    {
        tracing::warn!(error = %e, "could not show a notification");
    }
}
