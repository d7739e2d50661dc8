//! Connectors: the desk's [`Remote`](super::Remote) over a server that offers only one
//! seed API. None of those APIs has a change feed, idempotency keys or field versions,
//! so every connector works the same way around that:
//!
//! - **Pull** is a walk of the API's ticket list. The first pull (and one every
//!   [`Timing::reconcile_every`]) is a *full reconcile*: every ticket with its
//!   conversation, page by page, resumable from its cursor, marked as a
//!   [`Sweep`](super::Sweep) so the engine can drop the tickets the server no longer
//!   lists. In between, a *poll* ([`Timing::poll_every`]) reads the list newest-changed
//!   first and stops at the first ticket older than its mark ([`PollCursor`]).
//! - **Push** sends each outbox entry as the API's own call. A lost answer is never
//!   resent blind: before a send that cannot be repeated safely (a reply, a new
//!   ticket) the connector looks for what it sent on the server.
//! - **People** are known by email, the one handle every seed API shows: a person's
//!   local id is derived from their address ([`person_id`]), so the agent's own id is
//!   known at sign-in and is the same in every page and every answer.

mod entities;
pub mod ondi;
pub mod sonzai;
pub mod twenty_nine_next;
pub mod workspace;

use super::http::{ErrorReader, Http};
use super::{Capabilities, Pulled, Sweep};
use crate::client::MeResponse;
use crate::error::Result;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use outpost_domain::SupportSettings;
use outpost_domain::error::ErrorCode;
use outpost_domain::ids::{MessageId, MutationId, TagId, TenantId, TicketId, TicketNumber, UserId};
use outpost_domain::model::{Tenant, User};
use outpost_domain::sync::{
    Applied, ChangeEntry, ChangesPage, ConflictDetails, Mutation, MutationOp, MutationResult,
    Outcome, PushRequest, PushResponse, Rejected,
};
use outpost_domain::values::{EmailAddress, Role};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often a connector polls and reconciles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// The light poll (`OUTPOST_POLL_SECONDS`, default 30 s).
    pub poll_every: Duration,
    /// The full reconcile that also finds deletions (`OUTPOST_RECONCILE_MINUTES`,
    /// default 30 min).
    pub reconcile_every: Duration,
}

impl Timing {
    /// From the environment, with the defaults above.
    pub fn from_env() -> Self {
        let secs = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|n| *n > 0)
        };
        Self {
            poll_every: Duration::from_secs(secs("OUTPOST_POLL_SECONDS").unwrap_or(30)),
            reconcile_every: Duration::from_secs(
                60 * secs("OUTPOST_RECONCILE_MINUTES").unwrap_or(30),
            ),
        }
    }
}

/// The local id of the person with this email: the same for every connector page and
/// every answer, and known at sign-in for the agent. A name-based UUID (version 5) of
/// the lowercased address.
pub fn person_id(email: &str) -> UserId {
    UserId(uuid::Uuid::new_v5(
        &PEOPLE,
        email.trim().to_lowercase().as_bytes(),
    ))
}

/// The namespace of [`person_id`] (a fixed random UUID: changing it changes every id).
const PEOPLE: uuid::Uuid = uuid::uuid!("5b0c6f4e-2a8d-4f7e-9c51-8e3d2a7b6c10");

/// When the agent made a change: outbox ids are time-ordered (UUIDv7).
pub fn made_at(id: MutationId) -> Option<DateTime<Utc>> {
    let (secs, nanos) = id.0.get_timestamp()?.to_unix();
    DateTime::from_timestamp(secs as i64, nanos)
}

/// How far a check before a resend looks back from the moment the change was made:
/// the agent's clock and the server's may disagree by this much.
pub const CLOCK_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// A poll re-reads tickets changed this long before its mark: a change committed late
/// with an earlier timestamp is still found.
pub const SLACK: chrono::TimeDelta = chrono::TimeDelta::seconds(15);

/// The connector's place in the API's ticket list, kept as the sync cursor (JSON text).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PollCursor {
    /// The full reconcile under way, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepAt>,
    /// The newest change time carried (the server's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<DateTime<Utc>>,
    /// Tickets carried whose change time is within [`SLACK`] of the mark, with the
    /// version carried: the next poll skips them unless they changed again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<Carried>,
    /// Where a reconcile's walk goes on, for an API that pages by its own cursors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk: Option<String>,
    /// When the last full reconcile started (this machine's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swept_at: Option<DateTime<Utc>>,
    /// Tags known by id only, for an API that lists none (workspace): the ones used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagId>,
}

/// A ticket a poll carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried {
    pub id: String,
    pub version: i64,
    pub at: DateTime<Utc>,
}

