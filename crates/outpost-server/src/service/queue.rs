//! The shared support queue (seed 000): list and detail views with the people and the
//! conversation summary each row needs.

use crate::auth::Actor;
use crate::auth::Scope;
use crate::db::Db;
use crate::error::{Error, Result, StoreError};
use crate::service::{require_scope, require_support, visibility};
use crate::store::changes::LogHead;
use crate::store::tickets::{AssignmentScope, TicketFilter, TicketOrder, TicketRecord};
use crate::store::{changes, conversations, directory, tickets};
use outpost_domain::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Query of the support queue.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    pub source: Option<Channel>,
    pub order_id: Option<String>,
    pub search: Option<String>,
    pub assignment_scope: Option<AssignmentScope>,
    pub assigned_to: Option<UserId>,
    pub statuses: Vec<Status>,
    pub page: i64,
    pub limit: i64,
}

/// A page of tickets with the users they reference.
pub struct QueuePage {
    pub tickets: Vec<TicketRecord>,
    pub total: i64,
    pub users: HashMap<UserId, User>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, actor: &Actor, q: &QueueQuery) -> Result<Arc<QueuePage>> {
    require_support(actor)?;
    require_scope(actor, Scope::TicketsRead)?;
    if q.assigned_to.is_some() && !actor.elevated {
        return Err(Error::forbidden(
            "only elevated support users may filter by assigned_to",
        ));
    }
    let filter = TicketFilter {
        channel: q.source.as_ref().map(|c| c.as_str().to_owned()),
        order_id: q.order_id.clone(),
        search: q.search.clone().filter(|s| !s.trim().is_empty()),
        assignment: q.assignment_scope,
        assigned_to: q.assigned_to,
        statuses: q.statuses.clone(),
        ..TicketFilter::default()
    };
    let slice = Slice {
        order: TicketOrder::UpdatedDesc,
        offset: (q.page - 1) * q.limit,
        limit: q.limit,
    };
    ticket_page(db, actor, &filter, slice, async |conn, tickets, total| {
        let users = users_of(conn, actor.tenant_id, &tickets).await?;
        Ok(QueuePage {
            tickets,
            total,
            users,
        })
    })
    .await
}

/// One page of a ticket list, memoized per tenant log head (see [`memoized`]): the
/// tickets `actor` may see that match `filter` in `slice`, how many match in all, and
/// what `surround` reads for them on the same connection.
pub(crate) async fn ticket_page<T, F>(
    db: &Db,
    actor: &Actor,
    filter: &TicketFilter,
    slice: Slice,
    surround: F,
) -> Result<Arc<T>>
where
    T: Send + Sync + 'static,
    F: AsyncFnOnce(&mut sqlx::AnyConnection, Vec<TicketRecord>, i64) -> Result<T>,
{
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let head = changes::head(&mut conn, actor.tenant_id).await?;
    let key = page_key(actor, filter, slice);
    let conn = &mut *conn;
    memoized(db, actor.tenant_id, key, &head, async || {
        let (tickets, total) = counted_page(db, &mut *conn, actor, &head, filter, slice).await?;
        surround(conn, tickets, total).await
    })
    .await
}

/// Which part of a filtered list a page is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slice {
    pub order: TicketOrder,
    pub offset: i64,
    pub limit: i64,
}

/// What decides a list page's content besides the tenant's log head: who asks (their
/// visibility, and whether they see internal notes), the filter, the order and the slice.
fn page_key(actor: &Actor, filter: &TicketFilter, slice: Slice) -> String {
    format!(
        "{:?}|{}|{filter:?}|{slice:?}",
        visibility(actor),
        crate::service::messages::sees_internal(actor)
    )
}

/// A list page read once per tenant log head: `read` runs only when no page of this
/// type and `key` was read at `head` (see [`crate::db::HeadMemo`]). Every write moves
/// the head, so the page is exactly what `read` would return now.
pub(crate) async fn memoized<T, F, Fut>(
    db: &Db,
    tenant: TenantId,
    key: String,
    head: &LogHead,
    read: F,
) -> Result<Arc<T>>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let key = format!("{}|{}|{key}", std::any::type_name::<T>(), head.epoch);
    let page = db
        .pages()
        .get_or_read(tenant, key, head.seq, || async {
            read()
                .await
                .map(|p| Arc::new(p) as Arc<dyn std::any::Any + Send + Sync>)
        })
        .await?;
    page.downcast::<T>()
        .map_err(|_| Error::new(ErrorCode::Internal, "a memoized page has another type"))
}

