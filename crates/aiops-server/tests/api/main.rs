//! Integration tests of the server: a live server on port 0 per test, driven by the real
//! `aiops-client` (and raw HTTP where a test needs to send malformed credentials).

mod agents;
mod auth;
mod common;
mod contract;
mod events;
mod input;
mod integrations;
mod issues;
mod login_limit;
mod matrix;
mod raw;
mod repo_hosts;
mod roles;
mod scoping;
mod terminal;
mod ui;
