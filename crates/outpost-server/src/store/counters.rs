//! The per-tenant numbers: tickets (`#1042`), the integer ids seed 004 gives users,
//! messages and attachments, and the change log's sequence.
//!
//! Ticket, user and attachment numbers are counters on the tenant row, bumped inside
//! the inserting transaction, so a rolled-back insert leaves no gap and two writers
//! never get the same number. The hot ones live in `tenant_counters` instead (see the
//! migration that moved them): the change sequence, bumped by the last statement of
//! every writing transaction (`WriteTx::commit`), and message numbers. On PostgreSQL
//! a message number is drawn in a short transaction of its own on a separate pool
//! ([`Db::numbers`](crate::db::Db::numbers)), so concurrent sends do not wait for
//! each other's commits and a rolled-back send leaves a gap; SQLite has one writer,
//! and draws it inside the sending transaction.

use crate::db::WriteTx;
use crate::error::StoreError;
use outpost_domain::TenantId;
use sqlx::AnyConnection;

/// The change log's sequence: its name in `tenant_counters`.
pub const CHANGE: &str = "change";

/// Adds `$3` to counter `$2` of tenant `$1` (created at `$3` when missing) and returns
/// the new value. The one text for every counter of `tenant_counters`; an upsert,
/// so a tenant needs no row before its first use.
pub const BUMP: &str = "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES ($1, $2, $3) \
     ON CONFLICT (tenant_id, counter) DO UPDATE SET value = tenant_counters.value + excluded.value \
     RETURNING value";

/// A per-tenant counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    Ticket,
    User,
    Message,
    Attachment,
}

/// Where a counter is kept.
enum Place {
    /// A column of the tenant row: its bump (`$1` more for tenant `$2`, returning the
    /// new value) and its read.
    TenantRow {
        bump: &'static str,
        read: &'static str,
    },
    /// A row of `tenant_counters`, by name.
    Table(&'static str),
}

impl Counter {
    fn place(self) -> Place {
        match self {
            Counter::Ticket => Place::TenantRow {
                bump: "UPDATE tenants SET ticket_seq = ticket_seq + $1 WHERE id = $2 RETURNING ticket_seq",
                read: "SELECT ticket_seq FROM tenants WHERE id = $1",
            },
            Counter::User => Place::TenantRow {
                bump: "UPDATE tenants SET user_seq = user_seq + $1 WHERE id = $2 RETURNING user_seq",
                read: "SELECT user_seq FROM tenants WHERE id = $1",
            },
            Counter::Attachment => Place::TenantRow {
                bump: "UPDATE tenants SET attachment_seq = attachment_seq + $1 WHERE id = $2 RETURNING attachment_seq",
                read: "SELECT attachment_seq FROM tenants WHERE id = $1",
            },
            Counter::Message => Place::Table("message"),
        }
    }
}

/// Hands out `count` consecutive numbers of `counter` for `tx`; the first is returned.
/// Message numbers on PostgreSQL come from a short transaction of their own, every
/// other number from inside `tx` (see the module documentation).
#[tracing::instrument(level = "debug", skip(tx))]
pub async fn take(tx: &mut WriteTx, counter: Counter, count: i64) -> Result<i64, StoreError> {
    let tenant = tx.tenant_id();
    match (counter.place(), tx.numbers().cloned()) {
        (Place::Table(name), Some(pool)) => {
            let last: i64 = sqlx::query_scalar(BUMP)
                .bind(tenant.to_string())
                .bind(name)
                .bind(count)
                .fetch_one(&pool)
                .await?;
            Ok(last - count + 1)
        }
        _ => reserve(tx.conn(), tenant, counter, count).await,
    }
}

/// Hands out `count` consecutive numbers of `counter` inside the caller's transaction
/// (`conn`); the first is returned.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn reserve(
    conn: &mut AnyConnection,
    tenant: TenantId,
    counter: Counter,
    count: i64,
) -> Result<i64, StoreError> {
    let q = match counter.place() {
        Place::TenantRow { bump, .. } => sqlx::query_scalar(bump)
            .bind(count)
            .bind(tenant.to_string()),
        Place::Table(name) => sqlx::query_scalar(BUMP)
            .bind(tenant.to_string())
            .bind(name)
            .bind(count),
    };
    let last: i64 = q.fetch_one(conn).await?;
    Ok(last - count + 1)
}

/// The last number of `counter` handed out in `tenant` (0 before the first).
pub async fn last(
    conn: &mut AnyConnection,
    tenant: TenantId,
    counter: Counter,
) -> Result<i64, StoreError> {
    let q = match counter.place() {
        Place::TenantRow { read, .. } => sqlx::query_scalar(read).bind(tenant.to_string()),
        Place::Table(name) => sqlx::query_scalar(
            "SELECT COALESCE((SELECT value FROM tenant_counters WHERE tenant_id = $1 AND counter = $2), 0)",
        )
        .bind(tenant.to_string())
        .bind(name),
    };
    Ok(q.fetch_one(conn).await?)
}