/// A full reconcile under way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepAt {
    /// The next list page to read (from 1).
    pub page: u32,
    /// The list's total on the last page read.
    pub total: i64,
    /// The total went down during the walk: a removal may have shifted a ticket past
    /// the walk, so this reconcile removes nothing.
    pub shrank: bool,
    /// The newest change time when the walk started: what changed after it is read
    /// again at the end.
    pub mark: Option<DateTime<Utc>>,
}

impl PollCursor {
    /// The cursor text the engine keeps (`"0"` or empty: nothing carried yet). Text
    /// that is not a connector cursor (a native one, a damaged one) asks the engine to
    /// rebuild the cache.
    pub fn parse(text: &str) -> crate::Result<Self> {
        if text.is_empty() || text == "0" {
            return Ok(Self::default());
        }
        serde_json::from_str(text).map_err(|_| crate::CoreError::CursorExpired)
    }

    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "0".into())
    }

    /// Whether the next pull starts a full reconcile: nothing carried yet, or the last
    /// one is older than `every`.
    pub fn reconcile_due(&self, now: DateTime<Utc>, every: Duration) -> bool {
        if self.sweep.is_some() {
            return false;
        }
        match (self.mark, self.swept_at) {
            (None, _) | (_, None) => true,
            (Some(_), Some(at)) => {
                now.signed_duration_since(at)
                    >= chrono::TimeDelta::from_std(every).unwrap_or(chrono::TimeDelta::MAX)
            }
        }
    }

    /// After a poll that saw `seen` (each ticket's id, version and change time): the
    /// new mark and the tickets within [`SLACK`] of it.
    pub fn advance(&mut self, seen: impl IntoIterator<Item = Carried>) {
        let mut recent = std::mem::take(&mut self.recent);
        for c in seen {
            recent.retain(|r| r.id != c.id);
            self.mark = Some(self.mark.map_or(c.at, |m| m.max(c.at)));
            recent.push(c);
        }
        if let Some(mark) = self.mark {
            recent.retain(|r| r.at >= mark - SLACK);
        }
        self.recent = recent;
    }

    /// Whether a ticket at this version was carried already (within the slack).
    pub fn carried(&self, id: &str, version: i64) -> bool {
        self.recent
            .iter()
            .any(|r| r.id == id && r.version == version)
    }

    /// The earliest change time a poll reads.
    pub fn floor(&self) -> Option<DateTime<Utc>> {
        self.mark.map(|m| m - SLACK)
    }
}

/// What a connector is made of; every connector is a [`Remote`](super::Remote)
/// through the one blanket implementation below (sign-in with a token only, no
/// sign-out, no "mine first", no live stream, entries delivered one call each).
pub(super) trait Connector: Send + Sync {
    fn http(&self) -> &Http;
    fn caps(&self) -> &Capabilities;
    /// One read call with `token`: the tenant it shows, if any (an error when the API
    /// refuses the token).
    fn check<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<TenantId>>>;
    fn pull_at<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>>;
    /// One outbox entry as the API's own call (`Err`: the answer is not known).
    fn deliver<'a>(&'a self, token: &'a str, m: &'a Mutation) -> BoxFuture<'a, Result<Outcome>>;
}

impl<C: Connector> super::Remote for C {
    fn capabilities(&self) -> &Capabilities {
        self.caps()
    }

    fn server(&self) -> &str {
        self.http().base()
    }

    fn login<'a>(
        &'a self,
        _email: &'a str,
        _password: &'a str,
        _tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<crate::client::LoginResponse>> {
        Box::pin(async {
            Err(crate::CoreError::InvalidInput(format!(
                "{} signs in with an API token, not a password",
                self.caps().api.title()
            )))
        })
    }

    /// One read call checks the token; the email names the agent, since no seed API
    /// has a call that says whose token it is.
    fn me<'a>(
        &'a self,
        token: &'a str,
        email: &'a EmailAddress,
    ) -> BoxFuture<'a, Result<MeResponse>> {
        Box::pin(async move {
            match self.check(token).await {
                Ok(tenant) => Ok(agent(email, tenant, self.http().base())),
                Err(crate::CoreError::SessionExpired) => Err(crate::CoreError::Server {
                    status: 401,
                    code: ErrorCode::Unauthenticated,
                    message: format!("{} refused this token", self.caps().api.title()),
                }),
                Err(e) => Err(e),
            }
        })
    }

    /// The APIs have no sign-out: forgetting the token is all there is.
    fn logout<'a>(&'a self, _token: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn pull<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>> {
        self.pull_at(token, cursor, limit)
    }

    /// No seed API narrows its list to the agent's own work: the reconcile does it.
    fn pull_mine<'a>(&'a self, _token: &'a str) -> BoxFuture<'a, Result<Option<ChangesPage>>> {
        Box::pin(async { Ok(None) })
    }

    fn push<'a>(
        &'a self,
        token: &'a str,
        req: &'a PushRequest,
    ) -> BoxFuture<'a, Result<PushResponse>> {
        Box::pin(push_in_order(req, move |m| async move {
            self.deliver(token, &m).await
        }))
    }

    fn events<'a>(
        &'a self,
        _token: &'a str,
    ) -> BoxFuture<'a, Result<tokio::sync::mpsc::Receiver<()>>> {
        Box::pin(async {
            Err(crate::CoreError::Protocol(format!(
                "{} has no live stream; it is polled",
                self.caps().api.title()
            )))
        })
    }

    fn traffic(&self) -> (u64, u64) {
        self.http().traffic()
    }
}