/// One page of the tickets `actor` may see that match `filter`, and how many match in
/// all, as of the tenant's log head `head` (read first with [`changes::head`]). The count
/// is memoized per tenant until its next commit.
pub(crate) async fn counted_page(
    db: &Db,
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    head: &LogHead,
    filter: &TicketFilter,
    slice: Slice,
) -> Result<(Vec<TicketRecord>, i64)> {
    let Slice {
        order,
        offset,
        limit,
    } = slice;
    let tenant = actor.tenant_id;
    let vis = visibility(actor);
    // `head` was read before counting: a commit in between makes the memoized total
    // newer than its key, and the next request (seeing the newer head) counts again.
    let key = format!("{}|{vis:?}|{filter:?}", head.epoch);
    let total = db
        .totals()
        .get_or_read(tenant, key, head.seq, || {
            tickets::count(&mut *conn, tenant, vis, filter)
        })
        .await?;
    let tickets = if offset >= total {
        Vec::new()
    } else {
        tickets::page(conn, tenant, vis, filter, order, offset, limit).await?
    };
    Ok((tickets, total))
}

/// The users a page of tickets names: requesters, assignees and responders.
pub(crate) async fn users_of(
    conn: &mut sqlx::AnyConnection,
    tenant: TenantId,
    recs: &[TicketRecord],
) -> Result<HashMap<UserId, User>> {
    let mut ids: Vec<UserId> = recs
        .iter()
        .flat_map(|r| {
            [
                Some(r.ticket.requester_id),
                r.ticket.assignee_id,
                r.ticket.responder_id,
            ]
        })
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    let users = directory::get_users(conn, tenant, &ids).await?;
    Ok(users.into_iter().map(|u| (u.id, u)).collect())
}

/// A ticket with what its detail view shows.
pub struct TicketDetail {
    pub ticket: TicketRecord,
    pub conversation: Conversation,
    pub users: HashMap<UserId, User>,
    pub tags: Vec<Tag>,
    pub team: Option<Team>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn detail(db: &Db, actor: &Actor, id: TicketId) -> Result<TicketDetail> {
    require_support(actor)?;
    require_scope(actor, Scope::TicketsRead)?;
    let ticket = crate::service::tickets::get(db, actor, id).await?;
    detail_of(db, actor, ticket).await
}

/// Seed 000 assign-to-me: claims the ticket and returns its detail view.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim(db: &Db, actor: &Actor, id: TicketId) -> Result<TicketDetail> {
    require_scope(actor, Scope::TicketsWrite)?;
    let rec = crate::service::tickets::claim(db, actor, id).await?;
    detail_of(db, actor, rec).await
}

/// Seed 000 close: the queue API is for support users (requesters close their own
/// tickets through sync); posts the note as a system message and returns the detail.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn close(
    db: &Db,
    actor: &Actor,
    id: TicketId,
    note: Option<&str>,
) -> Result<TicketDetail> {
    require_support(actor)?;
    require_scope(actor, Scope::TicketsWrite)?;
    let rec = crate::service::tickets::close(db, actor, id, note).await?;
    detail_of(db, actor, rec).await
}

/// Everything a detail view needs for an already loaded ticket.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn detail_of(db: &Db, actor: &Actor, ticket: TicketRecord) -> Result<TicketDetail> {
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let conversation =
        conversations::get_conversation(&mut conn, actor.tenant_id, ticket.ticket.conversation_id)
            .await?
            .ok_or_else(|| Error::not_found("conversation"))?;
    let mut users = users_of(&mut conn, actor.tenant_id, std::slice::from_ref(&ticket)).await?;
    let extra: Vec<UserId> = conversation
        .participants
        .iter()
        .map(|p| p.user_id)
        .filter(|u| !users.contains_key(u))
        .collect();
    for u in directory::get_users(&mut conn, actor.tenant_id, &extra).await? {
        users.insert(u.id, u);
    }
    let tags =
        directory::get_tags(&mut conn, actor.tenant_id, Some(&ticket.ticket.tag_ids)).await?;
    let team = match ticket.ticket.team_id {
        Some(t) => directory::get_teams(&mut conn, actor.tenant_id, Some(&[t]))
            .await?
            .pop(),
        None => None,
    };
    Ok(TicketDetail {
        ticket,
        conversation,
        users,
        tags,
        team,
    })
}
