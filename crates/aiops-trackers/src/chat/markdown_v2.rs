//! Plain text to Telegram's MarkdownV2 (<https://core.telegram.org/bots/api#markdownv2-style>):
//! outside code, each of `_ * [ ] ( ) ~ ` > # + - = | { } . !` and `\` is escaped with a
//! preceding `\`; a fenced block (```` ``` ````…```` ``` ````) and an inline code span
//! (`` ` ``…`` ` `` on one line) stay code, where only `` ` `` and `\` are escaped. A backtick
//! without its closing partner is escaped like any reserved character.

const RESERVED: &[char] = &[
    '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!', '\\',
];

fn escape_plain(out: &mut String, text: &str) {
    for c in text.chars() {
        if RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}

fn escape_code(out: &mut String, text: &str) {
    for c in text.chars() {
        if c == '`' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
}

/// `text` as a MarkdownV2 message that shows exactly `text` (code spans as code).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut rest = text;
    while !rest.is_empty() {
        let Some(tick) = rest.find('`') else {
            escape_plain(&mut out, rest);
            break;
        };
        escape_plain(&mut out, &rest[..tick]);
        let after = &rest[tick..];
        if let Some(body) = after.strip_prefix("```")
            && let Some(end) = body.find("```")
        {
            // The first line of a fence may name the language (letters, digits, `+#-_`).
            let inner = &body[..end];
            let (lang, code) = match inner.split_once('\n') {
                Some((l, c))
                    if l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+#-_".contains(c)) =>
                {
                    (l, c)
                }
                _ => ("", inner),
            };
            out.push_str("```");
            out.push_str(lang);
            out.push('\n');
            escape_code(&mut out, code);
            out.push_str("```");
            rest = &body[end + 3..];
            continue;
        }
        let body = &after[1..];
        match body.find(['`', '\n']) {
            Some(end) if body.as_bytes()[end] == b'`' && end > 0 => {
                out.push('`');
                escape_code(&mut out, &body[..end]);
                out.push('`');
                rest = &body[end + 1..];
            }
            _ => {
                out.push_str("\\`");
                rest = body;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_every_reserved_character_outside_code() {
        assert_eq!(
            escape("v1.2 (beta) - done! a_b*c [x] ~y~ >q #1 +2 =3 |p| {k} \\"),
            "v1\\.2 \\(beta\\) \\- done\\! a\\_b\\*c \\[x\\] \\~y\\~ \\>q \\#1 \\+2 \\=3 \\|p\\| \\{k\\} \\\\"
        );
        assert_eq!(escape("plain words"), "plain words");
        assert_eq!(escape("Привет 👋"), "Привет 👋");
    }

    #[test]
    fn code_stays_code_with_only_backtick_and_backslash_escaped() {
        assert_eq!(
            escape("run `cargo test -p x.y`."),
            "run `cargo test -p x.y`\\."
        );
        assert_eq!(
            escape("```rust\nlet a = \"\\n\";\n```\ndone."),
            "```rust\nlet a = \"\\\\n\";\n```\ndone\\."
        );
        assert_eq!(escape("```\na.b\n```"), "```\na.b\n```");
    }

    #[test]
    fn lone_backticks_are_escaped() {
        assert_eq!(escape("it`s"), "it\\`s");
        assert_eq!(escape("a ` b\nc ` d"), "a \\` b\nc \\` d");
        assert_eq!(escape("``"), "\\`\\`");
        assert_eq!(escape("```never closed"), "\\`\\`\\`never closed");
    }
}
