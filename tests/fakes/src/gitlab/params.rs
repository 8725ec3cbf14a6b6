//! Request parameters as GitLab reads them. A refusal is the text of GitLab's
//! `400 {"error": "<param> is invalid"}` answer, turned into a response by [`refuse`].

use std::collections::HashMap;

use axum::response::Response;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::GitLabState;
use super::render::error;

pub type Parsed<T> = Result<T, String>;

/// The `400` for a refused parameter.
pub fn refuse(text: String) -> Response {
    error(400, &text)
}

/// A JSON object body, or a form-encoded one (GitLab accepts both).
pub fn body(body: &[u8]) -> Parsed<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("400 Bad request - the body must be an object".into()),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let mut m = Map::new();
            for kv in text.split('&').filter(|kv| !kv.is_empty()) {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                m.insert(crate::decode(k), Value::String(crate::decode(v)));
            }
            Ok(m)
        }
    }
}

/// `labels`: a comma-separated string (empty clears) or an array of names; duplicates
/// and blanks dropped.
pub fn labels(params: &Map<String, Value>) -> Parsed<Option<Vec<String>>> {
    let raw: Vec<String> = match params.get("labels") {
        None => return Ok(None),
        Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(_) => return Err("labels is invalid".into()),
    };
    let mut out: Vec<String> = Vec::new();
    for l in raw.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if !out.iter().any(|o| o == l) {
            out.push(l.to_owned());
        }
    }
    Ok(Some(out))
}

/// `assignee_ids` (array, a single id, `0`/`[0]`/`[]`/empty to unassign) or the older
/// `assignee_id`, as usernames; unknown ids are ignored, as GitLab drops users it
/// cannot assign.
pub fn assignees(st: &GitLabState, params: &Map<String, Value>) -> Parsed<Option<Vec<String>>> {
    let raw = params
        .get("assignee_ids")
        .or_else(|| params.get("assignee_id"));
    let ids: Vec<u64> = match raw {
        None => return Ok(None),
        Some(Value::Null) => Vec::new(),
        Some(Value::Number(n)) => n.as_u64().into_iter().collect(),
        Some(Value::String(s)) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .collect(),
        Some(_) => return Err("assignee_ids is invalid".into()),
    };
    let names = ids
        .into_iter()
        .filter(|id| *id != 0)
        .filter_map(|id| st.users.iter().find(|u| u.id == id))
        .map(|u| u.username.clone())
        .collect();
    Ok(Some(names))
}

/// An ISO 8601 / RFC 3339 time parameter.
pub fn time(q: &HashMap<String, String>, key: &str) -> Parsed<Option<OffsetDateTime>> {
    let Some(v) = q.get(key) else {
        return Ok(None);
    };
    OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .map(Some)
        .map_err(|_| format!("{key} is invalid"))
}

/// How a list is ordered: `order_by` (`created_at` default, or `updated_at`) and `sort`
/// (`desc` default, or `asc`).
#[derive(Debug, Clone, Copy)]
pub struct Order {
    pub by_updated: bool,
    pub asc: bool,
}

pub fn order(q: &HashMap<String, String>) -> Parsed<Order> {
    let by_updated = match q.get("order_by").map(String::as_str) {
        None | Some("created_at") => false,
        Some("updated_at") => true,
        Some(_) => return Err("order_by does not have a valid value".into()),
    };
    let asc = match q.get("sort").map(String::as_str) {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err("sort does not have a valid value".into()),
    };
    Ok(Order { by_updated, asc })
}
