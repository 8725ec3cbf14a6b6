//! Markdown ⇄ Atlassian Document Format (ADF), the JSON rich text Jira Cloud's REST API v3
//! uses for descriptions and comments
//! (<https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/>).
//!
//! Markdown → ADF covers CommonMark without extensions: paragraphs, headings 1-6, strong,
//! emphasis, inline code, fenced/indented code blocks (with language), links, bullet and
//! ordered lists (nested), block quotes, hard breaks and thematic breaks (`rule`). Raw
//! HTML is kept as text; images become links to the image. ADF nesting rules are kept:
//! a `listItem` starts with a paragraph or code block and holds no headings or quotes,
//! a `blockquote` holds no headings, quotes or rules (those are flattened).
//!
//! ADF → Markdown ([`adf_to_markdown`]) renders the same nodes and marks and tolerates
//! everything else: `mention` → `@displayName`, `emoji` → its short name, `inlineCard` →
//! the URL, other nodes → their text content. For Markdown made of the constructs above,
//! `md → adf → md` is stable after one normalisation.

mod inline;
mod render;

pub use render::adf_to_markdown;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::{Value, json};

/// An ADF `doc` (version 1) for `markdown`; `None` when it is blank, which Jira stores as
/// a `null` description.
pub fn markdown_to_adf(markdown: &str) -> Option<Value> {
    if markdown.trim().is_empty() {
        return None;
    }
    let mut builder = Builder::default();
    for event in Parser::new_ext(markdown, Options::empty()) {
        builder.event(event);
    }
    let content = builder.finish();
    if content.is_empty() {
        return None;
    }
    Some(json!({ "type": "doc", "version": 1, "content": content }))
}

/// A block node being built.
struct Frame {
    kind: &'static str,
    attrs: Option<Value>,
    content: Vec<Value>,
    /// A paragraph opened for inline content that pulldown-cmark gives without one
    /// (tight list items); closed by the next block or the end of its container.
    implicit: bool,
    /// Text of a code block.
    code: String,
}

impl Frame {
    fn new(kind: &'static str, attrs: Option<Value>) -> Self {
        Self {
            kind,
            attrs,
            content: Vec::new(),
            implicit: false,
            code: String::new(),
        }
    }

    fn into_node(self) -> Value {
        let mut node = json!({ "type": self.kind });
        if let Some(attrs) = self.attrs {
            node["attrs"] = attrs;
        }
        match self.kind {
            "codeBlock" => {
                let text = self.code.strip_suffix('\n').unwrap_or(&self.code);
                if !text.is_empty() {
                    node["content"] = json!([{ "type": "text", "text": text }]);
                }
            }
            "listItem" => {
                let mut content = self.content;
                // ADF wants a paragraph or code block first in a list item.
                let starts_right = content
                    .first()
                    .is_some_and(|n| matches!(kind(n), "paragraph" | "codeBlock"));
                if !starts_right {
                    content.insert(0, json!({ "type": "paragraph", "content": [] }));
                }
                node["content"] = Value::Array(content);
            }
            "rule" => {}
            _ => node["content"] = Value::Array(self.content),
        }
        node
    }
}

fn kind(node: &Value) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

fn children(node: &Value) -> &[Value] {
    node.get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn attr<'a>(node: &'a Value, name: &str) -> Option<&'a Value> {
    node.get("attrs").and_then(|a| a.get(name))
}

