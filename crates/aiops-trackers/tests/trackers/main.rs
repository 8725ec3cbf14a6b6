//! The tracker providers against local fakes of their APIs (`aiops-fakes`).

mod github;
mod gitlab;
mod gitlab_mrs;
mod jira;
mod redirects;
