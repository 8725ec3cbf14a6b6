//! Jira Cloud's JSON shapes → the port's types, and the few strings we build for it
//! (JQL, issue keys). Wire types stay here; nothing else reads Jira's JSON.

use aiops_core::tracker::{
    RemoteComment, RemoteIssue, Target, TrackerError, TrackerResult, normalise_status,
};
use aiops_types::{Provider, Timestamp};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::adf;

/// Fields asked for in searches and issue reads (everything [`issue`] maps).
pub const FIELDS: &[&str] = &[
    "summary",
    "description",
    "status",
    "labels",
    "assignee",
    "reporter",
    "comment",
    "created",
    "updated",
    "resolutiondate",
];

/// What a link's `Target.external` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A project key such as `PROJ`: JQL `project = "PROJ"`; issues can be created there.
    Project(&'a str),
    /// `jql:<filter>`: the filter, parenthesised so our own clauses bind outside it.
    Jql(&'a str),
}

impl Scope<'_> {
    pub fn parse(target: &Target) -> TrackerResult<Scope<'_>> {
        let external = target.external.trim();
        if let Some(filter) = external.strip_prefix("jql:") {
            let filter = filter.trim();
            if filter.is_empty() {
                return Err(TrackerError::Invalid(
                    "Jira target `jql:` needs a filter after the colon".into(),
                ));
            }
            return Ok(Scope::Jql(filter));
        }
        let mut chars = external.chars();
        let key_like = chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && external.len() >= 2
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if key_like {
            Ok(Scope::Project(external))
        } else {
            Err(TrackerError::Invalid(format!(
                "Jira target `{external}` is neither a project key (like `PROJ`) nor `jql:<filter>`"
            )))
        }
    }

    pub fn jql(&self) -> String {
        match self {
            Scope::Project(key) => format!("project = \"{key}\""),
            Scope::Jql(filter) => format!("({filter})"),
        }
    }
}

/// An issue key (`PROJ-12`) or numeric id, checked before it goes into a URL path.
pub fn issue_key(remote_id: &str) -> TrackerResult<&str> {
    let numeric = !remote_id.is_empty() && remote_id.bytes().all(|b| b.is_ascii_digit());
    let keyed = remote_id.rsplit_once('-').is_some_and(|(project, number)| {
        project.starts_with(|c: char| c.is_ascii_uppercase())
            && project
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
    });
    if numeric || keyed {
        Ok(remote_id)
    } else {
        Err(TrackerError::Invalid(format!(
            "`{remote_id}` is not a Jira issue key (like `PROJ-12`)"
        )))
    }
}

/// A comment id (numeric), checked before it goes into a URL path.
pub fn comment_id(id: &str) -> TrackerResult<&str> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(TrackerError::Invalid(format!(
            "`{id}` is not a Jira comment id"
        )))
    }
}

/// `yyyy-MM-dd HH:mm`, the JQL date-time form. Formatted in UTC: see the overlap note in
/// `Jira::changes`.
pub fn jql_time(t: Timestamp) -> TrackerResult<String> {
    t.to_offset(UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .map_err(|e| TrackerError::Upstream(format!("cannot format {t} for JQL: {e}")))
}

/// Jira's timestamps, `2026-01-01T10:00:00.000+0000` (offset without a colon), also
/// accepted with `+00:00` or `Z`; returned in UTC.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let split = text
        .len()
        .checked_sub(5)
        .filter(|&i| text.is_char_boundary(i));
    let fixed = match split.map(|i| text.split_at(i)) {
        Some((head, tail))
            if tail.starts_with(['+', '-']) && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{head}{}:{}", &tail[..3], &tail[3..])
        }
        _ => text.to_owned(),
    };
    OffsetDateTime::parse(&fixed, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UtcOffset::UTC))
}

fn malformed(what: &str) -> TrackerError {
    TrackerError::Upstream(format!("unexpected answer from Jira: {what}"))
}

fn time_field(fields: &Value, name: &str) -> TrackerResult<Timestamp> {
    let text = fields.get(name).and_then(Value::as_str).unwrap_or("");
    parse_time(text).ok_or_else(|| malformed(&format!("`{name}` is not a timestamp: `{text}`")))
}

