//! The HTTP API of the Outpost server as types: for each route family the request and
//! response bodies and query parameters, and how the family names ticket statuses
//! (docs/STATUS_MAPPING.md). The server serializes these and clients parse them, so
//! both sides share one copy of the wire format.
//!
//! Families: [`auth`] (`/auth/v1`), [`sync`] (`/sync/v1`, the native protocol) with
//! [`files`] (`/files/v1`),
//! [`ondi`] (seeds 000 and 003 under `/messaging`), [`sonzai`] (seed 001 under
//! `/api/v1/support/tickets`), [`workspace`] (seed 002 under `/api/v1/tickets`) and
//! [`twenty_nine_next`] (seed 004 under `/api/admin/tickets/`).
//!
//! With the `openapi` feature every type also describes itself to utoipa.

pub mod auth;
pub mod family;
pub mod files;
pub mod ondi;
pub mod query;
pub mod sonzai;
pub mod sync;
pub mod twenty_nine_next;
pub mod workspace;
