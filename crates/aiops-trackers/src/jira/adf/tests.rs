use serde_json::{Value, json};

use super::{adf_to_markdown, markdown_to_adf};

fn adf(md: &str) -> Value {
    markdown_to_adf(md).expect("non-blank Markdown gives a document")
}

fn para(content: Value) -> Value {
    json!({ "type": "paragraph", "content": content })
}

fn text(t: &str) -> Value {
    json!({ "type": "text", "text": t })
}

fn marked(t: &str, marks: Value) -> Value {
    json!({ "type": "text", "text": t, "marks": marks })
}

fn doc(content: Value) -> Value {
    json!({ "type": "doc", "version": 1, "content": content })
}

#[test]
fn blank_markdown_is_no_document() {
    assert_eq!(markdown_to_adf(""), None);
    assert_eq!(markdown_to_adf("  \n\n "), None);
    assert_eq!(adf_to_markdown(&Value::Null), "");
}

#[test]
fn inline_marks_become_adf_marks() {
    let got = adf("Some **bold**, *em*, `code` and [a link](https://x.test/a).");
    let want = doc(json!([para(json!([
        text("Some "),
        marked("bold", json!([{ "type": "strong" }])),
        text(", "),
        marked("em", json!([{ "type": "em" }])),
        text(", "),
        marked("code", json!([{ "type": "code" }])),
        text(" and "),
        marked(
            "a link",
            json!([{ "type": "link", "attrs": { "href": "https://x.test/a" } }])
        ),
        text("."),
    ]))]));
    assert_eq!(got, want);
}

#[test]
fn blocks_become_adf_nodes() {
    let md = "# Title\n\n###### Six\n\n```rust\nfn main() {}\n```\n\n> quoted\n\n---\n\nline one  \nline two";
    let got = adf(md);
    let want = doc(json!([
        { "type": "heading", "attrs": { "level": 1 }, "content": [text("Title")] },
        { "type": "heading", "attrs": { "level": 6 }, "content": [text("Six")] },
        { "type": "codeBlock", "attrs": { "language": "rust" }, "content": [text("fn main() {}")] },
        { "type": "blockquote", "content": [para(json!([text("quoted")]))] },
        { "type": "rule" },
        para(json!([text("line one"), { "type": "hardBreak" }, text("line two")])),
    ]));
    assert_eq!(got, want);
}

#[test]
fn tight_nested_lists_get_paragraphs_in_items() {
    let got = adf("- a\n  1. b\n  2. c\n- d\n\n3. three");
    let item = |content: Value| json!({ "type": "listItem", "content": content });
    let want = doc(json!([
        { "type": "bulletList", "content": [
            item(json!([
                para(json!([text("a")])),
                { "type": "orderedList", "content": [
                    item(json!([para(json!([text("b")]))])),
                    item(json!([para(json!([text("c")]))])),
                ]},
            ])),
            item(json!([para(json!([text("d")]))])),
        ]},
        { "type": "orderedList", "attrs": { "order": 3 }, "content": [
            item(json!([para(json!([text("three")]))])),
        ]},
    ]));
    assert_eq!(got, want);
}

#[test]
fn list_items_and_quotes_keep_to_what_adf_allows() {
    let got = adf("- # heading in item\n- > quote in item\n- - list first");
    let items = got["content"][0]["content"].as_array().unwrap();
    assert_eq!(
        items[0]["content"][0]["type"], "paragraph",
        "no heading in a list item"
    );
    assert_eq!(
        items[1]["content"][0]["type"], "paragraph",
        "quote flattened"
    );
    assert_eq!(
        items[2]["content"][0],
        para(json!([])),
        "a list is never first"
    );
    assert_eq!(items[2]["content"][1]["type"], "bulletList");
}

#[test]
fn adf_renders_as_markdown() {
    let d = doc(json!([
        { "type": "heading", "attrs": { "level": 2 }, "content": [text("Plan")] },
        para(json!([
            text("Use "),
            marked("care", json!([{ "type": "strong" }, { "type": "em" }])),
            text(" with "),
            marked("x*y", json!([{ "type": "code" }])),
            text(" 2 * 3 "),
            marked("docs", json!([{ "type": "link", "attrs": { "href": "https://d.test/(x)" } }])),
        ])),
        { "type": "codeBlock", "content": [text("a\n```\nb")] },
        { "type": "orderedList", "attrs": { "order": 2 }, "content": [
            { "type": "listItem", "content": [para(json!([text("two")]))] },
            { "type": "listItem", "content": [para(json!([text("three")]))] },
        ]},
    ]));
    let want = "## Plan\n\nUse ***care*** with `x*y` 2 \\* 3 [docs](<https://d.test/(x)>)\n\n\
                ````\na\n```\nb\n````\n\n2. two\n3. three";
    assert_eq!(adf_to_markdown(&d), want);
}

