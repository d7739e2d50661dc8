//! The workspace connector: seed 002's ticket details under `/api/v1/tickets`, with the
//! API key in the `authorization` header.
//!
//! What it reads: the details list, once per status (`ongoing`, `completed`), oldest
//! first. A ticket row carries who owns, answers and holds the chat, its team and its
//! times, but no change time, no messages and no tags, so a poll reads both lists whole
//! and keeps the rows that differ from what it carried last (a fingerprint per ticket,
//! kept for the session). The API shows no ticket numbers: each ticket gets a stable
//! number derived from its id.
//! What it writes: claim and assign (`/assignee`), take over (`/takeover`), complete (a
//! status edit to solved: `/complete`), and tags by id. The API names people by its
//! own ids, learnt from the tickets they own or hold; an action for someone it has not
//! shown yet is refused with that reason.
//! Tags: the API names a tag by its id only (as the workspace settings show it) and has
//! no call that lists tags, so a tag is added or removed by its id, and the tags known
//! are the ones the agent used here: each poll reads, per known tag, the tickets that
//! carry it (the list's `tagIds` filter), and the ticket shows the tag by its id.

use super::Connector;
use super::entities::Entities;
use super::{Answer, PollCursor, SweepAt, Timing, applied, page, person_id, refused, write};
use crate::error::{CoreError, Result};
use crate::remote::http::{Http, decode};
use crate::remote::native::read_error;
use crate::remote::{Api, Capabilities, PullMode, Pulled, Sweep};
use chrono::Utc;
use futures::future::BoxFuture;
use outpost_api::workspace::WorkspaceStatus;
use outpost_api::workspace::tickets::{
    AssigneeRequest, CompleteRequest, MessageBody, OwnerEntity, ResponderEntity, TagRequest,
    Ticket as Short, TicketDetails, TicketTag,
};
use outpost_domain::error::{ErrorBody, ErrorCode};
use outpost_domain::ids::TenantId;
use outpost_domain::ids::{TagId, TicketId, TicketNumber, UserId};
use outpost_domain::model::{Conversation, Participant, Tag, Team, Ticket};
use outpost_domain::sync::{
    ChangeEntry, ConflictDetails, Mutation, MutationOp, Outcome, TicketTagArgs,
};
use outpost_domain::values::{
    Channel, ConversationStatus, EmailAddress, ParticipantRole, Priority, ResponderKind, Role,
    Status, TicketType,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

const ACTIONS: &[&str] = &[
    "ticket.claim",
    "ticket.assign",
    "ticket.takeover",
    "ticket.update",
    "ticket.tag_add",
    "ticket.tag_remove",
];
const EPOCH: &str = "workspace";
const PAGE: i64 = 100;

/// What an accepted action cannot carry through this API.
fn vet(op: &MutationOp) -> Option<&'static str> {
    match op {
        MutationOp::TicketUpdate(a)
            if a.status != Some(Status::Solved)
                || a.subject.is_some()
                || a.description.is_some()
                || a.priority.is_some()
                || a.ticket_type.is_some() =>
        {
            Some("edits other than completing a ticket (status solved)")
        }
        MutationOp::TicketAssign(a) if a.team_id.is_some() => {
            Some("changing a ticket's team (it reassigns people only)")
        }
        MutationOp::TicketAssign(a) if a.assignee_id == Some(None) => {
            Some("unassigning a ticket (it reassigns to someone)")
        }
        MutationOp::TicketTagAdd(a) | MutationOp::TicketTagRemove(a)
            if tag_id(&a.tag).is_none() =>
        {
            Some(
                "tags by name (it names a tag by its id only, as the workspace settings \
                 show it, and lists no tags to match a name to: tag with the id)",
            )
        }
        _ => None,
    }
}

/// A tag as this API names it: its id.
fn tag_id(tag: &str) -> Option<TagId> {
    uuid::Uuid::parse_str(tag.trim()).ok().map(TagId)
}

