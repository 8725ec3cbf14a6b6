//! Keyset pagination: an opaque cursor naming the last id seen, never OFFSET.

use aiops_types::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{CoreError, CoreResult};

/// What a store needs to read one page: rows strictly after (or, for newest-first lists,
/// before) `after`, at most `limit + 1` of them so the caller can tell if more exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    /// The id the cursor names: the last row of the previous page; `None` on the first page.
    pub after: Option<i64>,
    /// Rows per page (1..=500).
    pub limit: u32,
}

impl PageQuery {
    /// Validates `limit` (1..=500, default 50) and decodes `cursor`.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> CoreResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(CoreError::invalid(
                "limit",
                format!("limit must be between 1 and {MAX_PAGE_LIMIT}"),
            ));
        }
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?;
        Ok(Self { after, limit })
    }

    /// How many rows to fetch: one more than the page, to detect a next page.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// Turns `limit + 1` fetched rows into a page with the cursor of its last row.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// Like [`finish`](Self::finish), keeping only the rows `keep` accepts; the cursor is
    /// still the last fetched row's, so the next page starts after the rows left out.
    pub fn finish_where<T>(
        &self,
        rows: Vec<T>,
        id: impl Fn(&T) -> i64,
        keep: impl Fn(&T) -> bool,
    ) -> Page<T> {
        let mut page = self.finish(rows, id);
        page.items.retain(keep);
        page
    }
}

/// Every cursor [`PageQuery::parse`] decodes, as a regular expression (the OpenAPI
/// document's `pattern` of `cursor`): empty, or `id:` and an optionally signed decimal in
/// unpadded base64url. It spells the base64 of `id:` (`aWQ6`), then the groups of three
/// bytes after it (the last one shorter) by the characters they can encode to: the first
/// byte a sign or a digit, every other one a digit. It still allows a lone sign and
/// numbers past `i64`, which parse refuses.
pub const CURSOR_PATTERN: &str = "^(aWQ6(\
     [K-O][DTjz][AEIMQUYcgk][w-z0-5]([MNO][DTjz][AEIMQUYcgk][w-z0-5])*\
     ([MNO][AQgw]|[MNO][DTjz][AEIMQUYcgk])?\
     |[K-O][AQgw]|[K-O][DTjz][AEIMQUYcgk]))?$";

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(cursor: &str) -> CoreResult<i64> {
    let bad = || CoreError::invalid("cursor", "cursor is not one this server issued");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("id:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let q = PageQuery::parse(Some(2), None).unwrap();
        let page = q.finish(vec![1, 2, 3], |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        let next = PageQuery::parse(Some(2), page.next_cursor.as_deref()).unwrap();
        assert_eq!(next.after, Some(2));
        assert!(PageQuery::parse(None, Some("!!")).is_err());
        assert!(PageQuery::parse(Some(0), None).is_err());
        assert!(PageQuery::parse(Some(501), None).is_err());
    }

    #[test]
    fn the_cursor_pattern_allows_every_cursor_parse_accepts() {
        let pattern = regex::Regex::new(CURSOR_PATTERN).unwrap();
        assert!(pattern.is_match(""), "no cursor: the first page");
        let mut ids: Vec<i64> = vec![0, 1, -1, 9, 10, 99, 100, 12_345, i64::MAX, i64::MIN];
        ids.extend((0..200).map(|n| n * 7_919 - 500_000));
        for id in ids {
            let cursor = encode_cursor(id);
            assert!(pattern.is_match(&cursor), "{id} → {cursor}");
            assert_eq!(decode_cursor(&cursor).unwrap(), id);
        }
        // `str::parse::<i64>` also takes a `+` and leading zeros: every text of up to five
        // of its characters after `id:` (a full base64 group and each shorter tail).
        let alphabet = b"+-0123456789";
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.len() == texts.last().unwrap().len())
                .flat_map(|t| alphabet.iter().map(move |&b| format!("{t}{}", b as char)))
                .collect();
            texts.extend(longer);
        }
        texts.push(format!("+{}", "0".repeat(40)));
        let mut accepted = 0;
        for text in &texts {
            let cursor = URL_SAFE_NO_PAD.encode(format!("id:{text}"));
            if decode_cursor(&cursor).is_ok() {
                accepted += 1;
                assert!(pattern.is_match(&cursor), "id:{text} → {cursor}");
            }
        }
        assert!(accepted > 100_000, "{accepted}");
        for refused in ["!!", "abc", "aWQ6", "aWQ6MQ==", "aWQ6LS0"] {
            assert!(PageQuery::parse(None, Some(refused)).is_err(), "{refused}");
            assert!(!pattern.is_match(refused), "{refused}");
        }
    }

    #[test]
    fn last_page_has_no_cursor() {
        let q = PageQuery::parse(Some(5), None).unwrap();
        assert!(q.finish(vec![1, 2], |n| *n).next_cursor.is_none());
    }
}
