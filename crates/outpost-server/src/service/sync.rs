//! The sync protocol: pull (change feed) and push (exactly-once intent mutations).

use crate::auth::{Actor, Scope};
use crate::db::Db;
use crate::error::{Error, Result, StoreError};
use crate::service::{messages, require_scope, tickets as ops};
use crate::store::{changes, chats, conversations, directory, history, sync_clients, tickets};
use outpost_domain::sync::*;
use outpost_domain::time;
use outpost_domain::*;
use sqlx::AnyConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Default page size of the change feed.
pub const DEFAULT_PAGE: i64 = 1000;

/// One page of the caller's change feed after `cursor`. Entities the caller may not
/// see are left out (tickets that stop involving a non-support agent come as
/// tombstones); the returned cursor still moves past them.
#[tracing::instrument(skip(db, actor), fields(tenant = %actor.tenant_id))]
pub async fn pull(db: &Db, actor: &Actor, cursor: &str, limit: i64) -> Result<ChangesPage> {
    require_scope(actor, Scope::TicketsRead)?;
    let cursor: Cursor = cursor.parse()?;
    check_limit(limit)?;
    let tenant = actor.tenant_id;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let (epoch, head) = changes::epoch_and_head(&mut conn, tenant).await?;
    if cursor.epoch.as_deref().is_some_and(|e| e != epoch) {
        return Err(Error::new(
            ErrorCode::CursorExpired,
            "the cursor belongs to another server epoch (the database was restored or reset); start again from 0",
        ));
    }
    if cursor.seq > head {
        return Err(Error::new(
            ErrorCode::CursorExpired,
            "the cursor is ahead of the server's log; start again from 0",
        ));
    }
    let mut rows = changes::after(&mut conn, tenant, cursor.seq, limit + 1).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().map(|r| r.seq).unwrap_or(cursor.seq);
    let changes = visible_entries(&mut conn, actor, &rows).await?;
    Ok(ChangesPage {
        cursor: Cursor::new(epoch.clone(), next).to_string(),
        head: Some(Cursor::new(epoch.clone(), head).to_string()),
        epoch,
        has_more,
        changes,
    })
}

/// How many of the caller's own open tickets `pull_mine` sends.
pub const MINE_MAX_TICKETS: i64 = 500;

