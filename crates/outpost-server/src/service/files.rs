//! Attachments' bytes: an upload keeps a file for its uploader until a message sends
//! it; a download serves it to whoever may see that message (a customer never gets a
//! file of an internal note), and to nobody else: a file of another tenant, of a
//! ticket the caller cannot see or not sent yet by someone else is "not found".

use crate::auth::{Actor, Scope};
use crate::db::Db;
use crate::error::{Error, Result, StoreError};
use crate::files::{self, content_key, sanitize_name, sniff_mime};
use crate::service::messages::sees_internal;
use crate::service::require_scope;
use crate::service::tickets as ops;
use crate::store::attachments::{self, AttachmentRow};
use crate::store::conversations;
use outpost_api::files::{UploadedFile, file_number};
use outpost_domain::values::limits;
use outpost_domain::{Attachment, ErrorCode, time};
use sqlx::AnyConnection;

/// A file's bytes and how to present them.
pub struct Download {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

fn not_found() -> Error {
    Error::not_found("file")
}

/// Keeps `bytes` as a file named (after sanitising) `name`, for `actor` to send.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, size = bytes.len()))]
pub async fn upload(db: &Db, actor: &Actor, name: &str, bytes: &[u8]) -> Result<UploadedFile> {
    require_scope(actor, Scope::TicketsWrite)?;
    if bytes.is_empty() {
        return Err(Error::new(ErrorCode::MissingField, "the file is empty"));
    }
    if bytes.len() > limits::FILE_MAX_BYTES {
        return Err(Error::new(
            ErrorCode::PayloadTooLarge,
            format!("files are at most {} bytes", limits::FILE_MAX_BYTES),
        ));
    }
    let name = sanitize_name(name);
    let mime = sniff_mime(bytes);
    let sha256 = content_key(bytes);
    // Bytes first: a row never names bytes that are not there.
    db.blobs()
        .put(actor.tenant_id, &sha256, bytes)
        .await
        .map_err(|e| {
            if files::is_full(&e) {
                Error::new(
                    ErrorCode::Unavailable,
                    "the server's file store is full; nothing was kept",
                )
            } else {
                tracing::error!(error = %e, "storing an uploaded file failed");
                Error::new(
                    ErrorCode::Internal,
                    "storing the file failed; nothing was kept",
                )
            }
        })?;
    let mut tx = db.write_untracked().await?;
    let number = attachments::reserve_numbers(&mut tx, actor.tenant_id, 1).await?;
    let row = AttachmentRow {
        number,
        message_id: None,
        position: 0,
        name,
        mime,
        size: bytes.len() as i64,
        sha256: Some(sha256),
        link: None,
        uploaded_by: Some(actor.user_id),
        created_at: time::now(),
    };
    attachments::insert(&mut tx, actor.tenant_id, std::slice::from_ref(&row)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(UploadedFile {
        id: row.number,
        url: row.url(),
        name: row.name,
        mime: row.mime,
        size: row.size,
    })
}

/// File `number`'s bytes, when `actor` may see them.
#[tracing::instrument(level = "debug", skip_all, fields(tenant = %actor.tenant_id, file = number))]
pub async fn download(db: &Db, actor: &Actor, number: i64) -> Result<Download> {
    require_scope(actor, Scope::TicketsRead)?;
    let mut conn = db.reader().acquire().await.map_err(StoreError::from)?;
    let row = attachments::get(&mut conn, actor.tenant_id, number)
        .await?
        .ok_or_else(not_found)?;
    match row.message_id {
        None if row.uploaded_by != Some(actor.user_id) => return Err(not_found()),
        None => {}
        Some(message) => {
            let m = conversations::get_message(&mut conn, actor.tenant_id, message)
                .await?
                .ok_or_else(not_found)?;
            if m.internal && !sees_internal(actor) {
                return Err(not_found());
            }
            drop(conn);
            ops::get(db, actor, m.ticket_id)
                .await
                .map_err(|_| not_found())?;
        }
    }
    let Some(sha256) = &row.sha256 else {
        // A link to a file kept elsewhere: its address is what there is to give.
        return Err(Error::with_details(
            ErrorCode::NotFound,
            "this attachment is a link to a file kept elsewhere",
            serde_json::json!({ "url": row.url() }),
        ));
    };
    let bytes = db
        .blobs()
        .get(actor.tenant_id, sha256)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, file = number, "reading a stored file failed");
            Error::new(ErrorCode::Internal, "reading the file failed")
        })?
        .ok_or_else(|| {
            tracing::error!(file = number, "a file's bytes are missing from the store");
            not_found()
        })?;
    Ok(Download {
        name: row.name,
        mime: row.mime,
        bytes,
    })
}

/// The attachments of a message `actor` is sending, as the server will keep them: an
/// uploaded file (its `/files/v1/…` URL) must be the sender's own unsent upload and
/// is described by what the server stored, not by the client; any other attachment
/// must be an http(s) link with a name and a size.
pub async fn resolve_attachments(
    conn: &mut AnyConnection,
    actor: &Actor,
    sent: &[Attachment],
) -> Result<Vec<Attachment>> {
    let mut out = Vec::with_capacity(sent.len());
    for a in sent {
        if let Some(number) = file_number(&a.url) {
            let row = attachments::get(conn, actor.tenant_id, number).await?;
            match row {
                Some(r) if r.uploaded_by == Some(actor.user_id) && r.message_id.is_none() => {
                    out.push(r.attachment());
                }
                Some(r) if r.message_id.is_some() && r.uploaded_by == Some(actor.user_id) => {
                    return Err(Error::new(
                        ErrorCode::Conflict,
                        format!(
                            "file {number} was already sent with another message; upload it again"
                        ),
                    ));
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "attachment {:?} names file {number}, which is not an upload of yours",
                        a.name
                    )));
                }
            }
        } else if a.name.is_empty()
            || a.size < 0
            || !(a.url.starts_with("https://") || a.url.starts_with("http://"))
            || a.url.len() > 2048
        {
            return Err(Error::invalid(
                "attachments are uploaded files (/files/v1/… URLs) or links with a name, a size >= 0 and an http(s) url",
            ));
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}
