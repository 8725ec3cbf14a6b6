//! ADF → Markdown, inline content. Pieces are grouped into runs sharing a mark (link,
//! then strong, then emphasis) so each run gets one pair of delimiters; code spans are
//! leaves. Text is escaped so it reads back as the same text.

use serde_json::Value;

use super::{attr, children, kind};

#[derive(Debug, Clone, PartialEq)]
struct Link {
    href: String,
    title: Option<String>,
}

/// One inline piece: text with its marks, or Markdown that is already final.
#[derive(Debug)]
enum Piece {
    Text {
        text: String,
        link: Option<Link>,
        strong: bool,
        em: bool,
        code: bool,
    },
    Raw(String),
}

impl Piece {
    fn link(&self) -> Option<&Link> {
        match self {
            Piece::Text { link, .. } => link.as_ref(),
            Piece::Raw(_) => None,
        }
    }
    fn strong(&self) -> bool {
        matches!(self, Piece::Text { strong: true, .. })
    }
    fn em(&self) -> bool {
        matches!(self, Piece::Text { em: true, .. })
    }
}

/// Markdown for inline nodes; `heading`: hard breaks become spaces.
pub(super) fn inline(nodes: &[Value], heading: bool) -> String {
    let mut pieces = Vec::new();
    for node in nodes {
        pieces_of(node, heading, &mut pieces);
    }
    run(&pieces, false, false, false)
}

fn pieces_of(node: &Value, heading: bool, out: &mut Vec<Piece>) {
    let line_break = || Piece::Raw(if heading { " ".into() } else { "\\\n".into() });
    match kind(node) {
        "text" => {
            let text = node.get("text").and_then(Value::as_str).unwrap_or("");
            let marks = node.get("marks").and_then(Value::as_array);
            let has = |name: &str| marks.is_some_and(|m| m.iter().any(|m| kind(m) == name));
            let link = marks.and_then(|m| {
                let mark = m.iter().find(|m| kind(m) == "link")?;
                let href = attr(mark, "href").and_then(Value::as_str)?;
                let title = attr(mark, "title").and_then(Value::as_str);
                Some(Link {
                    href: href.to_owned(),
                    title: title.filter(|t| !t.is_empty()).map(str::to_owned),
                })
            });
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    out.push(line_break());
                }
                if !line.is_empty() {
                    // ADF allows only links with code; Markdown → ADF drops the rest too.
                    let code = has("code");
                    out.push(Piece::Text {
                        text: line.to_owned(),
                        link: link.clone(),
                        strong: has("strong") && !code,
                        em: has("em") && !code,
                        code,
                    });
                }
            }
        }
        "hardBreak" => out.push(line_break()),
        "mention" => {
            let text = |name: &str| {
                attr(node, name)
                    .and_then(Value::as_str)
                    .map(|s| s.trim_start_matches('@'))
                    .filter(|s| !s.is_empty())
            };
            let name = text("text").or_else(|| text("id")).unwrap_or("someone");
            out.push(Piece::Raw(format!("@{}", escape(name))));
        }
        "emoji" => {
            let name = attr(node, "shortName")
                .or_else(|| attr(node, "text"))
                .and_then(Value::as_str)
                .unwrap_or("");
            out.push(Piece::Raw(escape(name)));
        }
        "inlineCard" => {
            if let Some(url) = attr(node, "url").and_then(Value::as_str) {
                out.push(Piece::Raw(autolink(url)));
            }
        }
        "date" => {
            let ms = attr(node, "timestamp").and_then(|t| {
                t.as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .or_else(|| t.as_i64())
            });
            let day = ms
                .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
                .map(|t| t.date().to_string());
            if let Some(day) = day {
                out.push(Piece::Raw(day));
            }
        }
        _ => {
            let kids = children(node);
            if kids.is_empty()
                && let Some(text) = attr(node, "text").and_then(Value::as_str)
            {
                out.push(Piece::Raw(escape(text)));
            }
            for kid in kids {
                pieces_of(kid, heading, out);
            }
        }
    }
}

