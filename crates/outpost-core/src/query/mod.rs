//! Offline reads of the local cache (ticket lists, views and their counts, ticket
//! detail, full-text search) and the small local-only writes that go with them
//! (drafts, saved searches). Every read sees the effective state: server base plus
//! pending local changes, as the `tickets` table holds it.
//!
//! The DTOs ([`dto`]) are the CLI's `--json` output and the desktop app's IPC types;
//! the functions are the desk's, which the crate root re-exports with the DTOs.

mod detail;
mod drafts;
mod dto;
mod fulltext;
mod list;
mod resolve;
mod rows;
mod saved;
mod views;

#[cfg(test)]
mod tests;

pub use dto::{
    Directory, Draft, HistoryView, ListQuery, ListRequest, MatchSource, MessageView,
    ParticipantView, SavedSearch, SearchHit, SnippetPart, Sort, TeamRef, TicketDetail, TicketPage,
    TicketSummary, UserRef, View, ViewCount,
};
pub use list::{DEFAULT_LIMIT, MAX_LIMIT, MY_OPEN_STATUSES, OPEN_STATUSES};

pub(crate) use detail::ticket_detail;
pub(crate) use drafts::{clear_draft, save_draft};
pub(crate) use fulltext::search;
pub(crate) use list::list_tickets;
pub(crate) use resolve::{resolve_ticket, resolve_user_by_email};
pub(crate) use saved::{
    create_saved_search, delete_saved_search, list_saved_searches, update_saved_search,
};
pub(crate) use views::{directory, view_counts};
