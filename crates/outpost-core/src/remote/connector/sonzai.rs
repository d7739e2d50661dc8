//! The Sonzai connector: seed 001's support tickets under `/api/v1/support/tickets`,
//! with a Bearer token and RFC 9457 problem documents for errors.
//!
//! What it reads: the ticket list (newest ticket first, by offset) and each ticket's
//! detail, which carries every comment and the audit trail. The list is not ordered by
//! change, so a poll reads the whole list (one request per 100 tickets) and fetches the
//! detail of the tickets changed since its mark. The API shows no ticket numbers: a
//! ticket is numbered by its place in the list counted from the oldest, which is the
//! server's own number unless tickets were removed.
//! What it writes: a new ticket (title, description, type: the caller is its
//! requester), a comment or internal comment, and close (which takes no note).

use super::Connector;
use super::entities::Entities;
use super::{
    Answer, CLOCK_MARGIN, Carried, Memory, PollCursor, SweepAt, Timing, applied, derived_id,
    made_at, page, refused, sent, version_of, write,
};
use crate::error::{CoreError, Result};
use crate::remote::http::{Http, decode};
use crate::remote::{Api, Capabilities, PullMode, Pulled, Sweep};
use chrono::Utc;
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt};
use outpost_api::sonzai::SonzaiStatus;
use outpost_api::sonzai::problem::ErrorModel;
use outpost_api::sonzai::tickets::{
    AuthorType, CreateCommentRequest, CreateTicketRequest, SupportTicket, SupportTicketComment,
    TicketDetailResponse, TicketListItem, TicketListResponse,
};
use outpost_domain::error::ErrorCode;
use outpost_domain::ids::TenantId;
use outpost_domain::ids::{ConversationId, MessageId, TicketId, TicketNumber};
use outpost_domain::model::{Conversation, Message, Participant, Ticket};
use outpost_domain::sync::{ChangeEntry, ConflictDetails, Mutation, MutationOp, Outcome};
use outpost_domain::values::{
    Channel, ConversationStatus, EmailAddress, MessageType, ParticipantRole, Role, Status,
};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

const ACTIONS: &[&str] = &["ticket.create", "ticket.close", "message.send"];

/// The largest page the list serves.
const LIST_MAX: i64 = 100;
/// Details fetched at once while a page is carried.
const IN_FLIGHT: usize = 8;

const EPOCH: &str = "sonzai";
const BASE: &str = "/api/v1/support/tickets";

/// What a close or a comment cannot carry through this API (what a new ticket can:
/// its `create_fields`).
fn vet(op: &MutationOp) -> Option<&'static str> {
    match op {
        MutationOp::TicketClose(a) if a.note.as_deref().is_some_and(|n| !n.trim().is_empty()) => {
            Some("a close note (send it as an internal comment, then close)")
        }
        MutationOp::MessageSend(a)
            if !a.attachments.is_empty()
                || a.content_url.is_some()
                || a.parent_message_id.is_some() =>
        {
            Some("attachments or threaded replies (comments are text)")
        }
        _ => None,
    }
}

/// The Sonzai support API at one address.
pub struct Sonzai {
    http: Http,
    caps: Capabilities,
    timing: Timing,
    /// The signed-in agent (their comments and tickets are the ones looked for
    /// before a resend).
    me: Option<EmailAddress>,
    accounted: Memory,
}

/// A list row with its number (its place counted from the oldest).
type Row = (TicketListItem, i64);

impl Sonzai {
    pub fn new(server: &str, me: Option<EmailAddress>) -> Result<Self> {
        Self::with_timing(server, me, Timing::from_env())
    }

