//! Which thread each message is in, and the threads the bot answered in lately.
//!
//! Slack threads hang off their parent's `ts`: a reply posted with `thread_ts` set to
//! another reply's `ts` does not land in that thread, so every reply must name the
//! parent. Polling mode also re-reads the most recent threads the bot posted in
//! (`conversations.replies`) to see follow-ups there.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Messages whose thread is remembered.
const KNOWN: usize = 5_000;
/// Threads polled for follow-ups, and for how long after the bot's last post there.
pub(super) const ACTIVE_THREADS: usize = 5;
pub(super) const ACTIVE_FOR: Duration = Duration::from_secs(3600);
/// Shortest time between two reads of one thread (`conversations.replies` is Tier 3,
/// about 50 calls a minute: 5 threads every 8 s stay under it).
pub(super) const THREAD_EVERY: Duration = Duration::from_secs(8);

/// A thread the bot posted in.
#[derive(Debug, Clone)]
pub(super) struct Active {
    pub channel: String,
    pub parent: String,
    /// The newest message of the thread already read (replies after it are new).
    pub mark: String,
    posted_at: Instant,
    read_at: Option<Instant>,
}

#[derive(Debug, Default)]
pub(super) struct Threads {
    parent: HashMap<(String, String), String>,
    order: VecDeque<(String, String)>,
    active: Vec<Active>,
}

/// A Slack `ts` (`1765000000.000100`) as comparable numbers.
pub(super) fn ts_key(ts: &str) -> (u64, u64) {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    (secs.parse().unwrap_or(0), frac.parse().unwrap_or(0))
}

pub(super) fn later(a: &str, b: &str) -> bool {
    ts_key(a) > ts_key(b)
}

impl Threads {
    /// `ts` in `channel` is in the thread of `parent` (a parent names itself).
    pub fn note(&mut self, channel: &str, ts: &str, parent: &str) {
        if ts == parent {
            return;
        }
        let key = (channel.to_owned(), ts.to_owned());
        if self.parent.insert(key.clone(), parent.to_owned()).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > KNOWN {
            if let Some(old) = self.order.pop_front() {
                self.parent.remove(&old);
            }
        }
    }

    /// The parent `ts` of the thread `ts` is in (`ts` itself when top-level or unknown).
    pub fn parent_of(&self, channel: &str, ts: &str) -> String {
        self.parent
            .get(&(channel.to_owned(), ts.to_owned()))
            .cloned()
            .unwrap_or_else(|| ts.to_owned())
    }

    /// The bot answered `answered` in the thread of `parent`: follow-ups after it are
    /// read (polling mode).
    pub fn answered(&mut self, channel: &str, parent: &str, answered: &str) {
        let now = Instant::now();
        match self
            .active
            .iter_mut()
            .find(|a| a.channel == channel && a.parent == parent)
        {
            Some(a) => {
                a.posted_at = now;
                if later(answered, &a.mark) {
                    a.mark = answered.to_owned();
                }
            }
            None => self.active.push(Active {
                channel: channel.to_owned(),
                parent: parent.to_owned(),
                mark: answered.to_owned(),
                posted_at: now,
                read_at: None,
            }),
        }
        self.active.sort_by_key(|a| std::cmp::Reverse(a.posted_at));
        self.active.truncate(ACTIVE_THREADS);
    }

    /// The threads due for a read now: the [`ACTIVE_THREADS`] most recent within
    /// [`ACTIVE_FOR`], each at most every [`THREAD_EVERY`]; marked as read.
    pub fn due(&mut self) -> Vec<Active> {
        let now = Instant::now();
        self.active
            .retain(|a| now.duration_since(a.posted_at) < ACTIVE_FOR);
        let mut out = Vec::new();
        for a in &mut self.active {
            if a.read_at
                .is_none_or(|r| now.duration_since(r) >= THREAD_EVERY)
            {
                a.read_at = Some(now);
                out.push(a.clone());
            }
        }
        out
    }

    /// Replies up to `mark` of the thread were read.
    pub fn advance(&mut self, channel: &str, parent: &str, mark: &str) {
        if let Some(a) = self
            .active
            .iter_mut()
            .find(|a| a.channel == channel && a.parent == parent)
            && later(mark, &a.mark)
        {
            a.mark = mark.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_map_to_their_parent_and_threads_are_bounded() {
        let mut t = Threads::default();
        t.note("C1", "2.000200", "1.000100");
        assert_eq!(t.parent_of("C1", "2.000200"), "1.000100");
        assert_eq!(t.parent_of("C1", "1.000100"), "1.000100");
        assert_eq!(t.parent_of("C2", "2.000200"), "2.000200");
        for i in 0..8 {
            t.answered("C1", &format!("{i}.0"), &format!("{i}.0"));
        }
        let due = t.due();
        assert_eq!(due.len(), ACTIVE_THREADS);
        assert_eq!(due[0].parent, "7.0", "the most recent first");
        assert!(t.due().is_empty(), "read again only after THREAD_EVERY");
        assert!(later("10.000001", "9.999999"));
    }
}
