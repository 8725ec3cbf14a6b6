//! The one `aiops` binary: desktop app, `aiops serve`, and the CLI.
//!
//! `main` parses the command line with clap before any Tauri code runs: no subcommand
//! opens the desktop (feature `desktop`); anything else is dispatched by `cli::run` on
//! one tokio runtime built here. A build with `--no-default-features --features server`
//! links no GTK/WebKit and runs without a display.
//!
//! Errors print as one line, `error: <message>`, on stderr; the exit code says what kind
//! (see `cli::exit`): 0 ok, 1 error, 2 usage, 3 authentication, 4 not found.

mod cli;

#[cfg(feature = "server")]
mod admin;
#[cfg(feature = "desktop")]
mod desktop;
#[cfg(feature = "server")]
mod serve;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::exit::CliError;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(command) => runtime().and_then(|rt| cli::run(args.global, command, &rt)),
        None => no_command(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.one_line());
            ExitCode::from(e.code)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::error(format!("cannot start the async runtime: {e}")))
}

#[cfg(feature = "desktop")]
fn no_command() -> Result<(), CliError> {
    desktop::run().map_err(CliError::from)
}

#[cfg(not(feature = "desktop"))]
fn no_command() -> Result<(), CliError> {
    use clap::CommandFactory;
    eprintln!("{}", cli::Cli::command().render_help());
    Err(CliError::usage(
        "this build has no desktop app; give a command (see above)",
    ))
}
