//! Where attachment bytes live: a [`BlobStore`] keyed by tenant and SHA-256, so the
//! same file uploaded twice is kept once and a tenant's files can be removed with it.
//! Two stores: [`DiskBlobs`] (files in a directory, the default beside an SQLite
//! database) and [`DatabaseBlobs`] (a table, the default on PostgreSQL, where several
//! server processes share one database and no disk). What a file is (name, type,
//! owner, message) is kept in the database (`store::attachments`), not here.

mod database;
mod disk;
mod naming;

pub use database::DatabaseBlobs;
pub use disk::DiskBlobs;
pub use naming::{sanitize_name, sniff_mime};

use futures::future::BoxFuture;
use outpost_domain::TenantId;
use sha2::{Digest, Sha256};
use std::io;

/// Stores and returns file bytes by tenant and content hash.
pub trait BlobStore: Send + Sync + 'static {
    /// Keeps `bytes` (whose hex SHA-256 is `sha256`) durably; storing the same bytes
    /// again is a no-op.
    fn put<'a>(
        &'a self,
        tenant: TenantId,
        sha256: &'a str,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, io::Result<()>>;

    /// The bytes stored under `sha256`, if any.
    fn get<'a>(
        &'a self,
        tenant: TenantId,
        sha256: &'a str,
    ) -> BoxFuture<'a, io::Result<Option<Vec<u8>>>>;

    /// Where the files are, for the server's start-up line.
    fn describe(&self) -> String;
}

/// The hex SHA-256 of `bytes`, the key they are stored under.
pub fn content_key(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A well-formed key: 64 lowercase hex digits (never a path).
fn valid_key(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn invalid_key() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256 content key")
}

/// True when the failure means the store has no room left.
pub fn is_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_key_is_hex_sha256() {
        assert_eq!(
            content_key(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(valid_key(&content_key(b"")));
    }

    #[test]
    fn keys_that_could_be_paths_are_refused() {
        assert!(!valid_key("../../etc/passwd"));
        assert!(!valid_key(&"A".repeat(64)));
    }
}