#[test]
fn unknown_nodes_render_their_text() {
    let d = doc(json!([
        para(json!([
            { "type": "mention", "attrs": { "id": "5b10", "text": "@Ann Lee" } },
            text(" says "),
            { "type": "emoji", "attrs": { "shortName": ":smile:", "text": "😄" } },
            text(" see "),
            { "type": "inlineCard", "attrs": { "url": "https://acme.atlassian.net/browse/P-1" } },
            { "type": "status", "attrs": { "text": "DONE", "color": "green" } },
        ])),
        { "type": "panel", "attrs": { "panelType": "info" }, "content": [para(json!([text("inside")]))] },
        { "type": "table", "content": [{ "type": "tableRow", "content": [
            { "type": "tableCell", "content": [para(json!([text("cell")]))] },
        ]}]},
        { "type": "mediaSingle", "content": [{ "type": "media", "attrs": { "id": "x" } }] },
    ]));
    assert_eq!(
        adf_to_markdown(&d),
        "@Ann Lee says :smile: see <https://acme.atlassian.net/browse/P-1>DONE\n\ninside\n\ncell"
    );
}

#[test]
fn text_that_looks_like_markdown_is_escaped() {
    let d = doc(json!([para(json!([
        text("# not a heading"),
        { "type": "hardBreak" },
        text("1. not a list, *not em*, [no link], <b>, &amp;, a_b"),
    ]))]));
    let md = adf_to_markdown(&d);
    assert_eq!(
        md,
        "\\# not a heading\\\n1\\. not a list, \\*not em\\*, \\[no link\\], \\<b>, \\&amp;, a\\_b"
    );
    assert_eq!(adf(&md), d, "escaped text reads back as the same text");
}

/// The round-trip property: Markdown made of the supported constructs is stable after one
/// normalisation, and normalising does not change the document.
#[test]
fn markdown_round_trips_after_one_normalisation() {
    let documents = [
        "Plain paragraph.",
        "# Title\n\nIntro with **bold**, *em*, `code` and [link](https://example.com/a?b=c).\n\n## Sub\n\nMore.",
        "- one\n- two\n  - nested *a*\n  - nested b\n- three\n\n1. first\n2. second\n   1. inner\n\n7. seven\n8. eight",
        "> Quote with **strong**\n>\n> second paragraph\n\n---\n\nAfter the rule.",
        "```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n```\nno language\n```",
        "Line one  \nline two\\\nline three",
        "* star list\n+ plus list\n\n1) paren list",
        "Nested **bold with *em* inside** and *em with **bold** inside*.",
        "Specials: 2 * 3 = 6, a_b_c, [brackets], <angle>, back\\slash, `tick`s, & and &amp;.",
        "- item with code:\n\n  ```sh\n  make test\n  ```\n- item two\n\n> - quoted list\n> - two",
        "Autolink <https://example.com> and [text](https://e.com/x \"title\") and ![img](https://e.com/i.png).",
        "### Heading ending with \\#\n\n1986\\. A great year.\n\n\\- not a list\n\n\\+ nor this",
        "Indented code:\n\n    let x = 1;\n    let y = 2;\n\nend",
        "- \n  - list first in item\n- b",
    ];
    for md in documents {
        let first = adf(md);
        let normal = adf_to_markdown(&first);
        let again = adf(&normal);
        assert_eq!(
            again, first,
            "ADF changed on re-reading:\n{md}\n---\n{normal}"
        );
        assert_eq!(
            adf_to_markdown(&again),
            normal,
            "Markdown not stable after one normalisation:\n{md}"
        );
    }
}

/// ADF written by Jira's editor (marks around blanks, marks across links, breaks at the
/// edges) also settles after one conversion to Markdown.
#[test]
fn jira_written_adf_settles_after_one_normalisation() {
    let strong = json!([{ "type": "strong" }]);
    let link =
        json!([{ "type": "link", "attrs": { "href": "https://x.test" } }, { "type": "strong" }]);
    let documents = [
        doc(json!([para(json!([
            text("a"),
            marked(" bold with blanks ", strong.clone()),
            text("b"),
        ]))])),
        doc(json!([para(json!([
            marked("linked ", link.clone()),
            marked("code", json!([{ "type": "code" }, { "type": "strong" }])),
            { "type": "hardBreak" },
        ]))])),
        doc(json!([para(json!([
            { "type": "hardBreak" },
            text("two\nlines  "),
            { "type": "mention", "attrs": { "id": "abc", "text": "" } },
        ]))])),
        doc(json!([
            { "type": "bulletList", "content": [
                { "type": "listItem", "content": [{ "type": "orderedList", "content": [
                    { "type": "listItem", "content": [para(json!([text("deep")]))] },
                ]}]},
            ]},
            { "type": "bulletList", "content": [
                { "type": "listItem", "content": [para(json!([text("second list")]))] },
            ]},
        ])),
    ];
    for d in documents {
        let once = adf_to_markdown(&d);
        let twice = adf_to_markdown(&adf(&once));
        assert_eq!(once, twice, "unstable for {d}");
    }
}
