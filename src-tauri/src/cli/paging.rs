//! Lists that page for the user: `--limit N` is how many rows to show, whatever the
//! server's page size; the CLI follows the API's cursors until it has them (or to the
//! end with `--all`), and prints each page as it arrives, so a long list never sits
//! whole in memory: a table streams, `-o json` stays one array.

use std::future::Future;

use aiops_client::ClientError;
use aiops_types::{MAX_PAGE_LIMIT, Page, PageParams};

use crate::cli::exit::CliError;
use crate::cli::output::{self, OutputFormat, Render};

/// `--limit`, `--cursor`, `--all` of every list.
#[derive(Debug, Clone, clap::Args)]
pub struct PageArgs {
    /// How many rows to show (any number: the pages are followed).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Start at this cursor (from the hint a previous list printed).
    #[arg(long)]
    pub cursor: Option<String>,
    /// Every row to the end, however many.
    #[arg(long)]
    pub all: bool,
}

/// Fetches pages of at most the server's limit until `--limit` rows (every row with
/// `--all`), handing each page's rows to `each` as it arrives; `each` answers whether to
/// go on (false: the reader went away). When rows are left, says how to get them on
/// stderr.
pub async fn each_page<T, F, Fut>(
    args: &PageArgs,
    mut fetch: F,
    mut each: impl FnMut(Vec<T>) -> Result<bool, CliError>,
) -> Result<(), CliError>
where
    F: FnMut(PageParams) -> Fut,
    Fut: Future<Output = Result<Page<T>, ClientError>>,
{
    let mut cursor = args.cursor.clone();
    let mut left = if args.all {
        u64::MAX
    } else {
        u64::from(args.limit)
    };
    loop {
        let params = PageParams {
            limit: Some(left.min(u64::from(MAX_PAGE_LIMIT)) as u32),
            cursor: cursor.clone(),
        };
        let page = fetch(params).await?;
        let mut items = page.items;
        items.truncate(usize::try_from(left).unwrap_or(usize::MAX));
        left -= items.len() as u64;
        if !each(items)? {
            return Ok(());
        }
        match page.next_cursor {
            // A server that repeats a cursor would loop forever.
            Some(next) if cursor.as_ref() == Some(&next) => return Ok(()),
            Some(next) if left > 0 => cursor = Some(next),
            Some(next) => {
                eprintln!("more results: add --cursor {next} for the next rows, or --all");
                return Ok(());
            }
            None => return Ok(()),
        }
    }
}

/// Every row [`each_page`] fetches, in one vector (for the few callers that need them
/// all at once).
pub async fn pages<T, F, Fut>(args: &PageArgs, fetch: F) -> Result<Vec<T>, CliError>
where
    F: FnMut(PageParams) -> Fut,
    Fut: Future<Output = Result<Page<T>, ClientError>>,
{
    let mut all = Vec::new();
    each_page(args, fetch, |items| {
        all.extend(items);
        Ok(true)
    })
    .await?;
    Ok(all)
}

/// Prints a list as its pages arrive: one table (aligned like `output::list` when it fits
/// one page, else on the first page's column widths), or one JSON/YAML array.
pub async fn list_pages<T, F, Fut>(
    format: OutputFormat,
    args: &PageArgs,
    fetch: F,
) -> Result<(), CliError>
where
    T: Render,
    F: FnMut(PageParams) -> Fut,
    Fut: Future<Output = Result<Page<T>, ClientError>>,
{
    let mut w = ListWriter::new(format);
    each_page(args, fetch, |items| w.page(items)).await?;
    w.finish()
}

/// Writes one list a page at a time.
struct ListWriter<T> {
    format: OutputFormat,
    /// Table mode: the first page, held until it is known whether more follow.
    first: Option<Vec<T>>,
    /// Table mode, once streaming: each column's width.
    widths: Vec<usize>,
    /// Rows (json, yaml) or pages (table) written so far.
    written: usize,
}

impl<T: Render> ListWriter<T> {
    fn new(format: OutputFormat) -> Self {
        Self {
            format,
            first: None,
            widths: Vec::new(),
            written: 0,
        }
    }

    /// Writes (or, for a table's first page, holds) `items`; false when stdout closed.
    fn page(&mut self, items: Vec<T>) -> Result<bool, CliError> {
        match self.format {
            OutputFormat::Table => {
                if self.written == 0 && self.first.is_none() {
                    self.first = Some(items);
                    return Ok(true);
                }
                let mut text = String::new();
                if let Some(first) = self.first.take() {
                    let header: Vec<String> = T::HEADERS
                        .iter()
                        .map(std::string::ToString::to_string)
                        .collect();
                    let rows: Vec<Vec<String>> = first.iter().map(Render::row).collect();
                    self.widths = widths(std::iter::once(&header).chain(&rows));
                    text.push_str(&line(&header, &self.widths));
                    for r in &rows {
                        text.push_str(&line(r, &self.widths));
                    }
                }
                for item in &items {
                    text.push_str(&line(&item.row(), &self.widths));
                }
                self.written += 1;
                output::stdout_open(&text)
            }
            _ if items.is_empty() => Ok(true),
            _ => {
                let text = self.elements(&items)?;
                self.written += items.len();
                output::stdout_open(&text)
            }
        }
    }

