//! The Outpost client core: everything an agent's desktop app or CLI does, offline
//! first. A [`desk::Desk`] is one signed-in profile: its SQLite cache (server state and
//! pending local changes kept apart), its durable outbox, its sync engine and its
//! credentials. The CLI and the Tauri commands are thin adapters over `Desk`.

pub mod bench_support;
pub mod cache;
pub(crate) mod client;
pub mod conflicts;
pub mod credentials;
pub mod desk;
pub mod error;
pub mod outbox;
pub mod profile;
pub mod query;
pub(crate) mod remote;
pub mod search;
pub mod sync;

pub use desk::{Desk, DeskEvent};
pub use error::{CoreError, Result};
