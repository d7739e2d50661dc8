//! Conversations and messages (seed 003, sync `message.send` / `conversation.read`).

use crate::auth::Actor;
use crate::db::{Db, WriteTx};
use crate::error::{Error, Result, StoreError};
use crate::service::files;
use crate::service::tickets::{can_see, load_visible, save};
use crate::store::conversations::{self, MessageFilter};
use crate::store::tickets::TicketRecord;
use crate::store::{directory, tickets};
use outpost_domain::lifecycle;
use outpost_domain::sync::{EntityKind, MessageSendArgs};
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;

/// Who may read a ticket's conversation: participants, the ticket's customer and
/// support users (seed 003). Returns the ticket.
async fn readable_ticket(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    conv: ConversationId,
) -> Result<TicketRecord> {
    let rec = tickets::get_by_conversation(conn, actor.tenant_id, conv)
        .await?
        .ok_or_else(|| Error::not_found("conversation"))?;
    if actor.is_support() || rec.ticket.requester_id == actor.user_id {
        return Ok(rec);
    }
    if conversations::participant_role(conn, conv, actor.user_id)
        .await?
        .is_some()
    {
        return Ok(rec);
    }
    // Seed 003: "Error - Not Participant 403", as for sending. Other tenants' ids
    // never get here (the lookup above is tenant-scoped, so they are 404).
    Err(Error::new(
        ErrorCode::NotParticipant,
        "you are not a participant of this conversation",
    ))
}

/// Internal notes are for staff; customers never receive them, by any route.
pub fn sees_internal(actor: &Actor) -> bool {
    !actor.is_customer()
}

/// A page of messages, newest first.
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub total: i64,
    pub senders: Vec<User>,
}

/// Lists a conversation's messages and moves the caller's read marker to the newest
/// message they can see (seed 003: "updates participant's last read message").
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &Db,
    actor: &Actor,
    conv: ConversationId,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    page: i64,
    limit: i64,
) -> Result<MessagePage> {
    crate::service::require_scope(actor, crate::auth::Scope::TicketsRead)?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    readable_ticket(&mut conn, actor, conv).await?;
    let filter = MessageFilter {
        include_internal: sees_internal(actor),
        from,
        to,
    };
    let (messages, total) = conversations::list_messages(
        &mut conn,
        actor.tenant_id,
        conv,
        &filter,
        (page - 1) * limit,
        limit,
    )
    .await?;
    let newest = if page == 1 && from.is_none() && to.is_none() {
        messages.first().map(|m| m.id)
    } else {
        let all = MessageFilter {
            include_internal: filter.include_internal,
            from: None,
            to: None,
        };
        conversations::list_messages(&mut conn, actor.tenant_id, conv, &all, 0, 1)
            .await?
            .0
            .first()
            .map(|m| m.id)
    };
    let mut sender_ids: Vec<UserId> = messages.iter().filter_map(|m| m.sender_id).collect();
    sender_ids.sort();
    sender_ids.dedup();
    let senders = directory::get_users(&mut conn, actor.tenant_id, &sender_ids).await?;
    drop(conn);
    if let Some(newest) = newest {
        mark_read_if_participant(db, actor, conv, newest).await?;
    }
    Ok(MessagePage {
        messages,
        total,
        senders,
    })
}

async fn mark_read_if_participant(
    db: &Db,
    actor: &Actor,
    conv: ConversationId,
    msg: MessageId,
) -> Result<()> {
    let current = conversations::get_conversation(
        &mut *db.reader().acquire().await.map_err(StoreError::from)?,
        actor.tenant_id,
        conv,
    )
    .await?;
    let Some(current) = current else {
        return Ok(());
    };
    let Some(p) = current
        .participants
        .iter()
        .find(|p| p.user_id == actor.user_id)
    else {
        return Ok(());
    };
    if p.last_read_message_id == Some(msg) {
        return Ok(());
    }
    let mut tx = db.write(actor.tenant_id).await?;
    read_in(&mut tx, actor, conv, msg).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves the actor's read marker (sync `conversation.read`). Non-participants have no
/// marker; for them this is a no-op.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn read_in(
    tx: &mut WriteTx,
    actor: &Actor,
    conv: ConversationId,
    msg: MessageId,
) -> Result<()> {
    let tenant = tx.tenant_id();
    let rec = readable_ticket(tx.conn(), actor, conv).await?;
    let m = conversations::get_message(tx.conn(), tenant, msg).await?;
    if m.is_none_or(|m| m.conversation_id != conv || (m.internal && !sees_internal(actor))) {
        return Err(Error::not_found("message"));
    }
    if conversations::set_last_read(tx.conn(), conv, actor.user_id, msg).await? {
        conversations::touch(tx.conn(), tenant, conv, None).await?;
        tx.touch(EntityKind::Conversation, conv.as_uuid());
        // The assignee reading the chat is what seed 002 calls viewing the ticket.
        if rec.ticket.assignee_id == Some(actor.user_id) {
            tickets::mark_viewed(tx.conn(), tenant, rec.ticket.id, &time::now()).await?;
            tx.touch(EntityKind::Ticket, rec.ticket.id.as_uuid());
        }
    }
    Ok(())
}

