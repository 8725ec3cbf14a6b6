//! The secret string type the client keeps API keys, session cookies and passwords in:
//! the API's own [`aiops_types::Secret`] (`[redacted]` when printed, zeroed on drop).

pub use aiops_types::Secret;
