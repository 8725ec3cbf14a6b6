//! The aiops control plane as a library: the axum router of API v1, authentication, the
//! OpenAPI document, and the serve loop.
//!
//! Entry points: [`open`] (data dir + database → [`AppState`]), [`serve`] (one listener,
//! until `shutdown` resolves — what tests call with port 0), [`run`] (what `aiops
//! serve` calls: logging, setup token, bind checks, signals), and [`Embedded`] (the
//! control plane inside the desktop app). Both of the last hold the data dir's lock.
//!
//! Owns: HTTP concerns only (extractors, status codes, cookies, headers, rate limits).
//! Decisions live in `aiops-core`; SQL lives in `aiops-db`. Must never import: tauri,
//! reqwest, or `std::process`.

pub mod admin;
mod auth;
mod auth_cache;
mod automation;
mod backups;
mod chat;
pub mod config;
mod contract;
mod embedded;
mod error;
mod git_watch;
mod jobs;
mod json;
mod logging;
mod mcp;
mod metrics;
mod ratelimit;
mod restart;
mod revocations;
mod routes;
mod runner;
pub mod secret_key;
mod sites;
mod state;
mod ui;
pub mod update;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum_server::tls_rustls::RustlsConfig;
use tokio::net::TcpListener;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use crate::config::{ConfigError, Overrides, Settings};
pub use crate::embedded::{DataDirLock, Embedded};
pub use crate::state::AppState;

/// Says loudly, at start, when sessions will not be contained: `session_sandbox = "off"`,
/// or no mechanism works here (bubblewrap missing or refused its namespaces).
pub(crate) fn sandbox_notice(settings: &Settings) {
    use aiops_core::sessions::sandbox::SandboxMode;
    let mode = settings.sandbox_mode();
    let found = aiops_exec::sandbox::mechanism();
    let line = match (mode, found) {
        (SandboxMode::Off, _) => Some(
            "session_sandbox = \"off\": agent sessions run UNSANDBOXED and can read this \
             server's data dir (database, secret.key) and every other session"
                .to_owned(),
        ),
        (SandboxMode::Auto, None) => Some(
            "no session sandbox works here (install bubblewrap: `apt install bubblewrap`): \
             agent sessions run UNSANDBOXED and can read this server's data dir"
                .to_owned(),
        ),
        (SandboxMode::Required, None) => Some(
            "session_sandbox = \"required\" but no sandbox works here (install bubblewrap): \
             every session start will be refused"
                .to_owned(),
        ),
        (_, Some(m)) => {
            tracing::info!(mechanism = m, "sessions run sandboxed");
            None
        }
    };
    if let Some(line) = line {
        tracing::warn!("{line}");
        eprintln!("aiops serve: WARNING: {line}");
    }
}

