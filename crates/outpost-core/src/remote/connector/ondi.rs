//! The OnDi connector: seed 000 (the shared support queue under
//! `/messaging/support/tickets`) and seed 003 (conversation messages under
//! `/messaging/conversations/{id}/messages`), with a Bearer token.
//!
//! What it reads, per ticket: the queue row, the ticket detail (tags, team, the
//! conversation's participants) and the conversation's messages. The queue is listed
//! newest-changed first, which is what the poll walks; message lists narrow by
//! `timestamp_range`, so a poll reads only the new messages of a changed ticket.
//! What it writes: claim (`assign-to-me`), close (with its note), reply and internal
//! note. Nothing else exists in the API, so nothing else is accepted.

use super::Connector;
use super::entities::Entities;
use super::{
    Answer, CLOCK_MARGIN, Carried, Memory, PollCursor, SweepAt, Timing, applied, made_at, page,
    person_id, refused, sent, write,
};
use crate::error::{CoreError, Result};
use crate::remote::http::{Http, decode};
use crate::remote::native::read_error;
use crate::remote::{Api, Capabilities, PullMode, Pulled, Sweep};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt};
use outpost_api::ondi::messages::{MessageList, MessageView, SendRequest};
use outpost_api::ondi::support::{
    CloseMetadata, CloseRequest, SupportTicket, SupportTicketDetail, SupportTicketList, UserSummary,
};
use outpost_domain::UserId;
use outpost_domain::error::{ErrorBody, ErrorCode};
use outpost_domain::ids::TenantId;
use outpost_domain::ids::{MessageId, TicketId, TicketNumber};
use outpost_domain::model::{Conversation, Message, Participant, Ticket};
use outpost_domain::sync::{Applied, ChangeEntry, ConflictDetails, Mutation, MutationOp, Outcome};
use outpost_domain::values::{EmailAddress, Status};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

const ACTIONS: &[&str] = &["ticket.claim", "ticket.close", "message.send"];

/// The largest page either list serves.
const LIST_MAX: u32 = 100;
/// The first page of a poll: small, since at rest nothing has changed.
const POLL_FIRST: u32 = 10;
/// Details and message lists fetched at once while a page is carried.
const IN_FLIGHT: usize = 8;

const EPOCH: &str = "ondi";

/// The OnDi support API at one address.
pub struct Ondi {
    http: Http,
    caps: Capabilities,
    timing: Timing,
    /// The signed-in agent (their replies are the ones looked for before a resend).
    me: Option<EmailAddress>,
    /// Messages sent or found (see [`Memory`]).
    accounted: Memory,
    /// Outbox entries whose request went out (see [`Memory`]).
    attempted: Memory,
}

impl Ondi {
    pub fn new(server: &str, me: Option<EmailAddress>) -> Result<Self> {
        Self::with_timing(server, me, Timing::from_env())
    }

