//! The audit trail: one row per changed field.

use crate::db::{get_id, get_opt_id, get_time};
use crate::error::StoreError;
use crate::store::push_id_list;
use crate::store::sql::Sql;
use outpost_domain::time;
use outpost_domain::*;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    tenant: TenantId,
    entries: &[HistoryEntry],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(1000) {
        let mut qb = Sql::new(
            "INSERT INTO history (id, tenant_id, ticket_id, field_changed, old_value, new_value, changed_by, created_at) ",
        );
        qb.push_values(chunk, |mut b, h| {
            b.push_bind(h.id.to_string())
                .push_bind(tenant.to_string())
                .push_bind(h.ticket_id.to_string())
                .push_bind(h.field_changed.clone())
                .push_bind(h.old_value.clone())
                .push_bind(h.new_value.clone())
                .push_bind(h.changed_by.map(|u| u.to_string()))
                .push_bind(time::to_db(&h.created_at));
        });
        qb.execute(&mut *conn).await?;
    }
    Ok(())
}

fn from_row(r: &AnyRow) -> Result<HistoryEntry, sqlx::Error> {
    Ok(HistoryEntry {
        id: get_id(r, "id")?,
        ticket_id: get_id(r, "ticket_id")?,
        field_changed: r.try_get("field_changed")?,
        old_value: r.try_get("old_value")?,
        new_value: r.try_get("new_value")?,
        changed_by: get_opt_id(r, "changed_by")?,
        created_at: get_time(r, "created_at")?,
    })
}

const COLUMNS: &str = "id, ticket_id, field_changed, old_value, new_value, changed_by, created_at";

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_many(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[HistoryId],
) -> Result<Vec<HistoryEntry>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = Sql::new(format!("SELECT {COLUMNS} FROM history WHERE tenant_id = "));
    qb.push_bind(tenant.to_string()).push(" AND id IN ");
    push_id_list(&mut qb, ids);
    let rows = qb.fetch_all(conn).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// A ticket's history, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_ticket(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ticket: TicketId,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM history WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY created_at, id"
    )))
    .bind(tenant.to_string())
    .bind(ticket.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The latest change of one field of a ticket: who and when (conflict details).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn last_change(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ticket: TicketId,
    field: &str,
) -> Result<Option<HistoryEntry>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM history WHERE tenant_id = $1 AND ticket_id = $2 AND field_changed = $3 \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    )))
    .bind(tenant.to_string())
    .bind(ticket.to_string())
    .bind(field)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The ids and authors of the history rows of some tickets.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn refs_for_tickets(
    conn: &mut AnyConnection,
    tenant: TenantId,
    tickets: &[TicketId],
) -> Result<Vec<(HistoryId, Option<UserId>)>, StoreError> {
    let mut out = Vec::new();
    for chunk in tickets.chunks(500) {
        let mut qb = Sql::new("SELECT id, changed_by FROM history WHERE ticket_id IN ");
        push_id_list(&mut qb, chunk);
        qb.push(" AND tenant_id = ").push_bind(tenant.to_string());
        for r in qb.fetch_all(&mut *conn).await? {
            out.push((get_id(&r, "id")?, get_opt_id(&r, "changed_by")?));
        }
    }
    Ok(out)
}
