//! Chat platforms and answer models behind [`aiops_core::chat::channel`]: the Telegram
//! Bot API ([`telegram`]), the Slack Web API, by Socket Mode or polling ([`slack`]) and Ollama's chat API
//! ([`ollama`]). Blocking calls over the same
//! HTTP path as the trackers ([`crate::http`]).

pub mod markdown_v2;
pub mod ollama;
pub mod slack;
pub mod telegram;
