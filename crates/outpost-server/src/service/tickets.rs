//! Ticket operations. Each `*_in` function runs inside a caller's write transaction
//! (so a sync push can record its result atomically with the effect); the plain
//! variants open and commit their own.

use crate::auth::Actor;
use crate::db::{Db, WriteTx};
use crate::error::{Error, Result};
use crate::service::{require_support, visibility};
use crate::store::tickets::{TicketRecord, Visibility};
use crate::store::{conversations, directory, history, tickets};
use outpost_domain::lifecycle::{self, RuleError};
use outpost_domain::sync::{
    ConflictDetails, EntityKind, FieldConflict, Holder, TicketAssignArgs, TicketCreateArgs,
    TicketUpdateArgs,
};
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use serde_json::json;
use std::collections::BTreeMap;

/// Loads a ticket the actor may see, locking it for the transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub(crate) async fn load_visible(
    tx: &mut WriteTx,
    actor: &Actor,
    id: TicketId,
) -> Result<TicketRecord> {
    let pg = tx.is_postgres();
    let rec = tickets::get_for_update(tx.conn(), actor.tenant_id, id, pg)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    if !can_see(actor, &rec.ticket) {
        return Err(Error::not_found("ticket"));
    }
    Ok(rec)
}

pub(crate) fn can_see(actor: &Actor, t: &Ticket) -> bool {
    match visibility(actor) {
        Visibility::All => true,
        Visibility::Involving(u) => {
            t.requester_id == u || t.assignee_id == Some(u) || t.responder_id == Some(u)
        }
    }
}

fn opt_id<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// The versioned fields that differ between two states, as text for the history.
fn diff(before: &Ticket, after: &Ticket) -> Vec<(&'static str, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut field = |name: &'static str, a: Option<String>, b: Option<String>| {
        if a != b {
            out.push((name, a, b));
        }
    };
    field(
        "subject",
        Some(before.subject.clone()),
        Some(after.subject.clone()),
    );
    field(
        "description",
        Some(before.description.clone()),
        Some(after.description.clone()),
    );
    field(
        "status",
        Some(before.status.to_string()),
        Some(after.status.to_string()),
    );
    field(
        "priority",
        Some(before.priority.to_string()),
        Some(after.priority.to_string()),
    );
    field(
        "type",
        Some(before.ticket_type.to_string()),
        Some(after.ticket_type.to_string()),
    );
    field(
        "assignee_id",
        opt_id(before.assignee_id),
        opt_id(after.assignee_id),
    );
    field("team_id", opt_id(before.team_id), opt_id(after.team_id));
    field(
        "responder_id",
        opt_id(before.responder_id),
        opt_id(after.responder_id),
    );
    field(
        "circumstance",
        before.circumstance.map(|c| c.to_string()),
        after.circumstance.map(|c| c.to_string()),
    );
    field(
        "removed",
        Some(before.removed.to_string()),
        Some(after.removed.to_string()),
    );
    out
}

