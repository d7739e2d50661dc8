//! The Outpost client core: everything an agent's desktop app or CLI does, offline
//! first. A [`Desk`] is one signed-in profile: its SQLite cache (server state and
//! pending local changes kept apart), its durable outbox, its sync engine and its
//! credentials. The CLI and the Tauri commands are thin adapters over `Desk`.
//!
//! The public surface is `Desk`, the DTOs its methods take and answer with (re-exported
//! here), the profile and credential types that open a desk, and the search language.
//! Storage, sync and the remote are internal.

pub mod bench_support;
pub(crate) mod cache;
pub(crate) mod client;
pub(crate) mod conflicts;
pub mod credentials;
pub(crate) mod desk;
pub(crate) mod error;
pub(crate) mod first_screen;
pub(crate) mod outbox;
pub mod profile;
pub(crate) mod query;
pub(crate) mod remote;
pub mod search;
pub(crate) mod sync;

pub use conflicts::{ConflictChoice, ConflictKind, ConflictView};
pub use desk::{
    ActionResult, Desk, DeskEvent, NewTicket, Settings, Status as SyncStatus, SyncState, TicketEdit,
};
pub use error::{CoreError, Result};
pub use first_screen::FirstScreen;
pub use outbox::{Delivery, OutboxEntry, OutboxState};
pub use query::{
    DEFAULT_LIMIT, Directory, Draft, HistoryView, ListQuery, ListRequest, MAX_LIMIT,
    MY_OPEN_STATUSES, MatchSource, MessageView, OPEN_STATUSES, ParticipantView, SavedSearch,
    SearchHit, SnippetPart, Sort, TeamRef, TicketDetail, TicketPage, TicketSummary, UserRef, View,
    ViewCount,
};
pub use remote::Api;
pub use sync::SyncReport;
