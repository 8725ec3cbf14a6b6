//! The JQL subset the fake understands: `AND`-joined clauses `project = KEY`,
//! `labels = x` and `updated >= "yyyy-MM-dd HH:mm"` (also `>`, dates alone, `/` as the
//! date separator), optionally parenthesised, then `ORDER BY updated [ASC|DESC]`.
//! Times are read in UTC (every fake user's profile zone), at minute granularity.

use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::FakeIssue;

#[derive(Debug, Default, PartialEq)]
pub struct Query {
    pub project: Option<String>,
    pub label: Option<String>,
    /// `(instant, inclusive)`.
    pub updated_after: Option<(OffsetDateTime, bool)>,
    /// `Some(ascending)` for `ORDER BY updated`.
    pub order_by_updated: Option<bool>,
}

impl Query {
    pub fn matches(&self, issue: &FakeIssue) -> bool {
        self.project.as_ref().is_none_or(|p| *p == issue.project)
            && self.label.as_ref().is_none_or(|l| issue.labels.contains(l))
            && self.updated_after.is_none_or(|(t, inclusive)| {
                issue.updated_at > t || (inclusive && issue.updated_at == t)
            })
    }
}

/// Parses `jql`; the error is the text Jira would put in `errorMessages`.
pub fn parse(jql: &str) -> Result<Query, String> {
    let lower = jql.to_ascii_lowercase();
    let (filter, order) = match lower.find("order by") {
        Some(i) => (&jql[..i], Some(jql[i + "order by".len()..].trim())),
        None => (jql, None),
    };
    let mut query = Query::default();
    if let Some(order) = order {
        let words: Vec<String> = order
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        query.order_by_updated = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["updated"] | ["updated", "asc"] => Some(true),
            ["updated", "desc"] => Some(false),
            _ => {
                return Err(format!(
                    "Error in the JQL Query: cannot order by '{order}' here."
                ));
            }
        };
    }
    for clause in split_and(filter) {
        let clause = clause
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        if clause.is_empty() {
            continue;
        }
        let (field, op, value) = split_clause(clause)
            .ok_or_else(|| format!("Error in the JQL Query: cannot read '{clause}'."))?;
        match (field.as_str(), op) {
            ("project", "=") => query.project = Some(value),
            ("labels", "=") => query.label = Some(value),
            ("updated", ">=" | ">") => {
                let at = parse_time(&value).ok_or_else(|| {
                    format!(
                        "Date value '{value}' for field 'updated' is invalid. Valid formats \
                         include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', \
                         'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
                    )
                })?;
                query.updated_after = Some((at, op == ">="));
            }
            _ => {
                return Err(format!(
                    "Error in the JQL Query: '{field} {op}' is not supported by this fake."
                ));
            }
        }
    }
    if query.project.is_none() && query.label.is_none() {
        return Err(
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
                .into(),
        );
    }
    Ok(query)
}

/// Splits on ` AND ` (any case) outside quotes.
fn split_and(filter: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let chars: Vec<char> = filter.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            in_quotes = !in_quotes;
        }
        let rest: String = chars[i..chars.len().min(i + 5)].iter().collect();
        if !in_quotes && rest.eq_ignore_ascii_case(" and ") {
            parts.push(std::mem::take(&mut current));
            i += 5;
            continue;
        }
        current.push(c);
        i += 1;
    }
    parts.push(current);
    parts
}

/// `field op value` with the value unquoted.
fn split_clause(clause: &str) -> Option<(String, &'static str, String)> {
    for op in [">=", "<=", "!=", "=", ">", "<", "~"] {
        if let Some((field, value)) = clause.split_once(op) {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            return Some((field.trim().to_ascii_lowercase(), op, value.to_owned()));
        }
    }
    None
}

fn parse_time(value: &str) -> Option<OffsetDateTime> {
    let value = value.replace('/', "-");
    let with_minutes = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let at = PrimitiveDateTime::parse(&value, with_minutes)
        .ok()
        .or_else(|| {
            let day =
                time::Date::parse(&value, format_description!("[year]-[month]-[day]")).ok()?;
            Some(day.midnight())
        })?;
    Some(at.assume_offset(offset!(UTC)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reads_what_the_provider_sends() {
        let q = parse(r#"project = "PROJ" AND updated >= "2026-01-01 10:05" ORDER BY updated ASC"#)
            .unwrap();
        assert_eq!(q.project.as_deref(), Some("PROJ"));
        assert_eq!(
            q.updated_after,
            Some((datetime!(2026-01-01 10:05 UTC), true))
        );
        assert_eq!(q.order_by_updated, Some(true));
        let q = parse("(labels = aiops AND project = P) ORDER BY updated").unwrap();
        assert_eq!(q.label.as_deref(), Some("aiops"));
        assert_eq!(q.project.as_deref(), Some("P"));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(
            parse("ORDER BY updated ASC")
                .unwrap_err()
                .contains("Unbounded")
        );
        assert!(parse("project = P AND updated >= \"soon\"").is_err());
        assert!(parse("project = P AND assignee = me").is_err());
    }
}