/// Persists an edited ticket: bumps its version, stamps the changed fields' versions,
/// writes one history row per changed field (plus `extra` rows such as tags) and
/// marks it changed. Returns false (and writes nothing) when nothing changed. The
/// status timestamps are already in `rec`: every status change comes from
/// [`lifecycle`].
#[tracing::instrument(level = "debug", skip_all)]
pub(crate) async fn save(
    tx: &mut WriteTx,
    actor: Option<UserId>,
    before: &Ticket,
    rec: &mut TicketRecord,
    extra: Vec<(&'static str, Option<String>, Option<String>)>,
    now: &Timestamp,
) -> Result<bool> {
    let mut changes = diff(before, &rec.ticket);
    changes.extend(extra);
    if changes.is_empty() && rec.ticket == *before {
        return Ok(false);
    }
    let t = &mut rec.ticket;
    t.version = before.version + 1;
    t.updated_at = *now;
    for (field, _, _) in &changes {
        if VERSIONED_FIELDS.contains(field) {
            t.field_versions.insert((*field).to_owned(), t.version);
        }
    }
    let entries: Vec<HistoryEntry> = changes
        .into_iter()
        .map(|(field, old, new)| HistoryEntry {
            id: HistoryId::new(),
            ticket_id: t.id,
            field_changed: field.to_owned(),
            old_value: old,
            new_value: new,
            changed_by: actor,
            created_at: *now,
        })
        .collect();
    let tenant = tx.tenant_id();
    tickets::update(tx.conn(), tenant, rec).await?;
    history::insert(tx.conn(), tenant, &entries).await?;
    for h in &entries {
        tx.touch(EntityKind::History, h.id.as_uuid());
    }
    tx.touch(EntityKind::Ticket, rec.ticket.id.as_uuid());
    Ok(true)
}

/// A lifecycle refusal of a claim or takeover, as the server answers it: a closed
/// ticket, or a conflict naming who holds it.
async fn refusal(tx: &mut WriteTx, rec: &TicketRecord, e: RuleError) -> Result<Error> {
    Ok(match e {
        RuleError::Closed => Error::new(
            ErrorCode::TicketClosed,
            format!("{} is closed", rec.ticket.number),
        ),
        RuleError::ClaimedBy { .. } => holder_conflict(tx, rec).await?,
    })
}

async fn holder_conflict(tx: &mut WriteTx, rec: &TicketRecord) -> Result<Error> {
    let tenant = tx.tenant_id();
    let holder_id = rec
        .ticket
        .assignee_id
        .ok_or_else(|| Error::invalid("ticket has no holder"))?;
    let holder = directory::get_user(tx.conn(), tenant, holder_id).await?;
    let since = rec.assigned_at.unwrap_or(rec.ticket.updated_at);
    let (email, name) = holder
        .map(|h| (h.user.email.clone(), h.user.name.clone()))
        .ok_or_else(|| Error::not_found("holder"))?;
    let details = ConflictDetails {
        holder: Some(Holder {
            user_id: holder_id,
            email: email.clone(),
            name,
            since,
        }),
        ticket_status: Some(rec.ticket.status),
        ..Default::default()
    };
    Ok(Error::with_details(
        ErrorCode::Conflict,
        format!(
            "{} was claimed by {} at {}",
            rec.ticket.number,
            email,
            since.format("%H:%M")
        ),
        serde_json::to_value(details).unwrap_or_default(),
    ))
}

/// Claims an unassigned ticket for the actor and adds them to the conversation as an
/// admin participant (seed 000 assign-to-me, sync `ticket.claim`). Claiming one's own
/// ticket again is a no-op; a ticket held by someone else is a conflict naming them.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn claim_in(tx: &mut WriteTx, actor: &Actor, id: TicketId) -> Result<TicketRecord> {
    require_support(actor)?;
    let mut rec = load_visible(tx, actor, id).await?;
    let now = time::now();
    let claimed = match lifecycle::claim(&rec.ticket, actor.lifecycle(), now) {
        Ok(t) => t,
        Err(e) => return Err(refusal(tx, &rec, e).await?),
    };
    if claimed == rec.ticket {
        return Ok(rec);
    }
    let tenant = tx.tenant_id();
    if !tickets::claim_if_unassigned(tx.conn(), tenant, id, actor.user_id).await? {
        let current = tickets::get(tx.conn(), tenant, id)
            .await?
            .ok_or_else(|| Error::not_found("ticket"))?;
        return Err(holder_conflict(tx, &current).await?);
    }
    let before = std::mem::replace(&mut rec.ticket, claimed);
    rec.assigned_at = Some(now);
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    join_conversation(
        tx,
        rec.ticket.conversation_id,
        actor.user_id,
        ParticipantRole::Admin,
        &now,
    )
    .await?;
    Ok(rec)
}

