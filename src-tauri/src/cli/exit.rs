//! The CLI's one error type: a one-line message and the process exit code.
//!
//! Exit codes: 0 ok, 1 error, 2 usage (clap's own usage errors use 2 as well),
//! 3 authentication (401/403, or no credential configured), 4 not found.

use aiops_client::ClientError;
use aiops_client::key_store::CredentialError;

pub const ERROR: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 3;
pub const NOT_FOUND: u8 = 4;

/// What `main` prints as `error: <message>` before exiting with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(ERROR, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(AUTH, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(NOT_FOUND, message)
    }

    /// The message as one line, whatever the source put in it.
    pub fn one_line(&self) -> String {
        self.message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        Self::new(e.exit_code(), e.to_string())
    }
}

impl From<CredentialError> for CliError {
    fn from(e: CredentialError) -> Self {
        Self::error(e.to_string())
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        // `{:#}` prints the context chain on one line: `outer: inner: cause`.
        Self::error(format!("{e:#}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::error(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiops_types::ErrorCode;

    #[test]
    fn client_errors_keep_their_exit_code() {
        let e: CliError = ClientError::Api {
            status: 404,
            code: ErrorCode::NotFound,
            message: "tenant `x` not found".into(),
        }
        .into();
        assert_eq!(e, CliError::not_found("not_found: tenant `x` not found"));
        let e: CliError = ClientError::Transport("cannot reach http://h: timed out".into()).into();
        assert_eq!(e.code, ERROR);
    }

    #[test]
    fn anyhow_chains_print_on_one_line() {
        let e: CliError = anyhow::anyhow!("inner").context("outer").into();
        assert_eq!(e.message, "outer: inner");
        assert_eq!(CliError::error("a\n  b").one_line(), "a b");
    }
}
