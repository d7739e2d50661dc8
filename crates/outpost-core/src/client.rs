//! What the server's session endpoints answer: the shared types of `outpost-api` (the
//! HTTP client itself is [`crate::remote::native`]).

pub use outpost_api::auth::{LoginResponse, MeResponse};
