//! Keystroke-echo latency of the terminal WebSocket, for `scripts/bench/terminal.sh` (a
//! benchmark, never a test): types N single keys one at a time into a session's terminal
//! and times each until its echo comes back (server → PTY → tmux → the pane's program →
//! tmux → PTY → server). Prints the samples' percentiles as a markdown table row.
//!
//!   AIOPS_API_KEY=aiops_… cargo run --release -p aiops-server --example terminal_echo -- \
//!       ws://127.0.0.1:PORT/api/v1/sessions/ID/terminal [COUNT]
//!
//! The pane should run `cat` or an idle shell, which echo each key and print nothing
//! else. Keys cycle through `fjkwxz`: letters that tmux's escape sequences and its default
//! status line (time, month, session name) do not contain, so a frame holding the key is
//! its echo. Acks every frame (the protocol's flow control), sets TCP_NODELAY, and erases
//! the typed line (^U) at the end. Plain `ws://` only (loopback).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const KEYS: &[u8] = b"fjkwxz";
const WARMUP: usize = 20;
const PER_KEY: Duration = Duration::from_secs(5);

type Error = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: terminal_echo WS-URL [COUNT] (key in AIOPS_API_KEY)")?;
    let count: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    if count == 0 {
        return Err("COUNT must be at least 1".into());
    }
    let key = std::env::var("AIOPS_API_KEY").map_err(|_| "set AIOPS_API_KEY")?;
    let mut req = url.as_str().into_client_request()?;
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {key}"))?,
    );
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, None, true).await?;
    ws.send(Message::text(r#"{"type":"resize","cols":200,"rows":50}"#))
        .await?;

    let mut samples = Vec::with_capacity(count);
    for i in 0..WARMUP + count {
        let k = KEYS[i % KEYS.len()];
        let sent = Instant::now();
        ws.send(Message::binary(vec![k])).await?;
        loop {
            let msg = tokio::time::timeout(PER_KEY, ws.next())
                .await
                .map_err(|_| format!("no echo of key {i} within {PER_KEY:?}"))?
                .ok_or("the server closed the terminal")??;
            match msg {
                Message::Binary(b) => {
                    let ack = format!(r#"{{"type":"ack","bytes":{}}}"#, b.len());
                    let echoed = b.contains(&k);
                    if echoed && i >= WARMUP {
                        samples.push(sent.elapsed());
                    }
                    ws.send(Message::text(ack)).await?;
                    if echoed {
                        break;
                    }
                }
                Message::Close(f) => return Err(format!("closed by the server: {f:?}").into()),
                _ => {}
            }
        }
    }
    ws.send(Message::binary(vec![0x15])).await?;
    ws.close(None).await?;

    samples.sort();
    let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1000.0);
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!("| keys | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {} | {} | {} |",
        samples.len(),
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(samples[samples.len() - 1]),
        ms(mean)
    );
    Ok(())
}