/// The current state of the caller's own open tickets (assigned to them; new, open or
/// pending; at most [`MINE_MAX_TICKETS`], most recently updated first) and what hangs
/// off them: conversations, messages, history, the users they reference, and all
/// teams and tags, filtered for the caller exactly like [`pull`] and each with its
/// change-log `seq`, in `seq` order. A client applies this before its initial pull
/// from 0, which then brings the same or newer state of the same entities. Only
/// upserts (no tombstones); the answer's cursor is the start cursor it was asked
/// with, so it cannot be mistaken for progress.
#[tracing::instrument(skip(db, actor), fields(tenant = %actor.tenant_id))]
pub async fn pull_mine(db: &Db, actor: &Actor, cursor: &str, limit: i64) -> Result<ChangesPage> {
    require_scope(actor, Scope::TicketsRead)?;
    let cursor: Cursor = cursor.parse()?;
    // `limit` does not cut this answer (it is one page by construction), but the
    // parameter keeps its documented range.
    check_limit(limit)?;
    if cursor != Cursor::START {
        return Err(Error::invalid(
            "scope=mine is only for the initial sync: the cursor must be 0 or empty",
        ));
    }
    let tenant = actor.tenant_id;
    let staff = !actor.is_customer();
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let (epoch, head) = changes::epoch_and_head(&mut conn, tenant).await?;

    // First the ids, then their log rows, and only then (in `visible_entries`) the
    // entities themselves: an entity changed in between is sent in a state at least as
    // new as its seq, never older, so the client's later pull cannot go backwards.
    let ticket_ids =
        tickets::open_assigned_ids(&mut conn, tenant, actor.user_id, MINE_MAX_TICKETS).await?;
    let links = tickets::links(&mut conn, tenant, &ticket_ids).await?;
    let conv_ids: Vec<ConversationId> = links.iter().map(|l| l.conversation_id).collect();
    let mut user_ids: Vec<UserId> = links
        .iter()
        .flat_map(|l| [Some(l.requester_id), l.assignee_id, l.responder_id])
        .flatten()
        .collect();
    user_ids.extend(conversations::participant_ids(&mut conn, &conv_ids).await?);
    let msgs =
        conversations::message_refs(&mut conn, tenant, &conv_ids, messages::sees_internal(actor))
            .await?;
    user_ids.extend(msgs.iter().filter_map(|(_, sender)| *sender));
    let hist = if staff {
        history::refs_for_tickets(&mut conn, tenant, &ticket_ids).await?
    } else {
        Vec::new()
    };
    user_ids.extend(hist.iter().filter_map(|(_, by)| *by));
    user_ids.sort();
    user_ids.dedup();

    let kinds: [(EntityKind, Vec<Uuid>); 5] = [
        (
            EntityKind::Ticket,
            links.iter().map(|l| l.id.as_uuid()).collect(),
        ),
        (
            EntityKind::Conversation,
            conv_ids.iter().map(|c| c.as_uuid()).collect(),
        ),
        (
            EntityKind::Message,
            msgs.iter().map(|(m, _)| m.as_uuid()).collect(),
        ),
        (
            EntityKind::History,
            hist.iter().map(|(h, _)| h.as_uuid()).collect(),
        ),
        (
            EntityKind::User,
            user_ids.iter().map(|u| u.as_uuid()).collect(),
        ),
    ];
    let mut rows = Vec::new();
    for (kind, ids) in &kinds {
        rows.extend(changes::rows_for(&mut conn, tenant, *kind, ids).await?);
    }
    if staff {
        for kind in [EntityKind::Team, EntityKind::Tag, EntityKind::Channel] {
            rows.extend(changes::rows_of_kind(&mut conn, tenant, kind).await?);
        }
    }
    rows.retain(|r| !r.deleted);
    rows.sort_by_key(|r| r.seq);
    let mut changes = visible_entries(&mut conn, actor, &rows).await?;
    // Upserts only: an entity that stopped being the caller's in the meantime is left
    // for the full pull to settle.
    changes.retain(|e| !matches!(e.change, Change::Tombstone(_)));
    Ok(ChangesPage {
        cursor: Cursor::START.to_string(),
        head: Some(Cursor::new(epoch.clone(), head).to_string()),
        epoch,
        has_more: false,
        changes,
    })
}

/// Ids per batch when loading entities.
const LOAD_CHUNK: usize = 1000;

