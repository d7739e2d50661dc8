//! The Outpost domain: entities, validated values, the sync protocol's wire formats and
//! the stable error codes shared by the server, the client core, the CLI and the app.
//!
//! Nothing here performs I/O; every type parses its input once, at the edge, so the
//! rest of the code can trust it.

pub mod error;
pub mod ids;
pub mod lifecycle;
pub mod model;
pub mod sync;
pub mod time;
pub mod values;

pub use error::ErrorCode;
pub use ids::*;
pub use model::*;
pub use values::*;
