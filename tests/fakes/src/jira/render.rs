//! JSON the fake Jira sends: issue and comment beans, users, timestamps, ADF helpers.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use super::{FakeComment, FakeIssue, STATUSES, category};

/// `2026-01-01T10:00:00.000+0000`: Jira's timestamps, the offset without a colon.
pub fn jira_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
        ))
        .expect("format")
}

pub fn user(base: &str, account_id: &str) -> Value {
    json!({
        "self": format!("{base}/rest/api/3/user?accountId={account_id}"),
        "accountId": account_id,
        "displayName": account_id,
        "active": true,
        "accountType": "atlassian",
        "timeZone": "UTC",
    })
}

pub fn status(base: &str, name: &str) -> Value {
    let key = category(name);
    let (id, label) = match key {
        "new" => (2, "To Do"),
        "done" => (3, "Done"),
        _ => (4, "In Progress"),
    };
    let status_id = STATUSES
        .iter()
        .position(|(n, _)| *n == name)
        .map_or(10_099, |i| 10_000 + i);
    json!({
        "self": format!("{base}/rest/api/3/status/{status_id}"),
        "id": status_id.to_string(),
        "name": name,
        "statusCategory": {
            "self": format!("{base}/rest/api/3/statuscategory/{id}"),
            "id": id,
            "key": key,
            "name": label,
        },
    })
}

pub fn comment(base: &str, issue: &FakeIssue, c: &FakeComment) -> Value {
    json!({
        "self": format!("{base}/rest/api/3/issue/{}/comment/{}", issue.id, c.id),
        "id": c.id.to_string(),
        "author": user(base, &c.author),
        "updateAuthor": user(base, &c.author),
        "body": c.body,
        "created": jira_time(c.created_at),
        "updated": jira_time(c.updated_at),
        "jsdPublic": true,
    })
}

/// An issue bean with the fields named in `fields` (all when it holds `*all` or
/// `*navigable`, or is empty).
pub fn issue(base: &str, issue: &FakeIssue, fields: &[String]) -> Value {
    let all = fields.is_empty() || fields.iter().any(|f| f == "*all" || f == "*navigable");
    let wanted = |name: &str| all || fields.iter().any(|f| f == name);
    let mut out = serde_json::Map::new();
    let mut put = |name: &str, value: Value| {
        if wanted(name) {
            out.insert(name.to_owned(), value);
        }
    };
    put("summary", json!(issue.title));
    put("description", issue.body.clone().unwrap_or(Value::Null));
    put("status", status(base, &issue.state));
    put("labels", json!(issue.labels));
    put(
        "assignee",
        issue
            .assignee
            .as_deref()
            .map_or(Value::Null, |a| user(base, a)),
    );
    put("reporter", user(base, &issue.author));
    put("creator", user(base, &issue.author));
    let comments: Vec<Value> = issue
        .comments
        .iter()
        .map(|c| comment(base, issue, c))
        .collect();
    put(
        "comment",
        json!({
            "comments": comments,
            "self": format!("{base}/rest/api/3/issue/{}/comment", issue.id),
            "maxResults": comments.len(),
            "total": comments.len(),
            "startAt": 0,
        }),
    );
    put("issuetype", json!({ "name": "Task", "subtask": false }));
    put("project", json!({ "key": issue.project }));
    put("created", json!(jira_time(issue.created_at)));
    put("updated", json!(jira_time(issue.updated_at)));
    put(
        "resolutiondate",
        issue
            .resolved_at
            .map_or(Value::Null, |t| json!(jira_time(t))),
    );
    json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id.to_string(),
        "self": format!("{base}/rest/api/3/issue/{}", issue.id),
        "key": issue.key,
        "fields": out,
    })
}

/// An ADF document with one paragraph of `text` (none when empty).
pub fn paragraph_doc(text: &str) -> Value {
    let content = if text.is_empty() {
        json!([])
    } else {
        json!([{ "type": "paragraph", "content": [{ "type": "text", "text": text }] }])
    };
    json!({ "type": "doc", "version": 1, "content": content })
}

/// Whether `value` is an ADF document (`{"type":"doc","version":1,"content":[…]}`).
pub fn is_doc(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("doc")
        && value.get("version").and_then(Value::as_u64) == Some(1)
        && value.get("content").is_some_and(Value::is_array)
}

/// Plain text of an ADF node: text nodes concatenated, blocks separated by newlines.
pub fn adf_text(node: &Value) -> String {
    let mut out = String::new();
    collect(node, &mut out);
    out.trim_end().to_owned()
}

fn collect(node: &Value, out: &mut String) {
    match node.get("type").and_then(Value::as_str) {
        Some("text") => out.push_str(node.get("text").and_then(Value::as_str).unwrap_or("")),
        Some("hardBreak") => out.push('\n'),
        _ => {
            let kids = node.get("content").and_then(Value::as_array);
            for kid in kids.into_iter().flatten() {
                collect(kid, out);
            }
            let block = node.get("content").is_some()
                && !matches!(node.get("type").and_then(Value::as_str), Some("doc"));
            if block && !out.ends_with('\n') {
                out.push('\n');
            }
        }
    }
}

/// Standard base64 (with or without padding) → bytes; None when malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let trimmed = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in trimmed.bytes() {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(base64_decode("YUBiLmM6dG9r").unwrap(), b"a@b.c:tok");
        assert_eq!(base64_decode("YWI6Yw==").unwrap(), b"ab:c");
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn timestamps_have_millis_and_no_colon_offset() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.6789 UTC);
        assert_eq!(jira_time(t), "2026-01-02T03:04:05.678+0000");
    }
}
