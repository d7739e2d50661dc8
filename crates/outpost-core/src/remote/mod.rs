//! The other side of sync: a [`Remote`] is what the engine pushes the outbox to and
//! pulls server state from. The native Outpost sync protocol ([`native`]) has a change
//! feed, idempotent mutations and field conflicts; a connector ([`connector`]) speaks
//! one seed API that has none of these, and declares honestly what it can do
//! ([`Capabilities`]), so the engine never relies on what the other side cannot deliver.
//!
//! The trait is object-safe (methods return boxed futures) so a desk holds one
//! `Arc<dyn Remote>` chosen when it opens and the engine stays the same for every
//! connector. `async fn` in traits is not object-safe, and an `async_trait`-style macro
//! would only write the same boxes for us; one allocation per HTTP request is nothing
//! next to the request.

pub mod connector;
pub(crate) mod http;
pub mod native;

use crate::client::{LoginResponse, MeResponse};
use crate::error::{CoreError, Result};
use futures::future::BoxFuture;
pub use outpost_api::family::Api;
use outpost_domain::EmailAddress;
use outpost_domain::sync::{ChangesPage, MutationOp, PushRequest, PushResponse, TicketCreateArgs};
use std::time::Duration;
use tokio::sync::mpsc;

/// How a remote hands out server state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullMode {
    /// A change feed read from a cursor the client keeps, with a live signal when
    /// something new is there ([`Remote::events`]).
    ChangeFeed,
    /// No feed and no signal: the engine asks again every `every`.
    Poll { every: Duration },
}

/// What a remote can do; the engine and the desk ask before relying on any of it.
#[derive(Clone, Debug)]
pub struct Capabilities {
    /// Which API; its [`Api::title`] names it in refusals.
    pub api: Api,
    pub pull: PullMode,
    /// The actions ([`MutationOp::name`]) the remote accepts; any other is refused
    /// before it reaches the outbox.
    pub actions: &'static [&'static str],
    /// The remote checks the field versions an edit was based on and reports which
    /// fields someone else changed. Without it an edit carries no base and the last
    /// writer wins, so no "theirs / mine" conflict is ever promised.
    pub field_conflicts: bool,
    /// What an accepted action cannot carry through this API (a close note where the
    /// API's close takes none, a priority on a new ticket): named, and refused like an
    /// action the API lacks. [`vet_nothing`] for an API that takes every argument.
    pub vet: fn(&MutationOp) -> Option<&'static str>,
    /// The optional parts of a new ticket ([`CREATE_FIELDS`]) the API carries beyond
    /// its subject, description and type; a new ticket with any other is refused like
    /// an action the API lacks, and the app's new-ticket form leaves them out.
    pub create_fields: &'static [&'static str],
}

/// Every optional part of a new ticket, by the name [`Capabilities::create_fields`]
/// uses.
pub const CREATE_FIELDS: &[&str] = &[
    "priority",
    "requester",
    "assignee",
    "team",
    "tags",
    "order",
    "follow_up",
];

/// The optional parts `a` carries: (name, phrase for a refusal).
fn create_parts(a: &TicketCreateArgs) -> impl Iterator<Item = (&'static str, &'static str)> {
    [
        (
            a.priority.is_some(),
            "priority",
            "a new ticket with a priority",
        ),
        (
            a.requester_id.is_some(),
            "requester",
            "a ticket for another requester (the caller is the requester)",
        ),
        (
            a.assignee_id.is_some(),
            "assignee",
            "a new ticket with an assignee",
        ),
        (a.team_id.is_some(), "team", "a new ticket with a team"),
        (!a.tags.is_empty(), "tags", "a new ticket with tags"),
        (
            a.related_order_id.is_some() || a.related_delivery_id.is_some(),
            "order",
            "a new ticket with an order or delivery",
        ),
        (a.follow_up_of.is_some(), "follow_up", "a follow-up ticket"),
    ]
    .into_iter()
    .filter(|(present, _, _)| *present)
    .map(|(_, name, phrase)| (name, phrase))
}

/// A [`Capabilities::vet`] that refuses nothing.
pub fn vet_nothing(_: &MutationOp) -> Option<&'static str> {
    None
}

