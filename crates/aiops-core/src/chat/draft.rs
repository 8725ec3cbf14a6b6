//! The issue a chat message becomes (issue 18): the model writes its title and
//! description when the bot has one; otherwise, or when the model fails or answers
//! nothing usable, the message is the issue (first line the title, all of it the
//! description). The message is always kept under the model's description, so nothing the
//! user wrote is lost to a paraphrase.

use super::channel::Answerer;
use super::text::first_line;

/// What the model is asked, before the message.
const ASK: &str = "Turn this chat message into an issue for a software team. Answer with \
the issue's title on the first line (at most 80 characters, no prefix, no quotes), then \
an empty line, then a short description in Markdown: what is wrong or wanted, and any \
steps or details the message gives. Do not invent facts. The message:\n\n";

/// `(title, description)` of the issue for `message`; `title_chars` bounds the title.
pub fn issue_from(
    answerer: Option<&dyn Answerer>,
    message: &str,
    title_chars: usize,
    now: aiops_types::Timestamp,
) -> (String, String) {
    let plain = || (first_line(message, title_chars), message.to_owned());
    let Some(model) = answerer else {
        return plain();
    };
    let Ok(answer) = model.answer("", &format!("{ASK}{message}"), now, &mut |_| {}) else {
        return plain();
    };
    let mut lines = answer.trim().lines();
    let title = lines
        .next()
        .map(|l| {
            l.trim()
                .trim_start_matches('#')
                .trim()
                .trim_start_matches("Title:")
                .trim()
                .trim_matches(['"', '*', '`'])
                .trim()
        })
        .unwrap_or("");
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n");
    let body = body.trim();
    if title.is_empty() {
        return plain();
    }
    let description = if body.is_empty() {
        format!("From the chat:\n\n{}", quote(message))
    } else {
        format!("{body}\n\nFrom the chat:\n\n{}", quote(message))
    };
    (first_line(title, title_chars), description)
}

/// `message` as a Markdown block quote.
fn quote(message: &str) -> String {
    message
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_owned()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CoreError, CoreResult};

    /// Answers its text, or fails when it has none.
    struct Says(Option<&'static str>);

    impl Answerer for Says {
        fn answer(
            &self,
            _: &str,
            question: &str,
            _: aiops_types::Timestamp,
            _: &mut dyn FnMut(&str),
        ) -> CoreResult<String> {
            assert!(
                question.ends_with("Login fails\nOn Safari only."),
                "{question}"
            );
            self.0
                .map(str::to_owned)
                .ok_or_else(|| CoreError::Upstream("model down".into()))
        }
    }

    const MESSAGE: &str = "Login fails\nOn Safari only.";

    #[test]
    fn the_model_writes_title_and_description_and_the_message_stays_below() {
        let model = Says(Some(
            "# Title: \"Safari login fails\"\n\nThe login page fails on Safari.",
        ));
        let (title, description) =
            issue_from(Some(&model), MESSAGE, 120, time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(title, "Safari login fails");
        assert_eq!(
            description,
            "The login page fails on Safari.\n\nFrom the chat:\n\n> Login fails\n> On Safari only."
        );
    }

    #[test]
    fn without_a_model_or_a_usable_answer_the_message_is_the_issue() {
        let plain = ("Login fails".to_owned(), MESSAGE.to_owned());
        assert_eq!(
            issue_from(None, MESSAGE, 120, time::OffsetDateTime::UNIX_EPOCH),
            plain
        );
        let failed = Says(None);
        assert_eq!(
            issue_from(
                Some(&failed),
                MESSAGE,
                120,
                time::OffsetDateTime::UNIX_EPOCH
            ),
            plain
        );
        let empty = Says(Some("  \n "));
        assert_eq!(
            issue_from(Some(&empty), MESSAGE, 120, time::OffsetDateTime::UNIX_EPOCH),
            plain
        );
    }

    #[test]
    fn a_long_title_is_cut_and_a_title_alone_still_quotes_the_message() {
        let long = Says(Some(
            "Safari login fails on every page of the site and more",
        ));
        let (title, description) =
            issue_from(Some(&long), MESSAGE, 12, time::OffsetDateTime::UNIX_EPOCH);
        assert!(title.chars().count() <= 12, "{title}");
        assert!(description.starts_with("From the chat:"), "{description}");
    }
}
