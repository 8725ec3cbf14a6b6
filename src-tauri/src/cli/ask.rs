//! Asking the person at the terminal: a passphrase (never echoed, or one line of stdin
//! for scripts) and a yes/no confirmation before something is replaced.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::exit::CliError;

/// A passphrase from one line of stdin (`from_stdin`), else None. `purpose` names it in
/// errors.
pub fn passphrase(from_stdin: bool) -> Result<Option<String>, CliError> {
    if !from_stdin {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        return Err(CliError::usage("--passphrase-stdin read an empty line"));
    }
    Ok(Some(p))
}

/// Ok when `yes`, or when the user answers y at the terminal; a usage error when there
/// is no terminal to ask at.
pub fn confirm(question: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "{question} — pass --yes to confirm"
        )));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(CliError::new(1, "cancelled; nothing was changed"))
    }
}
