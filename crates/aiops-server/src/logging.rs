//! Structured logs (tracing) to stderr and to `<data>/logs/aiops.log.YYYY-MM-DD`, every
//! line through the core redactor first, so a token that reaches a log call by mistake
//! still never reaches a file.

use std::io::{self, IsTerminal, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use crate::config::Settings;

/// Lines waiting for the log file's writer thread before new ones are dropped. The
/// crate's default, 128,000, is a queue allocated and written through at start: ~4 MB
/// of the idle server's memory for a file that takes lines far faster than the server
/// makes them (a debug line per request at ~14,000 req/s fills 8,192 only if the disk
/// stalls for half a second).
const FILE_QUEUE_LINES: usize = 8_192;

/// Keeps the background log writer alive; drop it last to flush.
pub struct LogGuard(#[allow(dead_code)] tracing_appender::non_blocking::WorkerGuard);

/// Installs the global subscriber. Fails if the filter is invalid or the logs dir cannot
/// be created; a second call in one process is a no-op.
pub fn init(settings: &Settings) -> Result<LogGuard, String> {
    let filter = EnvFilter::try_new(&settings.log_level)
        .map_err(|e| format!("invalid log_level `{}`: {e}", settings.log_level))?;
    let dir = settings.logs_dir();
    crate::prepare_data_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = tracing_appender::rolling::daily(&dir, "aiops.log");
    let (file, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(FILE_QUEUE_LINES)
        .lossy(true)
        .finish(file);
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(io::stderr().is_terminal())
                .with_writer(Redacting(io::stderr)),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(Redacting(file)),
        )
        .try_init();
    Ok(LogGuard(guard))
}

/// A `MakeWriter` whose writers redact each formatted event before passing it on.
pub struct Redacting<M>(pub M);

pub struct RedactingWriter<W>(W);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The fmt layer writes one whole event per call, so a token is never split.
        let text = String::from_utf8_lossy(buf);
        self.0
            .write_all(aiops_core::redact::redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
