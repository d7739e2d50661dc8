//! IPC commands, one module per domain. Each is a thin adapter over one
//! `outpost-core` call; rules live in the core.

pub mod actions;
pub mod conflicts;
pub mod session;
pub mod settings;
pub mod sync;
pub mod tickets;

include!("names.rs");