/// Turns change-log rows into the entries the caller may see, in the rows' order: the
/// current state of each live entity (a ticket the caller may not see becomes a
/// tombstone), tombstones for deleted ones, nothing for entities that are filtered out.
async fn visible_entries(
    conn: &mut AnyConnection,
    actor: &Actor,
    rows: &[changes::ChangeRow],
) -> Result<Vec<ChangeEntry>> {
    let tenant = actor.tenant_id;
    let ids = |kind: EntityKind| -> Vec<Uuid> {
        rows.iter()
            .filter(|r| r.kind == kind && !r.deleted)
            .map(|r| r.id)
            .collect()
    };
    let mut tix: HashMap<Uuid, Ticket> = HashMap::new();
    for c in ids(EntityKind::Ticket).chunks(LOAD_CHUNK) {
        tix.extend(
            tickets::get_many(conn, tenant, &to_ids(c))
                .await?
                .into_iter()
                .map(|r| (r.ticket.id.as_uuid(), r.ticket)),
        );
    }
    let mut msgs: HashMap<Uuid, Message> = HashMap::new();
    for c in ids(EntityKind::Message).chunks(LOAD_CHUNK) {
        msgs.extend(
            conversations::get_messages(conn, tenant, &to_ids(c))
                .await?
                .into_iter()
                .map(|m| (m.id.as_uuid(), m)),
        );
    }
    let mut convs: HashMap<Uuid, Conversation> = HashMap::new();
    for c in ids(EntityKind::Conversation).chunks(LOAD_CHUNK) {
        convs.extend(
            conversations::get_conversations(conn, tenant, &to_ids(c))
                .await?
                .into_iter()
                .map(|c| (c.id.as_uuid(), c)),
        );
    }
    let mut users: HashMap<Uuid, User> = HashMap::new();
    for c in ids(EntityKind::User).chunks(LOAD_CHUNK) {
        users.extend(
            directory::get_users(conn, tenant, &to_ids(c))
                .await?
                .into_iter()
                .map(|u| (u.id.as_uuid(), u)),
        );
    }
    let mut teams: HashMap<Uuid, Team> = HashMap::new();
    for c in ids(EntityKind::Team).chunks(LOAD_CHUNK) {
        teams.extend(
            directory::get_teams(conn, tenant, Some(&to_ids(c)))
                .await?
                .into_iter()
                .map(|t| (t.id.as_uuid(), t)),
        );
    }
    let mut tags: HashMap<Uuid, Tag> = HashMap::new();
    for c in ids(EntityKind::Tag).chunks(LOAD_CHUNK) {
        tags.extend(
            directory::get_tags(conn, tenant, Some(&to_ids(c)))
                .await?
                .into_iter()
                .map(|t| (t.id.as_uuid(), t)),
        );
    }
    let mut channels: HashMap<Uuid, ChannelInfo> = HashMap::new();
    for c in ids(EntityKind::Channel).chunks(LOAD_CHUNK) {
        channels.extend(
            chats::get_channels(conn, tenant, Some(&to_ids(c)))
                .await?
                .into_iter()
                .map(|ch| (ch.id.as_uuid(), ch)),
        );
    }
    let mut hist: HashMap<Uuid, HistoryEntry> = HashMap::new();
    for c in ids(EntityKind::History).chunks(LOAD_CHUNK) {
        hist.extend(
            history::get_many(conn, tenant, &to_ids(c))
                .await?
                .into_iter()
                .map(|h| (h.id.as_uuid(), h)),
        );
    }

    // Tickets referenced by messages, conversations and history decide their visibility.
    let mut owners: Vec<TicketId> = msgs
        .values()
        .map(|m| m.ticket_id)
        .chain(convs.values().map(|c| c.ticket_id))
        .chain(hist.values().map(|h| h.ticket_id))
        .collect();
    owners.sort();
    owners.dedup();
    owners.retain(|t| !tix.contains_key(&t.as_uuid()));
    let mut owner_tickets: HashMap<TicketId, Ticket> = HashMap::new();
    for c in owners.chunks(LOAD_CHUNK) {
        owner_tickets.extend(
            tickets::get_many(conn, tenant, c)
                .await?
                .into_iter()
                .map(|r| (r.ticket.id, r.ticket)),
        );
    }
    owner_tickets.extend(tix.values().map(|t| (t.id, t.clone())));
    let visible = |t: TicketId| {
        owner_tickets
            .get(&t)
            .is_some_and(|t| ops::can_see(actor, t))
    };
    let staff = !actor.is_customer();

    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let tomb = || {
            Change::Tombstone(Tombstone {
                kind: r.kind,
                id: r.id,
            })
        };
        let change = if r.deleted {
            Some(tomb())
        } else {
            match r.kind {
                EntityKind::Ticket => tix.get(&r.id).map(|t| {
                    if ops::can_see(actor, t) {
                        Change::Ticket(Box::new(t.clone()))
                    } else {
                        tomb()
                    }
                }),
                EntityKind::Message => msgs
                    .get(&r.id)
                    .filter(|m| {
                        visible(m.ticket_id) && (!m.internal || messages::sees_internal(actor))
                    })
                    .map(|m| Change::Message(m.clone())),
                EntityKind::Conversation => convs
                    .get(&r.id)
                    .filter(|c| visible(c.ticket_id))
                    .map(|c| Change::Conversation(c.clone())),
                EntityKind::History => hist
                    .get(&r.id)
                    .filter(|h| staff && visible(h.ticket_id))
                    .map(|h| Change::History(h.clone())),
                EntityKind::User => users
                    .get(&r.id)
                    .filter(|u| staff || u.id == actor.user_id || u.role != Role::Customer)
                    .map(|u| Change::User(u.clone())),
                EntityKind::Team => teams
                    .get(&r.id)
                    .filter(|_| staff)
                    .map(|t| Change::Team(t.clone())),
                EntityKind::Tag => tags
                    .get(&r.id)
                    .filter(|_| staff)
                    .map(|t| Change::Tag(t.clone())),
                EntityKind::Channel => channels
                    .get(&r.id)
                    .filter(|_| staff)
                    .map(|ch| Change::Channel(ch.clone())),
            }
        };
        // A customer never learns ids of tickets that are not theirs, not even as tombstones.
        let change = change.filter(|c| {
            !(actor.is_customer()
                && matches!(c, Change::Tombstone(_))
                && r.kind == EntityKind::Ticket
                && !r.deleted)
        });
        if let Some(change) = change {
            out.push(ChangeEntry { seq: r.seq, change });
        }
    }
    Ok(out)
}

