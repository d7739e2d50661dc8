//! Tickets as a store's admin tool sees them (seed 004): a filtered list, newest
//! first, in cursor pages, each ticket with its comments and their attachments, and
//! people, messages and files named by the tenant's integers. Staff only.

use crate::auth::{Actor, Scope};
use crate::db::{Db, Rendering};
use crate::error::{Error, Result, StoreError};
use crate::service::queue::memoized;
use crate::service::{require_scope, visibility};
use crate::store::attachments::{self, AttachmentRow};
use crate::store::tickets::{TicketFilter, TicketOrder, TicketRecord};
use crate::store::{changes, conversations, directory, tickets};
use chrono::{NaiveDate, TimeZone, Utc};
use outpost_api::twenty_nine_next::ticket_type_number;
use outpost_api::twenty_nine_next::tickets::{Cursor, PAGE_SIZE, TicketsQuery};
use outpost_api::twenty_nine_next::values::ChannelMatch;
use outpost_domain::time::Timestamp;
use outpost_domain::*;
use std::collections::HashMap;
use std::sync::Arc;

/// One page and everything its tickets show.
#[derive(Default)]
pub struct AdminPage {
    /// Newest first.
    pub tickets: Vec<TicketRecord>,
    pub next: Option<Cursor>,
    pub previous: Option<Cursor>,
    /// Integer id and email of every person the page names.
    pub people: HashMap<UserId, (i64, EmailAddress)>,
    pub tag_names: HashMap<TagId, String>,
    /// Each ticket's comments (message number and message), oldest first.
    pub comments: HashMap<TicketId, Vec<(i64, Message)>>,
    /// Each comment's attachments, in order.
    pub attachments: HashMap<MessageId, Vec<AttachmentRow>>,
    /// The page as answered, serialized once (it is memoized per log head).
    pub rendered: Rendering,
}

fn midnight(d: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// The store filter of `q`; `None` when a filter names something that does not exist
/// (an unknown user id, tag or ticket type), so nothing can match.
async fn filter_of(
    conn: &mut sqlx::AnyConnection,
    tenant: TenantId,
    q: &TicketsQuery,
    cursor: Option<Cursor>,
) -> Result<Option<TicketFilter>> {
    let mut f = TicketFilter {
        statuses: q.status.iter().flat_map(|s| s.matches()).copied().collect(),
        numbers: q.id.into_iter().collect(),
        search: q.subject.clone(),
        text: q.filter_text.clone(),
        order_id: q.order_number.clone(),
        products: q.product.clone(),
        priorities: q.priority.map(|p| p.matches().to_vec()).unwrap_or_default(),
        created_from: q.created_from.map(midnight),
        created_before: q.created_to.and_then(|d| d.succ_opt()).map(midnight),
        ..TicketFilter::default()
    };
    match q.channel.map(|c| c.matches()) {
        Some(ChannelMatch::In(v)) => f.channels = v,
        Some(ChannelMatch::NotIn(v)) => f.channels_excluded = v,
        None => {}
    }
    for (number, list) in [
        (q.requester, &mut f.requester_ids),
        (q.assignee, &mut f.assignee_ids),
    ] {
        if let Some(n) = number {
            match directory::user_by_number(conn, tenant, n).await? {
                Some(id) => list.push(id),
                None => return Ok(None),
            }
        }
    }
    if !q.tags.is_empty() {
        f.tag_ids = directory::tag_ids_named(conn, tenant, &q.tags).await?;
        if f.tag_ids.is_empty() {
            return Ok(None);
        }
    }
    if let Some(n) = q.ticket_type {
        let known = TicketType::KNOWN
            .iter()
            .filter_map(|k| TicketType::parse(k).ok())
            .find(|t| ticket_type_number(t) == n);
        // A tenant's own type: look among the types its tickets use.
        let name = match known {
            Some(t) => Some(t),
            None => directory::ticket_types_in_use(conn, tenant)
                .await?
                .into_iter()
                .filter_map(|t| TicketType::parse(&t).ok())
                .find(|t| ticket_type_number(t) == n),
        };
        match name {
            Some(t) => f.ticket_type = Some(t.as_str().to_owned()),
            None => return Ok(None),
        }
    }
    match cursor {
        Some(Cursor {
            reverse: false,
            position,
        }) => f.number_below = Some(position),
        Some(Cursor {
            reverse: true,
            position,
        }) => f.number_above = Some(position),
        None => {}
    }
    Ok(Some(f))
}

/// One page of the tickets matching `q`, starting at `cursor` (checked by the caller
/// against `q`'s filters).
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id))]
pub async fn list(
    db: &Db,
    actor: &Actor,
    q: &TicketsQuery,
    cursor: Option<Cursor>,
) -> Result<Arc<AdminPage>> {
    require_scope(actor, Scope::TicketsRead)?;
    if !matches!(actor.role, Role::Admin | Role::Agent) {
        return Err(Error::forbidden(
            "the admin ticket list is for the store's staff (admins and agents)",
        ));
    }
    let tenant = actor.tenant_id;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let head = changes::head(&mut conn, tenant).await?;
    let key = format!("{:?}|{q:?}|{cursor:?}", visibility(actor));
    let conn = &mut *conn;
    memoized(db, tenant, key, &head, || read_page(conn, actor, q, cursor)).await
}

