//! Markdown (issue descriptions and comments, from every tracker) to HTML that is safe to
//! put in a page: CommonMark plus GitHub's tables, strikethrough and task lists, parsed by
//! pulldown-cmark, then cleaned by ammonia's allow-list (no `<script>`, no event
//! handlers, no `style`, links only to http, https and mailto, opened with
//! `rel="noopener noreferrer nofollow"`). The UI shows only this HTML, never its own.

use std::collections::HashSet;

use pulldown_cmark::{Options, Parser, html};

/// Longest text rendered, in bytes; longer text is cut (at a character boundary).
const MAX_BYTES: usize = 256 * 1024;

/// Sanitized HTML of `markdown`.
pub fn to_safe_html(markdown: &str) -> String {
    let mut end = markdown.len().min(MAX_BYTES);
    while !markdown.is_char_boundary(end) {
        end -= 1;
    }
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(end * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(&markdown[..end], opts));
    // Task lists: pulldown-cmark writes `<input disabled="" type="checkbox"/>`. Inputs are
    // kept only as what those are (ammonia forces both attributes on every input), so a
    // raw `<input>` in an issue becomes a read-only checkbox too, never a field.
    ammonia::Builder::default()
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn task_lists_keep_read_only_checkboxes_and_nothing_else_of_inputs() {
        let html = to_safe_html(
            "- [x] done\n- [ ] to do\n\n<input type=\"text\" name=\"q\" value=\"x\" onfocus=\"alert(1)\">",
        );
        assert_eq!(html.matches("type=\"checkbox\"").count(), 3, "{html}");
        assert_eq!(html.matches("disabled").count(), 3, "{html}");
        assert_eq!(html.matches("checked").count(), 1, "{html}");
        for bad in ["type=\"text\"", "name=", "value=", "onfocus"] {
            assert!(!html.contains(bad), "{bad}: {html}");
        }
    }

    #[test]
    fn markdown_renders_and_active_content_does_not() {
        let html = to_safe_html("# Title\n\n**bold** [docs](https://example.com) `code`");
        assert!(html.contains("<h1>Title</h1>") && html.contains("<strong>bold</strong>"));
        assert!(
            html.contains(
                r#"<a href="https://example.com" rel="noopener noreferrer nofollow">docs</a>"#
            ),
            "{html}"
        );
        for hostile in [
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">y</a>",
            "<iframe src=https://evil.example></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">z</div>",
        ] {
            let out = to_safe_html(hostile);
            let lower = out.to_ascii_lowercase();
            for bad in ["<script", "javascript:", "onerror", "<iframe", "style="] {
                assert!(!lower.contains(bad), "{hostile:?} → {out:?}");
            }
        }
    }

    #[test]
    fn huge_text_is_cut_at_a_character_boundary() {
        let text = "é".repeat(200_000);
        assert!(to_safe_html(&text).len() < text.len() + 100);
    }
}
