//! The other side of sync: a [`Remote`] is what the engine pushes the outbox to and
//! pulls server state from. The native Outpost sync protocol ([`native`]) is the only
//! one today; a connector to another helpdesk's API is a second implementation in this
//! folder that declares honestly what it can do ([`Capabilities`]), so the engine never
//! relies on what the other side cannot deliver.
//!
//! The trait is object-safe (methods return boxed futures) so a desk holds one
//! `Arc<dyn Remote>` chosen when it opens and the engine stays the same for every
//! connector. `async fn` in traits is not object-safe, and an `async_trait`-style macro
//! would only write the same boxes for us; one allocation per HTTP request is nothing
//! next to the request.

pub mod native;

use crate::client::{LoginResponse, MeResponse};
use crate::error::{CoreError, Result};
use futures::future::BoxFuture;
use outpost_domain::sync::{ChangesPage, MutationOp, PushRequest, PushResponse};
use std::time::Duration;
use tokio::sync::mpsc;

/// How a remote hands out server state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullMode {
    /// A change feed read from a cursor the client keeps, with a live signal when
    /// something new is there ([`Remote::events`]).
    ChangeFeed,
    /// No feed and no signal: the engine asks again every `every`.
    #[allow(
        dead_code,
        reason = "the live loop handles it; the first polling connector constructs it"
    )]
    Poll { every: Duration },
}

/// What a remote can do; the engine and the desk ask before relying on any of it.
#[derive(Clone, Debug)]
pub struct Capabilities {
    /// The API's name for people ("the Outpost sync API"), used in refusals.
    pub api: &'static str,
    pub pull: PullMode,
    /// The actions ([`MutationOp::name`]) the remote accepts; any other is refused
    /// before it reaches the outbox.
    pub actions: &'static [&'static str],
    /// The remote checks the field versions an edit was based on and reports which
    /// fields someone else changed. Without it an edit carries no base and the last
    /// writer wins, so no "theirs / mine" conflict is ever promised.
    pub field_conflicts: bool,
}

impl Capabilities {
    /// Refuse `op` up front (`not_supported`) when the remote does not accept it.
    pub fn check(&self, op: &MutationOp) -> Result<()> {
        if self.actions.contains(&op.name()) {
            Ok(())
        } else {
            Err(CoreError::NotSupported {
                api: self.api,
                action: op.name(),
            })
        }
    }
}

/// One server the desk syncs with. `token` is the signed-in session's secret, read
/// from the credential store by the caller for each pass (so signing out elsewhere or
/// a revoked token shows at the next pass, as before).
pub trait Remote: Send + Sync {
    fn capabilities(&self) -> &Capabilities;

    /// The remote's normalized address (the profile's `server`).
    fn server(&self) -> &str;

    /// Exchange email and password for a session.
    fn login<'a>(
        &'a self,
        email: &'a str,
        password: &'a str,
        tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<LoginResponse>>;

    /// Who `token` belongs to.
    fn me<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<MeResponse>>;

    /// End the session on the remote.
    fn logout<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<()>>;

    /// One page of changes after `cursor` (`"0"`: from the start). A polling remote
    /// makes its own opaque cursor (e.g. "updated since").
    fn pull<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<ChangesPage>>;

    /// The agent's own open work, ahead of the first full pull; `None` when the remote
    /// cannot narrow a pull that way (the full pull alone does the job).
    fn pull_mine<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<ChangesPage>>>;

    /// Send outbox entries in seq order; the answer may cover only a prefix.
    fn push<'a>(
        &'a self,
        token: &'a str,
        req: &'a PushRequest,
    ) -> BoxFuture<'a, Result<PushResponse>>;

    /// The live signal of a [`PullMode::ChangeFeed`] remote: one `()` per "pull now";
    /// the channel closes when the stream ends. A polling remote never gets asked.
    fn events<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<mpsc::Receiver<()>>>;
}

/// The remote at `server` with its one HTTP client (one connection pool per desk).
/// Every profile speaks the native protocol today; a connector is chosen here.
pub(crate) fn open(server: &str) -> Result<std::sync::Arc<dyn Remote>> {
    Ok(std::sync::Arc::new(native::NativeRemote::new(server)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_domain::ids::TicketId;
    use outpost_domain::sync::TicketRef;

    #[test]
    fn an_action_outside_the_remote_is_refused_naming_the_api() {
        let caps = Capabilities {
            api: "a read-only API",
            pull: PullMode::Poll {
                every: Duration::from_secs(60),
            },
            actions: &["message.send"],
            field_conflicts: false,
        };
        let claim = MutationOp::TicketClaim(TicketRef {
            ticket_id: TicketId::new(),
        });
        let err = caps.check(&claim).unwrap_err();
        assert_eq!(err.code(), "not_supported", "refusals have a stable code");
        assert!(
            err.to_string().contains("a read-only API") && err.to_string().contains("claim"),
            "the message names the API and the action: {err}"
        );
    }
}