/// One page as [`list`] answers it, read from the database.
async fn read_page(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    q: &TicketsQuery,
    cursor: Option<Cursor>,
) -> Result<AdminPage> {
    let tenant = actor.tenant_id;
    let Some(filter) = filter_of(&mut *conn, tenant, q, cursor).await? else {
        return Ok(AdminPage::default());
    };
    let reverse = cursor.is_some_and(|c| c.reverse);
    let order = if reverse {
        TicketOrder::NumberAsc
    } else {
        TicketOrder::NumberDesc
    };
    let mut page = tickets::page(
        &mut *conn,
        tenant,
        visibility(actor),
        &filter,
        order,
        0,
        PAGE_SIZE + 1,
    )
    .await?;
    let more = page.len() as i64 > PAGE_SIZE;
    page.truncate(PAGE_SIZE as usize);
    if reverse {
        page.reverse();
    }
    let first = page.first().map(|r| r.ticket.number.0);
    let last = page.last().map(|r| r.ticket.number.0);
    let (next, previous) = match cursor {
        None => (
            more.then(|| {
                last.map(|p| Cursor {
                    reverse: false,
                    position: p,
                })
            })
            .flatten(),
            None,
        ),
        Some(c) if !c.reverse => (
            more.then(|| {
                last.map(|p| Cursor {
                    reverse: false,
                    position: p,
                })
            })
            .flatten(),
            Some(Cursor {
                reverse: true,
                position: first.unwrap_or(c.position - 1),
            }),
        ),
        Some(c) => (
            Some(Cursor {
                reverse: false,
                position: last.unwrap_or(c.position + 1),
            }),
            more.then(|| {
                first.map(|p| Cursor {
                    reverse: true,
                    position: p,
                })
            })
            .flatten(),
        ),
    };
    let mut out = surroundings(conn, tenant, page).await?;
    out.next = next;
    out.previous = previous;
    Ok(out)
}

/// The comments, attachments, people and tag names of a page.
async fn surroundings(
    conn: &mut sqlx::AnyConnection,
    tenant: TenantId,
    page: Vec<TicketRecord>,
) -> Result<AdminPage> {
    let convs: Vec<ConversationId> = page.iter().map(|r| r.ticket.conversation_id).collect();
    let ticket_of: HashMap<ConversationId, TicketId> = page
        .iter()
        .map(|r| (r.ticket.conversation_id, r.ticket.id))
        .collect();
    let mut comments: HashMap<TicketId, Vec<(i64, Message)>> = HashMap::new();
    let mut people: Vec<UserId> = Vec::new();
    let mut with_files: Vec<MessageId> = Vec::new();
    for (number, m) in conversations::numbered_comments(conn, tenant, &convs).await? {
        people.extend(m.sender_id);
        if !m.attachments.is_empty() {
            with_files.push(m.id);
        }
        if let Some(t) = ticket_of.get(&m.conversation_id) {
            comments.entry(*t).or_default().push((number, m));
        }
    }
    let mut files: HashMap<MessageId, Vec<AttachmentRow>> = HashMap::new();
    for a in attachments::of_messages(conn, tenant, &with_files).await? {
        if let Some(m) = a.message_id {
            files.entry(m).or_default().push(a);
        }
    }
    for r in &page {
        people.push(r.ticket.requester_id);
        people.extend(r.ticket.assignee_id);
    }
    people.sort();
    people.dedup();
    let mut tag_ids: Vec<TagId> = page.iter().flat_map(|r| r.ticket.tag_ids.clone()).collect();
    tag_ids.sort();
    tag_ids.dedup();
    let tag_names = directory::get_tags(conn, tenant, Some(&tag_ids))
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(AdminPage {
        people: directory::user_numbers(conn, tenant, &people).await?,
        tickets: page,
        next: None,
        previous: None,
        tag_names,
        comments,
        attachments: files,
        rendered: Rendering::default(),
    })
}
