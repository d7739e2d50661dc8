//! Files in a directory: `DIR/<tenant>/<first two hex digits>/<sha256>`, written to a
//! temporary name, flushed, then renamed, so a killed server never leaves half a file
//! under a real key.

use super::{BlobStore, invalid_key, valid_key};
use futures::future::BoxFuture;
use outpost_domain::TenantId;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A [`BlobStore`] on the local file system.
pub struct DiskBlobs {
    root: PathBuf,
}

impl DiskBlobs {
    /// Files under `root`, created on first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DiskBlobs { root: root.into() }
    }

    fn path(&self, tenant: TenantId, sha256: &str) -> io::Result<PathBuf> {
        if !valid_key(sha256) {
            return Err(invalid_key());
        }
        Ok(self
            .root
            .join(tenant.to_string())
            .join(&sha256[..2])
            .join(sha256))
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().expect("blob paths have a parent");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl BlobStore for DiskBlobs {
    fn put<'a>(
        &'a self,
        tenant: TenantId,
        sha256: &'a str,
        bytes: &'a [u8],
    ) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(tenant, sha256)?;
            let bytes = bytes.to_vec();
            tokio::task::spawn_blocking(move || write_new(&path, &bytes))
                .await
                .map_err(io::Error::other)?
        })
    }

    fn get<'a>(
        &'a self,
        tenant: TenantId,
        sha256: &'a str,
    ) -> BoxFuture<'a, io::Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(tenant, sha256)?).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn describe(&self) -> String {
        format!("files in {}", self.root.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::content_key;

    #[tokio::test]
    async fn stores_and_returns_bytes_by_tenant() {
        let dir = std::env::temp_dir().join(format!("outpost-blobs-{}", uuid::Uuid::new_v4()));
        let store = DiskBlobs::new(&dir);
        let (a, b) = (TenantId::new(), TenantId::new());
        let key = content_key(b"hello");
        store.put(a, &key, b"hello").await.unwrap();
        store.put(a, &key, b"hello").await.unwrap();
        assert_eq!(
            store.get(a, &key).await.unwrap().as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(
            store.get(b, &key).await.unwrap(),
            None,
            "another tenant's file"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.join(a.to_string()).join(&key[..2]))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_key_is_never_a_path() {
        let store = DiskBlobs::new(std::env::temp_dir());
        let err = store.get(TenantId::new(), "../x").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
