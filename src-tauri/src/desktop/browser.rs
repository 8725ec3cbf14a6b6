//! Links to other sites (a pull request, a tracker's issue, a link in an issue's text)
//! open in the OS's default browser, never in the app's window: the window shows only the
//! app's own pages. Through tauri-plugin-opener, called from Rust; the page has no opener
//! permission of its own and reaches it only through [`open_external`].

use tauri_plugin_opener::OpenerExt;

/// Longest URL handed to the browser (what browsers and `xdg-open` handle everywhere).
const MAX_URL: usize = 8 * 1024;

/// Opens `url` in the default browser. `Err` (one line) when it is not an absolute
/// `http(s)` URL, or when no browser could be started.
#[tauri::command]
pub fn open_external(app: tauri::AppHandle, url: String) -> Result<(), String> {
    let url = checked(&url)?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| format!("cannot open the browser: {e}"))
}

/// `url` when it is an absolute http(s) URL with a host, short, and free of whitespace
/// and control characters (nothing a launcher could read as another argument).
fn checked(url: &str) -> Result<&str, String> {
    let refuse = || Err(format!("not a web address: {:.80}", url.escape_debug()));
    if url.len() > MAX_URL || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse();
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return refuse();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        || host.is_empty()
        || host.starts_with(':')
    {
        return refuse();
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::checked;

    #[test]
    fn web_addresses_pass() {
        for url in [
            "https://github.com/acme/demo/pull/7",
            "http://127.0.0.1:8080/x?y=1#z",
            "HTTPS://gitlab.example.com/g/p/-/merge_requests/1",
        ] {
            assert_eq!(checked(url), Ok(url));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for url in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ssh://host/x",
            "https://",
            "https://:80/",
            "https://a.example/ --new-window",
            "https://a.example/\n-x",
            "/relative/path",
            "mailto:a@example.com",
        ] {
            assert!(checked(url).is_err(), "{url}");
        }
        assert!(checked(&format!("https://a.example/{}", "x".repeat(9000))).is_err());
    }
}
