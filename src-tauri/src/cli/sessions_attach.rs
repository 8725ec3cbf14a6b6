//! Naming a session (`12`, `aiops-12-fix`, `alice:aiops-12`) and attaching a terminal to
//! it, and whether `issues work` / `sessions start` attach when not told.

use std::io::IsTerminal;

use aiops_client::Client;
use aiops_types::{ErrorCode, Session, SessionListParams};

use crate::cli::exit::CliError;
use crate::cli::output::OutputFormat;

/// Most live sessions a name is looked up among (the server's page limit).
const SEARCH_LIMIT: u32 = 500;

/// A session id; the start of a live session's tmux name (`aiops-12-…`); or the seed
/// system's `USER:NAME`, USER being an email or its local part. Names are looked up among
/// every live session the caller may see: an admin's search covers every user's.
pub(super) async fn resolve(client: &Client, text: &str) -> Result<i64, CliError> {
    let text = text.trim().trim_start_matches('=');
    if let Ok(id) = text.parse() {
        return Ok(id);
    }
    let (user, name) = match text.split_once(':') {
        Some((user, name)) => (Some(user), name.trim_start_matches('=')),
        None => (None, text),
    };
    let live = visible_live(client).await?;
    let hits: Vec<&Session> = live.iter().filter(|s| matches(s, user, name)).collect();
    match hits.as_slice() {
        [one] => Ok(one.id),
        [] => Err(CliError::not_found(format!(
            "no live session matches `{text}`"
        ))),
        _ => {
            let names: Vec<String> = hits
                .iter()
                .take(5)
                .map(|s| format!("{}:{}", s.user, s.tmux_target.trim_start_matches('=')))
                .collect();
            Err(CliError::usage(format!(
                "`{text}` matches {} sessions ({}); give more of the name, USER:NAME or the id",
                hits.len(),
                names.join(", ")
            )))
        }
    }
}

/// Whether session `s` is `[user:]name…`.
fn matches(s: &Session, user: Option<&str>, name: &str) -> bool {
    let user_ok = user.is_none_or(|u| {
        s.user.eq_ignore_ascii_case(u)
            || s.user
                .split_once('@')
                .is_some_and(|(local, _)| local.eq_ignore_ascii_case(u))
    });
    user_ok && s.tmux_target.trim_start_matches('=').starts_with(name)
}

/// Every live session the caller may see: all users' for an admin (the server refuses
/// `all_users` to anyone else, who then gets their own).
async fn visible_live(client: &Client) -> Result<Vec<Session>, CliError> {
    let mut params = SessionListParams {
        all_users: true,
        live: true,
        limit: Some(SEARCH_LIMIT),
        ..Default::default()
    };
    match client.list_sessions(&params).await {
        Ok(page) => Ok(page.items),
        Err(e) if e.code() == Some(ErrorCode::Forbidden) => {
            params.all_users = false;
            Ok(client.list_sessions(&params).await?.items)
        }
        Err(e) => Err(e.into()),
    }
}

/// The command that attaches session `id`: `tmux attach` when the server's socket is on
/// this machine, else `ssh -t` to where the pane is (a session host's sessions always:
/// its tmux belongs to the host's SSH user).
pub(super) async fn attach_argv(client: &Client, id: i64) -> Result<Vec<String>, CliError> {
    let info = client.session_attach(id).await?;
    let local = info.session_host.is_none()
        && std::path::Path::new(&info.socket).exists()
        && matches!(
            info.host.as_str(),
            "localhost" | "127.0.0.1" | "::1" | "[::1]"
        );
    if local {
        return Ok(info.command);
    }
    let destination = format!("{}@{}", info.ssh_user, info.host);
    aiops_exec::process::ssh_argv(&destination, info.ssh_port, &info.command)
        .map_err(|e| CliError::error(e.to_string()))
}

/// Runs [`attach_argv`] in this terminal.
pub(super) async fn attach(client: &Client, id: i64) -> Result<(), CliError> {
    let argv = attach_argv(client, id).await?;
    let code =
        aiops_exec::process::interactive(&argv).map_err(|e| CliError::error(e.to_string()))?;
    if code == 0 {
        Ok(())
    } else {
        Err(CliError::error(format!("`{}` exited with {code}", argv[0])))
    }
}

/// Whether a started session is attached: `--attach` or `--no-attach` when given; else
/// the `auto_attach` config key, and only for a person at a terminal (stdin and stdout
/// terminals, table output): never in a script or a pipe.
pub(super) fn should_attach(
    flag: Option<bool>,
    auto_attach: bool,
    out: OutputFormat,
    terminal: bool,
) -> bool {
    flag.unwrap_or(auto_attach && terminal && out == OutputFormat::Table)
}

/// Whether stdin and stdout are both terminals.
pub(super) fn at_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_follows_the_flag_else_the_config_at_a_terminal_only() {
        let table = OutputFormat::Table;
        assert!(should_attach(None, true, table, true));
        assert!(!should_attach(None, true, table, false), "never in a pipe");
        assert!(
            !should_attach(None, false, table, true),
            "auto_attach = false"
        );
        assert!(
            !should_attach(None, true, OutputFormat::Json, true),
            "-o json"
        );
        assert!(
            should_attach(Some(true), false, table, false),
            "--attach insists"
        );
        assert!(
            !should_attach(Some(false), true, table, true),
            "--no-attach"
        );
    }
}
