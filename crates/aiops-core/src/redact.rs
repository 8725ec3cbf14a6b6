//! The one redactor: every log line, audit detail and export passes through it.
//!
//! Patterns follow gitleaks' rules for the token formats aiops handles (aiops API keys,
//! GitHub `gh?_` and fine-grained `github_pat_` tokens, GitLab `glpat-`, Slack `xox?-`,
//! Telegram bot tokens, Atlassian API tokens, Anthropic `sk-ant-` and OpenAI `sk-` keys
//! (the agents' credentials), bearer/basic headers, `password=` pairs, PEM private keys).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What may stand right before a token whose own shape is too loose to match anywhere
/// (`sk-…`, Telegram's `<digits>:…`): the start, a character that is not part of a word,
/// or a terminal escape sequence. A colour code ends in a letter (`ESC[39;49m`), so a
/// word boundary alone missed `ESC[39;49msk-proj-…` as Codex prints it.
const LEAD: &str = r"(?:^|(?P<lead>[^A-Za-z0-9_]|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]))";

static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    // A masked key shows its end (Claude Code's "use this API key?" dialog prints
    // `sk-ant-...` and the last 20 characters; OpenAI's errors `sk-pro***…abcd`): the
    // shown part is redacted too, since enough of a key narrows it down.
    let loose = format!(
        r"{LEAD}(?:\d{{6,12}}:[A-Za-z0-9_-]{{30,}}|sk-[A-Za-z0-9_-]{{20,}}|sk-[A-Za-z0-9_-]*(?:\.{{3}}|\*{{3,}})[A-Za-z0-9_-]{{4,}})"
    );
    Regex::new(
        &[
            r"aiops_[A-Za-z0-9_-]{8,}",
            r"gh[pousr]_[A-Za-z0-9]{20,}",
            r"github_pat_[A-Za-z0-9_]{20,}",
            r"glpat-[A-Za-z0-9_-]{20,}",
            r"xox[abposr]-[A-Za-z0-9-]{10,}",
            &loose,
            r"ATATT[A-Za-z0-9_=-]{20,}",
            r"(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}",
            r#"(?i:password|passwd|secret|token|api_key)(?P<sep>"?\s*[:=]\s*"?)[^\s"&,}]+"#,
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        ]
        .join("|"),
    )
    .expect("valid redaction regex")
});

/// What every secret-looking run is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces every secret-looking run in `text` with `[REDACTED]`; borrows when clean.
/// Terminal output is fine as it is: escape sequences around a token do not hide it.
pub fn redact(text: &str) -> Cow<'_, str> {
    PATTERNS.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let start = caps.get(0).map_or(0, |m| m.start());
        if let Some(sep) = caps.name("sep") {
            // key=value pairs keep their key so the line still says what was there.
            let key_end = sep.start() - start;
            return format!("{}{}{REDACTED}", &whole[..key_end], sep.as_str());
        }
        // What led up to a loose token is not part of it.
        let lead = caps.name("lead").map_or("", |m| m.as_str());
        format!("{lead}{REDACTED}")
    })
}

/// Redacts every string inside a JSON value, recursively, in place.
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Cow::Owned(clean) = redact(s) {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_known_token_shapes() {
        let key = crate::secrets::new_api_key().secret;
        for secret in [
            key.as_str(),
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "glpat-abcdefghij0123456789",
            "xoxb-1234567890-abcdefghij",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
            "sk-ant-oat01-abcdefghijklmnopqrstuvwxyz0123456789",
            "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
        ] {
            let line = format!("calling with {secret} now");
            let out = redact(&line);
            assert!(!out.contains(secret), "{secret} leaked: {out}");
            assert!(out.contains(REDACTED));
        }
    }

    #[test]
    fn keeps_keys_of_pairs_and_leaves_clean_text_alone() {
        assert_eq!(redact("password=hunter22 ok"), "password=[REDACTED] ok");
        assert_eq!(
            redact(r#"{"password": "hunter22"}"#),
            r#"{"password": "[REDACTED]"}"#
        );
        assert_eq!(
            redact("Authorization: Bearer abcdefghijk"),
            "Authorization: [REDACTED]"
        );
        assert!(matches!(redact("nothing secret here"), Cow::Borrowed(_)));
    }

    /// A key's visible end in a masked form is as good as gone from the transcript.
    #[test]
    fn masked_keys_are_redacted_with_their_visible_end() {
        for shown in [
            "  ANTHROPIC_API_KEY: sk-ant-...ghijKLMNOPQRSTUVWXYZ",
            "\x1b[2msk-ant-...ghijKLMNOPQRSTUVWXYZ\x1b[0m",
            "Incorrect API key provided: sk-fak***************************ghij.",
        ] {
            let out = redact(shown);
            assert!(
                !out.contains("KLMNOPQRSTUVWXYZ") && !out.contains("ghij."),
                "{shown:?}: {out:?}"
            );
            assert!(out.contains(REDACTED), "{out:?}");
        }
        assert_eq!(redact("tasks... done"), "tasks... done");
    }

    /// Keys as terminals and logs show them: after colour codes and other escape
    /// sequences, in JSON, quoted, at the start of a line, after punctuation.
    #[test]
    fn keys_behind_escape_sequences_and_in_json_are_redacted() {
        let openai = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        let anthropic = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz01";
        let telegram = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
        for key in [openai, anthropic, telegram] {
            for (shown, kept) in [
                (format!("\x1b[39;49m{key}\x1b[0m"), "\x1b[39;49m"),
                (format!("\x1b[1;32m{key}"), "\x1b[1;32m"),
                (format!("\x1b(B{key}"), "\x1b(B"),
                (format!("\x1b]0;title\x07{key}"), "\x1b]0;title\x07"),
                (
                    format!("{{\"OPENAI_API_KEY\":\"{key}\"}}"),
                    "OPENAI_API_KEY",
                ),
                (format!("{key} at the start"), "at the start"),
                (format!("key=({key})"), "key=("),
            ] {
                let out = redact(&shown);
                assert!(
                    !out.contains(&key[8..]),
                    "{key} leaked from {shown:?}: {out:?}"
                );
                assert!(out.contains(REDACTED), "{shown:?}: {out:?}");
                assert!(out.contains(kept), "what led up to it stays: {out:?}");
            }
        }
        let mut v = serde_json::json!({"env": [format!("\x1b[2m{openai}")]});
        redact_json(&mut v);
        assert!(!v.to_string().contains(&openai[8..]), "{v}");
    }

    #[test]
    fn words_that_merely_contain_sk_dash_are_left_alone() {
        for text in [
            "aiops/12-fix-the-risk-assessment-document-generator",
            "desk-0123456789012345678901234",
            "task-abcdefghijklmnopqrstuvwxyz",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
