//! The OTLP push against an in-test receiver that decodes what arrives with the official
//! protobuf types.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use burnbar_serve::push::{self, PushConfig};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, metric, number_data_point};
use prost::Message;

use super::fixture_source;

/// What the receiver got, and how it answers: `fail_first` attempts get a 503, each answer
/// waits `delay`.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<ExportMetricsServiceRequest>>>,
    attempts: Arc<AtomicUsize>,
    fail_first: usize,
    delay: Duration,
}

impl Receiver {
    async fn listen(self, addr: SocketAddr) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().route(
            "/v1/metrics",
            post(move |headers: axum::http::HeaderMap, body: Bytes| {
                let me = self.clone();
                async move {
                    let n = me.attempts.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::time::sleep(me.delay).await;
                    assert_eq!(headers["content-type"], "application/x-protobuf");
                    if n <= me.fail_first {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let req = ExportMetricsServiceRequest::decode(body).expect("a valid request");
                    me.got.lock().expect("lock").push(req);
                    StatusCode::OK
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    fn requests(&self) -> Vec<ExportMetricsServiceRequest> {
        self.got.lock().expect("lock").clone()
    }
}

fn text(v: Option<&AnyValue>) -> Option<&str> {
    match v?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| text(kv.value.as_ref()))
}

/// The cumulative sum of `name` over every data point of `req`, with its checks: a monotonic
/// cumulative sum, every point with the constant attributes.
fn total(req: &ExportMetricsServiceRequest, name: &str) -> Option<f64> {
    let metric = req
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .find(|m| m.name == name)?;
    let Some(metric::Data::Sum(sum)) = &metric.data else {
        panic!("{name} is not a sum: {:?}", metric.data);
    };
    assert!(sum.is_monotonic, "{name} is a counter");
    assert_eq!(
        sum.aggregation_temporality,
        AggregationTemporality::Cumulative as i32,
        "{name} is cumulative"
    );
    Some(
        sum.data_points
            .iter()
            .map(|p| {
                assert!(
                    attr(&p.attributes, "machine").is_some()
                        && attr(&p.attributes, "user").is_some()
                );
                assert!(
                    attr(&p.attributes, "provider").is_some()
                        && attr(&p.attributes, "project").is_some()
                );
                match p.value {
                    Some(number_data_point::Value::AsDouble(v)) => v,
                    #[allow(clippy::cast_precision_loss)]
                    Some(number_data_point::Value::AsInt(v)) => v as f64,
                    None => 0.0,
                }
            })
            .sum(),
    )
}

fn config(addr: SocketAddr, interval: Duration) -> PushConfig {
    let mut c = PushConfig::new(format!("http://{addr}/v1/metrics"), interval);
    c.timeout = Duration::from_secs(8);
    c.headers.insert("x-team".into(), "platform".into());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_carries_the_names_attributes_and_cumulative_totals() {
    let (source, report_cost) = fixture_source();
    let rx = Receiver::default();
    let addr = rx
        .clone()
        .listen("127.0.0.1:0".parse().expect("addr"))
        .await;
    let pusher = push::start(&source, &config(addr, Duration::from_secs(3600))).expect("exporter");
    tokio::task::spawn_blocking(move || pusher.shutdown())
        .await
        .expect("join")
        .expect("the last push");
    let got = rx.requests();
    assert_eq!(got.len(), 1, "one export");
    let req = &got[0];
    let resource = req.resource_metrics[0].resource.as_ref().expect("resource");
    assert_eq!(attr(&resource.attributes, "service.name"), Some("burnbar"));
    assert!(attr(&resource.attributes, "host.name").is_some());
    assert!(attr(&resource.attributes, "user.name").is_some());
    let cost = total(req, "burnbar_cost_usd_total").expect("the cost counter");
    assert!((cost - report_cost).abs() < 1e-6, "{cost} vs {report_cost}");
    let m = source.metrics().expect("metrics");
    for (name, series) in [
        ("burnbar_tokens_total", &m.tokens),
        ("burnbar_calls_total", &m.calls),
        ("burnbar_edit_turns_total", &m.edit_turns),
        ("burnbar_one_shot_turns_total", &m.one_shot_turns),
    ] {
        #[allow(clippy::cast_precision_loss)]
        let want: f64 = series.iter().map(|s| s.value as f64).sum();
        assert_eq!(total(req, name), Some(want), "{name}");
    }
    let names: Vec<&str> = req.resource_metrics[0].scope_metrics[0]
        .metrics
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    for gauge in [
        "burnbar_today_cost_usd",
        "burnbar_last_sync_timestamp_seconds",
    ] {
        assert!(names.contains(&gauge), "{gauge} in {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_endpoint_is_retried_with_backoff() {
    let (source, report_cost) = fixture_source();
    let rx = Receiver {
        fail_first: 2,
        ..Receiver::default()
    };
    let addr = rx
        .clone()
        .listen("127.0.0.1:0".parse().expect("addr"))
        .await;
    let pusher = push::start(&source, &config(addr, Duration::from_secs(3600))).expect("exporter");
    let started = Instant::now();
    tokio::task::spawn_blocking(move || pusher.shutdown())
        .await
        .expect("join")
        .expect("the push succeeds on its third attempt");
    assert_eq!(rx.attempts.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "backed off between attempts"
    );
    let cost = total(&rx.requests()[0], "burnbar_cost_usd_total").expect("cost");
    assert!((cost - report_cost).abs() < 1e-6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_down_or_slow_blocks_nothing_and_loses_no_interval() {
    let (source, report_cost) = fixture_source();
    // a port with nobody behind it yet
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let started = Instant::now();
    let pusher = push::start(&source, &config(addr, Duration::from_secs(1))).expect("exporter");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "starting does not wait for the network"
    );
    // exports fail meanwhile; the figures are still answered at once
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let asked = Instant::now();
    source.metrics().expect("metrics");
    assert!(asked.elapsed() < Duration::from_millis(500));
    // the endpoint comes up, slow: the next export carries every total (cumulative)
    let rx = Receiver {
        delay: Duration::from_millis(1500),
        ..Receiver::default()
    };
    rx.clone().listen(addr).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while rx.requests().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = Instant::now();
        source.metrics().expect("metrics");
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "a slow export blocks no caller"
        );
    }
    let got = rx.requests();
    assert!(
        !got.is_empty(),
        "an export arrived once the endpoint was up"
    );
    let cost = total(&got[0], "burnbar_cost_usd_total").expect("cost");
    assert!(
        (cost - report_cost).abs() < 1e-6,
        "nothing lost while it was down"
    );
    tokio::task::spawn_blocking(move || drop(pusher))
        .await
        .expect("join");
}

#[test]
fn headers_parse_and_never_print_their_values() {
    assert_eq!(
        push::parse_header("Authorization=Basic abc=="),
        Ok(("Authorization".into(), "Basic abc==".into()))
    );
    assert!(push::parse_header("no-equals-sign").is_err());
    assert!(push::parse_header("bad name=x").is_err());
    let mut c = PushConfig::new("http://x/v1/metrics", Duration::from_secs(60));
    c.headers.insert("api-key".into(), "SECRET-VALUE".into());
    let shown = format!("{c:?}");
    assert!(shown.contains("api-key") && !shown.contains("SECRET-VALUE"));
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("h");
    std::fs::write(&f, "# team\nx-api-key = k1\n\nx-tenant=t\n").expect("write");
    let h = push::read_headers_file(&f).expect("headers");
    assert_eq!(h.len(), 2);
    assert_eq!(h["x-api-key"], "k1");
}
