//! Support tickets as their requesters and agents see them (seed 001): a ticket with
//! its comments (the messages people wrote, not the system's) and its audit trail.
//! Customers see their own tickets and public comments only; support users see the
//! tenant's tickets, other agents those they requested, hold or answer.

use crate::auth::{Actor, Scope};
use crate::db::Db;
use crate::error::{Error, Result, StoreError};
use crate::service::messages::sees_internal;
use crate::service::queue::{Slice, ticket_page, users_of};
use crate::service::require_scope;
use crate::store::tickets::{TicketFilter, TicketOrder, TicketRecord};
use crate::store::{conversations, directory, history};
use outpost_domain::sync::{MessageSendArgs, TicketCreateArgs};
use outpost_domain::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Filters and position of a list.
#[derive(Clone, Debug, Default)]
pub struct TicketsQuery {
    /// Canonical statuses to match; empty for any.
    pub statuses: Vec<Status>,
    pub ticket_type: Option<TicketType>,
    pub offset: i64,
    pub limit: i64,
}

/// A page of tickets, newest first, with what their rows show.
pub struct TicketsPage {
    pub tickets: Vec<TicketRecord>,
    pub total: i64,
    pub users: HashMap<UserId, User>,
    /// Comments the caller can see, per conversation (absent: none).
    pub comment_counts: HashMap<ConversationId, i64>,
}

/// A ticket with the comments the caller can see, oldest first, and their people.
pub struct TicketComments {
    pub ticket: TicketRecord,
    pub comments: Vec<Message>,
    pub users: HashMap<UserId, User>,
}

/// A ticket's detail: its comments and its audit trail, oldest first.
pub struct TicketDetail {
    pub ticket: TicketComments,
    pub history: Vec<HistoryEntry>,
}

/// A new ticket's fields.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub title: String,
    pub description: String,
    pub ticket_type: TicketType,
}

/// The tickets the caller may see, newest first (by number, so a ticket keeps its place
/// when it changes and an offset walk sees each one once).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, actor: &Actor, q: &TicketsQuery) -> Result<Arc<TicketsPage>> {
    require_scope(actor, Scope::TicketsRead)?;
    let filter = TicketFilter {
        statuses: q.statuses.clone(),
        ticket_type: q.ticket_type.as_ref().map(|t| t.as_str().to_owned()),
        ..TicketFilter::default()
    };
    let slice = Slice {
        order: TicketOrder::NumberDesc,
        offset: q.offset,
        limit: q.limit,
    };
    ticket_page(db, actor, &filter, slice, async |conn, tickets, total| {
        let users = users_of(&mut *conn, actor.tenant_id, &tickets).await?;
        let convs: Vec<ConversationId> = tickets.iter().map(|r| r.ticket.conversation_id).collect();
        let comment_counts =
            conversations::comment_counts(conn, actor.tenant_id, &convs, sees_internal(actor))
                .await?;
        Ok(TicketsPage {
            tickets,
            total,
            users,
            comment_counts,
        })
    })
    .await
}

/// A ticket the caller may see, with its comments and history.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn detail(db: &Db, actor: &Actor, id: TicketId) -> Result<TicketDetail> {
    require_scope(actor, Scope::TicketsRead)?;
    let rec = crate::service::tickets::get(db, actor, id).await?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let history = history::for_ticket(&mut conn, actor.tenant_id, id).await?;
    let extra: Vec<UserId> = history.iter().filter_map(|h| h.changed_by).collect();
    let ticket = with_comments(&mut conn, actor, rec, &extra).await?;
    Ok(TicketDetail { ticket, history })
}

/// Creates a ticket requested by the caller, through the `api` channel.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &Db, actor: &Actor, new: NewTicket) -> Result<TicketComments> {
    require_scope(actor, Scope::TicketsWrite)?;
    let args = TicketCreateArgs {
        ticket_id: TicketId::new(),
        conversation_id: None,
        subject: new.title,
        description: new.description,
        priority: None,
        ticket_type: Some(new.ticket_type),
        channel: Some(Channel::parse("api")?),
        requester_id: None,
        assignee_id: None,
        team_id: None,
        tags: Vec::new(),
        related_order_id: None,
        related_delivery_id: None,
        follow_up_of: None,
    };
    let rec = crate::service::tickets::create(db, actor, &args).await?;
    comments_of(db, actor, rec).await
}

/// Adds a comment (a message of the ticket's conversation). Internal comments are for
/// support users; a closed ticket takes no comments (`ticket_closed`); a customer's
/// comment re-opens a pending or solved ticket (STATUS_MAPPING rule 2). The author is
/// the caller.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn comment(
    db: &Db,
    actor: &Actor,
    id: TicketId,
    content: String,
    internal: bool,
) -> Result<Message> {
    let args = MessageSendArgs {
        message_id: MessageId::new(),
        ticket_id: id,
        message_type: MessageType::Text,
        content,
        content_url: None,
        metadata: None,
        parent_message_id: None,
        internal,
        attachments: Vec::new(),
    };
    let message = crate::service::messages::send(db, actor, &args)
        .await
        .map_err(|e| match e {
            Error::Refused {
                code: ErrorCode::ConversationNotActive,
                details,
                ..
            } => Error::Refused {
                code: ErrorCode::TicketClosed,
                message: "the ticket is closed; it takes no more comments".into(),
                details,
            },
            other => other,
        })?;
    Ok(message)
}

/// Closes the ticket (STATUS_MAPPING rule 4): support users any they see, requesters
/// their own; closing a closed ticket changes nothing.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn close(db: &Db, actor: &Actor, id: TicketId) -> Result<TicketComments> {
    require_scope(actor, Scope::TicketsWrite)?;
    let rec = crate::service::tickets::close(db, actor, id, None).await?;
    comments_of(db, actor, rec).await
}

async fn comments_of(db: &Db, actor: &Actor, rec: TicketRecord) -> Result<TicketComments> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    with_comments(&mut conn, actor, rec, &[]).await
}

/// Loads the comments the caller may see and the users the ticket, its comments and
/// `extra` name.
async fn with_comments(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    ticket: TicketRecord,
    extra: &[UserId],
) -> Result<TicketComments> {
    let tenant = actor.tenant_id;
    let comments = conversations::comments(
        conn,
        tenant,
        ticket.ticket.conversation_id,
        sees_internal(actor),
    )
    .await?;
    let mut users = users_of(conn, tenant, std::slice::from_ref(&ticket)).await?;
    let mut more: Vec<UserId> = comments
        .iter()
        .filter_map(|m| m.sender_id)
        .chain(extra.iter().copied())
        .filter(|u| !users.contains_key(u))
        .collect();
    more.sort();
    more.dedup();
    for u in directory::get_users(conn, tenant, &more).await? {
        users.insert(u.id, u);
    }
    Ok(TicketComments {
        ticket,
        comments,
        users,
    })
}
