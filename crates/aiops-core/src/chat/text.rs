//! Plain-text helpers shared by the interpreter and the adapters.

/// Splits `text` into pieces of at most `max` characters, at a line break when one is in
/// the second half of a piece, else at a space, else anywhere.
pub fn chunks(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest: &str = text;
    while rest.chars().count() > max {
        let cut = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let head = &rest[..cut];
        let half = head
            .char_indices()
            .nth(max / 2)
            .map_or(head.len(), |(i, _)| i);
        let at = head[half..]
            .rfind('\n')
            .or_else(|| head[half..].rfind(' '))
            .map(|i| half + i + 1)
            .unwrap_or(cut);
        out.push(rest[..at].trim_end().to_owned());
        rest = &rest[at..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

/// The first non-empty line of `text`, at most `max` characters (an issue's title).
pub fn first_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut t: String = line.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
