//! The chat benchmark's driver (scripts/bench/chat.sh): a fake Telegram Bot API and a
//! fake Ollama whose answers stream at once, on loopback ports. Prints their base URLs
//! (first and second line of stdout), waits until a bot polls, then sends `--messages`
//! mentions spread over `--chats` group chats (`-1001`, `-1002`, …). Each chat sends its
//! next message when the previous one was answered, so `--chats` messages are in flight
//! at a time. Prints one JSON object: per message, ms from the message being available to
//! `getUpdates` to the bot's reply being sent, and to its first edit with the answer.
//! Times are read by polling the fake's state every 0.5 ms.
//!
//!   cargo run -p aiops-fakes --example chat -- --token TOKEN [--chats 10] [--messages 100]

use std::time::{Duration, Instant};

use aiops_fakes::telegram::{self, BOT_USERNAME};

const DEADLINE: Duration = Duration::from_secs(600);

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn pct(xs: &mut [f64], q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let at = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len().max(1)) - 1;
    xs.get(at).copied().unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(token) = arg(&args, "--token") else {
        eprintln!("usage: chat --token TOKEN [--chats N] [--messages N]");
        std::process::exit(2);
    };
    let number = |name: &str, default: usize| {
        arg(&args, name).map_or(default, |v| {
            v.parse().unwrap_or_else(|_| {
                eprintln!("{name} takes a number");
                std::process::exit(2)
            })
        })
    };
    let (chats, messages) = (number("--chats", 10).max(1), number("--messages", 100));
    let tg = telegram::start(&token);
    let model = aiops_fakes::ollama::start("bench");
    println!("{}\n{}", tg.url(), model.url());

    let started = Instant::now();
    while tg.state().count("getUpdates") == 0 {
        assert!(started.elapsed() < DEADLINE, "no bot polled");
        std::thread::sleep(Duration::from_millis(5));
    }

    // Per chat: the message in flight (id, when sent, when the reply appeared).
    struct Flight {
        id: i64,
        sent: Instant,
        replied: Option<Instant>,
    }
    let chat_ids: Vec<i64> = (1..=chats as i64).map(|c| -1000 - c).collect();
    let mut flights: Vec<Option<Flight>> = (0..chats).map(|_| None).collect();
    let (mut to_reply, mut to_edit) = (Vec::new(), Vec::new());
    let mut sent = 0usize;
    let begin = Instant::now();
    while to_edit.len() < messages {
        assert!(begin.elapsed() < DEADLINE, "answers stopped coming");
        for (c, slot) in flights.iter_mut().enumerate() {
            if slot.is_none() && sent < messages {
                sent += 1;
                let text = format!("@{BOT_USERNAME} ask what is {sent} plus one");
                let id =
                    tg.state()
                        .user_message(chat_ids[c], 5000 + c as i64, "bench", &text, None);
                *slot = Some(Flight {
                    id,
                    sent: Instant::now(),
                    replied: None,
                });
            }
            let Some(f) = slot else { continue };
            let reply = tg
                .state()
                .chat(chat_ids[c])
                .into_iter()
                .find(|m| m.reply_to == Some(f.id));
            let Some(reply) = reply else { continue };
            if f.replied.is_none() {
                f.replied = Some(Instant::now());
                to_reply.push(f.sent.elapsed().as_secs_f64() * 1000.0);
            }
            if reply.text.contains("You asked") {
                to_edit.push(f.sent.elapsed().as_secs_f64() * 1000.0);
                *slot = None;
            }
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let wall = begin.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "chats": chats,
            "messages": messages,
            "reply_ms": { "p50": pct(&mut to_reply, 0.5), "p99": pct(&mut to_reply, 0.99) },
            "answer_ms": { "p50": pct(&mut to_edit, 0.5), "p99": pct(&mut to_edit, 0.99),
                           "max": pct(&mut to_edit, 1.0) },
            "messages_per_s": messages as f64 / wall,
        })
    );
}