    pub fn with_timing(server: &str, me: Option<EmailAddress>, timing: Timing) -> Result<Self> {
        Ok(Self {
            http: Http::new(server)?,
            caps: Capabilities {
                api: Api::Sonzai,
                pull: PullMode::Poll {
                    every: timing.poll_every,
                },
                actions: ACTIONS,
                field_conflicts: false,
                vet,
                // A new ticket: title, description and type; the caller is its requester.
                create_fields: &[],
            },
            timing,
            me,
            accounted: Memory::default(),
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

    /// One list page from `offset`, each row with its number.
    async fn list(
        &self,
        token: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Row>, TicketListResponse)> {
        let mut list: TicketListResponse = self
            .get(
                token,
                BASE,
                &[("limit", limit.to_string()), ("offset", offset.to_string())],
            )
            .await?;
        let total = list.total;
        let rows = std::mem::take(&mut list.tickets)
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t, total - offset - i as i64))
            .collect();
        Ok((rows, list))
    }

    /// A ticket with its comments and history; `None` when it is gone (or no longer
    /// visible).
    async fn detail(&self, token: &str, id: TicketId) -> Result<Option<TicketDetailResponse>> {
        match self.get(token, &format!("{BASE}/{id}"), &[]).await {
            Ok(d) => Ok(Some(d)),
            Err(CoreError::Server { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The rows' tickets with their comments, as feed entries.
    async fn carry(&self, token: &str, rows: Vec<Row>) -> Result<Vec<ChangeEntry>> {
        let fetched: Vec<Option<(TicketDetailResponse, i64)>> =
            futures::stream::iter(rows.into_iter().map(|(t, number)| async move {
                Ok::<_, CoreError>(self.detail(token, t.ticket_id).await?.map(|d| (d, number)))
            }))
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        let mut page = Entities::default();
        for (detail, number) in fetched.into_iter().flatten() {
            add(&mut page, self.http.base(), detail.ticket, number);
        }
        Ok(page.into_changes())
    }

    /// The tickets changed since the cursor's mark: the whole list is read (it is not
    /// ordered by change), the changed ones in full. Moves the mark.
    async fn poll(&self, token: &str, cursor: &mut PollCursor) -> Result<Vec<ChangeEntry>> {
        let floor = cursor.floor();
        let mut changed = Vec::new();
        let mut seen = Vec::new();
        let mut ids = HashSet::new();
        let mut offset = 0;
        loop {
            let (rows, list) = self.list(token, offset, LIST_MAX).await?;
            offset += rows.len() as i64;
            for (t, number) in rows {
                if floor.is_some_and(|f| t.updated_at < f) || !ids.insert(t.ticket_id) {
                    continue;
                }
                let id = t.ticket_id.to_string();
                let version = version_of(t.updated_at);
                seen.push(Carried {
                    id: id.clone(),
                    version,
                    at: t.updated_at,
                });
                if !cursor.carried(&id, version) {
                    changed.push((t, number));
                }
            }
            if !list.has_more {
                break;
            }
        }
        let entries = self.carry(token, changed).await?;
        cursor.advance(seen);
        Ok(entries)
    }

    async fn pull_at(&self, token: &str, text: &str) -> Result<Pulled> {
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
        let offset = i64::from(sweep.page - 1) * LIST_MAX;
        let (rows, list) = self.list(token, offset, LIST_MAX).await?;
        // The newest change on the first page stands for "when the walk started": it
        // is no later than that, so what changes during the walk is read again after.
        let newest = rows.iter().map(|(t, _)| t.updated_at).max();
        if sweep.page == 1 {
            sweep.mark = newest;
        } else if list.total < sweep.total {
            sweep.shrank = true;
        }
        sweep.total = list.total;
        let mut changes = self.carry(token, rows).await?;
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

    /// Send one outbox entry through the API (`Err`: the answer is not known).
    async fn deliver(&self, token: &str, m: &Mutation) -> Result<Outcome> {
        match &m.op {
            MutationOp::TicketCreate(a) => {
                if let Some(found) = self.find_created(token, m, &a.subject).await? {
                    return Ok(applied(found, None, None));
                }
                let body = CreateTicketRequest {
                    title: a.subject.clone(),
                    description: a.description.clone(),
                    ticket_type: a.ticket_type.clone(),
                };
                match self.post(token, BASE, &body).await? {
                    Ok(bytes) => {
                        let t: SupportTicket = decode(&bytes)?;
                        self.accounted.note(t.ticket_id.0);
                        Ok(applied(t.ticket_id, None, Some(version_of(t.updated_at))))
                    }
                    Err(refusal) => Ok(refusal),
                }
            }
            MutationOp::TicketClose(a) => {
                let Some(d) = self.detail(token, a.ticket_id).await? else {
                    return Ok(refused(ErrorCode::NotFound, "the ticket is gone", None));
                };
                if d.ticket.status == SonzaiStatus::Closed {
                    return Ok(self.closed_already(m, &d));
                }
                let path = format!("{BASE}/{}/close", a.ticket_id);
                match self.post(token, &path, &serde_json::json!({})).await? {
                    Ok(bytes) => {
                        let t: SupportTicket = decode(&bytes)?;
                        Ok(applied(t.ticket_id, None, Some(version_of(t.updated_at))))
                    }
                    Err(refusal) => Ok(refusal),
                }
            }
            MutationOp::MessageSend(a) => {
                let Some(d) = self.detail(token, a.ticket_id).await? else {
                    return Ok(refused(ErrorCode::NotFound, "the ticket is gone", None));
                };
                if let Some(found) = self.find_sent(m, &d.ticket.comments, &a.content, a.internal) {
                    return Ok(sent(a.ticket_id, found));
                }
                let body = CreateCommentRequest {
                    content: a.content.clone(),
                    is_internal: a.internal,
                };
                let path = format!("{BASE}/{}/comments", a.ticket_id);
                match self.post(token, &path, &body).await? {
                    Ok(bytes) => {
                        let c: SupportTicketComment = decode(&bytes)?;
                        self.accounted.note(c.comment_id.0);
                        Ok(sent(a.ticket_id, c.comment_id))
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

    /// POST `body` (see [`Answer`]); a refusal becomes the outcome.
    async fn post<B: serde::Serialize>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<std::result::Result<Vec<u8>, Outcome>> {
        let rb = self
            .http
            .client()
            .post(self.http.url(path))
            .bearer_auth(token)
            .json(body);
        let answer: Answer = write(&self.http, rb, read_error).await?;
        Ok(answer.map_err(|(status, bytes)| refusal(status, &bytes)))
    }

    /// Before creating a ticket again: is it on the server already (requested by us,
    /// same title, created after the change was made)? New tickets head the list.
    async fn find_created(
        &self,
        token: &str,
        m: &Mutation,
        title: &str,
    ) -> Result<Option<TicketId>> {
        let (Some(me), Some(made)) = (&self.me, made_at(m.id)) else {
            return Ok(None);
        };
        let since = made - CLOCK_MARGIN;
        let (rows, _) = self.list(token, 0, LIST_MAX).await?;
        let found = rows.iter().map(|(t, _)| t).find(|t| {
            t.created_at >= since
                && t.title == title.trim()
                && t.created_by_email.as_ref() == Some(me)
                && !self.accounted.has(t.ticket_id.0)
        });
        Ok(found.map(|t| {
            self.accounted.note(t.ticket_id.0);
            t.ticket_id
        }))
    }

    /// Before commenting again: is the comment there already (ours, same text and
    /// kind, not older than the change)?
    fn find_sent(
        &self,
        m: &Mutation,
        comments: &[SupportTicketComment],
        content: &str,
        internal: bool,
    ) -> Option<MessageId> {
        let (me, made) = (self.me.as_ref()?, made_at(m.id)?);
        let since = made - CLOCK_MARGIN;
        let found = comments.iter().find(|c| {
            c.created_at >= since
                && c.author_email.as_ref() == Some(me)
                && c.content == content
                && c.is_internal == internal
                && !self.accounted.has(c.comment_id.0)
        })?;
        self.accounted.note(found.comment_id.0);
        Some(found.comment_id)
    }

    /// A close found the ticket closed: ours if the audit trail says we closed it after
    /// the change was made (an earlier attempt's lost answer), else a conflict.
    fn closed_already(&self, m: &Mutation, d: &TicketDetailResponse) -> Outcome {
        let closing = d
            .history
            .iter()
            .rev()
            .find(|h| h.field_changed == "status" && h.new_value.as_deref() == Some("closed"));
        let made = made_at(m.id).map(|at| at - CLOCK_MARGIN);
        let ours = closing.is_some_and(|h| {
            h.changed_by_email.is_some()
                && h.changed_by_email == self.me
                && made.is_some_and(|made| h.created_at >= made)
        });
        let t = &d.ticket;
        if ours {
            return applied(t.ticket_id, None, Some(version_of(t.updated_at)));
        }
        let by = closing
            .and_then(|h| h.changed_by_email.as_ref())
            .map_or_else(|| "someone else".to_owned(), |e| e.to_string());
        refused(
            ErrorCode::TicketClosed,
            format!("{:?} was closed by {by} first", t.title),
            Some(ConflictDetails {
                ticket_status: Some(Status::Closed),
                ..ConflictDetails::default()
            }),
        )
    }
}

/// The API's problem documents as errors: the stable code rides in `type`.
fn read_error(status: u16, body: &[u8]) -> CoreError {
    let problem: Option<ErrorModel> = serde_json::from_slice(body).ok();
    if status == 401 {
        return CoreError::SessionExpired;
    }
    let code = problem
        .as_ref()
        .and_then(|p| p.code())
        .and_then(|c| serde_json::from_value(serde_json::Value::String(c.to_owned())).ok())
        .unwrap_or(if status >= 500 {
            ErrorCode::Internal
        } else {
            ErrorCode::MalformedRequest
        });
    CoreError::Server {
        status,
        code,
        message: problem.map_or_else(
            || format!("the server answered HTTP {status}"),
            |p| p.detail,
        ),
    }
}

/// A refusal that stands, as the engine records it. A closed ticket refusing a
/// comment is the "reply to a closed ticket" conflict.
fn refusal(status: u16, body: &[u8]) -> Outcome {
    let (code, message) = match read_error(status, body) {
        CoreError::Server { code, message, .. } => (code, message),
        other => (ErrorCode::Forbidden, other.to_string()),
    };
    let conflict = (code == ErrorCode::TicketClosed).then(|| ConflictDetails {
        ticket_status: Some(Status::Closed),
        ..ConflictDetails::default()
    });
    refused(code, message, conflict)
}

/// A status as the desk keeps it: the first stored status the API's name stands for
/// (`in_progress` is open, pending or on hold; the desk shows it open).
fn status_of(s: SonzaiStatus) -> Status {
    s.matches()[0]
}

/// The conversation of a ticket: the API has none of its own, so one per ticket.
fn conversation_of(server: &str, ticket: TicketId) -> ConversationId {
    ConversationId(derived_id(
        server,
        "sonzai conversation",
        &ticket.to_string(),
    ))
}

/// A ticket with its comments into the page.
fn add(page: &mut Entities, server: &str, t: SupportTicket, number: i64) {
    let requester = match &t.created_by_email {
        Some(e) => page.person(e, None, None, Role::Customer),
        None => super::person_id("unknown-requester@outpost.invalid"),
    };
    let assignee = t
        .assigned_to_email
        .as_ref()
        .map(|e| page.person(e, None, None, Role::Agent));
    let conversation = conversation_of(server, t.ticket_id);
    let status = status_of(t.status);
    let mut participants = vec![Participant {
        user_id: requester,
        role: ParticipantRole::Member,
        last_read_message_id: None,
        joined_at: t.created_at,
    }];
    let mut last_message_at = None;
    for c in &t.comments {
        let role = match c.author_type {
            AuthorType::Customer => Role::Customer,
            AuthorType::Staff => Role::Agent,
        };
        let sender = c
            .author_email
            .as_ref()
            .map(|e| page.person(e, None, None, role));
        if let Some(s) = sender
            && !participants.iter().any(|p| p.user_id == s)
        {
            participants.push(Participant {
                user_id: s,
                role: ParticipantRole::Member,
                last_read_message_id: None,
                joined_at: c.created_at,
            });
        }
        last_message_at = Some(c.created_at);
        page.messages.push(Message {
            id: c.comment_id,
            conversation_id: conversation,
            ticket_id: t.ticket_id,
            sender_id: sender,
            message_type: MessageType::Text,
            content: c.content.clone(),
            content_url: None,
            metadata: None,
            parent_message_id: None,
            internal: c.is_internal,
            attachments: Vec::new(),
            created_at: c.created_at,
        });
    }
    let version = version_of(t.updated_at);
    page.conversations.push(Conversation {
        id: conversation,
        ticket_id: t.ticket_id,
        status: if status == Status::Closed {
            ConversationStatus::Closed
        } else {
            ConversationStatus::Active
        },
        participants,
        last_message_at,
        created_at: t.created_at,
        version,
    });
    page.tickets.push(Ticket {
        id: t.ticket_id,
        number: TicketNumber(number),
        subject: t.title,
        description: t.description,
        summary: None,
        status,
        priority: t.priority,
        ticket_type: t.ticket_type,
        channel: Channel::parse("api").expect("a known channel"),
        channel_id: None,
        requester_id: requester,
        assignee_id: assignee,
        team_id: None,
        responder_id: None,
        responder_kind: None,
        circumstance: None,
        responder_version: None,
        related_order_id: None,
        related_delivery_id: None,
        products: Vec::new(),
        tag_ids: Vec::new(),
        conversation_id: conversation,
        follow_up_of: None,
        message_count: t.comments.len() as i64,
        pending_message_count: 0,
        removed: false,
        created_at: t.created_at,
        updated_at: t.updated_at,
        ongoing_at: None,
        solved_at: (status == Status::Solved)
            .then_some(t.resolved_at)
            .flatten(),
        closed_at: (status == Status::Closed).then_some(t.updated_at),
        last_viewed_at: None,
        version,
        field_versions: BTreeMap::new(),
    });
}

impl Connector for Sonzai {
    fn http(&self) -> &Http {
        &self.http
    }

    fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// One read of the list; the rows carry no tenant, a ticket's detail does.
    fn check<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<TenantId>>> {
        Box::pin(async move {
            let (rows, _) = self.list(token, 0, 1).await?;
            Ok(match rows.first() {
                Some((t, _)) => self
                    .detail(token, t.ticket_id)
                    .await?
                    .map(|d| d.ticket.tenant_id),
                None => None,
            })
        })
    }

    fn pull_at<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        _limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>> {
        Box::pin(Sonzai::pull_at(self, token, cursor))
    }

    fn deliver<'a>(&'a self, token: &'a str, m: &'a Mutation) -> BoxFuture<'a, Result<Outcome>> {
        Box::pin(Sonzai::deliver(self, token, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_document_is_read_by_its_type() {
        let body = serde_json::json!({
            "title": "Conflict", "status": 409,
            "detail": "the ticket is closed", "type": "urn:outpost:error:ticket_closed"
        });
        let Outcome::Rejected(r) = refusal(409, body.to_string().as_bytes()) else {
            panic!("a refusal");
        };
        assert_eq!(r.code, ErrorCode::TicketClosed);
        assert_eq!(
            r.conflict.and_then(|c| c.ticket_status),
            Some(Status::Closed),
            "a closed ticket is the closed-reply conflict"
        );
        assert!(matches!(read_error(401, b""), CoreError::SessionExpired));
    }

    #[test]
    fn what_the_api_cannot_carry_is_named() {
        let close = MutationOp::TicketClose(outpost_domain::sync::TicketCloseArgs {
            ticket_id: TicketId::new(),
            note: Some("refunded".into()),
        });
        assert!(vet(&close).is_some_and(|r| r.contains("close note")));
        let bare = MutationOp::TicketClose(outpost_domain::sync::TicketCloseArgs {
            ticket_id: TicketId::new(),
            note: None,
        });
        assert_eq!(vet(&bare), None);
    }

    #[test]
    fn statuses_read_back_as_the_first_they_stand_for() {
        assert_eq!(status_of(SonzaiStatus::Open), Status::New);
        assert_eq!(status_of(SonzaiStatus::InProgress), Status::Open);
        assert_eq!(status_of(SonzaiStatus::Resolved), Status::Solved);
        assert_eq!(status_of(SonzaiStatus::Closed), Status::Closed);
    }
}
