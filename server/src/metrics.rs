//! Prometheus metrics, served on their own listener (`signet serve --metrics-bind`), never on
//! the main port.
//!
//! What is exported (Prometheus text exposition format 0.0.4):
//!
//! - `signet_http_requests_total{method,route,status}`: requests answered;
//! - `signet_http_request_duration_seconds{method,route}`: a latency histogram;
//! - `signet_db_pool_connections{pool}` and `signet_db_pool_idle_connections{pool}`: the
//!   database pools (`read` and `write` on SQLite, `shared` on PostgreSQL);
//! - `signet_alert_deliveries_total{result}`: alert delivery attempts, `sent` or `failed`;
//! - `process_start_time_seconds`, `signet_uptime_seconds`, `signet_build_info{version}`.
//!
//! Labels come only from fixed names, status codes, a fixed list of methods and route
//! *templates* (axum's [`MatchedPath`], e.g. `/api/teams/{team}/credentials/{id}`), never
//! from the raw path or anything the client sent: no id, email address, token or secret can
//! appear. Requests that match no API route are `route="unmatched"`, and the dashboard's
//! files (everything outside `/api`) are `route="dashboard"`.
//!
use std::{
    future::Future,
    sync::{Arc, atomic::AtomicU64},
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use tokio::net::TcpListener;

use crate::{AppState, ServerError, store::Store};

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Latency histogram bucket bounds in seconds (Prometheus' defaults).
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `route` label of API requests that matched no route.
pub const UNMATCHED: &str = "unmatched";
/// The `route` label of requests for the dashboard (everything outside `/api`).
pub const DASHBOARD: &str = "dashboard";

/// The route template an API request matched, put on its response by [`mark_route`] so that
/// [`track`] (which runs outside the nested API router, where axum no longer has it) can read
/// it.
#[derive(Debug, Clone)]
struct RouteLabel(String);

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The server's metrics (one per server, not process-wide: tests run several servers in one
/// process). Built on `prometheus-client`, the Prometheus project's Rust client: a registry
/// per server, its 0.0.4 text encoder, and few dependencies.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    started: Instant,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    uptime: FloatGauge,
    pool_size: Family<PoolLabels, Gauge>,
    pool_idle: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolLabels, Gauge>,
    alert_deliveries: Family<ResultLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty counters, started now.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let build_info = Family::<VersionLabels, Gauge>::default();
        build_info
            .get_or_create(&VersionLabels {
                version: crate::VERSION,
            })
            .set(1);
        registry.register(
            "signet_build_info",
            "The running Signet version (always 1)",
            build_info,
        );
        let start_time = FloatGauge::default();
        start_time.set(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
        );
        registry.register(
            "process_start_time_seconds",
            "When this server started, in Unix seconds",
            start_time,
        );
        let uptime = FloatGauge::default();
        registry.register(
            "signet_uptime_seconds",
            "Seconds since this server started",
            uptime.clone(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "signet_http_requests",
            "HTTP requests answered, by route template, method and status code",
            requests.clone(),
        );
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "signet_http_request_duration_seconds",
            "How long requests took to answer, by route template and method",
            latency.clone(),
        );
        let pool_size = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "signet_db_pool_connections",
            "Open database connections per pool (read and write on SQLite, shared on PostgreSQL)",
            pool_size.clone(),
        );
        let pool_idle = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "signet_db_pool_idle_connections",
            "Idle database connections per pool",
            pool_idle.clone(),
        );
        let pool_max = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "signet_db_pool_max_connections",
            "The most connections each database pool opens",
            pool_max.clone(),
        );
        let alert_deliveries = Family::<ResultLabels, Counter>::default();
        for result in ["sent", "failed"] {
            // Both series exist from the start, at 0.
            drop(alert_deliveries.get_or_create(&ResultLabels { result }));
        }
        registry.register(
            "signet_alert_deliveries",
            "Alert delivery attempts by this server: sent (the receiver accepted it) or failed (retried later or given up)",
            alert_deliveries.clone(),
        );
        Self {
            registry,
            started: Instant::now(),
            requests,
            latency,
            uptime,
            pool_size,
            pool_idle,
            pool_max,
            alert_deliveries,
        }
    }

    /// Counts one answered request.
    pub fn record(&self, method: &Method, route: String, status: StatusCode, seconds: f64) {
        let method = method_label(method);
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    /// Counts one alert delivery attempt.
    pub fn alert_delivery(&self, sent: bool) {
        let result = if sent { "sent" } else { "failed" };
        self.alert_deliveries
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    /// Everything, in the text exposition format, with the gauges read now from `store`.
    pub fn render(&self, store: &Store) -> Result<String, std::fmt::Error> {
        self.uptime.set(self.started.elapsed().as_secs_f64());
        for pool in store.pools() {
            let labels = PoolLabels { pool: pool.name };
            let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            self.pool_size.get_or_create(&labels).set(count(pool.size));
            self.pool_idle.get_or_create(&labels).set(count(pool.idle));
            self.pool_max.get_or_create(&labels).set(count(pool.max));
        }
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// The `method` label: the standard methods by name, anything else `other` (a client can
/// send any token as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
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

/// Middleware on the API router: puts the matched route template on the response.
pub async fn mark_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| RouteLabel(p.as_str().to_owned()));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Middleware on the whole application: counts and times every request.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let outer = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let path = request.uri().path();
    let is_api = path == "/api" || path.starts_with("/api/");
    let response = next.run(request).await;
    let route = match (response.extensions().get::<RouteLabel>(), outer) {
        (Some(RouteLabel(route)), _) => route.clone(),
        (None, Some(route)) => route,
        (None, None) if is_api => UNMATCHED.to_owned(),
        (None, None) => DASHBOARD.to_owned(),
    };
    metrics.record(
        &method,
        route,
        response.status(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The metrics listener's routes: `GET /metrics`, and 404 for anything else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "this is Signet's metrics listener; scrape /metrics\n",
            )
        })
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state.store) {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the metrics could not be encoded\n",
        )
            .into_response(),
    }
}

