//! The one error type of the domain; the server maps each variant to an API error code.

use aiops_types::ErrorCode;

/// Result of every domain function.
pub type CoreResult<T> = Result<T, CoreError>;

/// Why a domain operation failed. Messages of all variants but `Internal` are meant for
/// the caller.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input fails validation; `field` names the offending input when there is one.
    #[error("{message}")]
    Invalid {
        /// The input field at fault, when there is one.
        field: Option<&'static str>,
        /// What is wrong, for the user.
        message: String,
    },
    /// No valid credential: missing, unknown, expired or revoked, or a failed login.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this (role, scope, tenant membership, session key).
    #[error("{0}")]
    Forbidden(String),
    /// Also used for objects the caller may not see, so their existence does not leak.
    #[error("{0}")]
    NotFound(String),
    /// The operation clashes with the current state (a name taken, a state change not
    /// allowed, a version changed since it was read).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; the caller should wait.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// A tracker refused or failed; the message names the integration and is safe to show.
    #[error("{0}")]
    Upstream(String),
    /// Storage or another port failed; the message goes to the log, not to the user.
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    /// `Invalid` input on `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field),
            message: message.into(),
        }
    }

    /// `NotFound` with the message "`what` not found".
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    /// The stable API error code the server answers with for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid { .. } => ErrorCode::InvalidInput,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Upstream(_) => ErrorCode::UpstreamError,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}