/// Renders pieces with the given marks already open: each piece's outermost mark not yet
/// open starts a run over the following pieces sharing it.
fn run(pieces: &[Piece], in_link: bool, in_strong: bool, in_em: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < pieces.len() {
        let piece = &pieces[i];
        if !in_link && let Some(target) = piece.link() {
            let end = span(pieces, i, |p| p.link() == Some(target));
            out.push_str(&link(&pieces[i..end], target, in_strong, in_em));
            i = end;
        } else if !in_strong && piece.strong() {
            let end = span(pieces, i, Piece::strong);
            out.push_str(&wrap("**", &run(&pieces[i..end], true, true, in_em)));
            i = end;
        } else if !in_em && piece.em() {
            let end = span(pieces, i, Piece::em);
            out.push_str(&wrap("*", &run(&pieces[i..end], true, in_strong, true)));
            i = end;
        } else {
            match piece {
                Piece::Text {
                    text, code: true, ..
                } => out.push_str(&code_span(text)),
                Piece::Text { text, .. } => out.push_str(&escape(text)),
                Piece::Raw(raw) => out.push_str(raw),
            }
            i += 1;
        }
    }
    out
}

/// End (exclusive) of the run of pieces from `start` that satisfy `same`.
fn span(pieces: &[Piece], start: usize, same: impl Fn(&Piece) -> bool) -> usize {
    pieces[start..]
        .iter()
        .position(|p| !same(p))
        .map_or(pieces.len(), |n| start + n)
}

fn link(pieces: &[Piece], target: &Link, in_strong: bool, in_em: bool) -> String {
    let href = target.href.as_str();
    if let [
        Piece::Text {
            text,
            strong,
            em,
            code: false,
            ..
        },
    ] = pieces
        && text == href
        && target.title.is_none()
        && *strong == in_strong
        && *em == in_em
        && (href.contains("://") || href.starts_with("mailto:"))
    {
        return autolink(href);
    }
    let inner = run(pieces, true, in_strong, in_em);
    let inner = if inner.trim().is_empty() {
        escape(href)
    } else {
        inner
    };
    match &target.title {
        Some(title) => {
            let title = title
                .replace('\n', " ")
                .replace('\\', "\\\\")
                .replace('"', "\\\"");
            format!("[{inner}]({} \"{title}\")", destination(href))
        }
        None => format!("[{inner}]({})", destination(href)),
    }
}

fn destination(href: &str) -> String {
    let href = href.replace(['\n', '\r'], "");
    if href.is_empty() || href.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", href.replace('<', "%3C").replace('>', "%3E"))
    } else {
        href
    }
}

pub(super) fn autolink(url: &str) -> String {
    if url.contains(['<', '>', ' ', '\n']) || !url.contains(':') {
        format!("[{}]({})", escape(url), destination(url))
    } else {
        format!("<{url}>")
    }
}

/// Emphasis delimiters only work hugging non-blank text, so surrounding blanks move out.
fn wrap(delimiter: &str, inner: &str) -> String {
    let core = inner.trim();
    if core.is_empty() {
        return inner.to_owned();
    }
    let lead = &inner[..inner.len() - inner.trim_start().len()];
    let trail = &inner[inner.trim_end().len()..];
    format!("{lead}{delimiter}{core}{delimiter}{trail}")
}

fn code_span(text: &str) -> String {
    let text = text.replace('\n', " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    if pad {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Backslash-escapes what Markdown would read as inline syntax; line starts are guarded
/// separately (`render::guard_line_start`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '&' if looks_like_entity(&text[i + 1..]) => out.push_str("\\&"),
            _ => out.push(c),
        }
    }
    out
}

/// `&name;` or `&#123;` would be decoded as an entity.
fn looks_like_entity(after_amp: &str) -> bool {
    let body: String = after_amp
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !body.is_empty() && after_amp[body.len()..].starts_with(';')
}

pub(super) fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}
