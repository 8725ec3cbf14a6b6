//! Polling mode: what [`Slack`] reads on each [`receive`](super::Slack::receive) without
//! an app token.
//!
//! - `conversations.history` of each channel (`channel`, `oldest`, `inclusive=false`,
//!   `limit`, `latest` for older pages; newest first,
//!   <https://docs.slack.dev/reference/methods/conversations.history>): from an hour
//!   ([`WINDOW_SECS`]) before the channel's last seen `ts`, so new messages and the 🎫
//!   reactions on recent ones come in one read. Pages follow while `has_more` and the
//!   page is still newer than the last seen `ts` (at most [`MAX_PAGES`]).
//! - `conversations.replies` (`channel`, `ts`, `oldest`;
//!   <https://docs.slack.dev/reference/methods/conversations.replies>) of the few threads
//!   the bot answered in lately (see [`super::threads`]): the parent comes first, then
//!   the replies.
//! - `reactions.get` (`channel`, `timestamp`, `full`) of each pending preview.

use std::collections::BTreeMap;
use std::time::Duration;

use aiops_core::CoreResult;
use aiops_core::chat::channel::{ChatEvent, Received};
use serde_json::Value;
use ureq::http::Method;

use super::Slack;
use super::threads::{later, ts_key};

/// Messages read per page, and pages per channel and poll.
const PAGE: u32 = 100;
const MAX_PAGES: usize = 10;
/// How far back (seconds before the newest message seen) reactions are looked for.
pub const WINDOW_SECS: u64 = 3600;

fn ts_of(m: &Value) -> Option<&str> {
    m.get("ts").and_then(Value::as_str)
}

/// `ts` minus `secs`, in Slack's format.
fn before(ts: &str, secs: u64) -> String {
    let (s, _) = ts_key(ts);
    let frac = ts.split_once('.').map_or("000000", |(_, f)| f);
    format!("{}.{frac}", s.saturating_sub(secs))
}

/// Users who put `name` on message `m`.
fn reactors<'a>(m: &'a Value, name: &str) -> Vec<&'a str> {
    m.get("reactions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r["name"] == name)
        .flat_map(|r| r["users"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect()
}

impl Slack {
    pub(super) fn receive_poll(
        &self,
        cursor: Option<&str>,
        wait: Duration,
    ) -> CoreResult<Received> {
        let mut marks: BTreeMap<String, String> = cursor
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut events = Vec::new();
        for channel in &self.channels {
            let mark = marks.get(channel).cloned();
            let (messages, newest) = self.history(channel, mark.as_deref())?;
            if let Some(mark) = &mark {
                events.extend(
                    messages
                        .iter()
                        .filter(|m| ts_of(m).is_some_and(|ts| later(ts, mark)))
                        .filter_map(|m| self.event(channel, m)),
                );
            }
            // Without a mark this is the bot's first look: reactions already there are
            // history, not requests.
            events.extend(self.tickets(channel, &messages, mark.is_some()));
            marks.insert(channel.clone(), newest);
        }
        events.extend(self.thread_replies()?);
        events.extend(self.choices()?);
        if events.is_empty() {
            std::thread::sleep(wait);
        }
        Ok(Received {
            events,
            cursor: Some(serde_json::to_string(&marks).unwrap_or_default()),
        })
    }

    /// The channel's messages read this poll, oldest first, and the newest `ts` seen.
    /// Without `mark`: the newest page only (the mark starts there, so a new bot does
    /// not answer the channel's history). With it: everything from [`WINDOW_SECS`]
    /// before it.
    fn history(&self, channel: &str, mark: Option<&str>) -> CoreResult<(Vec<Value>, String)> {
        let oldest = mark.map(|m| before(m, WINDOW_SECS));
        let mut messages: Vec<Value> = Vec::new();
        let mut latest: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("channel", channel.to_owned()), ("limit", PAGE.to_string())];
            if let Some(o) = &oldest {
                query.push(("oldest", o.clone()));
                query.push(("inclusive", "false".to_owned()));
            }
            if let Some(l) = &latest {
                query.push(("latest", l.clone()));
            }
            let v = self.call(Method::GET, "conversations.history", &query, None)?;
            let batch = v
                .get("messages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let more = v.get("has_more").and_then(Value::as_bool) == Some(true);
            latest = batch.last().and_then(ts_of).map(str::to_owned);
            messages.extend(batch);
            let Some(mark) = mark else { break };
            let unread = latest.as_deref().is_some_and(|l| later(l, mark));
            if !more || !unread {
                break;
            }
        }
        messages.reverse();
        let newest = messages
            .iter()
            .filter_map(ts_of)
            .chain(mark)
            .max_by_key(|ts| ts_key(ts))
            .unwrap_or("0")
            .to_owned();
        Ok((messages, newest))
    }

    /// 🎫 reactions of people on `messages`, each (message, reactor) once; `emit` false
    /// only remembers them.
    fn tickets(&self, channel: &str, messages: &[Value], emit: bool) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        for m in messages {
            let Some(ts) = ts_of(m) else { continue };
            for user in reactors(m, "ticket") {
                if user == self.bot_user
                    || !self.first_time(&Self::ticket_key(channel, ts, user))
                    || !emit
                {
                    continue;
                }
                let text = m.get("text").and_then(Value::as_str).map(str::to_owned);
                out.push(self.ticket(channel, ts, user, text));
            }
        }
        out
    }

    /// New replies in the threads the bot answered in lately (one page each).
    fn thread_replies(&self) -> CoreResult<Vec<ChatEvent>> {
        let due = self.threads.borrow_mut().due();
        let mut out = Vec::new();
        for t in due {
            let query = [
                ("channel", t.channel.clone()),
                ("ts", t.parent.clone()),
                ("oldest", t.mark.clone()),
                ("inclusive", "false".to_owned()),
                ("limit", PAGE.to_string()),
            ];
            let v = self.call(Method::GET, "conversations.replies", &query, None)?;
            let replies = v
                .get("messages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut newest = t.mark.clone();
            for m in &replies {
                let Some(ts) = ts_of(m) else { continue };
                if ts == t.parent || !later(ts, &t.mark) {
                    continue;
                }
                if later(ts, &newest) {
                    newest = ts.to_owned();
                }
                out.extend(self.event(&t.channel, m));
            }
            out.extend(self.tickets(&t.channel, &replies, true));
            self.threads
                .borrow_mut()
                .advance(&t.channel, &t.parent, &newest);
        }
        Ok(out)
    }

    /// ✅/❌ reactions of people on pending previews, as choices.
    fn choices(&self) -> CoreResult<Vec<ChatEvent>> {
        let pending: Vec<(String, String)> = self
            .pending
            .borrow()
            .iter()
            .map(|p| (p.channel.clone(), p.ts.clone()))
            .collect();
        let mut out = Vec::new();
        for (channel, ts) in pending {
            let query = [
                ("channel", channel.clone()),
                ("timestamp", ts.clone()),
                ("full", "true".to_owned()),
            ];
            let v = self.call(Method::GET, "reactions.get", &query, None)?;
            let Some(m) = v.get("message") else { continue };
            for name in ["white_check_mark", "x"] {
                for user in reactors(m, name) {
                    out.extend(self.choice(&channel, &ts, name, user));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_starts_an_hour_before() {
        assert_eq!(
            super::before("1765000000.000300", 3600),
            "1764996400.000300"
        );
        assert_eq!(super::before("5.1", 3600), "0.1");
    }
}