/// Ids a connector keeps in mind for this session (the last [`Memory::CAPACITY`]):
/// server ids it created or found, so a check before a resend never takes one reply
/// for another with the same text; outbox entries it has sent, so a state found on the
/// server is only taken for its own doing if it ever sent the request.
#[derive(Debug, Default)]
pub(super) struct Memory(std::sync::Mutex<std::collections::VecDeque<uuid::Uuid>>);

impl Memory {
    const CAPACITY: usize = 4096;

    pub fn note(&self, id: uuid::Uuid) {
        let mut ids = self.0.lock().expect("memory lock");
        if ids.len() >= Self::CAPACITY {
            ids.pop_front();
        }
        ids.push_back(id);
    }

    pub fn has(&self, id: uuid::Uuid) -> bool {
        self.0.lock().expect("memory lock").contains(&id)
    }
}

/// A write's answer: the body, or the status and body of a refusal that stands (a
/// 4xx the API gave for this request). `Err` when the answer is not known: the server
/// was not reached, failed (5xx), asked to slow down (429) or refused the token (401);
/// the entry stays in the outbox and is checked before it is sent again.
pub(super) type Answer = std::result::Result<Vec<u8>, (u16, Vec<u8>)>;

/// Send a write and sort its answer (see [`Answer`]).
pub(super) async fn write(
    http: &Http,
    rb: reqwest::RequestBuilder,
    errors: ErrorReader,
) -> Result<Answer> {
    let resp = http.exchange(rb.timeout(Duration::from_secs(60))).await?;
    let (status, bytes) = http.body(resp).await?;
    if (200..300).contains(&status) {
        return Ok(Ok(bytes));
    }
    if status == 401 || status == 408 || status == 429 || status >= 500 {
        return Err(errors(status, &bytes));
    }
    Ok(Err((status, bytes)))
}

/// A refusal as the engine records it.
pub(super) fn refused(
    code: ErrorCode,
    message: impl Into<String>,
    conflict: Option<ConflictDetails>,
) -> Outcome {
    Outcome::Rejected(Rejected {
        code,
        message: message.into(),
        conflict,
    })
}

/// A ticket call that took effect, with what the answer told of the ticket.
pub(super) fn applied(ticket: TicketId, number: Option<i64>, version: Option<i64>) -> Outcome {
    Outcome::Applied(Applied {
        ticket_id: Some(ticket),
        ticket_number: number.map(TicketNumber),
        version,
        message_id: None,
    })
}

/// A message the server took, under its own id.
pub(super) fn sent(ticket: TicketId, message: MessageId) -> Outcome {
    Outcome::Applied(Applied {
        ticket_id: Some(ticket),
        message_id: Some(message),
        ..Applied::default()
    })
}

/// One pull page with the cursor after it.
pub(super) fn page(
    epoch: &str,
    cursor: &PollCursor,
    changes: Vec<ChangeEntry>,
    has_more: bool,
    sweep: Option<Sweep>,
) -> Pulled {
    Pulled {
        page: ChangesPage {
            epoch: epoch.into(),
            cursor: cursor.text(),
            has_more,
            changes,
            // Polled APIs do not say how far the end is.
            head: None,
        },
        sweep,
    }
}