/// The workspace tickets API at one address.
pub struct Workspace {
    http: Http,
    caps: Capabilities,
    timing: Timing,
    me: Option<EmailAddress>,
    /// The API's ids of the people pages showed, by local id.
    ids: Mutex<HashMap<UserId, UserId>>,
    /// A fingerprint of each ticket row carried this session.
    prints: Mutex<HashMap<TicketId, u64>>,
    /// The tags known (by id: those used here), and the tickets each poll found
    /// carrying them.
    tags: Mutex<Tags>,
}

#[derive(Default)]
struct Tags {
    known: BTreeSet<TagId>,
    on: HashMap<TicketId, Vec<TagId>>,
}

impl Workspace {
    pub fn new(server: &str, me: Option<EmailAddress>) -> Result<Self> {
        Self::with_timing(server, me, Timing::from_env())
    }

    pub fn with_timing(server: &str, me: Option<EmailAddress>, timing: Timing) -> Result<Self> {
        Ok(Self {
            http: Http::new(server)?,
            caps: Capabilities {
                api: Api::Workspace,
                pull: PullMode::Poll {
                    every: timing.poll_every,
                },
                actions: ACTIONS,
                field_conflicts: false,
                vet,
                create_fields: crate::remote::CREATE_FIELDS,
            },
            timing,
            me,
            ids: Mutex::new(HashMap::new()),
            prints: Mutex::new(HashMap::new()),
            tags: Mutex::new(Tags::default()),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
        // The seed's header carries the key itself.
        rb.header(reqwest::header::AUTHORIZATION, token)
            .timeout(Duration::from_secs(60))
    }

    /// One page of one status's list, and whether pages follow.
    async fn list(
        &self,
        token: &str,
        status: WorkspaceStatus,
        page: i64,
    ) -> Result<(Vec<TicketDetails>, i64, bool)> {
        self.list_tagged(token, status, page, None).await
    }

    /// One page of one status's list, only the tickets carrying `tag` if one is named.
    async fn list_tagged(
        &self,
        token: &str,
        status: WorkspaceStatus,
        page: i64,
        tag: Option<TagId>,
    ) -> Result<(Vec<TicketDetails>, i64, bool)> {
        let mut query = vec![
            ("status", status.as_str().to_owned()),
            ("pageNumber", page.to_string()),
            ("pageSize", PAGE.to_string()),
        ];
        if let Some(t) = tag {
            query.push(("tagIds", t.to_string()));
        }
        let rb = self.auth(
            self.http
                .client()
                .get(self.http.url("/api/v1/tickets/details"))
                .query(&query),
            token,
        );
        let resp = self.http.send(rb, read_error).await?;
        let total = resp
            .headers()
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        let rows: Vec<TicketDetails> = self.http.json(resp).await?;
        let more = page * PAGE < total;
        Ok((rows, total, more))
    }

    async fn detail(&self, token: &str, id: TicketId) -> Result<Option<TicketDetails>> {
        let rb = self.auth(
            self.http
                .client()
                .get(self.http.url(&format!("/api/v1/tickets/{id}/details"))),
            token,
        );
        match self.http.send(rb, read_error).await {
            Ok(resp) => Ok(Some(self.http.json(resp).await?)),
            Err(CoreError::Server { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Rows as feed entries; `all` carries every row, else only those that differ
    /// from what was carried last.
    fn carry(&self, rows: Vec<TicketDetails>, all: bool) -> Vec<ChangeEntry> {
        let mut prints = self.prints.lock().expect("prints lock");
        let mut ids = self.ids.lock().expect("ids lock");
        let tags = self.tags.lock().expect("tags lock");
        let mut page = Entities::default();
        let version = super::version_of(Utc::now());
        for r in rows {
            let on = tags.on.get(&r.id).cloned().unwrap_or_default();
            let print = fingerprint(&r, &on);
            if prints.insert(r.id, print) == Some(print) && !all {
                continue;
            }
            add(&mut page, &mut ids, r, on, version);
        }
        page.into_changes()
    }

    /// Which tickets carry each known tag: per tag, both lists filtered by it.
    async fn read_tags(&self, token: &str) -> Result<()> {
        let known: Vec<TagId> = self
            .tags
            .lock()
            .expect("tags lock")
            .known
            .iter()
            .copied()
            .collect();
        let mut on: HashMap<TicketId, Vec<TagId>> = HashMap::new();
        for tag in known {
            self.each_page(token, Some(tag), |rows| {
                for r in rows {
                    on.entry(r.id).or_default().push(tag);
                }
            })
            .await?;
        }
        self.tags.lock().expect("tags lock").on = on;
        Ok(())
    }

    /// Both status lists whole (only the tickets carrying `tag` if one is named), one
    /// page at a time.
    async fn each_page(
        &self,
        token: &str,
        tag: Option<TagId>,
        mut page: impl FnMut(Vec<TicketDetails>),
    ) -> Result<()> {
        for status in WorkspaceStatus::ALL {
            for n in 1.. {
                let (rows, _, more) = self.list_tagged(token, status, n, tag).await?;
                page(rows);
                if !more {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Both lists whole, keeping what changed since the last carry.
    async fn poll(&self, token: &str) -> Result<Vec<ChangeEntry>> {
        self.read_tags(token).await?;
        let mut changes = Vec::new();
        self.each_page(token, None, |rows| changes.extend(self.carry(rows, false)))
            .await?;
        Ok(changes)
    }

    async fn pull_at(&self, token: &str, text: &str) -> Result<Pulled> {
        let mut cursor = PollCursor::parse(text)?;
        // The tags known survive a restart in the cursor.
        {
            let mut tags = self.tags.lock().expect("tags lock");
            tags.known.extend(cursor.tags.iter().copied());
            cursor.tags = tags.known.iter().copied().collect();
        }
        let mut first = false;
        if cursor.reconcile_due(Utc::now(), self.timing.reconcile_every) {
            cursor.sweep = Some(SweepAt {
                page: 1,
                total: 0,
                shrank: false,
                mark: None,
            });
            cursor.walk = Some(WorkspaceStatus::Ongoing.as_str().into());
            cursor.swept_at = Some(Utc::now());
            first = true;
        }
        let Some(mut sweep) = cursor.sweep.take() else {
            let changes = self.poll(token).await?;
            // No change times here: the mark only says a reconcile was done.
            cursor.mark = Some(Utc::now());
            return Ok(page(EPOCH, &cursor, changes, false, None));
        };
        let status = cursor
            .walk
            .as_deref()
            .and_then(WorkspaceStatus::parse)
            .unwrap_or(WorkspaceStatus::Ongoing);
        let (rows, total, more) = self.list(token, status, i64::from(sweep.page)).await?;
        if sweep.page > 1 && total < sweep.total {
            sweep.shrank = true;
        }
        sweep.total = total;
        let mut changes = self.carry(rows, true);
        let next_status =
            (!more && status == WorkspaceStatus::Ongoing).then_some(WorkspaceStatus::Completed);
        if more || next_status.is_some() {
            if let Some(s) = next_status {
                cursor.walk = Some(s.as_str().into());
                sweep.page = 1;
                sweep.total = 0;
            } else {
                sweep.page += 1;
            }
            cursor.sweep = Some(sweep);
            let mark = Sweep {
                first,
                last: false,
                complete: false,
            };
            return Ok(page(EPOCH, &cursor, changes, true, Some(mark)));
        }
        // What changed during the walk (a ticket completed while the ongoing list was
        // read) is carried by one more pass over both lists.
        changes.extend(self.poll(token).await?);
        cursor.walk = None;
        cursor.mark = Some(Utc::now());
        let mark = Sweep {
            first,
            last: true,
            complete: !sweep.shrank,
        };
        Ok(page(EPOCH, &cursor, changes, false, Some(mark)))
    }

    /// The API's id of a local person, if a page showed it.
    fn api_id(&self, local: UserId) -> Option<UserId> {
        self.ids.lock().expect("ids lock").get(&local).copied()
    }

    fn my_api_id(&self) -> Option<UserId> {
        self.api_id(person_id(self.me.as_ref()?.as_str()))
    }

    /// Send one outbox entry (`Err`: the answer is not known). Each of these calls
    /// sets a state, so sending one again after a lost answer does no harm; a take
    /// over (which also opens a ticket) is checked first.
    async fn deliver(&self, token: &str, m: &Mutation) -> Result<Outcome> {
        let unknown = |who: &str| {
            Ok(refused(
                ErrorCode::InvalidInput,
                format!(
                    "the workspace API names people by its own ids, and none of the tickets \
                     read so far shows {who}; sync and try again once one does"
                ),
                None,
            ))
        };
        match &m.op {
            MutationOp::TicketClaim(a) => {
                let Some(me) = self.my_api_id() else {
                    return unknown("you");
                };
                self.patch(
                    token,
                    a.ticket_id,
                    "assignee",
                    &AssigneeRequest { assignee_id: me },
                )
                .await
            }
            MutationOp::TicketAssign(a) => {
                let Some(Some(local)) = a.assignee_id else {
                    return Ok(refused(ErrorCode::InvalidInput, "nobody to assign", None));
                };
                let Some(them) = self.api_id(local) else {
                    return unknown("that person");
                };
                self.patch(
                    token,
                    a.ticket_id,
                    "assignee",
                    &AssigneeRequest { assignee_id: them },
                )
                .await
            }
            MutationOp::TicketTakeover(a) => {
                let Some(me) = self.my_api_id() else {
                    return unknown("you");
                };
                if let Some(d) = self.detail(token, a.ticket_id).await?
                    && d.assignee_id == Some(me)
                    && d.responder_entity == Some(ResponderEntity::User)
                    && d.responder_id == Some(me)
                {
                    // Taken over already (an earlier attempt whose answer was lost).
                    self.forget(a.ticket_id);
                    return Ok(applied(
                        a.ticket_id,
                        None,
                        Some(super::version_of(Utc::now())),
                    ));
                }
                self.patch(
                    token,
                    a.ticket_id,
                    "takeover",
                    &AssigneeRequest { assignee_id: me },
                )
                .await
            }
            MutationOp::TicketUpdate(a) => {
                let Some(me) = self.my_api_id() else {
                    return unknown("you");
                };
                self.patch(
                    token,
                    a.ticket_id,
                    "complete",
                    &CompleteRequest { user_id: me },
                )
                .await
            }
            MutationOp::TicketTagAdd(a) => self.tag(token, a, true).await,
            MutationOp::TicketTagRemove(a) => self.tag(token, a, false).await,
            other => Ok(refused(
                ErrorCode::Forbidden,
                format!(
                    "{} does not support {}",
                    self.caps.api.title(),
                    other.name()
                ),
                None,
            )),
        }
    }

    /// Put a tag (by id) on a ticket or take it off; a tag put on is known from then on
    /// (a tag id the server refused is not).
    async fn tag(&self, token: &str, a: &TicketTagArgs, add: bool) -> Result<Outcome> {
        let Some(tag) = tag_id(&a.tag) else {
            return Ok(refused(ErrorCode::InvalidInput, "a tag by id", None));
        };
        let path = format!("/api/v1/tickets/{}/tags", a.ticket_id);
        if !add {
            let rb = self
                .http
                .client()
                .delete(self.http.url(&format!("{path}/{tag}")));
            return self.call::<MessageBody>(rb, token, a.ticket_id).await;
        }
        let rb = self.http.client().post(self.http.url(&path));
        let outcome = self
            .call::<TicketTag>(rb.json(&TagRequest { tag_id: tag }), token, a.ticket_id)
            .await?;
        if matches!(outcome, Outcome::Applied(_)) {
            self.tags.lock().expect("tags lock").known.insert(tag);
        }
        Ok(outcome)
    }

    /// PATCH `/api/v1/tickets/{id}/{what}`; the ticket is read again at the next pull.
    async fn patch<B: serde::Serialize>(
        &self,
        token: &str,
        ticket: TicketId,
        what: &str,
        body: &B,
    ) -> Result<Outcome> {
        let rb = self
            .http
            .client()
            .patch(self.http.url(&format!("/api/v1/tickets/{ticket}/{what}")))
            .json(body);
        self.call::<Short>(rb, token, ticket).await
    }

    /// One call that changes `ticket`, its answer an `A`; the ticket is read again at
    /// the next pull. Each call here sets a state, so a resend after a lost answer
    /// does no harm.
    async fn call<A: serde::de::DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
        token: &str,
        ticket: TicketId,
    ) -> Result<Outcome> {
        let answer: Answer = write(&self.http, self.auth(rb, token), read_error).await?;
        match answer {
            Ok(bytes) => {
                let _: A = decode(&bytes)?;
                self.forget(ticket);
                // Settled by the first pull after now (which carries the ticket again).
                Ok(applied(ticket, None, Some(super::version_of(Utc::now()))))
            }
            Err((status, bytes)) => Ok(self.refusal(status, &bytes)),
        }
    }

    /// Carry this ticket again at the next pull, changed or not.
    fn forget(&self, ticket: TicketId) {
        self.prints.lock().expect("prints lock").remove(&ticket);
    }

    /// A refusal; a chat someone else holds names them (known by email when a page
    /// showed who they are).
    fn refusal(&self, status: u16, body: &[u8]) -> Outcome {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let Some(b) = parsed else {
            return refused(
                if status == 404 {
                    ErrorCode::NotFound
                } else {
                    ErrorCode::Forbidden
                },
                format!("the server answered HTTP {status}"),
                None,
            );
        };
        let conflict = b
            .details
            .and_then(|d| serde_json::from_value::<ConflictDetails>(d).ok())
            .map(|mut c| {
                if let Some(h) = &mut c.holder {
                    h.user_id = person_id(h.email.as_str());
                }
                c
            });
        refused(b.code, b.message, conflict)
    }
}

/// A ticket row's fingerprint with its known tags: equal rows, equal prints.
fn fingerprint(r: &TicketDetails, tags: &[TagId]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_vec(r).unwrap_or_default().hash(&mut h);
    tags.hash(&mut h);
    h.finish()
}

/// A stable number for a ticket the API does not number: from its id (FNV-1a, the
/// same on every machine and release), 1 to 10^9 − 1.
fn number_of(id: TicketId) -> i64 {
    let hash =
        id.0.as_bytes()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
    1 + (hash % 999_999_999) as i64
}

fn add(
    page: &mut Entities,
    ids: &mut HashMap<UserId, UserId>,
    r: TicketDetails,
    tags: Vec<TagId>,
    version: i64,
) {
    for id in &tags {
        page.tag(Tag {
            id: *id,
            name: id.to_string(),
            version: 1,
        });
    }
    let owner_email = r.owner_email.clone().or_else(|| {
        r.owner_identifier
            .as_deref()
            .and_then(|i| EmailAddress::parse(i).ok())
    });
    let owner_role = match r.owner_entity {
        OwnerEntity::ExternalUser => Role::Customer,
        OwnerEntity::User => Role::Agent,
    };
    let requester = match &owner_email {
        Some(e) => {
            let id = page.person(e, r.owner_name.as_deref(), None, owner_role);
            ids.insert(id, r.chat_owner_id);
            id
        }
        None => r.chat_owner_id,
    };
    let assignee = match (&r.assignee_email, r.assignee_id) {
        (Some(e), Some(api)) => {
            let id = page.person(
                e,
                r.assignee_name.as_deref(),
                r.assignee_picture.as_deref(),
                Role::Agent,
            );
            ids.insert(id, api);
            Some(id)
        }
        (None, Some(api)) => Some(api),
        _ => None,
    };
    let responder = r.responder_id.map(|api| {
        if r.assignee_id == Some(api) {
            assignee.unwrap_or(api)
        } else {
            api
        }
    });
    if let (Some(team), Some(name)) = (r.ticketing_team_id, &r.ticketing_team_name) {
        page.team(Team {
            id: team,
            name: name.clone(),
            picture: r.ticketing_team_picture.clone(),
            member_ids: Vec::new(),
            version: 1,
        });
    }
    let status = match r.status {
        WorkspaceStatus::Completed => Status::Solved,
        WorkspaceStatus::Ongoing if r.assignee_id.is_some() => Status::Open,
        WorkspaceStatus::Ongoing => Status::New,
    };
    let updated_at = [Some(r.created_at), r.ongoing_at, r.completed_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(r.created_at);
    page.conversations.push(Conversation {
        id: r.chat_id,
        ticket_id: r.id,
        status: ConversationStatus::Active,
        participants: vec![Participant {
            user_id: requester,
            role: ParticipantRole::Member,
            last_read_message_id: None,
            joined_at: r.created_at,
        }],
        last_message_at: None,
        created_at: r.created_at,
        version,
    });
    let channel = r
        .channel_type
        .as_deref()
        .and_then(|c| Channel::parse(c).ok())
        .unwrap_or_else(|| Channel::parse("chat").expect("a known channel"));
    page.tickets.push(Ticket {
        id: r.id,
        number: TicketNumber(number_of(r.id)),
        subject: r.summary.clone(),
        description: String::new(),
        summary: Some(r.summary),
        status,
        priority: Priority::Medium,
        ticket_type: TicketType::parse("support").expect("a known type"),
        channel,
        channel_id: r.channel_id,
        requester_id: requester,
        assignee_id: assignee,
        team_id: r.ticketing_team_id,
        responder_id: responder,
        responder_kind: r.responder_entity.map(|e| match e {
            ResponderEntity::Bot => ResponderKind::Bot,
            ResponderEntity::User => ResponderKind::Human,
        }),
        circumstance: None,
        responder_version: None,
        related_order_id: None,
        related_delivery_id: None,
        products: Vec::new(),
        tag_ids: tags,
        conversation_id: r.chat_id,
        follow_up_of: None,
        message_count: 0,
        pending_message_count: r.pending_chat_messages,
        removed: r.chat_is_removed,
        created_at: r.created_at,
        updated_at,
        ongoing_at: r.ongoing_at,
        solved_at: r.completed_at,
        closed_at: None,
        last_viewed_at: None,
        version,
        field_versions: BTreeMap::new(),
    });
}

impl Connector for Workspace {
    fn http(&self) -> &Http {
        &self.http
    }

    fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// One read of the ongoing list (a row names the workspace).
    fn check<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<TenantId>>> {
        Box::pin(async move {
            let (rows, _, _) = self.list(token, WorkspaceStatus::Ongoing, 1).await?;
            Ok(rows.first().map(|r| r.workspace_id))
        })
    }

    fn pull_at<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        _limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>> {
        Box::pin(Workspace::pull_at(self, token, cursor))
    }

    fn deliver<'a>(&'a self, token: &'a str, m: &'a Mutation) -> BoxFuture<'a, Result<Outcome>> {
        Box::pin(Workspace::deliver(self, token, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_completing_is_a_status_edit_it_takes() {
        let edit = |status| {
            MutationOp::TicketUpdate(outpost_domain::sync::TicketUpdateArgs {
                ticket_id: TicketId::new(),
                subject: None,
                description: None,
                status: Some(status),
                priority: None,
                ticket_type: None,
            })
        };
        assert_eq!(vet(&edit(Status::Solved)), None);
        assert!(vet(&edit(Status::Pending)).is_some());
    }

    #[test]
    fn numbers_are_stable_and_in_range() {
        let id = TicketId::new();
        assert_eq!(number_of(id), number_of(id));
        assert!((1..1_000_000_000).contains(&number_of(id)));
    }
}
