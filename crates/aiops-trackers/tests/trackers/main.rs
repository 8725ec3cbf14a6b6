//! The tracker providers and chat adapters against local fakes of their APIs (`aiops-fakes`).

mod github;
mod gitlab;
mod gitlab_mrs;
mod jira;
mod ollama;
mod redirects;
mod slack;
mod slack_socket;
mod telegram;