    pub fn with_timing(server: &str, me: Option<EmailAddress>, timing: Timing) -> Result<Self> {
        Ok(Self {
            http: Http::new(server)?,
            caps: Capabilities {
                api: Api::Ondi,
                pull: PullMode::Poll {
                    every: timing.poll_every,
                },
                actions: ACTIONS,
                field_conflicts: false,
                vet: crate::remote::vet_nothing,
                create_fields: crate::remote::CREATE_FIELDS,
            },
            timing,
            me,
            accounted: Memory::default(),
            attempted: Memory::default(),
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let rb = self
            .http
            .client()
            .get(self.http.url(path))
            .query(query)
            .timeout(Duration::from_secs(60))
            .bearer_auth(token);
        let resp = self.http.send(rb, read_error).await?;
        self.http.json(resp).await
    }

    async fn list(&self, token: &str, page: u32, limit: u32) -> Result<SupportTicketList> {
        self.get(
            token,
            "/messaging/support/tickets",
            &[("page", page.to_string()), ("limit", limit.to_string())],
        )
        .await
    }

    /// A ticket's detail; `None` when it is gone (or no longer visible).
    async fn detail(&self, token: &str, id: TicketId) -> Result<Option<SupportTicketDetail>> {
        match self
            .get(token, &format!("/messaging/support/tickets/{id}"), &[])
            .await
        {
            Ok(d) => Ok(Some(d)),
            Err(CoreError::Server { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every message of a conversation created at or after `since` (all of them
    /// without), oldest first.
    async fn messages(
        &self,
        token: &str,
        ticket: &SupportTicket,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<MessageView>> {
        let path = format!(
            "/messaging/conversations/{}/messages",
            ticket.conversation_id
        );
        let mut out = Vec::new();
        for page in 1.. {
            let mut query = vec![("page", page.to_string()), ("limit", LIST_MAX.to_string())];
            if let Some(since) = since {
                query.push(("timestamp_range", format!("{},", stamp(since))));
            }
            let list: MessageList = match self.get(token, &path, &query).await {
                Ok(l) => l,
                // Gone between the list and now: the next reconcile settles it.
                Err(CoreError::Server { status: 404, .. }) => break,
                Err(e) => return Err(e),
            };
            let more = list.has_more;
            out.extend(list.messages);
            if !more {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The tickets with their detail and messages (since `since`), as feed entries.
    async fn carry(
        &self,
        token: &str,
        tickets: Vec<SupportTicket>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<ChangeEntry>> {
        let fetched: Vec<Option<(SupportTicketDetail, Vec<MessageView>)>> =
            futures::stream::iter(tickets.into_iter().map(|t| async move {
                let Some(detail) = self.detail(token, t.id).await? else {
                    return Ok(None);
                };
                let messages = self.messages(token, &detail.ticket, since).await?;
                Ok::<_, CoreError>(Some((detail, messages)))
            }))
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        let mut page = Entities::default();
        for (detail, messages) in fetched.into_iter().flatten() {
            add(&mut page, detail, messages);
        }
        Ok(page.into_changes())
    }

    /// The tickets changed since the cursor's mark (all of them on a first poll), as
    /// feed entries; moves the mark.
    async fn poll(&self, token: &str, cursor: &mut PollCursor) -> Result<Vec<ChangeEntry>> {
        let floor = cursor.floor();
        let mut changed: Vec<SupportTicket> = Vec::new();
        let mut seen: Vec<Carried> = Vec::new();
        let mut ids = std::collections::HashSet::new();
        // A small first page (at rest it is all there is), then full pages.
        let steps = std::iter::once((1, POLL_FIRST)).chain((1..).map(|p| (p, LIST_MAX)));
        for (page, limit) in steps {
            let list = self.list(token, page, limit).await?;
            let mut reached_floor = false;
            for t in list.tickets {
                if floor.is_some_and(|f| t.updated_at < f) {
                    reached_floor = true;
                    break;
                }
                if !ids.insert(t.id) {
                    continue;
                }
                let id = t.id.to_string();
                seen.push(Carried {
                    id: id.clone(),
                    version: t.version,
                    at: t.updated_at,
                });
                if !cursor.carried(&id, t.version) {
                    changed.push(t);
                }
            }
            if reached_floor || !list.has_more {
                break;
            }
        }
        let entries = self.carry(token, changed, floor).await?;
        cursor.advance(seen);
        Ok(entries)
    }

    async fn pull_at(&self, token: &str, text: &str, limit: u32) -> Result<Pulled> {
        let mut cursor = PollCursor::parse(text)?;
        let mut first = false;
        if cursor.reconcile_due(Utc::now(), self.timing.reconcile_every) {
            cursor.sweep = Some(SweepAt {
                page: 1,
                total: 0,
                shrank: false,
                mark: None,
            });
            cursor.swept_at = Some(Utc::now());
            first = true;
        }
        let Some(mut sweep) = cursor.sweep.take() else {
            let changes = self.poll(token, &mut cursor).await?;
            return Ok(page(EPOCH, &cursor, changes, false, None));
        };
        let list = self
            .list(token, sweep.page, limit.clamp(1, LIST_MAX))
            .await?;
        if sweep.page == 1 {
            sweep.mark = list.tickets.first().map(|t| t.updated_at);
        } else if list.total < sweep.total {
            sweep.shrank = true;
        }
        sweep.total = list.total;
        let mut changes = self.carry(token, list.tickets, None).await?;
        if list.has_more {
            sweep.page += 1;
            cursor.sweep = Some(sweep);
            let mark = Sweep {
                first,
                last: false,
                complete: false,
            };
            return Ok(page(EPOCH, &cursor, changes, true, Some(mark)));
        }
        // The walk is over. What changed while it went on may have moved past it in
        // the newest-changed-first list: read it again, then poll from there on.
        cursor.mark = sweep.mark.or(cursor.mark);
        cursor.recent.clear();
        if cursor.mark.is_some() {
            changes.extend(self.poll(token, &mut cursor).await?);
        }
        let mark = Sweep {
            first,
            last: true,
            complete: !sweep.shrank,
        };
        Ok(page(EPOCH, &cursor, changes, false, Some(mark)))
    }

    /// Send one outbox entry through the API. `Err` only when the answer is not known
    /// (the server was not reached, failed, or refused the token): the entry stays in
    /// the outbox and is checked before it is sent again.
    async fn deliver(&self, token: &str, m: &Mutation) -> Result<Outcome> {
        match &m.op {
            MutationOp::TicketClaim(a) => {
                let path = format!("/messaging/support/tickets/{}/assign-to-me", a.ticket_id);
                let answer = self.post(token, m, &path, None).await?;
                self.settle_claim(a.ticket_id, answer)
            }
            MutationOp::TicketClose(a) => {
                // Closed already? Then either our own earlier attempt did it (its answer
                // was lost) or someone else closed it first: a conflict.
                if let Some(d) = self.detail(token, a.ticket_id).await?
                    && d.ticket.status == Status::Closed
                {
                    let ours = self.closed_by_us(token, m, &d).await?;
                    return Ok(closed_already(ours, &d.ticket));
                }
                let body = CloseRequest {
                    metadata: Some(CloseMetadata {
                        note: a.note.clone(),
                    }),
                };
                let path = format!("/messaging/support/tickets/{}/close", a.ticket_id);
                let answer = self
                    .post(
                        token,
                        m,
                        &path,
                        Some(serde_json::to_value(&body).unwrap_or_default()),
                    )
                    .await?;
                settle_ticket(a.ticket_id, answer)
            }
            MutationOp::MessageSend(a) => {
                let Some(detail) = self.detail(token, a.ticket_id).await? else {
                    return Ok(refused(ErrorCode::NotFound, "the ticket is gone", None));
                };
                if let Some(found) = self.find_sent(token, m, &detail.ticket).await? {
                    return Ok(sent(a.ticket_id, found));
                }
                let body = SendRequest {
                    id: None,
                    message_type: Some(a.message_type),
                    content: Some(a.content.clone()),
                    content_url: a.content_url.clone(),
                    metadata: a.metadata.clone(),
                    parent_message_id: a.parent_message_id,
                    internal: a.internal.then_some(true),
                    attachments: (!a.attachments.is_empty()).then(|| a.attachments.clone()),
                };
                let path = format!(
                    "/messaging/conversations/{}/messages",
                    detail.ticket.conversation_id
                );
                match self
                    .post(
                        token,
                        m,
                        &path,
                        Some(serde_json::to_value(&body).unwrap_or_default()),
                    )
                    .await?
                {
                    Ok(bytes) => {
                        let v: MessageView = decode(&bytes)?;
                        self.accounted.note(v.id.0);
                        Ok(sent(a.ticket_id, v.id))
                    }
                    // A closed ticket's conversation takes no more messages: the same
                    // "reply to a closed ticket" conflict as the native protocol's.
                    Err(Outcome::Rejected(mut r)) if detail.ticket.status == Status::Closed => {
                        r.conflict
                            .get_or_insert_with(ConflictDetails::default)
                            .ticket_status = Some(Status::Closed);
                        Ok(Outcome::Rejected(r))
                    }
                    Err(refusal) => Ok(refusal),
                }
            }
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

    /// POST `body` to `path` (see [`Answer`]); a refusal becomes the outcome.
    async fn post(
        &self,
        token: &str,
        m: &Mutation,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<std::result::Result<Vec<u8>, Outcome>> {
        self.attempted.note(m.id.0);
        let mut rb = self
            .http
            .client()
            .post(self.http.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let answer: Answer = write(&self.http, rb, read_error).await?;
        Ok(answer.map_err(|(status, bytes)| refusal(status, &bytes)))
    }

    fn settle_claim(
        &self,
        ticket: TicketId,
        answer: std::result::Result<Vec<u8>, Outcome>,
    ) -> Result<Outcome> {
        match answer {
            // Held by someone: unless that someone is us (an earlier attempt whose
            // answer was lost), the claim is lost.
            Err(Outcome::Rejected(r))
                if r.conflict
                    .as_ref()
                    .and_then(|c| c.holder.as_ref())
                    .zip(self.me.as_ref())
                    .is_some_and(|(h, me)| h.email == *me) =>
            {
                Ok(Outcome::Applied(Applied {
                    ticket_id: Some(ticket),
                    ..Applied::default()
                }))
            }
            other => settle_ticket(ticket, other),
        }
    }

    /// Before sending a reply again: is it on the server already (sent by us, same
    /// text and kind, not older than the change itself)?
    async fn find_sent(
        &self,
        token: &str,
        m: &Mutation,
        ticket: &SupportTicket,
    ) -> Result<Option<MessageId>> {
        let MutationOp::MessageSend(a) = &m.op else {
            return Ok(None);
        };
        let Some(me) = &self.me else {
            return Ok(None);
        };
        let since = made_at(m.id).map(|t| t - CLOCK_MARGIN);
        let messages = self.messages(token, ticket, since).await?;
        let found = messages.iter().find(|v| {
            v.sender.as_ref().is_some_and(|s| s.email == *me)
                && v.content == a.content
                && v.internal == a.internal
                && !self.accounted.has(v.id.0)
        });
        Ok(found.map(|v| {
            self.accounted.note(v.id.0);
            v.id
        }))
    }

    /// A close found the ticket closed: was it our own earlier attempt (its answer
    /// lost), or someone else first? The server's "closed" message names who closed
    /// it; where that cannot be matched to us, it is ours only if we sent the request
    /// and the ticket closed after the change was made.
    async fn closed_by_us(
        &self,
        token: &str,
        m: &Mutation,
        d: &SupportTicketDetail,
    ) -> Result<bool> {
        let made = made_at(m.id).map(|at| at - CLOCK_MARGIN);
        let messages = self.messages(token, &d.ticket, made).await?;
        let closer = messages.iter().rev().find_map(|v| {
            let meta = v.metadata.as_ref()?;
            (meta.get("event")?.as_str()? == "ticket_closed")
                .then(|| meta.get("actor_id")?.as_str()?.parse::<UserId>().ok())
                .flatten()
        });
        let us = self.me.as_ref().and_then(|me| {
            d.conversation
                .participants
                .iter()
                .find(|p| p.user.as_ref().is_some_and(|u| u.email == *me))
                .map(|p| p.user_id)
                .or_else(|| {
                    d.ticket
                        .assigned_to_user
                        .as_ref()
                        .filter(|u| u.email == *me)
                        .map(|u| u.id)
                })
        });
        Ok(match (closer, us) {
            (Some(closer), Some(us)) => closer == us,
            _ => {
                self.attempted.has(m.id.0)
                    && d.ticket
                        .closed_at
                        .zip(made)
                        .is_some_and(|(c, made)| c >= made)
            }
        })
    }
}

/// RFC 3339 as the API's `timestamp_range` takes it.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A refusal as the engine records it: the API's code and text, and what it says of
/// the conflict (the holder of a claimed ticket, the state of a closed one), with the
/// holder known by email like everyone else.
fn refusal(status: u16, body: &[u8]) -> Outcome {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message, details) = match parsed {
        Some(b) => (b.code, b.message, b.details),
        None => (
            if status == 404 {
                ErrorCode::NotFound
            } else if status == 409 {
                ErrorCode::Conflict
            } else {
                ErrorCode::Forbidden
            },
            format!("the server answered HTTP {status}"),
            None,
        ),
    };
    let conflict = details
        .and_then(|d| serde_json::from_value::<ConflictDetails>(d).ok())
        .map(|mut c| {
            if let Some(h) = &mut c.holder {
                h.user_id = person_id(h.email.as_str());
            }
            c
        });
    refused(code, message, conflict)
}

/// A ticket call's answer (the ticket detail) as an outcome.
fn settle_ticket(
    ticket: TicketId,
    answer: std::result::Result<Vec<u8>, Outcome>,
) -> Result<Outcome> {
    match answer {
        Ok(bytes) => {
            let d: SupportTicketDetail = decode(&bytes)?;
            Ok(Outcome::Applied(Applied {
                ticket_id: Some(ticket),
                ticket_number: Some(TicketNumber(d.ticket.number)),
                version: Some(d.ticket.version),
                message_id: None,
            }))
        }
        Err(refusal) => Ok(refusal),
    }
}

/// A close that found the ticket closed: done if it was ours, else a conflict.
fn closed_already(ours: bool, t: &SupportTicket) -> Outcome {
    if ours {
        return applied(t.id, Some(t.number), Some(t.version));
    }
    refused(
        ErrorCode::TicketClosed,
        format!("#{} was closed by someone else first", t.number),
        Some(ConflictDetails {
            ticket_status: Some(Status::Closed),
            ..ConflictDetails::default()
        }),
    )
}

/// A user as the API shows them.
fn person(page: &mut Entities, u: &UserSummary) -> UserId {
    page.person(&u.email, Some(&u.name), u.picture.as_deref(), u.role)
}

/// A ticket with its detail and messages into the page.
fn add(page: &mut Entities, d: SupportTicketDetail, messages: Vec<MessageView>) {
    let t = &d.ticket;
    let requester = match &t.requester {
        Some(u) => person(page, u),
        None => person_id("unknown-requester@outpost.invalid"),
    };
    let assignee = t.assigned_to_user.as_ref().map(|u| person(page, u));
    let mut participants = Vec::new();
    // Participants whose user the API does not show keep the API's id: they are
    // named nowhere else, so no other id could stand for them.
    let mut ids: HashMap<UserId, UserId> = HashMap::new();
    for p in &d.conversation.participants {
        let local = match &p.user {
            Some(u) => person(page, u),
            None => p.user_id,
        };
        ids.insert(p.user_id, local);
        participants.push(Participant {
            user_id: local,
            role: p.role,
            last_read_message_id: p.last_read_message_id,
            joined_at: t.created_at,
        });
    }
    for tag in &d.tags {
        page.tag(tag.clone());
    }
    if let Some(team) = &d.team {
        page.team(team.clone());
    }
    for v in messages {
        let sender = v.sender.as_ref().map(|u| person(page, u));
        page.messages.push(Message {
            id: v.id,
            conversation_id: v.conversation_id,
            ticket_id: v.ticket_id,
            sender_id: sender.or_else(|| v.sender_id.map(|s| *ids.get(&s).unwrap_or(&s))),
            message_type: v.message_type,
            content: v.content,
            content_url: v.content_url,
            metadata: v.metadata,
            parent_message_id: v.parent_message_id,
            internal: v.internal,
            attachments: v.attachments,
            created_at: v.created_at,
        });
    }
    page.conversations.push(Conversation {
        id: d.conversation.id,
        ticket_id: t.id,
        status: d.conversation.status,
        participants,
        last_message_at: d.conversation.last_message_at,
        created_at: t.created_at,
        version: t.version,
    });
    page.tickets.push(ticket_of(t, requester, assignee));
}

/// The queue row as the desk's ticket. What the API does not carry (responder,
/// products, follow-ups, field versions) stays empty.
fn ticket_of(t: &SupportTicket, requester: UserId, assignee: Option<UserId>) -> Ticket {
    Ticket {
        id: t.id,
        number: TicketNumber(t.number),
        subject: t.subject.clone(),
        description: t.description.clone(),
        summary: t.summary.clone(),
        status: t.status,
        priority: t.priority,
        ticket_type: t.ticket_type.clone(),
        channel: t.source.clone(),
        channel_id: None,
        requester_id: requester,
        assignee_id: assignee,
        team_id: t.team_id,
        responder_id: None,
        responder_kind: None,
        circumstance: None,
        responder_version: None,
        related_order_id: t.related_order_id.clone(),
        related_delivery_id: t.related_delivery_id.clone(),
        products: Vec::new(),
        tag_ids: t.tag_ids.clone(),
        conversation_id: t.conversation_id,
        follow_up_of: None,
        message_count: t.message_count,
        pending_message_count: t.pending_message_count,
        removed: false,
        created_at: t.created_at,
        updated_at: t.updated_at,
        ongoing_at: None,
        solved_at: t.solved_at,
        closed_at: t.closed_at,
        last_viewed_at: None,
        version: t.version,
        field_versions: BTreeMap::new(),
    }
}

impl Connector for Ondi {
    fn http(&self) -> &Http {
        &self.http
    }

    fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// One read of the queue (its first ticket names the tenant).
    fn check<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<TenantId>>> {
        Box::pin(async move {
            match self.list(token, 1, 1).await {
                Ok(list) => Ok(list.tickets.first().map(|t| t.tenant_id)),
                Err(CoreError::Server { status: 403, .. }) => Err(CoreError::Server {
                    status: 403,
                    code: ErrorCode::Forbidden,
                    message: "this token works, but its user is not one of the tenant's \
                              support users, so the support queue is closed to it"
                        .into(),
                }),
                Err(e) => Err(e),
            }
        })
    }

    fn pull_at<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>> {
        Box::pin(Ondi::pull_at(self, token, cursor, limit))
    }

    fn deliver<'a>(&'a self, token: &'a str, m: &'a Mutation) -> BoxFuture<'a, Result<Outcome>> {
        Box::pin(Ondi::deliver(self, token, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_refused_naming_another_holder_is_a_claim_conflict_known_by_email() {
        let body = serde_json::json!({
            "code": "conflict",
            "message": "#1042 was claimed by agent2@demo.test at 10:42",
            "details": {"holder": {
                "user_id": "0190a0c4-7b3e-7d0e-8a4e-3f2f6c1a9b10",
                "email": "agent2@demo.test", "name": "agent2",
                "since": "2026-12-04T10:42:00Z"}}
        });
        let Outcome::Rejected(r) = refusal(409, body.to_string().as_bytes()) else {
            panic!("a refusal");
        };
        assert_eq!(r.code, ErrorCode::Conflict);
        let holder = r.conflict.unwrap().holder.unwrap();
        assert_eq!(holder.user_id, person_id("agent2@demo.test"));
    }

    #[test]
    fn an_error_body_the_connector_cannot_read_still_names_the_status() {
        let Outcome::Rejected(r) = refusal(404, b"<html>not here</html>") else {
            panic!("a refusal");
        };
        assert_eq!(r.code, ErrorCode::NotFound);
        assert!(r.message.contains("404"));
    }
}
