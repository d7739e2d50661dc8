//! Tickets as a workspace's chat tools see them (seed 002): each ticket is a chat (its
//! conversation) owned by the requester and answered by a responder, a bot or a
//! person. Reads show the chat's owner, responder, team and channel; writes open a
//! ticket for a chat, complete it, let a person take it over, reassign it and tag it.
//! Every write goes through the same ticket operations as the other APIs and sync.

use crate::auth::{Actor, Scope};
use crate::db::{Db, WriteTx};
use crate::error::{Error, Result, StoreError};
use crate::service::queue::{Slice, ticket_page, users_of};
use crate::service::tickets::{self as ops, load_visible, save};
use crate::service::{require_scope, require_support};
use crate::store::tickets::{TicketFilter, TicketOrder, TicketRecord};
use crate::store::{chats, directory, tickets};
use outpost_domain::lifecycle;
use outpost_domain::sync::{TicketAssignArgs, TicketCreateArgs, TicketUpdateArgs};
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Filters and page of the details list.
#[derive(Clone, Debug, Default)]
pub struct ChatTicketsQuery {
    /// Canonical statuses to match (one seed 002 status).
    pub statuses: Vec<Status>,
    pub assignee_ids: Vec<UserId>,
    pub chat_ids: Vec<ConversationId>,
    pub responder_ids: Vec<UserId>,
    pub responder_version_ids: Vec<ResponderVersionId>,
    pub tag_ids: Vec<TagId>,
    /// Text in the subject or summary.
    pub search: Option<String>,
    pub include_removed: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Tickets with everything their details show: people, teams and channels by id.
pub struct ChatTickets {
    pub tickets: Vec<TicketRecord>,
    /// Matches over all pages.
    pub total: i64,
    pub users: HashMap<UserId, User>,
    pub teams: HashMap<TeamId, Team>,
    pub channels: HashMap<ChannelId, ChannelInfo>,
}

/// A new ticket for a chat (`POST /api/v1/tickets`).
#[derive(Clone, Debug)]
pub struct ChatTicketRequest {
    pub chat_id: ConversationId,
    pub team_id: Option<TeamId>,
    pub assignee_id: UserId,
    /// The canonical status it should have (`ongoing` → open, `completed` → solved).
    pub status: Status,
}

/// A tag on a ticket and since when.
#[derive(Clone, Debug)]
pub struct TagLink {
    pub ticket_id: TicketId,
    pub tag_id: TagId,
    pub since: Timestamp,
}

/// One ticket's details.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn details(db: &Db, actor: &Actor, id: TicketId) -> Result<ChatTickets> {
    require_scope(actor, Scope::TicketsRead)?;
    let rec = ops::get(db, actor, id).await?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    surroundings(&mut conn, actor.tenant_id, vec![rec], 1).await
}

/// A page of the tickets the caller may see, oldest first by number: tickets that
/// arrive during a walk join its end, so the walk neither repeats nor skips one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, actor: &Actor, q: &ChatTicketsQuery) -> Result<Arc<ChatTickets>> {
    require_scope(actor, Scope::TicketsRead)?;
    let filter = TicketFilter {
        statuses: q.statuses.clone(),
        search: q.search.clone(),
        search_summary: true,
        include_removed: q.include_removed,
        assignee_ids: q.assignee_ids.clone(),
        conversation_ids: q.chat_ids.clone(),
        responder_ids: q.responder_ids.clone(),
        responder_version_ids: q.responder_version_ids.clone(),
        tag_ids: q.tag_ids.clone(),
        ..TicketFilter::default()
    };
    let slice = Slice {
        order: TicketOrder::NumberAsc,
        offset: q.offset,
        limit: q.limit,
    };
    ticket_page(db, actor, &filter, slice, async |conn, tickets, total| {
        surroundings(conn, actor.tenant_id, tickets, total).await
    })
    .await
}

/// The people, teams and channels of `tickets`.
async fn surroundings(
    conn: &mut sqlx::AnyConnection,
    tenant: TenantId,
    tickets: Vec<TicketRecord>,
    total: i64,
) -> Result<ChatTickets> {
    let users = users_of(conn, tenant, &tickets).await?;
    let mut team_ids: Vec<TeamId> = tickets.iter().filter_map(|r| r.ticket.team_id).collect();
    team_ids.sort();
    team_ids.dedup();
    let teams = directory::get_teams(conn, tenant, Some(&team_ids))
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut channel_ids: Vec<ChannelId> =
        tickets.iter().filter_map(|r| r.ticket.channel_id).collect();
    channel_ids.sort();
    channel_ids.dedup();
    let channels = chats::get_channels(conn, tenant, Some(&channel_ids))
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(ChatTickets {
        tickets,
        total,
        users,
        teams,
        channels,
    })
}

