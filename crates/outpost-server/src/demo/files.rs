//! The demo's attachments are real files: small, valid documents (a PNG, PDFs, text)
//! kept in the server's file store once per tenant, and every demo attachment is a
//! stored file its message points at, served like an agent's upload.

use super::*;
use crate::files::{content_key, sniff_mime};
use crate::store::attachments::{self, AttachmentRow};
use base64::Engine as _;
use outpost_api::files::file_path;

/// A 1×1 PNG.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// A one-page PDF saying `title`, with a correct cross-reference table.
fn pdf(title: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 720 Td ({title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// The bytes of the demo file called `name`.
pub(super) fn demo_file(name: &str) -> Vec<u8> {
    if name.ends_with(".png") {
        base64::engine::general_purpose::STANDARD
            .decode(PNG_1X1)
            .expect("a valid base64 constant")
    } else if let Some(stem) = name.strip_suffix(".pdf") {
        pdf(&format!("Outpost demo: {stem}"))
    } else {
        format!("Outpost demo file {name}\n").into_bytes()
    }
}

/// Every demo file name.
fn names() -> impl Iterator<Item = &'static str> {
    CUSTOMER_FILES.iter().chain(AGENT_FILES).map(|(n, _, _)| *n)
}

/// Keeps the demo files' bytes in `tenant`'s file store (before any batch refers to
/// them; storing is idempotent).
pub(super) async fn store(db: &Db, tenant: TenantId) -> Result<()> {
    for name in names() {
        let bytes = demo_file(name);
        db.blobs()
            .put(tenant, &content_key(&bytes), &bytes)
            .await
            .map_err(|e| {
                Error::new(
                    ErrorCode::Internal,
                    format!("storing demo file {name}: {e}"),
                )
            })?;
    }
    Ok(())
}

/// Makes every attachment of `messages` a stored file: a numbered, not yet sent
/// upload by the message's sender, which inserting the messages then links.
pub(super) async fn as_uploads(tx: &mut WriteTx, messages: &mut [Message]) -> Result<()> {
    let count: usize = messages.iter().map(|m| m.attachments.len()).sum();
    if count == 0 {
        return Ok(());
    }
    let tenant = tx.tenant_id();
    let first = attachments::reserve_numbers(tx.conn(), tenant, count as i64).await?;
    let known: HashMap<&str, (Vec<u8>, String)> = names()
        .map(|n| {
            let bytes = demo_file(n);
            let key = content_key(&bytes);
            (n, (bytes, key))
        })
        .collect();
    let mut rows = Vec::with_capacity(count);
    let mut number = first;
    for m in messages.iter_mut() {
        for a in &mut m.attachments {
            let Some((bytes, key)) = known.get(a.name.as_str()) else {
                continue;
            };
            let url = file_path(number, &a.name);
            if m.content_url.as_deref() == Some(a.url.as_str()) {
                m.content_url = Some(url.clone());
            }
            a.url = url;
            a.size = bytes.len() as i64;
            a.mime = sniff_mime(bytes);
            rows.push(AttachmentRow {
                number,
                message_id: None,
                position: 0,
                name: a.name.clone(),
                mime: a.mime.clone(),
                size: a.size,
                sha256: Some(key.clone()),
                link: None,
                uploaded_by: m.sender_id,
                created_at: m.created_at,
            });
            number += 1;
        }
    }
    attachments::insert(tx.conn(), tenant, &rows).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_files_are_what_their_names_say() {
        assert_eq!(sniff_mime(&demo_file("screenshot.png")), "image/png");
        assert_eq!(sniff_mime(&demo_file("invoice.pdf")), "application/pdf");
        let pdf = String::from_utf8(demo_file("invoice.pdf")).unwrap();
        let xref: usize = pdf
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            pdf[xref..].starts_with("xref"),
            "startxref points at the table"
        );
    }
}
