//! The one redactor: every log line, audit detail and export passes through it.
//!
//! Patterns follow gitleaks' rules for the token formats aiops handles (aiops API keys,
//! GitHub `gh?_` and fine-grained `github_pat_` tokens, GitLab `glpat-`, Slack `xox?-`,
//! Telegram bot tokens, Atlassian API tokens, Anthropic `sk-ant-` and OpenAI `sk-` keys
//! (the agents' credentials), bearer/basic headers, `password=` pairs, PEM private keys).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"aiops_[A-Za-z0-9_-]{8,}",
        r"|gh[pousr]_[A-Za-z0-9]{20,}",
        r"|github_pat_[A-Za-z0-9_]{20,}",
        r"|glpat-[A-Za-z0-9_-]{20,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|\b\d{6,12}:[A-Za-z0-9_-]{30,}",
        r"|ATATT[A-Za-z0-9_=-]{20,}",
        r"|\bsk-[A-Za-z0-9_-]{20,}",
        r"|(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}",
        r#"|(?i:password|passwd|secret|token|api_key)("?\s*[:=]\s*"?)[^\s"&,}]+"#,
        r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
    ))
    .expect("valid redaction regex")
});

pub const REDACTED: &str = "[REDACTED]";

/// Replaces every secret-looking run in `text` with `[REDACTED]`; borrows when clean.
pub fn redact(text: &str) -> Cow<'_, str> {
    PATTERNS.replace_all(text, |caps: &regex::Captures<'_>| match caps.get(1) {
        // key=value pairs keep their key so the line still says what was there.
        Some(sep) => {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            let key_end = sep.start() - caps.get(0).map_or(0, |m| m.start());
            format!("{}{}{REDACTED}", &whole[..key_end], sep.as_str())
        }
        None => REDACTED.to_owned(),
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
        let key = crate::credentials::new_api_key().secret;
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
}
