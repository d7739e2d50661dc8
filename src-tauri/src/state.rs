//! What the shell keeps between commands: the profile, the credential store (the OS
//! keychain in the app, an in-memory store in tests) and the open [`Desk`], if any.

use crate::error::{AppError, AppResult};
use outpost_core::credentials::Credentials;
use outpost_core::profile::Profile;
use outpost_core::{Desk, FirstScreen, ListRequest};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::async_runtime::JoinHandle;

/// Demo credentials shown on the sign-in screen by `make run`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DemoAccount {
    pub email: String,
    pub password: String,
    pub tenant: String,
}

/// What the sign-in screen needs before anyone is signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AppInfo {
    pub version: String,
    /// Pre-filled server URL (`OUTPOST_SERVER`).
    pub default_server: Option<String>,
    /// Set when `OUTPOST_DEMO=1`.
    pub demo: Option<DemoAccount>,
}

impl AppInfo {
    /// From `OUTPOST_SERVER` and `OUTPOST_DEMO` (what `make run` sets).
    pub fn from_env() -> Self {
        let default_server = std::env::var("OUTPOST_SERVER")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let demo = (std::env::var("OUTPOST_DEMO").as_deref() == Ok("1")).then(|| DemoAccount {
            email: "agent1@demo.test".into(),
            password: "outpost-demo".into(),
            tenant: "demo".into(),
        });
        Self {
            version: env!("CARGO_PKG_VERSION").into(),
            default_server,
            demo,
        }
    }
}

/// Starts forwarding a desk's events to the webview; returns the forwarding task.
pub type Forwarder = Box<dyn Fn(&Desk) -> JoinHandle<()> + Send + Sync>;

struct Session {
    desk: Desk,
    forwarding: JoinHandle<()>,
}

pub struct AppState {
    profile: Profile,
    creds: Credentials,
    info: AppInfo,
    forward: Forwarder,
    /// A mutex rather than a read-write lock: opening and closing a session must not
    /// interleave, and readers only hold it to clone the desk.
    session: tokio::sync::Mutex<Option<Session>>,
    /// The saved session's first screen for [`FirstScreen::start_list`], read at
    /// start-up while the webview loads; `boot` takes it. Locked while it is read, so a
    /// `boot` that comes sooner waits for it instead of reading it a second time.
    early: tokio::sync::Mutex<Option<FirstScreen>>,
    /// [`Self::open_at_start`] succeeded: the saved session is open (or there is none)
    /// and `early` holds its first screen until it is given.
    early_done: AtomicBool,
}

/// The start-up answer as far as it is known without waiting (see
/// [`AppState::early_start`]).
pub struct EarlyStart {
    /// The saved session's desk; `None` when nobody is signed in.
    pub desk: Option<Desk>,
    /// Its first screen for [`FirstScreen::start_list`]; `None` signed out.
    pub first_screen: Option<FirstScreen>,
}

impl AppState {
    pub fn new(profile: Profile, creds: Credentials, info: AppInfo, forward: Forwarder) -> Self {
        Self {
            profile,
            creds,
            info,
            forward,
            session: tokio::sync::Mutex::new(None),
            early: tokio::sync::Mutex::new(None),
            early_done: AtomicBool::new(false),
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn creds(&self) -> &Credentials {
        &self.creds
    }

    pub fn info(&self) -> &AppInfo {
        &self.info
    }

    /// The signed-in desk, or `not_signed_in`.
    pub async fn desk(&self) -> AppResult<Desk> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| s.desk.clone())
            .ok_or_else(|| outpost_core::CoreError::NotSignedIn.into())
    }

    /// The saved session's desk, opened (offline-capable) and started if it is not yet;
    /// `None` when nobody is signed in. The app calls it once at start-up, while the
    /// webview loads, so the UI's first `session` finds the cache already open.
    pub async fn open_saved(&self) -> AppResult<Option<Desk>> {
        self.open_with(|| async {
            match Desk::open(self.profile.clone(), self.creds.clone(), false).await {
                Err(outpost_core::CoreError::NotSignedIn) => Ok(None),
                opened => Ok(Some(opened?)),
            }
        })
        .await
    }

