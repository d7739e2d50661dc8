//! Errors of the storage and service layers. Every error that reaches a client carries
//! a stable [`ErrorCode`]; storage failures become `internal` and are only logged.

use outpost_domain::ErrorCode;
use outpost_domain::values::InvalidValue;

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database configuration: {0}")]
    Config(String),
    /// A write that lost a race the caller checked for (e.g. an upload another message
    /// took first); reaches clients as `conflict`.
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    /// True when the failure is a unique-constraint violation (a duplicate).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// What a service call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A refusal the caller can act on, with a stable code.
    #[error("{message}")]
    Refused {
        code: ErrorCode,
        message: String,
        details: Option<serde_json::Value>,
    },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(message) => Error::new(ErrorCode::Conflict, message),
            e => Error::Store(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Refused {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(
        code: ErrorCode,
        message: impl Into<String>,
        details: serde_json::Value,
    ) -> Self {
        Error::Refused {
            code,
            message: message.into(),
            details: Some(details),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// A unique-constraint violation on insert as a `conflict`: a client-chosen id is
    /// already taken (possibly in another tenant, whose rows stay untouched and unnamed).
    /// Other store failures pass through.
    pub fn taken(e: StoreError, message: &str) -> Self {
        if e.is_unique_violation() {
            Self::new(ErrorCode::Conflict, message)
        } else {
            Error::Store(e)
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Refused { code, .. } => *code,
            Error::Store(StoreError::Db(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)) => {
                ErrorCode::Unavailable
            }
            Error::Store(_) => ErrorCode::Internal,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(StoreError::Db(e))
    }
}

impl From<InvalidValue> for Error {
    fn from(e: InvalidValue) -> Self {
        Error::new(ErrorCode::InvalidInput, e.to_string())
    }
}