fn check_limit(limit: i64) -> Result<()> {
    if !(1..=limits::SYNC_PAGE_MAX).contains(&limit) {
        return Err(Error::invalid(format!(
            "limit must be between 1 and {}",
            limits::SYNC_PAGE_MAX
        )));
    }
    Ok(())
}

fn to_ids<T: From<Uuid>>(v: &[Uuid]) -> Vec<T> {
    v.iter().map(|u| T::from(*u)).collect()
}

/// The current head cursor of the actor's tenant.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn head_cursor(db: &Db, tenant: TenantId) -> Result<String> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let (epoch, head) = changes::epoch_and_head(&mut conn, tenant).await?;
    Ok(Cursor::new(epoch, head).to_string())
}

/// Applies a batch of mutations in order, each exactly once. Each mutation runs in its
/// own transaction together with the client's new sequence and its stored result, so a
/// retry after a lost response gets the stored results and changes nothing.
#[tracing::instrument(skip(db, actor, req), fields(tenant = %actor.tenant_id, client = %req.client_id, n = req.mutations.len()))]
pub async fn push(db: &Db, actor: &Actor, req: &PushRequest) -> Result<PushResponse> {
    require_scope(actor, Scope::TicketsWrite)?;
    if req.mutations.len() > limits::MUTATIONS_PER_PUSH_MAX {
        return Err(Error::invalid(format!(
            "at most {} mutations per push",
            limits::MUTATIONS_PER_PUSH_MAX
        )));
    }
    if req.mutations.windows(2).any(|w| w[1].seq <= w[0].seq)
        || req.mutations.iter().any(|m| m.seq < 1)
    {
        return Err(Error::new(
            ErrorCode::SequenceError,
            "mutation seq values must be positive and strictly increasing",
        ));
    }
    let client = req.client_id;
    {
        // Register the client if new (a concurrent first push of the same id inserts
        // nothing), then check the owner that is actually stored.
        let mut tx = db.write_untracked().await?;
        sync_clients::insert(
            &mut tx,
            client,
            actor.tenant_id,
            actor.user_id,
            &time::now(),
        )
        .await?;
        let owner = sync_clients::get(&mut tx, client).await?;
        tx.commit().await.map_err(StoreError::from)?;
        if owner.is_none_or(|c| c.tenant_id != actor.tenant_id || c.user_id != actor.user_id) {
            return Err(Error::forbidden(
                "this client_id belongs to another account",
            ));
        }
    }
    let mut results = Vec::with_capacity(req.mutations.len());
    for m in &req.mutations {
        results.push(apply_once(db, actor, client, m).await?);
    }
    Ok(PushResponse { results })
}

