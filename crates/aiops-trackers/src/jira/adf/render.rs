//! ADF → Markdown, blocks. Blocks are rendered to text and joined; containers (list
//! items, quotes) indent or prefix their children's lines. Inline content is in
//! [`super::inline`].

use serde_json::Value;

use super::inline::{autolink, inline, longest_run};
use super::{attr, children, kind};

/// Markdown for an ADF document (or any ADF node). `null` gives `""`; a plain string
/// (what API v2 would send) is returned as it is.
pub fn adf_to_markdown(doc: &Value) -> String {
    match doc {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        _ if kind(doc) == "doc" => join(&blocks(children(doc)), false),
        _ => join(&blocks(std::slice::from_ref(doc)), false),
    }
}

/// What a rendered block is, for choosing the separator before the next one.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Paragraph,
    /// `interrupts`: its first item may interrupt a paragraph (bullets, numbers from 1).
    List {
        interrupts: bool,
    },
    Other,
}

const INLINE: &[&str] = &[
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "date",
    "status",
    "mediaInline",
    "placeholder",
    "inlineExtension",
];

fn blocks(nodes: &[Value]) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    // Two lists of one type in a row would merge in Markdown unless their markers differ.
    let mut previous_list: Option<(&str, bool)> = None;
    for node in nodes {
        let before = out.len();
        let alternate = matches!(previous_list, Some((t, alt)) if t == kind(node) && !alt);
        block(node, alternate, &mut out);
        if out.len() > before {
            let is_list = matches!(kind(node), "bulletList" | "orderedList");
            previous_list = is_list.then(|| (kind(node), alternate));
        }
    }
    out
}

/// `alternate`: use `*` bullets or `)` numbers (a list right after one of its type).
fn block(node: &Value, alternate: bool, out: &mut Vec<(Kind, String)>) {
    match kind(node) {
        "paragraph" => {
            let text = paragraph(children(node));
            if !text.is_empty() {
                out.push((Kind::Paragraph, text));
            }
        }
        "heading" => {
            let level = attr(node, "level").and_then(Value::as_u64).unwrap_or(1);
            let hashes = "#".repeat(level.clamp(1, 6) as usize);
            let text = inline(children(node), true).replace('\n', " ");
            let text = text.trim();
            // A trailing `#` run would be read as the optional closing sequence.
            let text = match text.strip_suffix('#') {
                Some(rest) => format!("{rest}\\#"),
                None => text.to_owned(),
            };
            let line = if text.is_empty() {
                hashes
            } else {
                format!("{hashes} {text}")
            };
            out.push((Kind::Other, line));
        }
        "codeBlock" => out.push((Kind::Other, code_block(node))),
        "bulletList" => out.push((Kind::List { interrupts: true }, list(node, None, alternate))),
        "orderedList" => {
            let start = attr(node, "order").and_then(Value::as_u64).unwrap_or(1);
            let kind = Kind::List {
                interrupts: start == 1,
            };
            out.push((kind, list(node, Some(start.min(999_999_999)), alternate)));
        }
        "blockquote" => {
            let inner = join(&blocks(children(node)), false);
            if !inner.is_empty() {
                let quoted: Vec<String> = inner
                    .lines()
                    .map(|l| {
                        if l.is_empty() {
                            ">".into()
                        } else {
                            format!("> {l}")
                        }
                    })
                    .collect();
                out.push((Kind::Other, quoted.join("\n")));
            }
        }
        "rule" => out.push((Kind::Other, "---".into())),
        "blockCard" | "embedCard" => {
            if let Some(url) = attr(node, "url").and_then(Value::as_str) {
                out.push((Kind::Paragraph, autolink(url)));
            }
        }
        _ => {
            let kids = children(node);
            if kids.iter().any(|k| INLINE.contains(&kind(k))) {
                let text = paragraph(kids);
                if !text.is_empty() {
                    out.push((Kind::Paragraph, text));
                }
            } else {
                out.extend(blocks(kids));
            }
        }
    }
}

/// Blocks are separated by a blank line; inside a list item a list right after a
/// paragraph follows on the next line so the list stays tight.
fn join(blocks: &[(Kind, String)], in_item: bool) -> String {
    let mut out = String::new();
    for (i, (kind, text)) in blocks.iter().enumerate() {
        if i > 0 {
            let tight = in_item
                && blocks[i - 1].0 == Kind::Paragraph
                && *kind == Kind::List { interrupts: true };
            out.push_str(if tight { "\n" } else { "\n\n" });
        }
        out.push_str(text);
    }
    out
}

fn list(node: &Value, start: Option<u64>, alternate: bool) -> String {
    let items = children(node).iter().filter(|n| kind(n) == "listItem");
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        let marker = match (start, alternate) {
            (Some(n), false) => format!("{}.", n + i as u64),
            (Some(n), true) => format!("{})", n + i as u64),
            (None, false) => "-".to_owned(),
            (None, true) => "*".to_owned(),
        };
        let body = blocks(children(item));
        let indent = " ".repeat(marker.len() + 1);
        let text = join(&body, true);
        let mut lines = text.lines();
        let mut rendered = match body.first() {
            // A nested list first gets a marker line of its own (ADF puts an empty
            // paragraph before it).
            Some((Kind::List { .. }, _)) => marker.clone(),
            Some(_) => {
                let first = lines.next().unwrap_or("");
                format!("{marker} {first}")
            }
            None => marker.clone(),
        };
        for line in lines {
            rendered.push('\n');
            if !line.is_empty() {
                rendered.push_str(&indent);
                rendered.push_str(line);
            }
        }
        out.push(rendered);
    }
    out.join("\n")
}

fn code_block(node: &Value) -> String {
    let text: String = children(node)
        .iter()
        .filter_map(|n| n.get("text").and_then(Value::as_str))
        .collect();
    let longest = longest_run(&text, '`');
    let fence = "`".repeat(longest.max(2) + 1);
    let language: String = attr(node, "language")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '`')
        .collect();
    if text.is_empty() {
        format!("{fence}{language}\n{fence}")
    } else {
        format!("{fence}{language}\n{text}\n{fence}")
    }
}

/// A paragraph's inline Markdown with lines that would start a block escaped.
fn paragraph(nodes: &[Value]) -> String {
    let text = inline(nodes, false);
    let lines: Vec<String> = text.split('\n').map(guard_line_start).collect();
    let mut text = lines.join("\n");
    // Hard breaks at either end would leave a literal backslash.
    while let Some(rest) = text.strip_suffix("\\\n") {
        text = rest.trim_end().to_owned();
    }
    while let Some(rest) = text.strip_prefix("\\\n") {
        text = rest.to_owned();
    }
    text.trim_end().to_owned()
}

/// Leading blanks are dropped (Markdown ignores them, four would make code) and a first
/// character that opens a heading, quote, list, fence or setext underline is escaped.
fn guard_line_start(line: &str) -> String {
    let line = line.trim_start();
    match line.chars().next() {
        Some('#' | '>' | '-' | '+' | '=' | '~') => format!("\\{line}"),
        Some(c) if c.is_ascii_digit() => {
            let digits = line
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(line.len());
            let rest = &line[digits..];
            if rest.starts_with('.') || rest.starts_with(')') {
                format!("{}\\{rest}", &line[..digits])
            } else {
                line.to_owned()
            }
        }
        _ => line.to_owned(),
    }
}
