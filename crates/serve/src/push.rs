//! OTLP/HTTP push: the same metrics, names and attributes as `/metrics`, through the official
//! `opentelemetry` SDK.
//!
//! - Cumulative temporality: each export carries the counters' totals, so an export that
//!   fails (the endpoint down) loses nothing: the next one carries what it would have.
//! - The SDK's periodic reader runs on its own thread; each export is retried with
//!   exponential backoff and jitter ([`RetryPolicy`]) within the exporter's timeout. Nothing
//!   the caller does waits for the network: a tray or a `burnbar push` stays responsive with
//!   the endpoint down or slow.
//! - Resource: `service.name=burnbar`, `host.name`, `user.name`; every data point also
//!   carries `machine` and `user`, as on `/metrics`, so one query serves both routes.
//! - Requests go out through the `reqwest` client Burnbar already uses (rustls), not a second
//!   HTTP stack.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use burnbar_engine::metrics::{self, Metrics, Series};
use bytes::Bytes;
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_otlp::{MetricExporter, Protocol, RetryPolicy, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};

use crate::Source;

/// Where and how often.
#[derive(Clone)]
pub struct PushConfig {
    /// The OTLP/HTTP metrics endpoint, e.g. `http://collector:4318/v1/metrics`.
    pub endpoint: String,
    /// Extra request headers (an API key, a tenant).
    pub headers: HashMap<String, String>,
    /// Between exports.
    pub interval: Duration,
    /// One export's deadline, retries included.
    pub timeout: Duration,
    /// Retries within it.
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for PushConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // header values are often credentials: their names only
        let mut names: Vec<&String> = self.headers.keys().collect();
        names.sort();
        f.debug_struct("PushConfig")
            .field("endpoint", &self.endpoint)
            .field("headers", &names)
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PushConfig {
    /// Every `interval` to `endpoint`, 10 s per export, the recommended retries.
    pub fn new(endpoint: impl Into<String>, interval: Duration) -> PushConfig {
        PushConfig {
            endpoint: endpoint.into(),
            headers: HashMap::new(),
            interval,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::recommended(),
        }
    }
}

/// A `Key=Value` header (as `--header` takes it).
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| {
        format!(
            "header {:?} is not Key=Value",
            s.split('=').next().unwrap_or("")
        )
    })?;
    let k = k.trim();
    if k.is_empty() || http::HeaderName::from_bytes(k.as_bytes()).is_err() {
        return Err(format!("{k:?} is not a header name"));
    }
    if http::HeaderValue::from_str(v.trim()).is_err() {
        return Err(format!(
            "the value of header {k} is not a valid header value"
        ));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

/// `Key=Value` lines of a headers file (blank lines and `#` comments skipped).
pub fn read_headers_file(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = burnbar_engine::untrusted::read_capped_string(path, 64 << 10)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| parse_header(l).map_err(|e| format!("{}: {e}", path.display())))
        .collect()
}

/// A running push; dropping it (or [`Pusher::shutdown`]) sends a last export and stops.
pub struct Pusher {
    provider: SdkMeterProvider,
}

impl Pusher {
    /// Exports now (blocking until it is done or failed): for a last push before exit.
    pub fn flush(&self) -> Result<(), String> {
        self.provider.force_flush().map_err(|e| e.to_string())
    }

    /// A last export, then stops.
    pub fn shutdown(self) -> Result<(), String> {
        self.provider.shutdown().map_err(|e| e.to_string())
    }
}

/// Starts pushing `source`'s metrics. Callable from anywhere, an async runtime's threads
/// included (the blocking HTTP client is made on a thread of its own); [`Pusher::shutdown`]
/// and dropping a [`Pusher`] wait for a last export, so do that off a runtime's workers.
pub fn start(source: &Arc<Source>, config: &PushConfig) -> Result<Pusher, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| build(source, config))
            .join()
            .unwrap_or_else(|_| Err("the exporter could not be built".into()))
    })
}

fn build(source: &Arc<Source>, config: &PushConfig) -> Result<Pusher, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(config.timeout)
        .user_agent(concat!("burnbar/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let exporter = MetricExporter::builder()
        .with_http()
        .with_http_client(Blocking(client))
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.endpoint.clone())
        .with_headers(config.headers.clone())
        .with_timeout(config.timeout)
        .with_retry_policy(config.retry.clone())
        .with_temporality(Temporality::Cumulative)
        .build()
        .map_err(|e| e.to_string())?;
    let identity = source.identity();
    let resource = Resource::builder_empty()
        .with_service_name("burnbar")
        .with_attributes([
            KeyValue::new("host.name", identity.machine.clone()),
            KeyValue::new("user.name", identity.user.clone()),
        ])
        .build();
    let reader = PeriodicReader::builder(exporter)
        .with_interval(config.interval)
        .build();
    let provider = SdkMeterProvider::builder()
        .with_reader(reader)
        .with_resource(resource)
        .build();
    counters(&provider, source);
    gauges(&provider, source);
    Ok(Pusher { provider })
}

