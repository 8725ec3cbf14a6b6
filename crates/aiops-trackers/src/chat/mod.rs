//! Chat platforms and answer models behind [`aiops_core::chat::channel`]: the Telegram
//! Bot API ([`telegram`]) and Ollama's chat API ([`ollama`]). Blocking calls over the same
//! HTTP path as the trackers ([`crate::http`]).

pub mod markdown_v2;
pub mod ollama;
pub mod telegram;