/// A user object's accountId, or its display name when there is none.
fn user(value: Option<&Value>) -> Option<String> {
    let user = value.filter(|v| v.is_object())?;
    user.get("accountId")
        .or_else(|| user.get("displayName"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// An issue bean (`{id, key, self, fields: {…}}`, fields as in [`FIELDS`]).
/// `base_url` gives the web page `<base_url>/browse/<KEY>`.
pub fn issue(value: &Value, base_url: &str) -> TrackerResult<RemoteIssue> {
    let key = value
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("an issue without a `key`"))?;
    let fields = value
        .get("fields")
        .filter(|f| f.is_object())
        .ok_or_else(|| malformed(&format!("issue {key} without `fields`")))?;
    let status = fields
        .get("status")
        .ok_or_else(|| malformed(&format!("issue {key} without `status`")))?;
    let category = status
        .pointer("/statusCategory/key")
        .and_then(Value::as_str)
        .unwrap_or("");
    let labels = fields
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let comments = fields
        .pointer("/comment/total")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let closed_at = match fields.get("resolutiondate").and_then(Value::as_str) {
        Some(text) => {
            Some(parse_time(text).ok_or_else(|| malformed(&format!("`resolutiondate` `{text}`")))?)
        }
        None => None,
    };
    Ok(RemoteIssue {
        remote_id: key.to_owned(),
        external_id: key.to_owned(),
        title: fields
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        description: adf::adf_to_markdown(fields.get("description").unwrap_or(&Value::Null)),
        status: normalise_status(Provider::Jira, category),
        provider_status: status
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(category)
            .to_owned(),
        labels,
        assignee: user(fields.get("assignee")),
        author: user(fields.get("reporter")),
        url: Some(format!("{base_url}/browse/{key}")),
        comments: u32::try_from(comments).unwrap_or(u32::MAX),
        created_at: time_field(fields, "created")?,
        updated_at: time_field(fields, "updated")?,
        closed_at,
    })
}

/// A comment bean (`{id, author, body: ADF, created, updated}`).
pub fn comment(value: &Value) -> TrackerResult<RemoteComment> {
    let id = match value.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(malformed("a comment without an `id`")),
    };
    Ok(RemoteComment {
        author: user(value.get("author")).unwrap_or_default(),
        body: adf::adf_to_markdown(value.get("body").unwrap_or(&Value::Null)),
        created_at: time_field(value, "created")?,
        updated_at: time_field(value, "updated")?,
        remote_id: id,
    })
}

/// One entry of `GET …/transitions`.
#[derive(Debug, Clone)]
pub struct Transition {
    pub id: String,
    pub name: String,
    /// Status category key of the target status: `new`, `indeterminate` or `done`.
    pub category: String,
}

pub fn transitions(value: &Value) -> TrackerResult<Vec<Transition>> {
    let list = value
        .get("transitions")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("transitions answer without `transitions`"))?;
    list.iter()
        .map(|t| {
            let id = match t.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(malformed("a transition without an `id`")),
            };
            Ok(Transition {
                id,
                name: t
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                category: t
                    .pointer("/to/statusCategory/key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            })
        })
        .collect()
}

/// The transition to take: the first configured name (case-insensitive) Jira offers;
/// else one into the `done` category (closing) or out of it (reopening, `new` first).
pub fn pick_transition<'a>(
    offered: &'a [Transition],
    names: &[String],
    closing: bool,
) -> Option<&'a Transition> {
    let by_name = names.iter().find_map(|wanted| {
        offered
            .iter()
            .find(|t| t.name.trim().eq_ignore_ascii_case(wanted.trim()))
    });
    by_name.or_else(|| {
        if closing {
            offered.iter().find(|t| t.category == "done")
        } else {
            offered
                .iter()
                .find(|t| t.category == "new")
                .or_else(|| offered.iter().find(|t| t.category != "done"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_timestamps_parse_with_or_without_colon() {
        let want = parse_time("2026-01-01T10:00:00.000Z").unwrap();
        assert_eq!(parse_time("2026-01-01T10:00:00.000+0000"), Some(want));
        assert_eq!(parse_time("2026-01-01T12:00:00.000+0200"), Some(want));
        assert_eq!(parse_time("2026-01-01T05:30:00.000-0430"), Some(want));
        assert_eq!(parse_time("2026-01-01T10:00:00+00:00"), Some(want));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("ünïcödé"), None);
    }

    #[test]
    fn targets_are_keys_or_jql() {
        let t = |s: &str| Target { external: s.into() };
        assert_eq!(
            Scope::parse(&t("PROJ")).unwrap().jql(),
            "project = \"PROJ\""
        );
        assert_eq!(
            Scope::parse(&t("jql: labels = x OR project = A"))
                .unwrap()
                .jql(),
            "(labels = x OR project = A)"
        );
        for bad in ["proj", "P", "PR-1", "jql:  ", "PROJ\" OR 1=1"] {
            assert!(Scope::parse(&t(bad)).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn issue_keys_are_checked_before_paths() {
        assert!(issue_key("PROJ-12").is_ok());
        assert!(issue_key("10001").is_ok());
        for bad in ["../x", "PROJ-", "proj-1", "PROJ-1/comment", ""] {
            assert!(issue_key(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn jql_time_is_minutes_in_utc() {
        let t = parse_time("2026-03-04T05:06:59.999+0100").unwrap();
        assert_eq!(jql_time(t).unwrap(), "2026-03-04 04:06");
    }
}
