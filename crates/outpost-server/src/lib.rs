//! The Outpost server as a library: `serve(config, listener, shutdown)` runs it on any
//! listener (tests bind `127.0.0.1:0`); the binary is a thin command-line wrapper.

pub mod auth;
pub mod db;
pub mod error;
pub mod service;
pub mod store;