/// Validates and posts a message. The message id is the client's: sending the same id
/// again returns the stored message instead of posting a second one.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %args.ticket_id, message = %args.message_id))]
pub async fn send_in(tx: &mut WriteTx, actor: &Actor, args: &MessageSendArgs) -> Result<Message> {
    let tenant = tx.tenant_id();
    if args.message_type == MessageType::Html || args.message_type == MessageType::System {
        return Err(Error::invalid(format!(
            "message_type {} is reserved for server-generated messages",
            args.message_type
        )));
    }
    let has_body = !args.content.trim().is_empty()
        || args.content_url.is_some()
        || !args.attachments.is_empty();
    if !has_body {
        return Err(Error::new(ErrorCode::MissingField, "content is required"));
    }
    if args.content.len() > limits::MESSAGE_MAX_BYTES {
        return Err(Error::invalid(format!(
            "content must be at most {} bytes",
            limits::MESSAGE_MAX_BYTES
        )));
    }
    if let Some(m) = &args.metadata
        && m.to_string().len() > limits::METADATA_MAX_BYTES
    {
        return Err(Error::invalid(format!(
            "metadata must be at most {} bytes",
            limits::METADATA_MAX_BYTES
        )));
    }
    if let Some(u) = &args.content_url
        && (!(u.starts_with("https://")
            || u.starts_with("http://")
            || outpost_api::files::file_number(u).is_some())
            || u.len() > 2048)
    {
        return Err(Error::invalid(
            "content_url must be an http(s) URL or an uploaded file's /files/v1/ path, of at most 2048 characters",
        ));
    }
    if args.internal && !actor.is_support() {
        return Err(Error::forbidden(
            "only support users may write internal notes",
        ));
    }
    if let Some(existing) = conversations::get_message(tx.conn(), tenant, args.message_id).await? {
        if existing.sender_id == Some(actor.user_id) && existing.ticket_id == args.ticket_id {
            return Ok(existing);
        }
        return Err(Error::new(
            ErrorCode::Conflict,
            "a message with this id already exists",
        ));
    }
    let mut rec = load_visible(tx, actor, args.ticket_id).await?;
    let conv_id = rec.ticket.conversation_id;
    // The ticket's conversation exists (a foreign key): only the membership is asked.
    let participant = conversations::is_participant(tx.conn(), conv_id, actor.user_id).await?;
    if !participant && !actor.is_support() {
        return Err(Error::new(
            ErrorCode::NotParticipant,
            "you are not a participant of this conversation",
        ));
    }
    let now = time::now();
    // A conversation is closed exactly when its ticket is, so the lifecycle's refusal
    // is the conversation's.
    let Ok(posted) =
        lifecycle::message_posted(&rec.ticket, actor.lifecycle().side, args.internal, now)
    else {
        return Err(Error::with_details(
            ErrorCode::ConversationNotActive,
            format!(
                "{} is closed; its conversation accepts no messages",
                rec.ticket.number
            ),
            serde_json::json!({"ticket_status": rec.ticket.status}),
        ));
    };
    if let Some(parent) = args.parent_message_id {
        let p = conversations::get_message(tx.conn(), tenant, parent).await?;
        if p.is_none_or(|p| p.conversation_id != conv_id || (p.internal && !sees_internal(actor))) {
            return Err(Error::invalid(
                "parent_message_id is not a message of this conversation",
            ));
        }
    }
    let attachments = files::resolve_attachments(tx.conn(), actor, &args.attachments).await?;
    let msg = Message {
        id: args.message_id,
        conversation_id: conv_id,
        ticket_id: rec.ticket.id,
        sender_id: Some(actor.user_id),
        message_type: args.message_type,
        content: args.content.clone(),
        content_url: args.content_url.clone(),
        metadata: args.metadata.clone(),
        parent_message_id: args.parent_message_id,
        internal: args.internal,
        attachments,
        created_at: now,
    };
    conversations::insert_message(tx, &msg)
        .await
        .map_err(|e| Error::taken(e, "a message with this id already exists"))?;
    if !participant {
        conversations::upsert_participant(
            tx.conn(),
            conv_id,
            actor.user_id,
            ParticipantRole::Member,
            &now,
        )
        .await?;
    }
    conversations::touch(tx.conn(), tenant, conv_id, Some(&now)).await?;
    tx.touch(EntityKind::Message, msg.id.as_uuid());
    tx.touch(EntityKind::Conversation, conv_id.as_uuid());

    let before = std::mem::replace(&mut rec.ticket, posted);
    rec.ticket.updated_at = now;
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    Ok(msg)
}

/// [`send_in`] in its own transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn send(db: &Db, actor: &Actor, args: &MessageSendArgs) -> Result<Message> {
    crate::service::require_scope(actor, crate::auth::Scope::TicketsWrite)?;
    let mut tx = db.write(actor.tenant_id).await?;
    let m = send_in(&mut tx, actor, args).await?;
    tx.commit().await?;
    Ok(m)
}

/// The ticket behind a conversation, if the actor may post to it (seed 003 send).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ticket_of_conversation(
    db: &Db,
    actor: &Actor,
    conv: ConversationId,
) -> Result<TicketId> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let rec = tickets::get_by_conversation(&mut conn, actor.tenant_id, conv)
        .await?
        .ok_or_else(|| Error::not_found("conversation"))?;
    if !actor.is_support() && !can_see(actor, &rec.ticket) {
        let part = conversations::participant_role(&mut conn, conv, actor.user_id).await?;
        if part.is_none() {
            return Err(Error::new(
                ErrorCode::NotParticipant,
                "you are not a participant of this conversation",
            ));
        }
    }
    Ok(rec.ticket.id)
}
