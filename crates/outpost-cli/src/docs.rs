//! The documents the changing verbs print with `--json` (and render as text): what was
//! done, and whether it reached the server. Kept apart from the verbs so the renderer
//! depends on these types, not on the verbs that fill them.

use outpost_core::{ActionResult, ConflictView, Delivery};
use serde::Serialize;

/// Whether the changes reached the server in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Server {
    /// A sync pass ran.
    Reached,
    /// The server could not be reached; the changes wait in the outbox.
    Unreachable,
    /// `--offline`: the network was not tried.
    NotTried,
    /// The server answered with an error (e.g. the session expired).
    Failed,
}

/// One change just made, and what became of it.
#[derive(Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub action: ActionResult,
    pub ticket_number: Option<i64>,
    pub delivery: Delivery,
    /// Why it failed or was refused.
    pub delivery_error: Option<String>,
    pub conflict: Option<ConflictView>,
}

/// What every changing verb prints with `--json`.
#[derive(Serialize)]
pub struct ChangeDoc {
    pub verb: &'static str,
    /// The worst delivery of `actions` (conflict, failed, pending, sent).
    pub delivery: Delivery,
    pub server: Server,
    pub server_error: Option<ErrorDoc>,
    pub actions: Vec<Outcome>,
}

#[derive(Serialize)]
pub struct ErrorDoc {
    pub code: String,
    pub message: String,
}
