//! One module per route family, each with its `router()` and its `#[derive(OpenApi)]`
//! part; [`crate::http::FAMILIES`] merges them. Request and response types live in
//! the `outpost-api` crate, module of the same name.

pub mod auth;
pub mod files;
pub mod meta;
pub mod ondi;
pub mod sonzai;
pub mod sync;
pub mod twenty_nine_next;
pub mod workspace;
