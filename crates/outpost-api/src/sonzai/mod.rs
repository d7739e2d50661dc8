//! Seed 001 ("Sonzai" support tickets) under `/api/v1/support/tickets`: the requester's
//! and the agent's view of support tickets with comments and an audit history
//! ([`tickets`]), its problem+json errors ([`problem`]) and how it names statuses
//! ([`status`]).

pub mod problem;
pub mod status;
pub mod tickets;

pub use status::SonzaiStatus;

/// Where the JSON Schema of a body type is served, as the seed's `$schema` fields say.
pub fn schema_url(name: &str) -> String {
    format!("/api/v1/schemas/{name}.json")
}