impl Capabilities {
    /// Refuse `op` up front (`not_supported`) when the remote does not accept it.
    pub fn check(&self, op: &MutationOp) -> Result<()> {
        if !self.actions.contains(&op.name()) {
            return Err(CoreError::NotSupported {
                api: self.api.title(),
                action: op.name(),
            });
        }
        if let MutationOp::TicketCreate(a) = op
            && let Some((_, phrase)) =
                create_parts(a).find(|(name, _)| !self.create_fields.contains(name))
        {
            return Err(CoreError::NotSupported {
                api: self.api.title(),
                action: phrase,
            });
        }
        match (self.vet)(op) {
            None => Ok(()),
            Some(part) => Err(CoreError::NotSupported {
                api: self.api.title(),
                action: part,
            }),
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

    /// Who `token` belongs to; `email` is who the agent says they are (a seed API
    /// may have no call that tells, and then the email names the agent).
    fn me<'a>(
        &'a self,
        token: &'a str,
        email: &'a EmailAddress,
    ) -> BoxFuture<'a, Result<MeResponse>>;

    /// End the session on the remote.
    fn logout<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<()>>;

    /// One page of changes after `cursor` (`"0"`: from the start). A polling remote
    /// makes its own opaque cursor (e.g. "updated since").
    fn pull<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>>;

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

    /// Requests sent and answer bytes received since the remote was opened.
    fn traffic(&self) -> (u64, u64);
}

/// One page of a pull, and where it sits in a full reconcile.
#[derive(Clone, Debug)]
pub struct Pulled {
    pub page: ChangesPage,
    /// Set on the pages of a connector's full reconcile (a walk of every ticket the API
    /// lists), so the engine can tell which cached tickets the server no longer has.
    pub sweep: Option<Sweep>,
}

impl From<ChangesPage> for Pulled {
    fn from(page: ChangesPage) -> Self {
        Self { page, sweep: None }
    }
}

/// A page's place in a full reconcile. Every ticket a reconcile carries is noted; at
/// its last page the cached tickets it did not carry are gone from the server, unless
/// the walk may have missed some (`complete` false: the list shrank under it), when
/// nothing is removed and the next reconcile decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sweep {
    pub first: bool,
    pub last: bool,
    pub complete: bool,
}

/// The remote at `server` speaking `api`, with its one HTTP client (one connection
/// pool per desk). `me` is the signed-in agent's email (a connector looks for their
/// replies before sending one again).
pub(crate) fn open(
    server: &str,
    api: Api,
    me: Option<&EmailAddress>,
) -> Result<std::sync::Arc<dyn Remote>> {
    Ok(match api {
        Api::Native => std::sync::Arc::new(native::NativeRemote::new(server)?),
        Api::Ondi => std::sync::Arc::new(connector::ondi::Ondi::new(server, me.cloned())?),
        Api::Sonzai => std::sync::Arc::new(connector::sonzai::Sonzai::new(server, me.cloned())?),
        Api::TwentyNineNext => {
            std::sync::Arc::new(connector::twenty_nine_next::TwentyNineNext::new(server)?)
        }
        Api::Workspace => {
            std::sync::Arc::new(connector::workspace::Workspace::new(server, me.cloned())?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_domain::ids::TicketId;
    use outpost_domain::sync::TicketRef;

    #[test]
    fn an_action_outside_the_remote_is_refused_naming_the_api() {
        let caps = Capabilities {
            api: Api::TwentyNineNext,
            pull: PullMode::Poll {
                every: Duration::from_secs(60),
            },
            actions: &["message.send"],
            field_conflicts: false,
            vet: vet_nothing,
            create_fields: CREATE_FIELDS,
        };
        let claim = MutationOp::TicketClaim(TicketRef {
            ticket_id: TicketId::new(),
        });
        let err = caps.check(&claim).unwrap_err();
        assert_eq!(err.code(), "not_supported", "refusals have a stable code");
        assert!(
            err.to_string().contains("29next") && err.to_string().contains("claim"),
            "the message names the API and the action: {err}"
        );
    }

    #[test]
    fn a_new_ticket_with_a_part_the_api_does_not_carry_is_refused() {
        let caps = Capabilities {
            api: Api::Sonzai,
            pull: PullMode::Poll {
                every: Duration::from_secs(60),
            },
            actions: &["ticket.create"],
            field_conflicts: false,
            vet: vet_nothing,
            create_fields: &["tags"],
        };
        let create = |extra: serde_json::Value| {
            let mut v = serde_json::json!({"ticket_id": TicketId::new(), "subject": "Printer"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            MutationOp::TicketCreate(serde_json::from_value(v).unwrap())
        };
        assert!(caps.check(&create(serde_json::json!({}))).is_ok());
        assert!(
            caps.check(&create(serde_json::json!({"tags": ["vip"]})))
                .is_ok()
        );
        let err = caps
            .check(&create(serde_json::json!({"priority": "high"})))
            .unwrap_err();
        assert_eq!(err.code(), "not_supported");
        assert!(err.to_string().contains("priority"), "{err}");
    }
}