    /// A page's elements of the one array: `- ` entries (yaml); the page serialised as an
    /// array, its brackets swapped for the `[` or `,` that joins it to the others (json).
    fn elements(&self, items: &[T]) -> Result<String, CliError> {
        if self.format == OutputFormat::Yaml {
            return serde_norway::to_string(items)
                .map_err(|e| CliError::error(format!("cannot write YAML: {e}")));
        }
        let json = serde_json::to_string_pretty(items)
            .map_err(|e| CliError::error(format!("cannot write JSON: {e}")))?;
        // `[\n  {…},\n  {…}\n]`: the elements are already indented as an array's.
        let inner = json
            .strip_prefix("[\n")
            .and_then(|j| j.strip_suffix("\n]"))
            .unwrap_or(&json);
        let sep = if self.written == 0 { "[\n" } else { ",\n" };
        Ok(format!("{sep}{inner}"))
    }

    fn finish(mut self) -> Result<(), CliError> {
        match self.format {
            OutputFormat::Table => match self.first.take() {
                // It fit one page: the usual table.
                Some(first) => output::list(self.format, &first),
                None if self.written == 0 => output::list::<T>(self.format, &[]),
                None => Ok(()),
            },
            _ if self.written == 0 => output::list::<T>(self.format, &[]),
            OutputFormat::Json => output::stdout("\n]\n"),
            OutputFormat::Yaml => Ok(()),
        }
    }
}

/// The widest cell of each column, in characters.
fn widths<'a>(rows: impl Iterator<Item = &'a Vec<String>>) -> Vec<usize> {
    let mut w: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let n = cell.chars().count();
            match w.get_mut(i) {
                Some(x) => *x = (*x).max(n),
                None => w.push(n),
            }
        }
    }
    w
}

/// Cells two spaces apart, flush left (as `output`'s tables), no trailing blanks.
fn line(cells: &[String], widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, cell) in cells.iter().enumerate() {
        s.push_str(cell);
        if i + 1 < cells.len() {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(cell.chars().count());
            s.push_str(&" ".repeat(pad + 2));
        }
    }
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three pages of two rows: 0 1 | 2 3 | 4 5.
    async fn fake(p: PageParams) -> Result<Page<u32>, ClientError> {
        let from: u32 = p.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
        let n = p.limit.unwrap().min(2);
        let items: Vec<u32> = (from..(from + n).min(6)).collect();
        let next = items
            .last()
            .filter(|l| **l < 5)
            .map(|l| (l + 1).to_string());
        Ok(Page {
            items,
            next_cursor: next,
        })
    }

    fn args(limit: u32, all: bool, cursor: Option<&str>) -> PageArgs {
        PageArgs {
            limit,
            all,
            cursor: cursor.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn limit_is_rows_across_pages_and_all_goes_to_the_end() {
        assert_eq!(pages(&args(1, false, None), fake).await.unwrap(), vec![0]);
        assert_eq!(
            pages(&args(3, false, None), fake).await.unwrap(),
            vec![0, 1, 2]
        );
        assert_eq!(
            pages(&args(50, false, None), fake).await.unwrap(),
            (0..6).collect::<Vec<_>>()
        );
        assert_eq!(
            pages(&args(1, true, None), fake).await.unwrap(),
            (0..6).collect::<Vec<_>>()
        );
        assert_eq!(
            pages(&args(3, false, Some("2")), fake).await.unwrap(),
            vec![2, 3, 4]
        );
    }

    #[derive(serde::Serialize)]
    struct Row {
        id: u32,
    }

    impl Render for Row {
        const HEADERS: &'static [&'static str] = &["ID"];
        fn row(&self) -> Vec<String> {
            vec![self.id.to_string()]
        }
        fn fields(&self) -> Vec<(&'static str, String)> {
            vec![("id", self.id.to_string())]
        }
    }

    #[test]
    fn pages_join_into_one_json_array() {
        let mut w = ListWriter::new(OutputFormat::Json);
        let a = w.elements(&[Row { id: 1 }, Row { id: 2 }]).unwrap();
        w.written = 2;
        let b = w.elements(&[Row { id: 3 }]).unwrap();
        let all: serde_json::Value = serde_json::from_str(&format!("{a}{b}\n]")).unwrap();
        assert_eq!(all, serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}]));
    }

    #[test]
    fn streamed_lines_align_on_the_first_pages_widths() {
        let header = vec!["ID".to_owned(), "TITLE".to_owned()];
        let row = vec!["12".to_owned(), "x".to_owned()];
        let w = widths([&header, &row].into_iter());
        assert_eq!(line(&header, &w), "ID  TITLE\n");
        assert_eq!(line(&row, &w), "12  x\n");
        assert_eq!(line(&["1234".to_owned(), "y".to_owned()], &w), "1234  y\n");
    }
}