async fn apply_once(
    db: &Db,
    actor: &Actor,
    client: ClientId,
    m: &Mutation,
) -> Result<MutationResult> {
    loop {
        let last = {
            let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
            sync_clients::get(&mut conn, client)
                .await?
                .map(|c| c.last_seq)
                .unwrap_or(0)
        };
        if m.seq <= last {
            let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
            return Ok(
                match sync_clients::stored_result(&mut conn, client, m.seq).await? {
                    Some(stored) if stored.id == m.id => stored,
                    Some(_) => rejected(
                        m,
                        ErrorCode::SequenceError,
                        "this seq was already used by another mutation",
                        None,
                    ),
                    None => rejected(
                        m,
                        ErrorCode::SequenceError,
                        "this seq was skipped by an earlier push",
                        None,
                    ),
                },
            );
        }
        let mut tx = db.write(actor.tenant_id).await?;
        if !sync_clients::advance(tx.conn(), client, last, m.seq, &time::now()).await? {
            // Another push of this client moved first; look again.
            tx.rollback().await?;
            continue;
        }
        match apply(&mut tx, actor, m).await {
            Ok(applied) => {
                let result = MutationResult {
                    seq: m.seq,
                    id: m.id,
                    outcome: Outcome::Applied(applied),
                };
                sync_clients::store_result(tx.conn(), client, &result, &time::now()).await?;
                tx.commit().await?;
                return Ok(result);
            }
            Err(Error::Refused {
                code,
                message,
                details,
            }) => {
                tx.rollback().await?;
                let result = rejected(m, code, &message, details);
                let mut tx = db.write(actor.tenant_id).await?;
                if !sync_clients::advance(tx.conn(), client, last, m.seq, &time::now()).await? {
                    tx.rollback().await?;
                    continue;
                }
                sync_clients::store_result(tx.conn(), client, &result, &time::now()).await?;
                tx.commit().await?;
                return Ok(result);
            }
            Err(e) => return Err(e),
        }
    }
}

fn rejected(
    m: &Mutation,
    code: ErrorCode,
    message: &str,
    details: Option<serde_json::Value>,
) -> MutationResult {
    // A reply to a ticket closed meanwhile is a conflict the agent resolves (reopen and
    // send, follow-up ticket, discard), not a permission error.
    let (code, conflict) = match code {
        ErrorCode::ConversationNotActive => (
            ErrorCode::Conflict,
            Some(ConflictDetails {
                ticket_status: Some(Status::Closed),
                ..Default::default()
            }),
        ),
        _ => (
            code,
            details.and_then(|d| serde_json::from_value::<ConflictDetails>(d).ok()),
        ),
    };
    MutationResult {
        seq: m.seq,
        id: m.id,
        outcome: Outcome::Rejected(Rejected {
            code,
            message: message.to_owned(),
            conflict,
        }),
    }
}

async fn apply(tx: &mut crate::db::WriteTx, actor: &Actor, m: &Mutation) -> Result<Applied> {
    let ticket = |rec: crate::store::tickets::TicketRecord| Applied {
        ticket_id: Some(rec.ticket.id),
        ticket_number: Some(rec.ticket.number),
        version: Some(rec.ticket.version),
        message_id: None,
    };
    Ok(match &m.op {
        MutationOp::TicketCreate(a) => ticket(ops::create_in(tx, actor, a).await?),
        MutationOp::TicketUpdate(a) => ticket(ops::update_in(tx, actor, a, m.base.as_ref()).await?),
        MutationOp::TicketClaim(a) => ticket(ops::claim_in(tx, actor, a.ticket_id).await?),
        MutationOp::TicketAssign(a) => ticket(ops::assign_in(tx, actor, a).await?),
        MutationOp::TicketTakeover(a) => ticket(ops::takeover_in(tx, actor, a.ticket_id).await?),
        MutationOp::TicketClose(a) => {
            ticket(ops::close_in(tx, actor, a.ticket_id, a.note.as_deref()).await?)
        }
        MutationOp::TicketReopen(a) => ticket(ops::reopen_in(tx, actor, a.ticket_id).await?),
        MutationOp::TicketTagAdd(a) => {
            ticket(ops::tag_in(tx, actor, a.ticket_id, &a.tag, true).await?)
        }
        MutationOp::TicketTagRemove(a) => {
            ticket(ops::tag_in(tx, actor, a.ticket_id, &a.tag, false).await?)
        }
        MutationOp::MessageSend(a) => {
            let msg = messages::send_in(tx, actor, a).await?;
            Applied {
                ticket_id: Some(msg.ticket_id),
                message_id: Some(msg.id),
                ..Default::default()
            }
        }
        MutationOp::ConversationRead(a) => {
            messages::read_in(tx, actor, a.conversation_id, a.message_id).await?;
            Applied::default()
        }
    })
}
