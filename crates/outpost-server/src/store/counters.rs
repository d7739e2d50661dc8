//! The per-tenant numbers: tickets (`#1042`), and the integer ids seed 004 gives users,
//! messages and attachments. Each is a counter on the tenant row, bumped inside the
//! inserting transaction, so a rolled-back insert leaves no gap and two writers never
//! get the same number.

use crate::error::StoreError;
use outpost_domain::TenantId;
use sqlx::AnyConnection;

/// A per-tenant counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    Ticket,
    User,
    Message,
    Attachment,
}

impl Counter {
    fn bump_sql(self) -> &'static str {
        match self {
            Counter::Ticket => {
                "UPDATE tenants SET ticket_seq = ticket_seq + $1 WHERE id = $2 RETURNING ticket_seq"
            }
            Counter::User => {
                "UPDATE tenants SET user_seq = user_seq + $1 WHERE id = $2 RETURNING user_seq"
            }
            Counter::Message => {
                "UPDATE tenants SET message_seq = message_seq + $1 WHERE id = $2 RETURNING message_seq"
            }
            Counter::Attachment => {
                "UPDATE tenants SET attachment_seq = attachment_seq + $1 WHERE id = $2 RETURNING attachment_seq"
            }
        }
    }
}

/// Hands out `count` consecutive numbers of `counter`; the first is returned.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn reserve(
    conn: &mut AnyConnection,
    tenant: TenantId,
    counter: Counter,
    count: i64,
) -> Result<i64, StoreError> {
    let last: i64 = sqlx::query_scalar(counter.bump_sql())
        .bind(count)
        .bind(tenant.to_string())
        .fetch_one(conn)
        .await?;
    Ok(last - count + 1)
}