/// A staff user of the tenant named in a body (`userId`, `assigneeId`).
async fn staff_user(tx: &mut WriteTx, id: UserId, field: &'static str) -> Result<User> {
    let tenant = tx.tenant_id();
    let u = directory::get_user(tx.conn(), tenant, id)
        .await?
        .ok_or_else(|| Error::not_found(field))?;
    if !matches!(u.user.role, Role::Agent | Role::Admin) {
        return Err(Error::invalid(format!(
            "{field} must be an agent or admin of the workspace"
        )));
    }
    Ok(u.user)
}

/// Sets who answers the chat and how they got it ([`lifecycle::answered_by`]); a bot
/// responder carries its latest version.
async fn answered_by(tx: &mut WriteTx, actor: &Actor, rec: &mut TicketRecord) -> Result<()> {
    let mut next = lifecycle::answered_by(&rec.ticket, actor.user_id, actor.role);
    if actor.role == Role::Bot && next.responder_version.is_none() {
        let tenant = tx.tenant_id();
        next.responder_version =
            chats::latest_responder_version(tx.conn(), tenant, actor.user_id).await?;
    }
    let before = std::mem::replace(&mut rec.ticket, next);
    save(
        tx,
        Some(actor.user_id),
        &before,
        rec,
        Vec::new(),
        &time::now(),
    )
    .await?;
    Ok(())
}

/// Opens a ticket for a chat. A chat has at most one ticket that is not completed:
/// for a chat whose ticket is ongoing the answer is 409 naming it; a completed one is
/// reopened for the new request; an unknown chat id opens a new chat, owned by the
/// caller, through the `api` channel. A bot caller hands the chat over (`handover`),
/// a person takes it over (`takeover`).
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, chat = %req.chat_id))]
pub async fn open_for_chat(
    db: &Db,
    actor: &Actor,
    req: &ChatTicketRequest,
) -> Result<TicketRecord> {
    require_scope(actor, Scope::TicketsWrite)?;
    require_support(actor)?;
    let tenant = actor.tenant_id;
    let mut tx = db.write(tenant).await?;
    staff_user(&mut tx, req.assignee_id, "assignee").await?;
    let existing = tickets::get_by_conversation(tx.conn(), tenant, req.chat_id).await?;
    let id = match existing {
        Some(rec) if !ops::can_see(actor, &rec.ticket) => {
            return Err(Error::not_found("chat"));
        }
        Some(rec) if rec.ticket.status.is_open() => {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!(
                    "chat {} already has an ongoing ticket: {}",
                    req.chat_id, rec.ticket.id
                ),
            ));
        }
        Some(rec) => {
            ops::reopen_in(&mut tx, actor, rec.ticket.id).await?;
            rec.ticket.id
        }
        None => {
            let args = TicketCreateArgs {
                ticket_id: TicketId::new(),
                conversation_id: Some(req.chat_id),
                subject: format!("Chat with {}", actor.name),
                description: String::new(),
                priority: None,
                ticket_type: None,
                channel: Some(Channel::parse("api")?),
                requester_id: None,
                assignee_id: None,
                team_id: None,
                tags: Vec::new(),
                related_order_id: None,
                related_delivery_id: None,
                follow_up_of: None,
            };
            ops::create_in(&mut tx, actor, &args).await?.ticket.id
        }
    };
    let assign = TicketAssignArgs {
        ticket_id: id,
        assignee_id: Some(Some(req.assignee_id)),
        team_id: Some(req.team_id),
    };
    let mut rec = ops::assign_in(&mut tx, actor, &assign).await?;
    answered_by(&mut tx, actor, &mut rec).await?;
    if req.status != rec.ticket.status {
        let edit = TicketUpdateArgs {
            ticket_id: id,
            subject: None,
            description: None,
            status: Some(req.status),
            priority: None,
            ticket_type: None,
        };
        rec = ops::update_in(&mut tx, actor, &edit, None).await?;
    }
    tx.commit().await?;
    Ok(rec)
}