/// Largest accepted request body.
const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "aiops API", version = "1", description = "Control plane for AI coding agents. \
        Authenticate with `Authorization: Bearer aiops_…` (API key) or the `aiops_session` cookie \
        plus `X-CSRF-Token` on writes. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&SecuritySchemes),
    tags((name = "auth"), (name = "users"), (name = "tenants"), (name = "projects"), (name = "issues"), (name = "integrations"), (name = "credentials"), (name = "agents"), (name = "audit"), (name = "system"), (name = "automation"), (name = "chat"), (name = "mcp"), (name = "hosts"))
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("aiops_…")
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("aiops_session"))),
        );
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Admin(#[from] admin::AdminError),
    #[error("{0}")]
    Logging(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Core(#[from] aiops_core::CoreError),
    #[error("{0}")]
    SecretKey(#[from] secret_key::KeyFileError),
    #[error("cannot load the TLS certificate and key {0}")]
    Tls(String),
    /// Another server holds the data dir's lock (`serve.lock`).
    #[error("another aiops control plane uses the data dir {data_dir}{}: stop it first, or connect to it", if url.is_empty() { String::new() } else { format!(" (listening on {url})") })]
    Busy { data_dir: String, url: String },
}

/// Creates `dir` (and parents) and makes it owner-only: it holds the database, logs and,
/// later, workspaces and keys.
pub(crate) fn prepare_data_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Prepares the data dir and opens the database.
pub fn open(settings: Settings) -> Result<AppState, ServeError> {
    prepare_data_dir(&settings.data_dir).map_err(|source| admin::AdminError::Io {
        path: settings.data_dir.display().to_string(),
        source,
    })?;
    if let Some(done) = backups::restore::apply_pending(&settings.data_dir)? {
        tracing::warn!("{done}");
        println!("aiops serve: {done}");
    }
    let db = aiops_db::Db::open(&settings.db_path(), settings.db_readers)
        .map_err(admin::AdminError::from)?;
    let key = secret_key::load_or_create(&settings.data_dir)?;
    Ok(AppState::new(db, key, settings))
}

/// The API router and its OpenAPI document, from one route table.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes::router().merge(restart::router()))
        // Outside /api/v1 by Prometheus convention; a real route, so the UI's fallback
        // never answers it.
        .merge(metrics::router())
        .split_for_parts();
    // Over the whole route table, so it sees every operation (`modifiers(…)` on `ApiDoc`
    // runs before the routes are added).
    contract::Contract.modify(&mut doc);
    (router, doc)
}

/// The whole HTTP app for `state`.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api();
    let document = openapi_json(&doc);
    drop(doc);
    let tools = api.clone().with_state(state.clone());
    api.merge(mcp::router(state.clone(), tools))
        .merge(document)
        .merge(SwaggerUi::new("/api/docs").config(OPENAPI_JSON.into()))
        .merge(web::pages())
        .fallback(ui::serve)
        .method_not_allowed_fallback(web::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::loopback_host,
        ))
        .layer(axum::middleware::from_fn(web::security_headers))
        .layer(compression())
        // One span and one line per request at DEBUG (method, path, status, latency);
        // headers are not recorded, so credentials never reach the log.
        .layer(tower_http::trace::TraceLayer::new_for_http())
        // Outermost, so a request refused by the layers above is counted too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Where the OpenAPI document is served, and where Swagger UI (`/api/docs`) reads it.
const OPENAPI_JSON: &str = "/api/openapi.json";

/// `GET /api/openapi.json`: `doc` as JSON (OpenAPI 3.1), serialized once here. The
/// server then keeps ~0.4 MB of text instead of the utoipa structure (several MB of
/// small allocations) that Swagger UI's own route would keep and serialize again on
/// every request.
fn openapi_json(doc: &utoipa::openapi::OpenApi) -> Router<AppState> {
    // Only string-keyed maps and plain values: serde_json cannot fail on it.
    let body =
        axum::body::Bytes::from(serde_json::to_vec(doc).expect("an OpenAPI document is JSON"));
    let serve = move || {
        let body = body.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }
    };
    Router::new().route(OPENAPI_JSON, axum::routing::get(serve))
}

/// gzip or brotli, as the client accepts (`Accept-Encoding`), for answers over 32 bytes:
/// the UI's bundle and JSON pages travel a fraction of their size to a remote browser.
/// Event streams, images and what is compressed already (backup archives, binaries) are
/// sent as they are.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    tower_http::compression::CompressionLayer::new().compress_when(
        DefaultPredicate::new()
            .and(NotForContentType::new("application/gzip"))
            .and(NotForContentType::new("application/octet-stream"))
            .and(NotForContentType::new("application/zip")),
    )
}

/// Longest a graceful shutdown waits for in-flight requests once streams have ended.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `state` on `listener` until `shutdown` resolves, then ends event streams and
/// terminals, lets other in-flight requests finish (up to [`SHUTDOWN_GRACE`]) and returns.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Sessions on this machine call the API directly, not through a proxy.
    state.set_url(format!("http://{}", listener.local_addr()?));
    let (grace_tx, grace_rx) = tokio::sync::oneshot::channel::<()>();
    let closing = state.clone();
    let shutdown = async move {
        shutdown.await;
        closing.begin_shutdown();
        let _ = grace_tx.send(());
    };
    let jobs = jobs::start(state.clone());
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    // TCP_NODELAY: a keystroke's echo on the terminal WebSocket is a few bytes that must
    // not wait for Nagle's algorithm (up to 40 ms with delayed ACKs).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    let deadline = async {
        if grace_rx.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let served = tokio::select! {
        served = served.into_future() => served,
        () = deadline => {
            tracing::warn!("shutdown: requests still open after {SHUTDOWN_GRACE:?}; stopping anyway");
            Ok(())
        }
    };
    jobs.abort();
    served
}

