//! Chat pollers (issue 18): one thread per enabled chat integration, polling its platform
//! (Telegram: long polling; Slack: Socket Mode with an app-level token, else
//! `conversations.history` every [`SLACK_INTERVAL`]) and
//! handing each event to the one interpreter (`aiops_core::chat::interpret`).
//!
//! A supervisor task starts and stops them: at start, whenever an integration changes
//! ([`AppState::chat_changed`]), and every [`RECHECK`] (a changed row restarts its
//! poller). A poller that fails (platform unreachable, token refused, rate limited)
//! records the error as the integration's health and retries after a backoff that doubles
//! up to [`MAX_BACKOFF`] (a `429` waits its `retry_after`). The poll cursor is stored
//! after a batch is handled; the processed-event keys make re-reading a batch after a
//! restart harmless. On shutdown pollers stop at their next check (at most one long poll,
//! `chat_poll_wait_secs`, later); none is ever joined on an async worker.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use aiops_core::chat::agent::{self, AgentAnswerer};
use aiops_core::chat::channel::{Answerer, ChatChannel};
use aiops_core::chat::interpret::{Interpreter, Outcome};
use aiops_core::chat::ops::CoreOps;
use aiops_core::chat::state::ChatState;
use aiops_core::chat::{self, ChatRecord, ChatStore};
use aiops_core::ports::Viewer;
use aiops_core::{CoreError, CoreResult, Principal};
use aiops_trackers::chat::ollama::Ollama;
use aiops_trackers::chat::slack::{self, Slack};
use aiops_trackers::chat::telegram::Telegram;
use aiops_types::{ChatAnswer, ChatPlatform, ChatTestResult};

use crate::state::AppState;

