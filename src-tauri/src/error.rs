//! The one error type every command returns: the core's stable code plus a sentence
//! for people. The UI branches on `code`, never on `message`.

use outpost_core::CoreError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[error("{message} ({code})")]
pub struct AppError {
    /// Stable machine-readable code ([`CoreError::code`]).
    pub code: String,
    pub message: String,
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        Self {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
