use crate::error::AppResult;
use crate::state::{AppInfo, AppState};
use outpost_core::{Api, CoreError, Desk};
use outpost_domain::ids::{TenantId, UserId};
use serde::{Deserialize, Serialize};
use tauri::State;

/// The signed-in account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Account {
    pub server: String,
    pub email: String,
    pub tenant: TenantId,
    pub name: String,
    pub user_id: UserId,
    /// The API the desk speaks (`native`, `ondi`, …): how it signed in and syncs.
    pub api: String,
}

impl Account {
    fn of(desk: &Desk) -> Self {
        let c = desk.config();
        Self {
            server: c.server.clone(),
            email: c.email.to_string(),
            tenant: c.tenant_id,
            name: c.display_name.clone(),
            user_id: c.user_id,
            api: c.api.name().to_owned(),
        }
    }
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppResult<AppInfo> {
    // A result like every other command, so the UI unwraps them all the same way.
    Ok(state.info().clone())
}

/// The saved session, opened (offline-capable) and live; `null` when nobody is signed in.
#[tauri::command]
#[specta::specta]
pub async fn session(state: State<'_, AppState>) -> AppResult<Option<Account>> {
    Ok(state.open_saved().await?.as_ref().map(Account::of))
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, AppState>,
    server: String,
    email: String,
    password: String,
    tenant: Option<String>,
) -> AppResult<Account> {
    let desk = state
        .replace_with(|| async {
            Ok(Desk::login(
                state.profile().clone(),
                state.creds().clone(),
                &server,
                &email,
                Some(&password),
                tenant.as_deref(),
            )
            .await?)
        })
        .await?;
    Ok(Account::of(&desk))
}

/// Sign in with an API token the helpdesk's administrator issued, speaking `api`
/// (`ondi`, `sonzai`, … or `native`): a connector when the server offers only that API.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_with_token(
    state: State<'_, AppState>,
    server: String,
    api: String,
    email: String,
    token: String,
) -> AppResult<Account> {
    let api = api
        .parse::<Api>()
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let desk = state
        .replace_with(|| async {
            Ok(Desk::login_with_token(
                state.profile().clone(),
                state.creds().clone(),
                &server,
                api,
                &email,
                Some(&token),
            )
            .await?)
        })
        .await?;
    Ok(Account::of(&desk))
}

/// Sign out; `wipe` also deletes the cache (pending changes included).
#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>, wipe: bool) -> AppResult<()> {
    Ok(state.take().await?.logout(wipe).await?)
}