/// Serves [`router`] on `listener` until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServerError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(m: &Metrics) -> String {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &m.registry)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn requests_fill_cumulative_buckets_in_the_0_0_4_format() {
        let m = Metrics::new();
        let route = "/api/teams/{team}".to_owned();
        m.record(&Method::GET, route.clone(), StatusCode::OK, 0.001);
        m.record(&Method::GET, route.clone(), StatusCode::OK, 0.03);
        m.record(
            &Method::from_bytes(b"BREW").unwrap_or(Method::GET),
            route,
            StatusCode::METHOD_NOT_ALLOWED,
            60.0,
        );
        m.alert_delivery(true);
        let out = lines(&m);
        for line in [
            "# TYPE signet_http_requests_total counter",
            "signet_http_requests_total{method=\"GET\",route=\"/api/teams/{team}\",status=\"200\"} 2",
            "signet_http_requests_total{method=\"other\",route=\"/api/teams/{team}\",status=\"405\"} 1",
            "# TYPE signet_http_request_duration_seconds histogram",
            "signet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/teams/{team}\",le=\"0.005\"} 1",
            "signet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/teams/{team}\",le=\"0.025\"} 1",
            "signet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/teams/{team}\",le=\"0.05\"} 2",
            "signet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/teams/{team}\",le=\"+Inf\"} 2",
            "signet_http_request_duration_seconds_count{method=\"GET\",route=\"/api/teams/{team}\"} 2",
            "signet_http_request_duration_seconds_bucket{method=\"other\",route=\"/api/teams/{team}\",le=\"10\"} 0",
            "signet_http_request_duration_seconds_bucket{method=\"other\",route=\"/api/teams/{team}\",le=\"+Inf\"} 1",
            "signet_alert_deliveries_total{result=\"sent\"} 1",
            "signet_alert_deliveries_total{result=\"failed\"} 0",
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line} in\n{out}");
        }
        let version = format!("signet_build_info{{version=\"{}\"}} 1", crate::VERSION);
        assert!(out.lines().any(|l| l == version), "{out}");
        assert!(!out.contains("# EOF"), "{out}");
    }
}