/// How often the supervisor re-reads the integrations without being told.
const RECHECK: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Shortest time between two edits of a streamed answer (Telegram: about one message per
/// second per chat).
const EDIT_INTERVAL: Duration = Duration::from_secs(1);
/// Processed-event keys are kept this long (Telegram keeps undelivered updates 24 h).
const KEEP_KEYS: time::Duration = time::Duration::days(7);
const PURGE_EVERY: Duration = Duration::from_secs(600);
/// Longest pause between two Slack polls (`conversations.history` is Tier 3, about 50
/// calls a minute; one per channel per poll), shortened to `chat_poll_wait_secs`.
const SLACK_INTERVAL: Duration = Duration::from_secs(3);
/// Longest poll while the bot follows a session started from a chat (`work`).
const FOLLOW_WAIT: Duration = Duration::from_secs(2);

/// A stop flag a poller sleeps on.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn set(&self) {
        *self
            .stopped
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    fn is_set(&self) -> bool {
        *self
            .stopped
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sleeps up to `d`; true when stopped meanwhile.
    fn wait(&self, d: Duration) -> bool {
        let guard = self
            .stopped
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (guard, _) = self
            .wake
            .wait_timeout_while(guard, d, |stopped| !*stopped)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard
    }
}

struct Running {
    /// `updated_at` of the row it runs with: a change restarts it.
    version: time::OffsetDateTime,
    stop: Arc<Stop>,
}

/// The supervisor; returns once the server shuts down (after telling every poller).
pub async fn run(state: AppState) {
    let mut running: HashMap<i64, Running> = HashMap::new();
    let closed = state.closed();
    tokio::pin!(closed);
    loop {
        let db = state.clone();
        match tokio::task::spawn_blocking(move || db.db().enabled_chat_integrations()).await {
            Ok(Ok(wanted)) => reconcile(&state, &mut running, wanted),
            Ok(Err(e)) => tracing::error!(error = %e, "cannot read chat integrations"),
            Err(e) => tracing::error!(error = %e, "chat supervisor task failed"),
        }
        tokio::select! {
            () = &mut closed => break,
            () = state.chat_changed().notified() => {}
            () = tokio::time::sleep(RECHECK) => {}
        }
    }
    for (_, r) in running.drain() {
        r.stop.set();
    }
}

fn reconcile(state: &AppState, running: &mut HashMap<i64, Running>, wanted: Vec<ChatRecord>) {
    let versions: HashMap<i64, time::OffsetDateTime> = wanted
        .iter()
        .map(|r| (r.integration.id, r.integration.updated_at))
        .collect();
    running.retain(|id, r| {
        let keep = versions.get(id) == Some(&r.version);
        if !keep {
            r.stop.set();
            tracing::info!(integration = id, "chat poller stopped");
        }
        keep
    });
    for rec in wanted {
        let id = rec.integration.id;
        if running.contains_key(&id) {
            continue;
        }
        let stop = Arc::new(Stop::default());
        let (st, flag) = (state.clone(), stop.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("chat-{id}"))
            .spawn(move || poll_loop(&st, id, &flag));
        match spawned {
            Ok(_) => {
                tracing::info!(integration = id, name = %rec.integration.name, "chat poller started");
                running.insert(
                    id,
                    Running {
                        version: rec.integration.updated_at,
                        stop,
                    },
                );
            }
            Err(e) => tracing::error!(integration = id, error = %e, "cannot start a chat poller"),
        }
    }
}

fn note(state: &AppState, id: i64, health: &str, event_at: Option<time::OffsetDateTime>) {
    if let Err(e) = state.db().note_chat_health(id, health, event_at) {
        tracing::warn!(integration = id, error = %e, "cannot record chat health");
    }
}

fn poll_loop(state: &AppState, id: i64, stop: &Stop) {
    let mut backoff = Duration::from_secs(1);
    while !stop.is_set() {
        let started = Instant::now();
        let Err(e) = serve(state, id, stop) else {
            return;
        };
        tracing::warn!(integration = id, error = %e, "chat poller failed; retrying");
        note(state, id, &e.to_string(), None);
        if started.elapsed() > MAX_BACKOFF {
            backoff = Duration::from_secs(1);
        }
        let wait = match e {
            CoreError::RateLimited { retry_after_secs } => Duration::from_secs(retry_after_secs),
            _ => backoff,
        };
        if stop.wait(wait) {
            return;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// The platform of an integration, and how long one poll may wait.
fn channel(state: &AppState, rec: &ChatRecord) -> CoreResult<(Box<dyn ChatChannel>, Duration)> {
    let token = chat::open_token(state.secret_key(), rec)?;
    let i = &rec.integration;
    let wait = Duration::from_secs(state.settings().chat_poll_wait_secs);
    Ok(match i.platform {
        ChatPlatform::Telegram => (
            Box::new(Telegram::open(i.api_url.as_deref(), &token, wait)?),
            wait,
        ),
        ChatPlatform::Slack => {
            let bot = match chat::open_app_token(state.secret_key(), rec)? {
                Some(app) => {
                    Slack::open_socket(i.api_url.as_deref(), &token, &app, &i.allowed_chats)?
                }
                None => Slack::open(i.api_url.as_deref(), &token, &i.allowed_chats)?,
            };
            (Box::new(bot), wait.min(SLACK_INTERVAL))
        }
    })
}

/// The integration's Ollama model, when it has one (it answers and writes previews).
fn model(rec: &ChatRecord) -> Option<Ollama> {
    let i = &rec.integration;
    match (i.answer, i.ollama_url.as_deref(), i.model.as_deref()) {
        (ChatAnswer::Ollama, Some(url), Some(model)) => Some(Ollama::new(
            url,
            model,
            Duration::from_secs(i.answer_timeout_secs.into()),
        )),
        _ => None,
    }
}

/// Polls until stopped (Ok) or until something fails (Err).
fn serve(state: &AppState, id: i64, stop: &Stop) -> CoreResult<()> {
    let db = state.db();
    let rec = db
        .chat_integration(Viewer::All, id)?
        .ok_or_else(|| CoreError::not_found(format!("chat integration {id}")))?;
    let (bot, wait) = channel(state, &rec)?;
    let model = model(&rec);
    let host = state.host();
    let agent = match rec.integration.answer {
        ChatAnswer::Agent => Some(agent::prepare(db, &host, &rec.integration)?),
        _ => None,
    };
    let agent_answerer = agent.as_ref().map(|setup| AgentAnswerer {
        setup,
        state: db,
        runtime: host.runtime,
    });
    note(state, id, "ok", None);
    let ops = CoreOps {
        store: db,
        trackers: state.trackers(),
        key: state.secret_key(),
        host: Some(&host),
    };
    let answerer: Option<&dyn Answerer> = match (&model, &agent_answerer) {
        (Some(m), _) => Some(m),
        (None, Some(a)) => Some(a),
        (None, None) => None,
    };
    let interp = Interpreter {
        integration: &rec.integration,
        channel: bot.as_ref(),
        state: db,
        ops: &ops,
        answerer,
        drafter: model.as_ref().map(|m| m as &dyn Answerer),
        edit_interval: EDIT_INTERVAL,
    };
    let mut cursor = db.chat_cursor(id, "")?;
    let mut purged = Instant::now() - PURGE_EVERY;
    while !stop.is_set() {
        // A followed session's change waits at most one poll: keep polls short then.
        let following = !db.chat_session_watches(id)?.is_empty();
        let got = bot.receive(
            cursor.as_deref(),
            if following {
                wait.min(FOLLOW_WAIT)
            } else {
                wait
            },
        )?;
        // Stopped while polling: leave the batch to the next poller (not confirmed yet).
        if stop.is_set() {
            break;
        }
        let now = time::OffsetDateTime::now_utc();
        for event in &got.events {
            match interp.handle(event, now) {
                Ok(Outcome::Failed(e)) => {
                    tracing::info!(integration = id, error = %e, "chat command refused");
                }
                Ok(Outcome::Ignored(why)) => {
                    tracing::debug!(integration = id, why, "chat event ignored");
                }
                Ok(_) => {}
                // The event is marked handled: it is not retried (never answered twice).
                Err(e) => tracing::warn!(integration = id, error = %e, "chat event failed"),
            }
        }
        if following {
            interp.follow_sessions()?;
        }
        if let Some(c) = got.cursor.filter(|c| cursor.as_ref() != Some(c)) {
            db.set_chat_cursor(id, "", &c)?;
            cursor = Some(c);
        }
        if !got.events.is_empty() {
            note(state, id, "ok", Some(now));
        }
        if purged.elapsed() >= PURGE_EVERY {
            db.purge_chat_state(now, now - KEEP_KEYS)?;
            if let Some(setup) = &agent {
                let ended = agent::purge(setup, db, host.runtime, now)?;
                if ended > 0 {
                    tracing::info!(integration = id, ended, "idle chat contexts ended");
                }
            }
            purged = Instant::now();
        }
    }
    Ok(())
}

/// `POST /chat/integrations/{id}/test`: the platform accepts the token (Telegram
/// `getMe`, Slack `auth.test`, and `apps.connections.open` for an app-level token); the
/// bot's name. Tenant admins only (it uses the token).
pub fn test(
    db: &aiops_db::Db,
    key: &aiops_core::sealed::SecretKey,
    caller: &Principal,
    id: i64,
) -> CoreResult<ChatTestResult> {
    let rec = chat::record_to_manage(db, caller, id)?;
    let token = chat::open_token(key, &rec)?;
    let i = &rec.integration;
    let bot = match i.platform {
        ChatPlatform::Telegram => {
            Telegram::open(i.api_url.as_deref(), &token, Duration::from_secs(1))?
                .username()
                .to_owned()
        }
        ChatPlatform::Slack => match chat::open_app_token(key, &rec)? {
            Some(app) => {
                slack::check_app_token(i.api_url.as_deref(), &app)?;
                Slack::open_socket(i.api_url.as_deref(), &token, &app, &i.allowed_chats)?
                    .bot_user()
                    .to_owned()
            }
            None => Slack::open(i.api_url.as_deref(), &token, &i.allowed_chats)?
                .bot_user()
                .to_owned(),
        },
    };
    Ok(ChatTestResult { bot })
}
