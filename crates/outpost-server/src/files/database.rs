//! Files in the database's `blobs` table: every server process on one PostgreSQL
//! database sees them, and a backup of the database holds them.

use super::{BlobStore, invalid_key, valid_key};
use futures::future::BoxFuture;
use outpost_domain::{TenantId, time};
use sqlx::AnyPool;
use std::io;

/// A [`BlobStore`] in the server's own database.
pub struct DatabaseBlobs {
    pool: AnyPool,
}

impl DatabaseBlobs {
    pub fn new(pool: AnyPool) -> Self {
        DatabaseBlobs { pool }
    }
}

fn io_error(e: sqlx::Error) -> io::Error {
    // PostgreSQL's disk_full and SQLite's SQLITE_FULL mean the same as ENOSPC.
    let full = matches!(&e, sqlx::Error::Database(d)
        if d.code().as_deref() == Some("53100") || d.code().as_deref() == Some("13"));
    if full {
        io::Error::new(io::ErrorKind::StorageFull, e)
    } else {
        io::Error::other(e)
    }
}

impl BlobStore for DatabaseBlobs {
    fn put<'a>(
        &'a self,
        tenant: TenantId,
        sha256: &'a str,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            if !valid_key(sha256) {
                return Err(invalid_key());
            }
            sqlx::query(
                "INSERT INTO blobs (tenant_id, sha256, bytes, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (tenant_id, sha256) DO NOTHING",
            )
            .bind(tenant.to_string())
            .bind(sha256)
            .bind(bytes.to_vec())
            .bind(time::to_db(&time::now()))
            .execute(&self.pool)
            .await
            .map_err(io_error)?;
            Ok(())
        })
    }

    fn get<'a>(
        &'a self,
        tenant: TenantId,
        sha256: &'a str,
    ) -> BoxFuture<'a, io::Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT bytes FROM blobs WHERE tenant_id = $1 AND sha256 = $2")
                .bind(tenant.to_string())
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await
                .map_err(io_error)
        })
    }

    fn describe(&self) -> String {
        "files in the database (blobs table)".into()
    }
}