#[tracing::instrument(level = "debug", skip_all)]
pub(crate) async fn join_conversation(
    tx: &mut WriteTx,
    conv: ConversationId,
    user: UserId,
    role: ParticipantRole,
    now: &Timestamp,
) -> Result<()> {
    let current = conversations::participant_role(tx.conn(), conv, user).await?;
    if current == Some(role)
        || (current == Some(ParticipantRole::Admin) && role == ParticipantRole::Member)
    {
        return Ok(());
    }
    let tenant = tx.tenant_id();
    conversations::upsert_participant(tx.conn(), conv, user, role, now).await?;
    conversations::touch(tx.conn(), tenant, conv, None).await?;
    tx.touch(EntityKind::Conversation, conv.as_uuid());
    Ok(())
}

/// Closes a ticket and its conversation, and posts a system message with the note.
/// Support users may close any ticket; requesters their own. Closing a closed ticket
/// is a no-op.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn close_in(
    tx: &mut WriteTx,
    actor: &Actor,
    id: TicketId,
    note: Option<&str>,
) -> Result<TicketRecord> {
    let mut rec = load_visible(tx, actor, id).await?;
    if !actor.is_support() && rec.ticket.requester_id != actor.user_id {
        return Err(Error::forbidden(
            "only support users or the requester may close a ticket",
        ));
    }
    let now = time::now();
    let closed = lifecycle::close(&rec.ticket, now);
    if closed == rec.ticket {
        return Ok(rec);
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note
        && n.len() > limits::MESSAGE_MAX_BYTES
    {
        return Err(Error::invalid(format!(
            "note must be at most {} bytes",
            limits::MESSAGE_MAX_BYTES
        )));
    }
    let before = std::mem::replace(&mut rec.ticket, closed);
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    let tenant = tx.tenant_id();
    let conv = rec.ticket.conversation_id;
    let status = lifecycle::conversation_status(rec.ticket.status);
    conversations::set_status(tx.conn(), tenant, conv, status).await?;
    let content = match note {
        Some(n) => format!("Ticket closed by {}: {n}", actor.name),
        None => format!("Ticket closed by {}", actor.name),
    };
    let meta = json!({"event": "ticket_closed", "actor_id": actor.user_id, "note": note});
    post_system_message(tx, &rec.ticket, content, meta, &now).await?;
    Ok(rec)
}

/// Writes a server-generated message into the ticket's conversation.
#[tracing::instrument(level = "debug", skip_all)]
pub(crate) async fn post_system_message(
    tx: &mut WriteTx,
    ticket: &Ticket,
    content: String,
    metadata: serde_json::Value,
    now: &Timestamp,
) -> Result<Message> {
    let tenant = tx.tenant_id();
    let msg = Message {
        id: MessageId::new(),
        conversation_id: ticket.conversation_id,
        ticket_id: ticket.id,
        sender_id: None,
        message_type: MessageType::System,
        content,
        content_url: None,
        metadata: Some(metadata),
        parent_message_id: None,
        internal: false,
        attachments: Vec::new(),
        created_at: *now,
    };
    conversations::insert_message(tx, &msg).await?;
    conversations::touch(tx.conn(), tenant, ticket.conversation_id, Some(now)).await?;
    tx.touch(EntityKind::Message, msg.id.as_uuid());
    tx.touch(EntityKind::Conversation, ticket.conversation_id.as_uuid());
    Ok(msg)
}

/// Reopens a solved or closed ticket (an explicit agent action, unlike status edits);
/// a closed one's conversation becomes active again, with a system message saying who
/// reopened it.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn reopen_in(tx: &mut WriteTx, actor: &Actor, id: TicketId) -> Result<TicketRecord> {
    require_support(actor)?;
    let mut rec = load_visible(tx, actor, id).await?;
    let now = time::now();
    let reopened = lifecycle::reopen(&rec.ticket, now);
    if reopened == rec.ticket {
        return Ok(rec);
    }
    let before = std::mem::replace(&mut rec.ticket, reopened);
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    let conversation = lifecycle::conversation_status(rec.ticket.status);
    if conversation != lifecycle::conversation_status(before.status) {
        let tenant = tx.tenant_id();
        conversations::set_status(tx.conn(), tenant, rec.ticket.conversation_id, conversation)
            .await?;
        let meta = json!({"event": "ticket_reopened", "actor_id": actor.user_id});
        post_system_message(
            tx,
            &rec.ticket,
            format!("Ticket reopened by {}", actor.name),
            meta,
            &now,
        )
        .await?;
    }
    Ok(rec)
}

