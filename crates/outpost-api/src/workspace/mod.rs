//! Seed 002 (workspace tickets) under `/api/v1/tickets`: tickets of a workspace whose
//! chats an AI responder answers until it hands them over to people (handover) or a
//! person takes them over (takeover). [`tickets`] holds the bodies, the list query and
//! its parser; [`status`] how the family names statuses.

pub mod status;
pub mod tickets;

pub use status::WorkspaceStatus;
