//! Attachments by per-tenant number: files uploaded and not sent yet, files of sent
//! messages, and links to files kept elsewhere. The messages' `attachments` JSON stays
//! the model's copy; these rows add what it lacks: the number seed 004 and download
//! URLs name, the stored bytes' key, and who uploaded a file before it was sent.

use crate::db::{get_opt_id, get_time};
use crate::error::StoreError;
use crate::store::counters::{self, Counter};
use crate::store::push_id_list;
use crate::store::sql::Sql;
use outpost_api::files::file_path;
use outpost_domain::time::{self, Timestamp};
use outpost_domain::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// One attachment row.
#[derive(Clone, Debug, PartialEq)]
pub struct AttachmentRow {
    pub number: i64,
    /// `None` while uploaded and not sent.
    pub message_id: Option<MessageId>,
    /// Order within the message.
    pub position: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    /// The stored bytes' key; `None` for a link to a file kept elsewhere.
    pub sha256: Option<String>,
    /// A link's address (stored files are served from [`AttachmentRow::url`]).
    pub link: Option<String>,
    pub uploaded_by: Option<UserId>,
    pub created_at: Timestamp,
}

impl AttachmentRow {
    /// Where the file is: this server's path for stored bytes, else the link.
    pub fn url(&self) -> String {
        match (&self.sha256, &self.link) {
            (None, Some(link)) => link.clone(),
            _ => file_path(self.number, &self.name),
        }
    }

    /// As a message's attachment.
    pub fn attachment(&self) -> Attachment {
        Attachment {
            name: self.name.clone(),
            url: self.url(),
            size: self.size,
            mime: self.mime.clone(),
        }
    }
}

const COLUMNS: &str =
    "number, message_id, position, name, mime, size, sha256, url, uploaded_by, created_at";

fn from_row(r: &AnyRow) -> Result<AttachmentRow, sqlx::Error> {
    Ok(AttachmentRow {
        number: r.try_get("number")?,
        message_id: get_opt_id(r, "message_id")?,
        position: r.try_get::<i64, _>("position")?,
        name: r.try_get("name")?,
        mime: r.try_get("mime")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        link: r.try_get("url")?,
        uploaded_by: get_opt_id(r, "uploaded_by")?,
        created_at: get_time(r, "created_at")?,
    })
}

/// Hands out `count` consecutive attachment numbers of `tenant` inside the caller's
/// transaction; the first is returned.
pub async fn reserve_numbers(
    conn: &mut AnyConnection,
    tenant: TenantId,
    count: i64,
) -> Result<i64, StoreError> {
    counters::reserve(conn, tenant, Counter::Attachment, count).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    tenant: TenantId,
    rows: &[AttachmentRow],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        let mut qb = Sql::new(format!("INSERT INTO attachments (tenant_id, {COLUMNS}) "));
        qb.push_values(chunk, |mut b, a| {
            b.push_bind(tenant.to_string())
                .push_bind(a.number)
                .push_bind(a.message_id.map(|m| m.to_string()))
                .push_bind(a.position)
                .push_bind(a.name.clone())
                .push_bind(a.mime.clone())
                .push_bind(a.size)
                .push_bind(a.sha256.clone())
                .push_bind(a.link.clone())
                .push_bind(a.uploaded_by.map(|u| u.to_string()))
                .push_bind(time::to_db(&a.created_at));
        });
        qb.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Attachment `number` of `tenant`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    number: i64,
) -> Result<Option<AttachmentRow>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM attachments WHERE tenant_id = $1 AND number = $2"
    )))
    .bind(tenant.to_string())
    .bind(number)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The attachments of `messages`, by message and position.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_messages(
    conn: &mut AnyConnection,
    tenant: TenantId,
    messages: &[MessageId],
) -> Result<Vec<AttachmentRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in messages.chunks(500) {
        let mut qb = Sql::new(format!(
            "SELECT {COLUMNS} FROM attachments WHERE message_id IN "
        ));
        push_id_list(&mut qb, chunk);
        qb.push(" AND tenant_id = ")
            .push_bind(tenant.to_string())
            .push(" ORDER BY message_id, position");
        for r in qb.fetch_all(&mut *conn).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

/// Attaches uploaded file `number` to `message` at `position`. False when the file is
/// not an unsent upload of `tenant` (someone else sent it first).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn link(
    conn: &mut AnyConnection,
    tenant: TenantId,
    number: i64,
    message: MessageId,
    position: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE attachments SET message_id = $1, position = $2 \
         WHERE tenant_id = $3 AND number = $4 AND message_id IS NULL",
    )
    .bind(message.to_string())
    .bind(position)
    .bind(tenant.to_string())
    .bind(number)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
