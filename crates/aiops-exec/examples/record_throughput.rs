//! Throughput of a session's transcript recorder (`aiops_exec::launch::record`, what
//! `aiops sessions record` runs for every session, fed by tmux `pipe-pane`), a benchmark,
//! never a test. Replays two synthetic pane streams from memory through `record()` into a
//! temp session dir (files rotate as in a session) and prints a markdown table of MB/s:
//!
//! - `seq`: the output of `seq 1 N` as the pane's terminal hands it on (`\r\n` line ends),
//!   one short line per number, so every line scrolls the screen;
//! - `tui`: a coloured status line redrawn in place with `\r` and `ESC[2K` ten times (a
//!   spinner), then a coloured 120-column line that stays; an agent's usual output.
//!
//!   cargo run --release -p aiops-exec --example record_throughput -- [MEGABYTES]
//!
//! MEGABYTES (default 50) is the size of each stream. The stream is read in 64 KiB chunks
//! (what the recorder asks a pipe for); the time includes writing the files (page cache).

use std::io::Read;
use std::time::Instant;

/// Hands out `data` in reads of at most 64 KiB, like a pipe.
struct Pipe<'a>(&'a [u8]);

impl Read for Pipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(buf.len()).min(64 * 1024);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn seq(bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 32);
    let mut i = 1u64;
    while out.len() < bytes {
        out.extend_from_slice(i.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        i += 1;
    }
    out
}

fn tui(bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 1024);
    let spinner = ['|', '/', '-', '\\'];
    let mut i = 0usize;
    while out.len() < bytes {
        for s in 0..10 {
            let frame = format!(
                "\r\x1b[2K\x1b[36m{} Working\x1b[0m (\x1b[2m{}s · esc to interrupt\x1b[0m)",
                spinner[s % spinner.len()],
                s
            );
            out.extend_from_slice(frame.as_bytes());
        }
        let line = format!(
            "\r\x1b[2K\x1b[1;32m●\x1b[0m step {i}: \x1b[33m{}\x1b[0m\r\n",
            "edited src/lib.rs ".repeat(6)
        );
        out.extend_from_slice(line.as_bytes());
        i += 1;
    }
    out
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("MEGABYTES is a number"))
        .unwrap_or(50);
    println!("| stream | MB | seconds | MB/s |");
    println!("|---|---:|---:|---:|");
    for (name, data) in [("seq", seq(mb << 20)), ("tui", tui(mb << 20))] {
        let dir = tempfile::tempdir().expect("temp dir");
        let start = Instant::now();
        aiops_exec::launch::record(dir.path(), Pipe(&data)).expect("record");
        let secs = start.elapsed().as_secs_f64();
        let size = data.len() as f64 / (1024.0 * 1024.0);
        println!("| {name} | {size:.0} | {secs:.2} | {:.1} |", size / secs);
    }
}
