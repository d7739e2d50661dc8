//! What a window must show first, read in one go: the app asks once at start-up (and
//! after a sign-in) instead of a round trip per part. Only what decides the first paint
//! is here; the views' counts (every view counted over the whole cache, the slowest
//! read of a start), saved searches and conflicts fill in after it.

use crate::desk::{Desk, Status};
use crate::error::Result;
use crate::query::{ListRequest, Sort, TicketPage, View};
use serde::{Deserialize, Serialize};

/// A signed-in window's first screen.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FirstScreen {
    /// The sync state: whether the first sync still runs (its overlay), whether the
    /// server answers, what the API takes.
    pub status: Status,
    /// The first page of the list the window opens on.
    pub page: TicketPage,
}

impl FirstScreen {
    /// The list a window opens on: the agent's own open tickets, last updated first, a
    /// page of 100. The app reads it ahead at start-up while its webview loads.
    pub fn start_list() -> ListRequest {
        ListRequest {
            view: Some(View::MyOpen),
            search: None,
            sort: Sort::UpdatedDesc,
            limit: Some(100),
            offset: 0,
        }
    }
}

impl Desk {
    /// The first screen with `list` as its ticket list; both are read side by side.
    pub async fn first_screen(&self, list: ListRequest) -> Result<FirstScreen> {
        let (status, page) = tokio::try_join!(self.status(), self.list(list))?;
        Ok(FirstScreen { status, page })
    }
}
