//! End-to-end tests of the real `aiops` binary: each test starts its own `aiops serve`
//! child on a throwaway data dir (port 0) and drives it with the CLI, `aiops-client` and
//! plain HTTP. Unix only (the tests send signals and check file modes), and only in
//! builds with the `server` feature (they run `aiops serve` and `aiops admin`).

#![cfg(all(unix, feature = "server"))]

mod agents_real;
mod automation;
mod automation_local;
mod backups;
mod changes;
mod chat_agent;
mod chat_sessions;
mod chat_slack;
mod chat_slack_socket;
mod chat_telegram;
mod cli_agent;
mod cli_defaults;
mod cli_grammar;
mod cli_lists;
mod cli_live;
mod cli_naming;
mod common;
mod compression;
mod control_input;
mod crash;
mod desktop;
mod desktop_ssh;
mod dialogs;
mod first_hour;
mod git_ssh;
mod git_verbs;
mod host_user;
mod hosts;
mod hosts_sessions;
mod hosts_ship;
mod issue_events;
mod issues;
mod mcp;
mod mcp_sessions;
mod metrics;
mod pulls;
mod restart;
mod revocation;
mod sandbox;
mod secrets;
mod seed_demo;
mod sessions;
mod sessions_access;
mod sessions_logs;
mod sessions_prompt;
mod terminal;
mod tls;
mod tools_install;
mod trackers;
mod trackers_github;
mod trackers_gitlab;
mod trackers_jira;
mod update;
mod web_ui;
mod web_ui_automation;
mod web_ui_changes;
mod web_ui_first_hour;
mod workflow;
mod worktrees;
