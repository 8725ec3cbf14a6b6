//! Throughput of a session's transcript recorder (`aiops_exec::launch::record`, what
//! `aiops sessions record` runs for every session, fed by tmux `pipe-pane`), a benchmark,
//! never a test. Replays two synthetic pane streams from memory through `record()` into a
//! temp session dir (files rotate as in a session), and through the rendered log's
//! terminal emulator alone (`aiops_exec::render::Renderer`, which `record()` runs on its
//! own thread and which leaves out what it cannot keep up with), and prints a markdown
//! table of MB/s:
//!
//! - `seq`: the output of `seq 1 N` as the pane's terminal hands it on (`\r\n` line ends),
//!   one short line per number, so every line scrolls the screen;
//! - `tui`: a coloured status line redrawn in place with `\r` and `ESC[2K` ten times (a
//!   spinner), then a coloured 120-column line that stays; an agent's usual output.
//!
//!   cargo run --release -p aiops-exec --example record_throughput -- [MEGABYTES]
//!
//! MEGABYTES (default 50) is the size of each stream. The stream is read in 64 KiB chunks
//! (what the recorder asks a pipe for). "input read" is how fast `record()` takes its
//! input (what keeps tmux from buffering it); it returns once the rendering thread has
//! drained its queue. The times include writing the files (page cache).

use std::io::Read;
use std::time::Instant;

/// Hands out `data` in reads of at most 64 KiB, like a pipe; notes when it was read to
/// the end (the recorder took everything: tmux holds nothing more for it).
struct Pipe<'a>(&'a [u8], Option<Instant>);

impl Read for Pipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(buf.len()).min(64 * 1024);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        if n == 0 {
            self.1.get_or_insert_with(Instant::now);
        }
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

/// Bytes the rendered log in `dir` says it left out.
fn left_out(dir: &std::path::Path) -> u64 {
    let (text, _) = aiops_exec::render::read_rendered(dir).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("[aiops: ")?
                .split(' ')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("MEGABYTES is a number"))
        .unwrap_or(50);
    println!(
        "| stream | MB | input read, MB/s | `record()` returned, s | left out of the rendered log | emulator alone, MB/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, data) in [("seq", seq(mb << 20)), ("tui", tui(mb << 20))] {
        let size = data.len() as f64 / (1024.0 * 1024.0);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut pipe = Pipe(&data, None);
        let start = Instant::now();
        aiops_exec::launch::record(dir.path(), &mut pipe).expect("record");
        let secs = start.elapsed().as_secs_f64();
        let read = size / (pipe.1.expect("read to the end") - start).as_secs_f64();
        let skipped = left_out(dir.path()) as f64 / data.len() as f64 * 100.0;

        let mut renderer = aiops_exec::render::Renderer::new(50, 200);
        let mut out = String::new();
        let start = Instant::now();
        for chunk in data.chunks(64 * 1024) {
            renderer.feed(chunk, &mut out);
            out.clear();
        }
        renderer.finish(&mut out);
        let alone = size / start.elapsed().as_secs_f64();
        println!("| {name} | {size:.0} | {read:.1} | {secs:.2} | {skipped:.0}% | {alone:.1} |");
    }
}