/// Completes a ticket on behalf of `by` (an agent or admin): it becomes `solved`
/// (STATUS_MAPPING, seed 002). A completed ticket stays as it is; a closed one stays
/// closed (rule 1).
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn complete(db: &Db, actor: &Actor, id: TicketId, by: UserId) -> Result<TicketRecord> {
    require_scope(actor, Scope::TicketsWrite)?;
    require_support(actor)?;
    let mut tx = db.write(actor.tenant_id).await?;
    let rec = load_visible(&mut tx, actor, id).await?;
    let user = staff_user(&mut tx, by, "user").await?;
    if !rec.ticket.status.is_open() {
        return Ok(rec);
    }
    let edit = TicketUpdateArgs {
        ticket_id: id,
        subject: None,
        description: None,
        status: Some(Status::Solved),
        priority: None,
        ticket_type: None,
    };
    let rec = ops::update_in(&mut tx, &actor.acting_as(&user), &edit, None).await?;
    tx.commit().await?;
    Ok(rec)
}

/// A person takes the chat over from the bot: `assignee` becomes its responder and
/// assignee (circumstance `takeover`). A chat another person holds is a 409 naming
/// them; a closed ticket is `ticket_closed`.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn takeover(
    db: &Db,
    actor: &Actor,
    id: TicketId,
    assignee: UserId,
) -> Result<TicketRecord> {
    require_scope(actor, Scope::TicketsWrite)?;
    require_support(actor)?;
    let mut tx = db.write(actor.tenant_id).await?;
    load_visible(&mut tx, actor, id).await?;
    let user = staff_user(&mut tx, assignee, "assignee").await?;
    let rec = ops::takeover_in(&mut tx, &actor.acting_as(&user), id).await?;
    tx.commit().await?;
    Ok(rec)
}

/// Assigns the ticket to an agent or admin (rule 3: a new ticket opens).
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn assign(
    db: &Db,
    actor: &Actor,
    id: TicketId,
    assignee: UserId,
) -> Result<TicketRecord> {
    require_scope(actor, Scope::TicketsWrite)?;
    let mut tx = db.write(actor.tenant_id).await?;
    staff_user(&mut tx, assignee, "assignee").await?;
    let args = TicketAssignArgs {
        ticket_id: id,
        assignee_id: Some(Some(assignee)),
        team_id: None,
    };
    let rec = ops::assign_in(&mut tx, actor, &args).await?;
    tx.commit().await?;
    Ok(rec)
}

/// The tag's name, for a tag id of the tenant.
async fn tag_name(tx: &mut WriteTx, tag: TagId) -> Result<String> {
    let tenant = tx.tenant_id();
    directory::get_tags(tx.conn(), tenant, Some(&[tag]))
        .await?
        .pop()
        .map(|t| t.name)
        .ok_or_else(|| Error::not_found("tag"))
}

/// Puts a tag (by id) on a ticket; putting it on again answers the existing link.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn add_tag(db: &Db, actor: &Actor, id: TicketId, tag: TagId) -> Result<TagLink> {
    require_scope(actor, Scope::TicketsWrite)?;
    let mut tx = db.write(actor.tenant_id).await?;
    let name = tag_name(&mut tx, tag).await?;
    let rec = ops::tag_in(&mut tx, actor, id, &name, true).await?;
    let since = tickets::tag_link(tx.conn(), id, tag)
        .await?
        .ok_or_else(|| Error::not_found("tag"))?
        .unwrap_or(rec.ticket.created_at);
    tx.commit().await?;
    Ok(TagLink {
        ticket_id: id,
        tag_id: tag,
        since,
    })
}

/// Takes a tag (by id) off a ticket; false when the ticket did not have it.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn remove_tag(db: &Db, actor: &Actor, id: TicketId, tag: TagId) -> Result<bool> {
    require_scope(actor, Scope::TicketsWrite)?;
    let mut tx = db.write(actor.tenant_id).await?;
    let name = tag_name(&mut tx, tag).await?;
    load_visible(&mut tx, actor, id).await?;
    let had = tickets::tag_link(tx.conn(), id, tag).await?.is_some();
    if had {
        ops::tag_in(&mut tx, actor, id, &name, false).await?;
    }
    tx.commit().await?;
    Ok(had)
}
