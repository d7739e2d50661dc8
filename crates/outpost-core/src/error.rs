//! Typed errors of the client core. Every error carries a stable [`CoreError::code`]
//! that the CLI (`--json`) and the desktop app branch on; the message is for people.

use outpost_domain::error::ErrorCode;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// No account is signed in on this profile (or its token is gone).
    #[error("not signed in: run `outpost login --server URL --email EMAIL`")]
    NotSignedIn,
    /// The OS keychain cannot be reached; `fix` says what to do about it.
    #[error("the OS keychain is not available ({reason}); {fix}")]
    KeychainUnavailable { reason: String, fix: String },
    /// The server cannot be reached (connection refused, DNS, timeout, reset).
    #[error("cannot reach the server at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// `--offline` (or the app's offline switch) forbids the network.
    #[error("offline: this needs the server and the network is switched off")]
    Offline,
    /// The server refused the token (expired, revoked).
    #[error("the server refused the saved session (expired or revoked); sign in again")]
    SessionExpired,
    /// The server answered with an error of its own.
    #[error("{message}")]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The cached server state is from another epoch or too old; re-bootstrap.
    #[error("the server no longer accepts the sync cursor; the cache is rebuilt")]
    CursorExpired,
    /// The ticket, conflict or user is not in the local cache.
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    /// Bad input from the agent (a field, a filter, a choice).
    #[error("{0}")]
    InvalidInput(String),
    /// The action is not allowed for this account (decided locally from cached roles).
    #[error("{0}")]
    Forbidden(String),
    /// The remote this profile syncs with does not take this action; nothing was queued.
    #[error("{api} does not support {action}; nothing was saved")]
    NotSupported {
        api: &'static str,
        action: &'static str,
    },
    /// The disk is full; nothing was written.
    #[error("the disk is full; free some space (nothing was lost: the change was not saved)")]
    DiskFull,
    /// The profile directory or its files are unusable.
    #[error("profile: {0}")]
    Profile(String),
    /// A row of the local cache cannot be read back (damaged or written by another
    /// version); rebuilding the cache fixes it.
    #[error("the local cache is damaged ({0}); rebuild it (the app's settings: Rebuild cache)")]
    CacheCorrupt(String),
    /// The local cache database failed.
    #[error("local cache: {0}")]
    Storage(#[source] sqlx::Error),
    #[error("local cache migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The server sent something the client cannot read (never a cache row: that is
    /// [`CoreError::CacheCorrupt`]).
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

impl CoreError {
    /// The stable, machine-readable code of this error (never changes once shipped).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not_signed_in",
            Self::KeychainUnavailable { .. } => "keychain_unavailable",
            Self::Unreachable { .. } => "unreachable",
            Self::Offline => "offline",
            Self::SessionExpired => "session_expired",
            Self::Server { code, .. } => code.as_str(),
            Self::CursorExpired => "cursor_expired",
            Self::NotFound { .. } => "not_found",
            Self::InvalidInput(_) => "invalid_input",
            Self::Forbidden(_) => "forbidden",
            Self::NotSupported { .. } => "not_supported",
            Self::DiskFull => "disk_full",
            Self::Profile(_) => "profile",
            Self::Storage(_) | Self::Migration(_) => "storage",
            Self::CacheCorrupt(_) => "cache_corrupt",
            Self::Io { .. } => "io",
            Self::Protocol(_) => "protocol",
        }
    }

    pub fn not_found(what: &'static str, key: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            key: key.into(),
        }
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    /// Failures worth retrying later (the network or the server being down).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
            || matches!(self, Self::Server { status, .. } if *status >= 500 || *status == 429)
    }
}

impl From<sqlx::Error> for CoreError {
    fn from(e: sqlx::Error) -> Self {
        // SQLITE_FULL (13): report it as such so the agent knows what to do.
        if let sqlx::Error::Database(db) = &e
            && db.code().as_deref() == Some("13")
        {
            return Self::DiskFull;
        }
        Self::Storage(e)
    }
}

/// `?` on JSON only happens on the cache's rows (tickets, messages, outbox entries,
/// conflicts are stored as JSON): the server's answers are decoded in
/// [`crate::remote`], which reports its own failures as [`CoreError::Protocol`].
impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::CacheCorrupt(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_row_that_does_not_decode_is_not_blamed_on_the_server() {
        let bad: std::result::Result<serde_json::Value, _> = serde_json::from_str("{");
        let e = CoreError::from(bad.unwrap_err());
        assert_eq!(e.code(), "cache_corrupt", "a damaged row has its own code");
        assert!(
            !e.to_string().contains("server"),
            "the message must not point at the server: {e}"
        );
    }
}