/// Loads a PEM certificate chain and private key for [`serve_tls`].
pub async fn load_tls(cert: &Path, key: &Path) -> Result<RustlsConfig, ServeError> {
    RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| ServeError::Tls(format!("{} / {}: {e}", cert.display(), key.display())))
}

/// Serves `state` over HTTPS (rustls) until `shutdown` resolves; in-flight requests get
/// 10 s to finish.
pub async fn serve_tls(
    state: AppState,
    listener: TcpListener,
    config: RustlsConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    let closing = state.clone();
    tokio::spawn(async move {
        shutdown.await;
        closing.begin_shutdown();
        stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    state.set_url(state.settings().base_url(listener.local_addr()?));
    let jobs = jobs::start(state.clone());
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .map(|tls| tls.acceptor(axum_server::accept::NoDelayAcceptor::new()))
        .handle(handle)
        .serve(app)
        .await;
    jobs.abort();
    served?;
    Ok(())
}

/// `aiops serve`: logs, database, one-time setup URL on a fresh data dir, loopback check,
/// and serving until SIGINT or SIGTERM.
pub async fn run(settings: Settings) -> Result<Exit, ServeError> {
    settings.check_bind()?;
    prepare_data_dir(&settings.data_dir).map_err(|source| admin::AdminError::Io {
        path: settings.data_dir.display().to_string(),
        source,
    })?;
    let _log_guard = logging::init(&settings).map_err(ServeError::Logging)?;
    let tls = if settings.tls() {
        Some(load_tls(Path::new(&settings.tls_cert), Path::new(&settings.tls_key)).await?)
    } else {
        None
    };
    let mut lock = DataDirLock::acquire(&settings.data_dir)?;
    let state = open(settings.clone())?;
    let listener = match aiops_exec::reexec::inherited_listener() {
        // A restart: the socket stayed open, so clients never saw it closed.
        Some(l) => TcpListener::from_std(l)?,
        None => TcpListener::bind(settings.bind)
            .await
            .map_err(|source| ServeError::Bind {
                addr: settings.bind,
                source,
            })?,
    };
    // Kept for a restart: the new image takes the socket over (see `restart`).
    let keep = std::os::fd::AsFd::as_fd(&listener).try_clone_to_owned()?;
    state.allow_restart();
    let bound = listener.local_addr()?;
    let base = settings.base_url(bound);
    lock.announce(&base)?;
    tracing::info!(data_dir = %settings.data_dir.display(), %bound, "aiops serve starting");
    sandbox_notice(&settings);
    // stdout, not the log: scripts and tests read these lines, and the setup token must
    // not land in a log file.
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("aiops serve: listening on {scheme}://{bound}");
    let db = state.clone();
    if let Some(token) =
        tokio::task::spawn_blocking(move || aiops_core::auth::issue_setup_token(db.db()))
            .await
            .map_err(std::io::Error::other)??
    {
        println!("aiops serve: no users yet. Create the first admin at {base}/setup#token={token}");
        println!("aiops serve: (or run `aiops admin create-admin --email you@example.com`)");
    }
    let restarting = state.clone();
    let shutdown = async move {
        tokio::select! {
            () = shutdown_signal() => {}
            () = restarting.restarting() => {}
        }
    };
    let restart = state.clone();
    match tls {
        Some(config) => serve_tls(state, listener, config, shutdown).await?,
        None => serve(state, listener, shutdown).await?,
    }
    if restart.restart_requested() {
        tracing::info!("aiops serve restarting");
        return Ok(Exit::Restart(keep));
    }
    tracing::info!("aiops serve stopped");
    Ok(Exit::Stopped)
}

/// How [`run`] ended.
#[derive(Debug)]
pub enum Exit {
    /// SIGINT or SIGTERM.
    Stopped,
    /// A restart was asked for: re-execute with this listening socket
    /// (`aiops_exec::reexec::reexec`).
    Restart(std::os::fd::OwnedFd),
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
