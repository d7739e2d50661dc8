use crate::error::{AppError, AppResult};
use crate::state::{AppInfo, AppState};
use outpost_core::{Api, CoreError, Desk, FirstScreen, ListRequest};
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

/// What the window needs for its first screen, in one round trip at start-up.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct Boot {
    pub info: AppInfo,
    /// The saved session, opened and live; `null` when nobody is signed in or it did
    /// not open (`error`).
    pub account: Option<Account>,
    /// Why the saved session did not open (`keychain_unavailable`, …).
    pub error: Option<AppError>,
    /// The signed-in window's first screen, its list as asked; `null` signed out, or
    /// when reading it failed: the UI then reads the parts one by one and shows what
    /// failed.
    pub first_screen: Option<FirstScreen>,
}

impl Boot {
    /// The saved session opened (`desk`, or nobody signed in) with its first screen.
    fn opened(state: &AppState, desk: Option<&Desk>, first_screen: Option<FirstScreen>) -> Self {
        Self {
            info: state.info().clone(),
            account: desk.map(Account::of),
            error: None,
            first_screen,
        }
    }

    /// The start-up answer without waiting, when [`AppState::early_start`] has it: what
    /// the window's page carries (see [`crate::first_page`]).
    pub fn early(state: &AppState) -> Option<Self> {
        let start = state.early_start()?;
        Some(Self::opened(state, start.desk.as_ref(), start.first_screen))
    }
}

/// [`app_info`], [`session`] and, signed in, the desk's first screen with `list` (the
/// one read ahead at start-up when `list` is [`FirstScreen::start_list`]).
#[tauri::command]
#[specta::specta]
pub async fn boot(state: State<'_, AppState>, list: ListRequest) -> AppResult<Boot> {
    let desk = match state.open_saved().await {
        Ok(desk) => desk,
        Err(error) => {
            return Ok(Boot {
                info: state.info().clone(),
                account: None,
                error: Some(error),
                first_screen: None,
            });
        }
    };
    let first_screen = match &desk {
        Some(desk) => state.boot_screen(desk, list).await,
        None => None,
    };
    Ok(Boot::opened(&state, desk.as_ref(), first_screen))
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
