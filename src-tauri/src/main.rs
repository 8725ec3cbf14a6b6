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
#[cfg(feature = "server")]
mod update;

use std::process::ExitCode;

use crate::cli::exit::CliError;

// mimalloc instead of glibc malloc: the server's request path is allocation-heavy (rows,
// JSON), and glibc spent ~20% of CPU in malloc/free under load and kept per-thread arenas
// resident afterwards (measured with scripts/bench/api.sh; see the README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A bug must still end in one readable line, not a backtrace dump (RUST_BACKTRACE=1
    // restores the default report for debugging).
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()));
            eprintln!(
                "error: internal error{}: {}; please report this",
                location.unwrap_or_default(),
                panic_message(info.payload())
                    .unwrap_or("panic")
                    .replace('\n', " ")
            );
        }));
    }
    let args = cli::parse();
    let result = match args.command {
        Some(command) => runtime().and_then(|rt| {
            let result = cli::run(args.global, command, &rt);
            // A job still working on a blocking thread (a backup, a tool install) gets a
            // bounded time to finish when the server stops; the next start marks it
            // failed if it did not.
            rt.shutdown_timeout(std::time::Duration::from_secs(10));
            result
        }),
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

/// The text of a panic payload (`panic!("…")` carries a `&str` or a `String`).
pub(crate) fn panic_message(payload: &dyn std::any::Any) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking work is SQLite (1 writer + a few readers) and argon2 (2 at once): more
        // threads than this only queue on those and keep their memory resident.
        .max_blocking_threads(16)
        .build()
        .map_err(|e| CliError::error(format!("cannot start the async runtime: {e}")))
}

#[cfg(feature = "desktop")]
fn no_command() -> Result<(), CliError> {
    desktop::run().map_err(CliError::from)
}

#[cfg(not(feature = "desktop"))]
fn no_command() -> Result<(), CliError> {
    eprintln!("{}", cli::command().render_help());
    Err(CliError::usage(
        "this build has no desktop app; give a command (see above)",
    ))
}