/// Deliver a push's entries one API call each, in order; stops at the first whose
/// answer is unknown and reports the ones before it (the engine retries from there).
/// A ticket created under a server id of its own is known by that id to the entries
/// after it (a reply queued on a ticket created offline).
pub(super) async fn push_in_order<F, Fut>(req: &PushRequest, deliver: F) -> Result<PushResponse>
where
    F: Fn(Mutation) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome>>,
{
    let mut results = Vec::new();
    let mut renamed: Vec<(String, String)> = Vec::new();
    for m in &req.mutations {
        let mut m = m.clone();
        if !renamed.is_empty() {
            let mut text = serde_json::to_string(&m.op)?;
            for (local, server) in &renamed {
                text = text.replace(local.as_str(), server);
            }
            m.op = serde_json::from_str(&text)?;
        }
        let created = match &m.op {
            MutationOp::TicketCreate(a) => Some(a.ticket_id),
            _ => None,
        };
        let (seq, id) = (m.seq, m.id);
        match deliver(m).await {
            Ok(outcome) => {
                if let (Some(local), Outcome::Applied(a)) = (created, &outcome)
                    && let Some(server) = a.ticket_id.filter(|s| *s != local)
                {
                    renamed.push((local.to_string(), server.to_string()));
                }
                results.push(MutationResult { seq, id, outcome });
            }
            Err(e) if results.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(PushResponse { results })
}

/// Who a token belongs to, for an API that cannot say: the agent the email names, in
/// the tenant `tenant` (the first ticket's, else one derived from the address).
pub(super) fn agent(email: &EmailAddress, tenant: Option<TenantId>, server: &str) -> MeResponse {
    let id = person_id(email.as_str());
    let tenant = tenant.unwrap_or_else(|| {
        TenantId(uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            server.as_bytes(),
        ))
    });
    MeResponse {
        user: User {
            id,
            email: email.clone(),
            name: entities::name_of(email),
            picture: None,
            role: Role::Agent,
            elevated: false,
            support: true,
            blocked: false,
            version: 1,
        },
        tenant: Tenant {
            id: tenant,
            slug: String::new(),
            name: server.to_owned(),
            support: SupportSettings {
                support_user_ids: vec![id],
            },
            created_at: Utc::now(),
        },
    }
}

/// A local id for something an API names by another key (a number, an integer id):
/// the same on every pull, different per server and per kind.
pub(super) fn derived_id(server: &str, kind: &str, key: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&PEOPLE, format!("{server}\n{kind}\n{key}").as_bytes())
}

/// An API that shows no version: the change time stands for one (it moves with every
/// change).
pub(super) fn version_of(updated_at: DateTime<Utc>) -> i64 {
    updated_at.timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_the_same_id_whatever_the_case_of_their_address() {
        assert_eq!(
            person_id("Agent1@Demo.test"),
            person_id("agent1@demo.test ")
        );
        assert_ne!(person_id("agent1@demo.test"), person_id("agent2@demo.test"));
        assert_eq!(person_id("a@b.c").0.get_version_num(), 5);
    }

    #[test]
    fn the_cursor_round_trips_and_refuses_what_is_not_one() {
        let mut c = PollCursor::default();
        let at: DateTime<Utc> = "2026-12-04T10:00:00Z".parse().unwrap();
        c.advance([Carried {
            id: "t1".into(),
            version: 3,
            at,
        }]);
        assert_eq!(PollCursor::parse(&c.text()).unwrap(), c);
        assert_eq!(PollCursor::parse("0").unwrap(), PollCursor::default());
        assert!(matches!(
            PollCursor::parse("0a1b:42"),
            Err(crate::CoreError::CursorExpired)
        ));
    }

    #[test]
    fn a_poll_skips_what_it_carried_until_it_changes_again_and_forgets_it_after_the_slack() {
        let at: DateTime<Utc> = "2026-12-04T10:00:00Z".parse().unwrap();
        let mut c = PollCursor::default();
        c.advance([Carried {
            id: "t1".into(),
            version: 3,
            at,
        }]);
        assert!(c.carried("t1", 3));
        assert!(!c.carried("t1", 4), "a new version is read again");
        c.advance([Carried {
            id: "t2".into(),
            version: 1,
            at: at + chrono::TimeDelta::minutes(1),
        }]);
        assert!(!c.carried("t1", 3), "older than the slack: dropped");
        assert_eq!(c.mark, Some(at + chrono::TimeDelta::minutes(1)));
        assert_eq!(c.floor(), Some(at + chrono::TimeDelta::minutes(1) - SLACK));
    }

    #[test]
    fn a_reconcile_is_due_first_and_then_every_period() {
        let now: DateTime<Utc> = "2026-12-04T10:00:00Z".parse().unwrap();
        let every = Duration::from_secs(1800);
        let mut c = PollCursor::default();
        assert!(c.reconcile_due(now, every));
        c.mark = Some(now);
        c.swept_at = Some(now);
        assert!(!c.reconcile_due(now + chrono::TimeDelta::minutes(29), every));
        assert!(c.reconcile_due(now + chrono::TimeDelta::minutes(30), every));
    }

    #[test]
    fn the_time_a_change_was_made_is_read_from_its_id() {
        let before = Utc::now() - chrono::TimeDelta::seconds(1);
        let t = made_at(MutationId::new()).unwrap();
        assert!(t >= before && t <= Utc::now() + chrono::TimeDelta::seconds(1));
    }
}