/// The figures each callback reads (one computation per collection: the source caches).
fn latest(source: &Source) -> Option<Arc<Metrics>> {
    match source.metrics() {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!("metrics for the OTLP push: {e}");
            None
        }
    }
}

fn attributes(s: &Series, m: &Metrics) -> Vec<KeyValue> {
    let mut kv: Vec<KeyValue> = s
        .labels
        .iter()
        .map(|(k, v)| KeyValue::new(*k, v.clone()))
        .collect();
    kv.push(KeyValue::new("machine", m.identity.machine.clone()));
    kv.push(KeyValue::new("user", m.identity.user.clone()));
    kv
}

fn constant(m: &Metrics) -> [KeyValue; 2] {
    [
        KeyValue::new("machine", m.identity.machine.clone()),
        KeyValue::new("user", m.identity.user.clone()),
    ]
}

#[allow(clippy::cast_precision_loss)] // sums far below 2^53
fn counters(provider: &SdkMeterProvider, source: &Arc<Source>) {
    let meter = provider.meter("burnbar");
    let s = Arc::clone(source);
    meter
        .f64_observable_counter(format!("{}_total", metrics::COST))
        .with_description("Cost of every call on record, USD")
        .with_callback(move |o| {
            if let Some(m) = latest(&s) {
                for series in &m.cost {
                    o.observe(series.value as f64 / 1e6, &attributes(series, &m));
                }
            }
        })
        .build();
    for (i, (name, help)) in metrics::COUNTS.into_iter().enumerate() {
        let s = Arc::clone(source);
        meter
            .u64_observable_counter(format!("{name}_total"))
            .with_description(help)
            .with_callback(move |o| {
                if let Some(m) = latest(&s) {
                    for series in m.counts()[i] {
                        o.observe(series.value, &attributes(series, &m));
                    }
                }
            })
            .build();
    }
}

#[allow(clippy::cast_precision_loss)]
fn gauges(provider: &SdkMeterProvider, source: &Arc<Source>) {
    let meter = provider.meter("burnbar");
    let s = Arc::clone(source);
    meter
        .f64_observable_gauge(metrics::TODAY_COST)
        .with_description("Cost of today's calls, USD")
        .with_callback(move |o| {
            if let Some(m) = latest(&s) {
                o.observe(m.today_cost.as_f64(), &constant(&m));
            }
        })
        .build();
    let s = Arc::clone(source);
    meter
        .f64_observable_gauge(metrics::BUDGET_USED)
        .with_description("Spend in each budget's current period over its amount")
        .with_callback(move |o| {
            if let Some(m) = latest(&s) {
                for (id, ratio) in &m.budgets {
                    let mut kv = vec![KeyValue::new("budget", id.clone())];
                    kv.extend(constant(&m));
                    o.observe(*ratio, &kv);
                }
            }
        })
        .build();
    let s = Arc::clone(source);
    meter
        .f64_observable_gauge(metrics::LAST_SYNC)
        .with_description("When Burnbar last brought its index up to date, Unix time")
        .with_callback(move |o| {
            if let Some(m) = latest(&s)
                && let Some(ms) = m.last_sync_ms
            {
                o.observe(ms as f64 / 1000.0, &constant(&m));
            }
        })
        .build();
}

/// The OTLP exporter's HTTP client: Burnbar's blocking reqwest client (the SDK exports from
/// its own thread, never from an async runtime).
#[derive(Debug)]
struct Blocking(reqwest::blocking::Client);

/// The most of a collector's answer read (it is only inspected for errors).
const RESPONSE_CAP: u64 = 1 << 20;

#[async_trait::async_trait]
impl HttpClient for Blocking {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        use std::io::Read;
        let (parts, body) = request.into_parts();
        let mut response = self
            .0
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body.to_vec())
            .send()?;
        let mut answer = http::Response::builder().status(response.status());
        for (k, v) in response.headers() {
            answer = answer.header(k, v);
        }
        let mut buf = Vec::new();
        (&mut response).take(RESPONSE_CAP).read_to_end(&mut buf)?;
        Ok(answer.body(Bytes::from(buf))?)
    }
}