    /// At start-up, while the webview loads: open the saved session and read its first
    /// screen for [`FirstScreen::start_list`], for the window's `boot` to take. Locks
    /// `early`, then `session` (in `open_saved`); nothing takes them the other way round.
    pub async fn open_at_start(&self) -> AppResult<()> {
        let mut early = self.early.lock().await;
        if let Some(desk) = self.open_saved().await? {
            *early = Some(desk.first_screen(FirstScreen::start_list()).await?);
        }
        self.early_done.store(true, Ordering::Release);
        Ok(())
    }

    /// The start-up answer for [`FirstScreen::start_list`] when [`Self::open_at_start`]
    /// has it, without waiting: the saved session with its first screen (given once, as
    /// by [`Self::boot_screen`]), or nobody signed in. `None` while it is being read,
    /// when it failed, or once its first screen was given: the window then asks `boot`,
    /// which waits, reads again or reports the error.
    pub fn early_start(&self) -> Option<EarlyStart> {
        if !self.early_done.load(Ordering::Acquire) {
            return None;
        }
        let mut early = self.early.try_lock().ok()?;
        let desk = self
            .session
            .try_lock()
            .ok()?
            .as_ref()
            .map(|s| s.desk.clone());
        match desk {
            None => Some(EarlyStart {
                desk: None,
                first_screen: None,
            }),
            Some(desk) => Some(EarlyStart {
                first_screen: Some(early.take()?),
                desk: Some(desk),
            }),
        }
    }

    /// The window's first screen at `boot`: the one [`Self::open_at_start`] read when
    /// `list` is the start list and it is still there (it is given once), else read
    /// now. `None` when reading failed: the UI then reads the parts one by one and
    /// shows what failed.
    pub async fn boot_screen(&self, desk: &Desk, list: ListRequest) -> Option<FirstScreen> {
        if list == FirstScreen::start_list()
            && let Some(early) = self.early.lock().await.take()
        {
            return Some(early);
        }
        desk.first_screen(list)
            .await
            .inspect_err(|e| tracing::warn!("reading the first screen at start-up: {e}"))
            .ok()
    }

    /// The open desk, or the one `open` returns (kept, forwarded and started).
    pub async fn open_with<F, Fut>(&self, open: F) -> AppResult<Option<Desk>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<Option<Desk>>>,
    {
        let mut slot = self.session.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(Some(s.desk.clone()));
        }
        let Some(desk) = open().await? else {
            return Ok(None);
        };
        *slot = Some(self.begin(desk.clone()));
        Ok(Some(desk))
    }

    /// Replace the session (sign-in): the old desk's engine stops first.
    pub async fn replace_with<F, Fut>(&self, open: F) -> AppResult<Desk>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<Desk>>,
    {
        // The old session's early first screen goes first, and never while `session`
        // is held: `open_at_start` holds `early` while it waits for `session`.
        self.early.lock().await.take();
        let mut slot = self.session.lock().await;
        if let Some(old) = slot.take() {
            old.end().await;
        }
        let desk = open().await?;
        *slot = Some(self.begin(desk.clone()));
        Ok(desk)
    }

    /// Close the session (sign-out); returns its desk, engine stopped.
    pub async fn take(&self) -> AppResult<Desk> {
        let s = self
            .session
            .lock()
            .await
            .take()
            .ok_or(AppError::from(outpost_core::CoreError::NotSignedIn))?;
        // `session` is no longer held here (see `replace_with`).
        self.early.lock().await.take();
        let desk = s.desk.clone();
        s.end().await;
        Ok(desk)
    }

    fn begin(&self, desk: Desk) -> Session {
        // Subscribe before the engine starts so its first events reach the webview.
        let forwarding = (self.forward)(&desk);
        desk.start();
        Session { desk, forwarding }
    }
}

impl Session {
    async fn end(self) {
        self.desk.stop().await;
        self.forwarding.abort();
    }
}
