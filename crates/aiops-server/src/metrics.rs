//! `GET /metrics`: the server's metrics in the OpenMetrics text format
//! (<https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md>,
//! which Prometheus scrapes natively; content type
//! `application/openmetrics-text; version=1.0.0`), encoded by `prometheus-client`.
//!
//! Two sources: [`HttpMetrics`], counted by the [`track`] middleware as requests pass,
//! and the database and data dir, read at scrape time ([`aiops_core::metrics::snapshot`],
//! [`database_bytes`], [`last_backup_age`]), so a scrape always shows the current state
//! and nothing has to be kept in step with the store.
//!
//! Outside `/api/v1` by Prometheus convention. Auth: an admin API key or browser session,
//! or `metrics_token` as a bearer token (compared in constant time); anything else is 401
//! (no or wrong credential) or 403 (a credential without the admin scope).

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use aiops_types::ErrorBody;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What `/metrics` answers with (the encoder writes OpenMetrics 1.0 text).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `route` label of requests no route matched (the web UI's pages, unknown paths):
/// one series for all of them, so arbitrary paths never become label values.
const UNMATCHED: &str = "(fallback)";

/// Request latency buckets, in seconds: a cached API read takes well under a millisecond,
/// a sync or a git push through a route can take tens of seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    /// axum's route template (`/api/v1/issues/{id}`), never the raw path.
    route: String,
    /// `2xx`, `4xx`, …
    status: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Requests served since the server started, per method, route template and status class.
pub struct HttpMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let mut registry = Registry::with_prefix("aiops");
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status class",
            requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response head (a stream's body is not \
             counted), by method, route template and status class",
            Unit::Seconds,
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl HttpMetrics {
    fn observe(&self, labels: RequestLabels, took: Duration) {
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }
}

/// Methods outside this list share one label value, so a client cannot mint series.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(s: StatusCode) -> &'static str {
    match s.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Middleware (a `Router::layer`, so it runs after routing and sees [`MatchedPath`]):
/// counts each request and its latency under its route template.
pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |m| m.as_str().to_owned());
    let method = method_label(req.method());
    let start = Instant::now();
    let resp = next.run(req).await;
    let labels = RequestLabels {
        method,
        route,
        status: status_class(resp.status()),
    };
    st.http_metrics().observe(labels, start.elapsed());
    resp
}

/// The caller may read `/metrics`: `metrics_token` as a bearer token, else what
/// [`Auth<Admin>`] accepts.
pub struct MetricsReader;

impl FromRequestParts<AppState> for MetricsReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let token = &st.settings().metrics_token;
        let sent = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if sent.is_some_and(|sent| token.matches(sent)) {
            return Ok(Self);
        }
        Auth::<Admin>::from_request_parts(parts, st).await?;
        Ok(Self)
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Metrics for Prometheus in the OpenMetrics text format. Needs an admin's key or
/// session, or the server's `metrics_token` as `Authorization: Bearer …`.
#[utoipa::path(get, path = "/metrics", tag = "system",
    security(("api_key" = ["admin"])),
    responses((status = 200, content_type = "application/openmetrics-text", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn metrics(_r: MetricsReader, State(st): State<AppState>) -> ApiResult<Response> {
    let snapshot = st.run(aiops_core::metrics::snapshot).await?;
    let data_dir = st.settings().data_dir.clone();
    let db_path = st.settings().db_path();
    let (db_bytes, backup_age) = tokio::task::spawn_blocking(move || {
        (
            database_bytes(&db_path),
            last_backup_age(&data_dir.join("backups"), SystemTime::now()),
        )
    })
    .await
    .map_err(|e| ApiError::internal("metrics: file sizes", e))?;
    let mut out = String::new();
    let ops = ops_registry(&snapshot, db_bytes, backup_age);
    encode_registry(&mut out, &st.http_metrics().registry)
        .and_then(|()| encode_registry(&mut out, &ops))
        .and_then(|()| encode_eof(&mut out))
        .map_err(|e| ApiError::internal("metrics: encoding", e))?;
    let mut resp = out.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(resp)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IntegrationLabels {
    integration: String,
    provider: String,
}

/// The scrape-time metrics, in a registry of their own built for this one answer.
fn ops_registry(
    snap: &aiops_core::metrics::OpsSnapshot,
    db_bytes: u64,
    backup_age: Option<Duration>,
) -> Registry {
    let mut reg = Registry::with_prefix("aiops");
    let sessions = Family::<StateLabel, Gauge>::default();
    for (state, n) in &snap.sessions {
        let label = StateLabel {
            state: state.as_str(),
        };
        sessions.get_or_create(&label).set(clamp(*n));
    }
    reg.register("sessions", "Agent sessions by state", sessions);

    let runs = Family::<IntegrationLabels, Counter>::default();
    let errors = Family::<IntegrationLabels, Counter>::default();
    for t in &snap.sync {
        let label = IntegrationLabels {
            integration: t.integration_id.to_string(),
            provider: t.provider.clone(),
        };
        runs.get_or_create(&label).inc_by(t.finished);
        errors.get_or_create(&label).inc_by(t.failed);
    }
    reg.register(
        "sync_runs",
        "Issue sync runs finished (succeeded or failed), per integration",
        runs,
    );
    reg.register(
        "sync_errors",
        "Issue sync runs that failed, per integration",
        errors,
    );

    let queue = Gauge::<i64>::default();
    queue.set(clamp(snap.job_queue_depth));
    reg.register(
        "job_queue_depth",
        "Background jobs queued and not yet started",
        queue,
    );

    let db = Gauge::<i64>::default();
    db.set(clamp(db_bytes));
    reg.register_with_unit(
        "database_size",
        "Size of the SQLite database and its write-ahead log",
        Unit::Bytes,
        db,
    );

    // No backup yet: the series is absent (alert on `absent(…)`), not a made-up age.
    if let Some(age) = backup_age {
        let g = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        g.set(age.as_secs_f64());
        reg.register_with_unit(
            "last_backup_age",
            "Time since the newest file in <data dir>/backups was written",
            Unit::Seconds,
            g,
        );
    }
    reg
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Bytes of the database file plus its `-wal` file (missing files count 0), as
/// `system/status` reports.
pub fn database_bytes(db_path: &Path) -> u64 {
    [db_path.to_owned(), aiops_db::wal_path(db_path)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Age at `now` of the newest regular file directly in `backups_dir` (by modification
/// time); `None` when the directory is missing or holds no regular file. A file dated
/// in the future counts as age 0.
pub fn last_backup_age(backups_dir: &Path, now: SystemTime) -> Option<Duration> {
    let newest = std::fs::read_dir(backups_dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .filter_map(|m| m.modified().ok())
        .max()?;
    Some(now.duration_since(newest).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_age_reads_the_newest_regular_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let backups = dir.path().join("backups");
        assert_eq!(last_backup_age(&backups, SystemTime::now()), None);
        std::fs::create_dir(&backups).unwrap();
        std::fs::create_dir(backups.join("not-a-file")).unwrap();
        assert_eq!(last_backup_age(&backups, SystemTime::now()), None);
        let f = backups.join("aiops-1.db");
        std::fs::write(&f, b"x").unwrap();
        let written = std::fs::metadata(&f).unwrap().modified().unwrap();
        let later = written + Duration::from_secs(90);
        assert_eq!(
            last_backup_age(&backups, later),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            last_backup_age(&backups, written - Duration::from_secs(5)),
            Some(Duration::ZERO),
            "a clock step back must not make the age negative"
        );
    }

    #[test]
    fn labels_stay_bounded() {
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::IM_A_TEAPOT), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
    }
}