fn field_value(t: &Ticket, field: &str) -> serde_json::Value {
    match field {
        "subject" => json!(t.subject),
        "description" => json!(t.description),
        "status" => json!(t.status),
        "priority" => json!(t.priority),
        "type" => json!(t.ticket_type),
        "assignee_id" => json!(t.assignee_id),
        "team_id" => json!(t.team_id),
        "responder_id" => json!(t.responder_id),
        _ => serde_json::Value::Null,
    }
}

/// Checks each edited field against the version the edit was based on. A field that
/// someone else changed since (to a different value than the edit wants) is a conflict;
/// the edit is then refused as a whole, with every conflicting field described.
async fn check_base(
    tx: &mut WriteTx,
    actor: &Actor,
    rec: &TicketRecord,
    wanted: &[(&'static str, serde_json::Value)],
    base: Option<&BTreeMap<String, i64>>,
) -> Result<()> {
    let Some(base) = base else { return Ok(()) };
    let mut conflicts = Vec::new();
    for (field, want) in wanted {
        let Some(&b) = base.get(*field) else { continue };
        let current_version = rec.ticket.field_versions.get(*field).copied().unwrap_or(1);
        let current = field_value(&rec.ticket, field);
        if current_version > b && current != *want {
            let tenant = tx.tenant_id();
            let last = history::last_change(tx.conn(), tenant, rec.ticket.id, field).await?;
            let by = last.as_ref().and_then(|h| h.changed_by);
            // The caller's own later change (e.g. their claim moved `status` from new
            // to open before this edit arrived) is not someone else's change.
            if by == Some(actor.user_id) {
                continue;
            }
            let by_email = match by {
                Some(u) => directory::get_user(tx.conn(), tenant, u)
                    .await?
                    .map(|u| u.user.email),
                None => None,
            };
            conflicts.push(FieldConflict {
                field: (*field).to_owned(),
                base_version: b,
                current_version,
                current_value: current,
                changed_by: by,
                changed_by_email: by_email,
                changed_at: last.map(|h| h.created_at),
            });
        }
    }
    if conflicts.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = conflicts.iter().map(|c| c.field.as_str()).collect();
    let message = format!(
        "{} changed since this edit was made: {}",
        rec.ticket.number,
        names.join(", ")
    );
    let details = ConflictDetails {
        fields: conflicts,
        ticket_status: Some(rec.ticket.status),
        ..Default::default()
    };
    Err(Error::with_details(
        ErrorCode::Conflict,
        message,
        serde_json::to_value(details).unwrap_or_default(),
    ))
}

/// Edits scalar fields, guarded by per-field base versions. A closed ticket's status
/// is not changed by an edit (a follow-up ticket is made instead); setting the status
/// to `closed` goes through [`close_in`] so the conversation closes too.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %args.ticket_id))]
pub async fn update_in(
    tx: &mut WriteTx,
    actor: &Actor,
    args: &TicketUpdateArgs,
    base: Option<&BTreeMap<String, i64>>,
) -> Result<TicketRecord> {
    require_support(actor)?;
    let mut rec = load_visible(tx, actor, args.ticket_id).await?;
    let edit = lifecycle::Edit::parse(args)?;
    let mut wanted: Vec<(&'static str, serde_json::Value)> = Vec::new();
    if let Some(s) = &edit.subject {
        wanted.push(("subject", json!(s)));
    }
    if let Some(d) = &edit.description {
        wanted.push(("description", json!(d)));
    }
    if let Some(s) = edit.status {
        wanted.push(("status", json!(s)));
    }
    if let Some(p) = edit.priority {
        wanted.push(("priority", json!(p)));
    }
    if let Some(t) = &edit.ticket_type {
        wanted.push(("type", json!(t)));
    }
    check_base(tx, actor, &rec, &wanted, base).await?;
    let now = time::now();
    let edited = lifecycle::edit(&rec.ticket, &edit, now).map_err(|e| match e {
        RuleError::Closed => Error::with_details(
            ErrorCode::TicketClosed,
            format!(
                "{} is closed; create a follow-up ticket instead",
                rec.ticket.number
            ),
            serde_json::to_value(ConflictDetails {
                ticket_status: Some(Status::Closed),
                ..Default::default()
            })
            .unwrap_or_default(),
        ),
        other => Error::new(other.code(), other.to_string()),
    })?;
    let before = std::mem::replace(&mut rec.ticket, edited.ticket);
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    if edited.closes {
        rec = close_in(tx, actor, args.ticket_id, None).await?;
    }
    Ok(rec)
}

/// Assigns the ticket to an agent and/or a team (`None` leaves a field alone,
/// `Some(None)` clears it). The new assignee joins the conversation as admin.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %args.ticket_id))]
pub async fn assign_in(
    tx: &mut WriteTx,
    actor: &Actor,
    args: &TicketAssignArgs,
) -> Result<TicketRecord> {
    require_support(actor)?;
    let mut rec = load_visible(tx, actor, args.ticket_id).await?;
    let tenant = tx.tenant_id();
    if let Some(Some(user)) = args.assignee_id {
        let u = directory::get_user(tx.conn(), tenant, user)
            .await?
            .ok_or_else(|| Error::not_found("assignee"))?;
        if !matches!(u.user.role, Role::Agent | Role::Admin) {
            return Err(Error::invalid(
                "tickets can only be assigned to agents or admins",
            ));
        }
    }
    if let Some(Some(team)) = args.team_id
        && !directory::team_exists(tx.conn(), tenant, team).await?
    {
        return Err(Error::not_found("team"));
    }
    let now = time::now();
    let assigned = lifecycle::assign(&rec.ticket, args, now);
    let before = std::mem::replace(&mut rec.ticket, assigned);
    if let Some(a) = args.assignee_id {
        rec.assigned_at = a.map(|_| now);
    }
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    if let Some(Some(user)) = args.assignee_id {
        join_conversation(
            tx,
            rec.ticket.conversation_id,
            user,
            ParticipantRole::Admin,
            &now,
        )
        .await?;
    }
    Ok(rec)
}

/// A human takes the chat over from a bot responder (seed 002 takeover): the actor
/// becomes responder and assignee. A ticket held by another human is a conflict.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn takeover_in(tx: &mut WriteTx, actor: &Actor, id: TicketId) -> Result<TicketRecord> {
    require_support(actor)?;
    let mut rec = load_visible(tx, actor, id).await?;
    let now = time::now();
    let taken = match lifecycle::takeover(&rec.ticket, actor.lifecycle(), now) {
        Ok(t) => t,
        Err(e) => return Err(refusal(tx, &rec, e).await?),
    };
    if taken == rec.ticket {
        return Ok(rec);
    }
    let before = std::mem::replace(&mut rec.ticket, taken);
    rec.assigned_at = Some(now);
    save(tx, Some(actor.user_id), &before, &mut rec, Vec::new(), &now).await?;
    join_conversation(
        tx,
        rec.ticket.conversation_id,
        actor.user_id,
        ParticipantRole::Admin,
        &now,
    )
    .await?;
    Ok(rec)
}

/// Finds a tag by name, creating it when `create` is set.
#[tracing::instrument(level = "debug", skip_all)]
pub(crate) async fn resolve_tag(
    tx: &mut WriteTx,
    name: &str,
    create: bool,
) -> Result<Option<TagId>> {
    let name = parse_tag_name(name)?;
    let tenant = tx.tenant_id();
    if let Some(id) = directory::find_tag(tx.conn(), tenant, &name).await? {
        return Ok(Some(id));
    }
    if !create {
        return Ok(None);
    }
    let id = TagId::new();
    directory::insert_tag(tx.conn(), tenant, id, &name, &time::now()).await?;
    tx.touch(EntityKind::Tag, id.as_uuid());
    Ok(Some(id))
}

/// Adds (or removes) a tag by name. Tags are a set: adding a present tag or removing
/// an absent one changes nothing, which is what lets offline edits merge.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %id))]
pub async fn tag_in(
    tx: &mut WriteTx,
    actor: &Actor,
    id: TicketId,
    name: &str,
    add: bool,
) -> Result<TicketRecord> {
    require_support(actor)?;
    let mut rec = load_visible(tx, actor, id).await?;
    let Some(tag) = resolve_tag(tx, name, add).await? else {
        return Ok(rec);
    };
    let changed = if add {
        tickets::add_tag(tx.conn(), id, tag, &time::now()).await?
    } else {
        tickets::remove_tag(tx.conn(), id, tag).await?
    };
    if !changed {
        return Ok(rec);
    }
    let name = parse_tag_name(name)?;
    let before = rec.ticket.clone();
    if add {
        rec.ticket.tag_ids.push(tag);
    } else {
        rec.ticket.tag_ids.retain(|t| *t != tag);
    }
    let extra = if add {
        vec![("tags", None, Some(name))]
    } else {
        vec![("tags", Some(name), None)]
    };
    save(
        tx,
        Some(actor.user_id),
        &before,
        &mut rec,
        extra,
        &time::now(),
    )
    .await?;
    Ok(rec)
}

/// Creates a ticket with its conversation. Customers create tickets for themselves;
/// support users may name another requester, an assignee and a team.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, ticket = %args.ticket_id))]
pub async fn create_in(
    tx: &mut WriteTx,
    actor: &Actor,
    args: &TicketCreateArgs,
) -> Result<TicketRecord> {
    let tenant = tx.tenant_id();
    // Checked before any lookup, so a bad subject is reported as such whatever else
    // is wrong; `lifecycle::new_ticket` parses them again into the ticket.
    parse_subject(&args.subject)?;
    parse_description(&args.description)?;
    let staff = actor.is_support();
    if !staff
        && (args.assignee_id.is_some()
            || args.team_id.is_some()
            || args.requester_id.is_some_and(|r| r != actor.user_id))
    {
        return Err(Error::forbidden(
            "only support users may set requester, assignee or team",
        ));
    }
    let requester = args.requester_id.unwrap_or(actor.user_id);
    if directory::get_user(tx.conn(), tenant, requester)
        .await?
        .is_none()
    {
        return Err(Error::not_found("requester"));
    }
    if let Some(a) = args.assignee_id {
        let u = directory::get_user(tx.conn(), tenant, a)
            .await?
            .ok_or_else(|| Error::not_found("assignee"))?;
        if !matches!(u.user.role, Role::Agent | Role::Admin) {
            return Err(Error::invalid(
                "tickets can only be assigned to agents or admins",
            ));
        }
    }
    if let Some(team) = args.team_id
        && !directory::team_exists(tx.conn(), tenant, team).await?
    {
        return Err(Error::not_found("team"));
    }
    if let Some(parent) = args.follow_up_of {
        let p = tickets::get(tx.conn(), tenant, parent)
            .await?
            .ok_or_else(|| Error::not_found("follow_up_of ticket"))?;
        if !can_see(actor, &p.ticket) {
            return Err(Error::not_found("follow_up_of ticket"));
        }
    }
    if tickets::get(tx.conn(), tenant, args.ticket_id)
        .await?
        .is_some()
    {
        return Err(Error::new(
            ErrorCode::Conflict,
            "a ticket with this id already exists",
        ));
    }
    let now = time::now();
    let number = tickets::next_number(tx.conn(), tenant).await?;
    let mut tag_ids = Vec::new();
    for name in &args.tags {
        if let Some(id) = resolve_tag(tx, name, true).await?
            && !tag_ids.contains(&id)
        {
            tag_ids.push(id);
        }
    }
    let rec = TicketRecord {
        assigned_at: args.assignee_id.map(|_| now),
        ticket: lifecycle::new_ticket(args, actor.lifecycle(), number, tag_ids.clone(), now)?,
    };
    let conversation_id = rec.ticket.conversation_id;
    tickets::insert(tx.conn(), tenant, &rec)
        .await
        .map_err(|e| Error::taken(e, "a ticket with this id already exists"))?;
    let links: Vec<(TicketId, TagId)> = tag_ids.iter().map(|t| (rec.ticket.id, *t)).collect();
    tickets::insert_tag_links(tx.conn(), &links, &now).await?;
    let mut participants = vec![Participant {
        user_id: requester,
        role: ParticipantRole::Member,
        last_read_message_id: None,
        joined_at: now,
    }];
    if let Some(a) = args.assignee_id.filter(|a| *a != requester) {
        participants.push(Participant {
            user_id: a,
            role: ParticipantRole::Admin,
            last_read_message_id: None,
            joined_at: now,
        });
    }
    let conv = Conversation {
        id: conversation_id,
        ticket_id: rec.ticket.id,
        status: ConversationStatus::Active,
        participants,
        last_message_at: None,
        created_at: now,
        version: 1,
    };
    conversations::insert_conversation(tx.conn(), tenant, &conv)
        .await
        .map_err(|e| Error::taken(e, "a conversation with this id already exists"))?;
    let created = HistoryEntry {
        id: HistoryId::new(),
        ticket_id: rec.ticket.id,
        field_changed: "created".into(),
        old_value: None,
        new_value: Some(number.0.to_string()),
        changed_by: Some(actor.user_id),
        created_at: now,
    };
    history::insert(tx.conn(), tenant, std::slice::from_ref(&created)).await?;
    tx.touch(EntityKind::Ticket, rec.ticket.id.as_uuid());
    tx.touch(EntityKind::Conversation, conversation_id.as_uuid());
    tx.touch(EntityKind::History, created.id.as_uuid());
    Ok(rec)
}

macro_rules! committed {
    ($(#[$doc:meta])* $name:ident => $inner:ident ( $($arg:ident : $ty:ty),* )) => {
        $(#[$doc])*
        pub async fn $name(db: &Db, actor: &Actor, $($arg: $ty),*) -> Result<TicketRecord> {
            let mut tx = db.write(actor.tenant_id).await?;
            let rec = $inner(&mut tx, actor, $($arg),*).await?;
            tx.commit().await?;
            Ok(rec)
        }
    };
}

committed!(/// [`claim_in`] in its own transaction.
    claim => claim_in(id: TicketId));
committed!(/// [`close_in`] in its own transaction.
    close => close_in(id: TicketId, note: Option<&str>));
committed!(/// [`create_in`] in its own transaction.
    create => create_in(args: &TicketCreateArgs));

/// A ticket the actor may see, with tags.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get(db: &Db, actor: &Actor, id: TicketId) -> Result<TicketRecord> {
    let mut conn = db
        .reader()
        .acquire()
        .await
        .map_err(crate::error::StoreError::from)?;
    let rec = tickets::get(&mut conn, actor.tenant_id, id)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    if !can_see(actor, &rec.ticket) {
        return Err(Error::not_found("ticket"));
    }
    Ok(rec)
}
