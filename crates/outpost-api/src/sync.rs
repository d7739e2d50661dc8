//! `/sync/v1`: the desktop app's native protocol (docs/SYNC.md). Its bodies live in
//! `outpost_domain::sync`, because the client's sync engine and the server's service
//! layer work on them directly; this module re-exports them beside the query
//! parameters of the pull.

pub use outpost_domain::sync::*;
use serde::{Deserialize, Serialize};

/// What a pull covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangesScope {
    /// The whole change feed the caller may see.
    #[default]
    All,
    /// Before the initial sync: the current state of the caller's own open tickets
    /// (assigned to them; new, open, pending; at most 500) and what hangs off them.
    Mine,
}

/// The query of `GET /sync/v1/changes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Cursor from the previous page; `0` or absent to start from the beginning.
    pub cursor: Option<String>,
    /// Page size, 1–5000 (default 1000).
    pub limit: Option<i64>,
    /// `all` (default): the change feed after `cursor`. `mine`: one page with the
    /// current state of the caller's own open tickets (assigned to them, status new,
    /// open or pending, at most 500, most recently updated first), their
    /// conversations, messages and history, the users they reference and all teams
    /// and tags, filtered like the feed, each with its feed `seq`; only with cursor `0`
    /// or empty (otherwise 422). The answer's `cursor` is `0` and `has_more` false:
    /// apply it, then pull from `0` as usual.
    #[cfg_attr(feature = "openapi", param(inline))]
    pub scope: Option<ChangesScope>,
}
