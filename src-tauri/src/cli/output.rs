//! How the CLI prints: `-o table` for people, `-o json` / `-o yaml` for scripts.
//!
//! Rules: in json and yaml mode stdout holds exactly one document (an array for lists, an
//! object for single objects) or nothing at all (deletes, logout); confirmations and
//! hints go to stderr. In table mode confirmations go to stdout; hints still go to
//! stderr.

use std::io::Write;

use comfy_table::{ContentArrangement, Table};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::cli::exit::CliError;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Yaml,
}

impl OutputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::Yaml => "yaml",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "yaml" => Ok(Self::Yaml),
            other => Err(format!(
                "unknown output format `{other}` (expected table, json or yaml)"
            )),
        }
    }
}

/// A wire type the CLI can show as a table row (in lists) and as a field list (alone).
pub trait Render: Serialize {
    /// Column headers of the list table.
    const HEADERS: &'static [&'static str];
    /// One list-table row, in `HEADERS` order.
    fn row(&self) -> Vec<String>;
    /// Every field, for the single-object view.
    fn fields(&self) -> Vec<(&'static str, String)>;
}

/// Prints a list: a table, or one JSON/YAML array.
pub fn list<T: Render>(format: OutputFormat, items: &[T]) -> Result<(), CliError> {
    stdout(&render_list(format, items)?)
}

/// Prints one object: a two-column field table, or one JSON/YAML object.
pub fn one<T: Render>(format: OutputFormat, item: &T) -> Result<(), CliError> {
    stdout(&render_one(format, item)?)
}

/// Prints any serialisable value as a document (json/yaml) or through `table` (table).
pub fn value<T: Serialize>(
    format: OutputFormat,
    item: &T,
    table: impl FnOnce() -> String,
) -> Result<(), CliError> {
    match format {
        OutputFormat::Table => stdout(&table()),
        _ => stdout(&document(format, item)?),
    }
}

pub fn render_list<T: Render>(format: OutputFormat, items: &[T]) -> Result<String, CliError> {
    match format {
        OutputFormat::Table => {
            let mut table = new_table();
            table.set_header(T::HEADERS.to_vec());
            for item in items {
                table.add_row(item.row());
            }
            Ok(finish(table))
        }
        _ => document(format, items),
    }
}

pub fn render_one<T: Render>(format: OutputFormat, item: &T) -> Result<String, CliError> {
    match format {
        OutputFormat::Table => Ok(fields_table(&item.fields())),
        _ => document(format, item),
    }
}

/// `name  value` lines, aligned.
pub fn fields_table(fields: &[(&str, String)]) -> String {
    let mut table = new_table();
    for (name, value) in fields {
        table.add_row(vec![name.to_string(), value.clone()]);
    }
    finish(table)
}

fn document<T: Serialize + ?Sized>(format: OutputFormat, item: &T) -> Result<String, CliError> {
    let text = match format {
        OutputFormat::Yaml => serde_norway::to_string(item)
            .map_err(|e| CliError::error(format!("cannot write YAML: {e}")))?,
        _ => serde_json::to_string_pretty(item)
            .map_err(|e| CliError::error(format!("cannot write JSON: {e}")))?,
    };
    Ok(with_newline(text))
}

fn new_table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table
}

fn finish(mut table: Table) -> String {
    // Columns two spaces apart, flush left: easy to read, easy to `awk`.
    let last = table.column_count().saturating_sub(1);
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if i == last { 0 } else { 2 }));
    }
    let text: Vec<String> = table.lines().map(|l| l.trim_end().to_owned()).collect();
    with_newline(text.join("\n"))
}

fn with_newline(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// A one-line confirmation ("Deleted tenant acme."): stdout in table mode, stderr in
/// json/yaml mode so stdout stays a valid (empty) document.
pub fn notice(format: OutputFormat, message: &str) -> Result<(), CliError> {
    match format {
        OutputFormat::Table => stdout(&with_newline(message.to_owned())),
        _ => {
            eprintln!("{message}");
            Ok(())
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
pub fn stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes to stdout; false when the reader went away (`| head`), so a list stops
/// fetching pages nobody reads.
pub fn stdout_open(text: &str) -> Result<bool, CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(true),
    }
}

/// `2026-11-21T20:06:36Z`: UTC, trimmed to seconds.
pub fn ts(t: &OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_else(|_| t.to_string())
}

/// [`ts`], or `-` for none.
pub fn opt_ts(t: Option<&OffsetDateTime>) -> String {
    t.map_or_else(|| "-".to_owned(), ts)
}

/// The value, or `-` for none / empty.
pub fn or_dash(s: Option<&str>) -> String {
    match s {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[derive(Serialize)]
    struct Row {
        id: i64,
        name: String,
        at: String,
    }

    impl Render for Row {
        const HEADERS: &'static [&'static str] = &["ID", "NAME", "AT"];
        fn row(&self) -> Vec<String> {
            vec![self.id.to_string(), self.name.clone(), self.at.clone()]
        }
        fn fields(&self) -> Vec<(&'static str, String)> {
            vec![("id", self.id.to_string()), ("name", self.name.clone())]
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                id: 1,
                name: "alpha".into(),
                at: "x".into(),
            },
            Row {
                id: 22,
                name: "b".into(),
                at: "y".into(),
            },
        ]
    }

    #[test]
    fn tables_are_aligned_columns_without_trailing_space() {
        let text = render_list(OutputFormat::Table, &rows()).unwrap();
        assert_eq!(text, "ID  NAME   AT\n1   alpha  x\n22  b      y\n");
        let text = render_one(OutputFormat::Table, &rows()[0]).unwrap();
        assert_eq!(text, "id    1\nname  alpha\n");
    }

    #[test]
    fn json_is_one_document() {
        let text = render_list(OutputFormat::Json, &rows()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2, "a list prints as an array");
        let text = render_list::<Row>(OutputFormat::Json, &[]).unwrap();
        assert_eq!(text, "[]\n", "an empty list is still valid JSON");
        let text = render_one(OutputFormat::Json, &rows()[1]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["name"], "b", "a single object prints as an object");
    }

    #[test]
    fn yaml_round_trips() {
        let text = render_list(OutputFormat::Yaml, &rows()).unwrap();
        let v: serde_json::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(v[1]["id"], 22);
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        assert_eq!(
            ts(&datetime!(2026-11-21 20:06:36.123 UTC)),
            "2026-11-21T20:06:36Z"
        );
        assert_eq!(
            ts(&datetime!(2026-11-21 22:06:36 +02:00)),
            "2026-11-21T20:06:36Z"
        );
        assert_eq!(opt_ts(None), "-");
    }

    #[test]
    fn formats_parse() {
        assert_eq!("yaml".parse::<OutputFormat>().unwrap(), OutputFormat::Yaml);
        assert!(
            "xml"
                .parse::<OutputFormat>()
                .unwrap_err()
                .contains("table, json or yaml")
        );
    }
}