/// Turns pulldown-cmark events into ADF nodes with a stack of open blocks and marks.
struct Builder {
    stack: Vec<Frame>,
    marks: Vec<Value>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            stack: vec![Frame::new("doc", None)],
            marks: Vec::new(),
        }
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.code(&code),
            Event::Html(html) => self.html_line(&html),
            Event::InlineHtml(html) => self.text(&html),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.inline(json!({ "type": "hardBreak" })),
            Event::Rule => {
                self.close_implicit();
                self.attach(json!({ "type": "rule" }));
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(text) | Event::InlineMath(text) => self.text(&text),
            Event::DisplayMath(text) => self.text(&text),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let block = match tag {
            Tag::Paragraph | Tag::HtmlBlock => Frame::new("paragraph", None),
            Tag::Heading { level, .. } => {
                Frame::new("heading", Some(json!({ "level": heading_level(level) })))
            }
            Tag::BlockQuote(_) => Frame::new("blockquote", None),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().map(str::to_owned)
                    }
                    CodeBlockKind::Indented => None,
                };
                Frame::new(
                    "codeBlock",
                    language.map(|language| json!({ "language": language })),
                )
            }
            Tag::List(Some(start)) if start != 1 => {
                Frame::new("orderedList", Some(json!({ "order": start })))
            }
            Tag::List(Some(_)) => Frame::new("orderedList", None),
            Tag::List(None) => Frame::new("bulletList", None),
            Tag::Item => Frame::new("listItem", None),
            Tag::Emphasis => return self.marks.push(json!({ "type": "em" })),
            Tag::Strong => return self.marks.push(json!({ "type": "strong" })),
            Tag::Strikethrough => return self.marks.push(json!({ "type": "strike" })),
            Tag::Link {
                dest_url, title, ..
            }
            | Tag::Image {
                dest_url, title, ..
            } => {
                let mut attrs = json!({ "href": dest_url.as_ref() });
                if !title.is_empty() {
                    attrs["title"] = json!(title.as_ref());
                }
                return self.marks.push(json!({ "type": "link", "attrs": attrs }));
            }
            // Not produced without extensions; their text flows into the current block.
            _ => return,
        };
        self.close_implicit();
        self.stack.push(block);
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::HtmlBlock
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::List(_)
            | TagEnd::Item => {
                self.close_implicit();
                self.close();
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image => {
                self.marks.pop();
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(top) = self.stack.last_mut().filter(|f| f.kind == "codeBlock") {
            top.code.push_str(text);
            return;
        }
        if text.is_empty() {
            return;
        }
        let marks = self.marks.clone();
        self.push_text(text, marks);
    }

    /// Inline code carries only the code mark and links: ADF allows no other mark with it.
    fn code(&mut self, code: &str) {
        if code.is_empty() {
            return;
        }
        let mut marks: Vec<Value> = self
            .marks
            .iter()
            .filter(|m| kind(m) == "link")
            .cloned()
            .collect();
        marks.push(json!({ "type": "code" }));
        self.push_text(code, marks);
    }

    /// A raw HTML block arrives a line at a time; its lines are kept as text lines.
    fn html_line(&mut self, html: &str) {
        let line = html.strip_suffix('\n').unwrap_or(html);
        let has_text = self.stack.last().is_some_and(|f| !f.content.is_empty());
        if has_text {
            self.inline(json!({ "type": "hardBreak" }));
        }
        self.text(line);
    }

    fn push_text(&mut self, text: &str, marks: Vec<Value>) {
        self.ensure_inline();
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        let same_marks = |node: &Value| {
            let theirs = node.get("marks").and_then(Value::as_array);
            theirs.map_or(marks.is_empty(), |m| *m == marks)
        };
        if let Some(last) = top.content.last_mut().filter(|n| kind(n) == "text")
            && same_marks(last)
        {
            let joined = format!("{}{text}", last["text"].as_str().unwrap_or(""));
            last["text"] = Value::String(joined);
            return;
        }
        let mut node = json!({ "type": "text", "text": text });
        if !marks.is_empty() {
            node["marks"] = Value::Array(marks);
        }
        top.content.push(node);
    }

    fn inline(&mut self, node: Value) {
        self.ensure_inline();
        if let Some(top) = self.stack.last_mut() {
            top.content.push(node);
        }
    }

    fn ensure_inline(&mut self) {
        let in_text_block = self
            .stack
            .last()
            .is_some_and(|f| matches!(f.kind, "paragraph" | "heading"));
        if !in_text_block {
            let mut paragraph = Frame::new("paragraph", None);
            paragraph.implicit = true;
            self.stack.push(paragraph);
        }
    }

    fn close_implicit(&mut self) {
        if self.stack.last().is_some_and(|f| f.implicit) {
            self.close();
        }
    }

    fn close(&mut self) {
        if self.stack.len() < 2 {
            return;
        }
        if let Some(frame) = self.stack.pop() {
            let empty_paragraph = frame.kind == "paragraph" && frame.content.is_empty();
            if !empty_paragraph {
                self.attach(frame.into_node());
            }
        }
    }

    /// Adds a finished block to the open container, reshaped to what ADF allows there.
    fn attach(&mut self, node: Value) {
        let Some(parent) = self.stack.last_mut() else {
            return;
        };
        let nested = matches!(parent.kind, "listItem" | "blockquote");
        fit(node, nested, &mut parent.content);
    }

    fn finish(mut self) -> Vec<Value> {
        while self.stack.len() > 1 {
            self.close();
        }
        self.stack.pop().map(|f| f.content).unwrap_or_default()
    }
}

/// List items and quotes hold only paragraphs, lists and code blocks: a heading becomes
/// a paragraph, a nested quote gives up its children, a rule is dropped.
fn fit(node: Value, nested: bool, into: &mut Vec<Value>) {
    if !nested {
        into.push(node);
        return;
    }
    match kind(&node) {
        "heading" => {
            let content = node.get("content").cloned().unwrap_or_else(|| json!([]));
            into.push(json!({ "type": "paragraph", "content": content }));
        }
        "blockquote" => {
            if let Some(children) = node.get("content").and_then(Value::as_array) {
                for child in children {
                    fit(child.clone(), true, into);
                }
            }
        }
        "rule" => {}
        _ => into.push(node),
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests;
