//! `/metrics`, `/api/report`, `/healthz` and the OTLP push, over a real index of the fixture
//! home, on loopback sockets.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use burnbar_engine::{Engine, Filter, Paths, Settings, Span};
use burnbar_serve::Source;
use burnbar_serve::http::{self, Access};
use burnbar_test_support as support;
use chrono_tz::Tz;

mod otlp;

/// A source over `home` (synced, days in UTC) with `settings`.
fn source_over(home: &std::path::Path, settings: Settings) -> (Arc<Source>, f64) {
    let mut engine = Engine::in_memory(Paths::for_home(home), support::pricer())
        .expect("index")
        .with_project_probing(false);
    let sync = engine.sync(Tz::UTC, None).expect("sync");
    let report = engine
        .report(
            &Filter::all(Tz::UTC),
            Span::of_period(
                burnbar_engine::time::Period::All,
                support::now().date_naive(),
            ),
            support::now(),
            &sync,
        )
        .expect("report");
    let source = Source::new(engine, settings, Tz::UTC, Arc::new(support::clock()));
    source.synced(&sync);
    (Arc::new(source), report.overview.figures.cost.as_f64())
}

fn fixture_source() -> (Arc<Source>, f64) {
    source_over(&support::fixture_home(), Settings::default())
}

/// Serves `source` on an ephemeral loopback port.
async fn serve(source: Arc<Source>, access: Access) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = http::router(source, access);
    tokio::spawn(http::serve(listener, router, std::future::pending()));
    addr
}

/// The samples of `name` in a text exposition: labels (as written) -> value.
fn samples(text: &str, name: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("a sample line");
            (series.to_string(), value.parse().expect("a number"))
        })
        .collect()
}

/// A raw HTTP/1.1 exchange: what the server answers to `request` bytes.
async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn metrics_are_the_index_sums_in_either_text_format() {
    let (source, report_cost) = fixture_source();
    let addr = serve(source, Access::open()).await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = r.text().await.expect("body");
    let cost: f64 = samples(&text, "burnbar_cost_usd_total").values().sum();
    assert!(
        (cost - report_cost).abs() < 1e-6,
        "{cost} vs the report's {report_cost}"
    );
    assert!(text.contains("# TYPE burnbar_cost_usd_total counter"));
    for name in [
        "burnbar_tokens_total",
        "burnbar_calls_total",
        "burnbar_edit_turns_total",
        "burnbar_one_shot_turns_total",
        "burnbar_today_cost_usd",
        "burnbar_last_sync_timestamp_seconds",
    ] {
        assert!(!samples(&text, name).is_empty(), "{name} missing:\n{text}");
    }
    let tokens = samples(&text, "burnbar_tokens_total");
    assert!(
        tokens
            .keys()
            .all(|k| k.contains(r#"machine=""#) && k.contains(r#"user=""#))
    );
    assert!(
        tokens
            .keys()
            .any(|k| k.contains(r#"type="cache_write_1h""#))
    );

    let om = client
        .get(format!("http://{addr}/metrics"))
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .expect("GET /metrics as OpenMetrics");
    assert!(
        om.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("application/openmetrics-text"))
    );
    let om = om.text().await.expect("body");
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE burnbar_cost_usd counter\n# UNIT burnbar_cost_usd usd"));
    let om_cost: f64 = samples(&om, "burnbar_cost_usd_total").values().sum();
    assert!((om_cost - report_cost).abs() < 1e-6);

    let report = client
        .get(format!("http://{addr}/api/report?period=all"))
        .send()
        .await
        .expect("GET /api/report")
        .text()
        .await
        .expect("body");
    let report: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    assert_eq!(report["period"]["key"], "all");
    assert!((report["overview"]["cost"].as_f64().expect("cost") - report_cost).abs() < 1e-6);
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(health.text().await.expect("body"), "ok\n");
}

#[test]
fn a_non_loopback_address_needs_a_token_or_an_explicit_insecure_flag() {
    let anywhere: SocketAddr = "0.0.0.0:9464".parse().expect("addr");
    let lan: SocketAddr = "192.168.1.20:9464".parse().expect("addr");
    let loopback: SocketAddr = "127.0.0.1:9464".parse().expect("addr");
    let v6_loopback: SocketAddr = "[::1]:9464".parse().expect("addr");
    let open = Access::open();
    assert!(open.check(loopback).is_ok());
    assert!(open.check(v6_loopback).is_ok());
    let refused = open.check(anywhere).expect_err("0.0.0.0 without a token");
    assert!(refused.to_string().contains("--token-file"));
    assert!(open.check(lan).is_err());
    assert!(Access::with_token("s3cret").check(anywhere).is_ok());
    let mut insecure = Access::open();
    insecure.insecure_no_auth = true;
    assert!(insecure.check(anywhere).is_ok());
    // the token never shows in a debug print
    assert!(!format!("{:?}", Access::with_token("s3cret")).contains("s3cret"));
}

#[test]
fn a_token_file_is_read_and_an_empty_one_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("token");
    std::fs::write(&file, "  s3cret-token \n# comment\n").expect("write");
    assert!(Access::from_token_file(&file).is_ok());
    std::fs::write(&file, "\n").expect("write");
    assert!(Access::from_token_file(&file).is_err());
    assert!(Access::from_token_file(&dir.path().join("missing")).is_err());
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_401_and_the_right_one_200() {
    let (source, _) = fixture_source();
    let addr = serve(source, Access::with_token("right-token")).await;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/metrics");
    let none = client.get(&url).send().await.expect("GET");
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    for wrong in ["wrong-token", "right-toke", "right-tokenX", ""] {
        let r = client
            .get(&url)
            .bearer_auth(wrong)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 401, "token {wrong:?}");
    }
    let basic = client
        .get(&url)
        .basic_auth("right-token", None::<&str>)
        .send()
        .await
        .expect("GET");
    assert_eq!(basic.status(), 401);
    let report = client
        .get(format!("http://{addr}/api/report"))
        .send()
        .await
        .expect("GET");
    assert_eq!(report.status(), 401, "the report is guarded too");
    let ok = client
        .get(&url)
        .bearer_auth("right-token")
        .send()
        .await
        .expect("GET");
    assert_eq!(ok.status(), 200);
    let lower = client
        .get(&url)
        .header("authorization", "bearer right-token")
        .send()
        .await
        .expect("GET");
    assert_eq!(lower.status(), 200, "the scheme is case-insensitive");
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        health.status(),
        200,
        "health needs no token and says nothing"
    );
}

#[tokio::test]
async fn oversized_or_malformed_requests_are_rejected() {
    let (source, _) = fixture_source();
    let addr = serve(source, Access::open()).await;
    let body = raw(
        addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(body.starts_with("HTTP/1.1 413"), "{body}");
    let long = format!(
        "GET /api/report?period={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(4000)
    );
    let body = raw(addr, long.as_bytes()).await;
    assert!(
        body.starts_with("HTTP/1.1 414"),
        "{}",
        &body[..40.min(body.len())]
    );
    let body = raw(
        addr,
        b"\x16\x03\x01\x02\x00garbage that is not HTTP\r\n\r\n",
    )
    .await;
    assert!(
        body.is_empty() || body.starts_with("HTTP/1.1 400"),
        "{body}"
    );
    let body = raw(
        addr,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    )
    .await;
    assert!(body.starts_with("HTTP/1.1 405"), "{body}");
    let body = raw(
        addr,
        b"GET /api/report?period=forever HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(body.starts_with("HTTP/1.1 400"), "{body}");
    let body = raw(
        addr,
        b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(body.starts_with("HTTP/1.1 404"), "{body}");
    // and it still serves
    let body = raw(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
}

/// A client that trickles its headers in is cut off, and does not hold a connection slot:
/// others are served meanwhile and after.
#[tokio::test]
async fn a_slow_client_is_cut_off_and_connections_are_bounded() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (source, _) = fixture_source();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = http::router(source, Access::open());
    let limits = http::Limits {
        header_read_timeout: Duration::from_millis(300),
        max_connections: 1,
    };
    tokio::spawn(http::serve_with(
        listener,
        router,
        std::future::pending(),
        limits,
    ));
    // headers that never end
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    // the one slot is the slow client's: a second client waits until it is cut off
    let started = std::time::Instant::now();
    let second = tokio::spawn(async move {
        raw(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await
    });
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the slow client is cut off, not left hanging");
    assert!(
        !String::from_utf8_lossy(&out).contains("200 OK"),
        "and never answered: {out:?}"
    );
    let answer = second.await.expect("second client");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the second client waited for the slot ({:?})",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_flood_is_rate_limited() {
    let (source, _) = fixture_source();
    let addr = serve(source, Access::open()).await;
    let client = reqwest::Client::new();
    let mut statuses = BTreeMap::<u16, usize>::new();
    for _ in 0..(usize::try_from(http::BURST).unwrap() + 30) {
        let r = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("GET");
        *statuses.entry(r.status().as_u16()).or_default() += 1;
    }
    assert!(
        statuses.get(&429).copied().unwrap_or(0) >= 20,
        "{statuses:?}"
    );
    assert!(
        statuses.get(&200).copied().unwrap_or(0) >= usize::try_from(http::BURST).unwrap(),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn no_prompt_or_code_text_reaches_the_exposition() {
    let marker = "PLANTED-PROMPT-9c41";
    let home = support::Home::new();
    let cwd = "/home/ana/src/secret-project";
    home.write(
        ".claude/projects/-home-ana-src-secret-project/s1.jsonl",
        &[
            serde_json::json!({"type": "user", "uuid": "u1", "sessionId": "s1", "cwd": cwd,
                "timestamp": "2026-11-22T10:00:00.000Z",
                "message": {"role": "user", "content": format!("please {marker}")}})
            .to_string(),
            serde_json::json!({"type": "assistant", "uuid": "a1", "parentUuid": "u1",
                "sessionId": "s1", "cwd": cwd, "timestamp": "2026-11-22T10:00:05.000Z",
                "message": {"id": "msg_1", "model": "claude-sonnet-4-5", "role": "assistant",
                    "content": [{"type": "text", "text": marker},
                        {"type": "tool_use", "id": "t1", "name": "Edit",
                         "input": {"file_path": format!("{cwd}/{marker}.rs"), "new_string": marker}}],
                    "usage": {"input_tokens": 10, "output_tokens": 5}}})
            .to_string(),
        ],
    );
    for how in ["name", "path", "hash", "none"] {
        let mut settings = Settings::default();
        settings.export.project_labels =
            burnbar_engine::settings::ProjectLabels::parse(how).expect("a spelling");
        let (source, cost) = source_over(home.path(), settings);
        assert!(cost > 0.0);
        let m = source.metrics().expect("metrics");
        let text =
            burnbar_serve::exposition::encode(&m, burnbar_serve::exposition::Format::Prometheus);
        assert!(!text.contains(marker), "{how}: {text}");
        let project = match how {
            "name" => "secret-project",
            "path" => cwd,
            _ => "",
        };
        let has = |p: &str| text.contains(&format!(r#"project="{p}""#));
        assert!(how == "hash" || has(project), "{how}: {text}");
        assert!(how == "path" || !text.contains(cwd), "{how} leaks the path");
        assert!(
            how != "hash" || !text.contains("secret-project"),
            "hash leaks the name"
        );
    }
}

#[test]
fn the_figures_are_computed_once_per_change_not_per_request() {
    let (source, _) = fixture_source();
    let a = source.metrics().expect("metrics");
    let b = source.metrics().expect("metrics");
    assert!(
        Arc::ptr_eq(&a, &b),
        "an unchanged index answers from the cache"
    );
    source.synced(&burnbar_engine::ingest::SyncReport::default());
    let c = source.metrics().expect("metrics");
    assert!(!Arc::ptr_eq(&a, &c), "a sync computes them again");
    assert_eq!(a.cost, c.cost);
    assert!(Arc::ptr_eq(&c, &source.metrics().expect("metrics")));
}

#[test]
fn another_writer_of_the_index_is_noticed_without_a_sync() {
    // an on-disk index: `burnbar reprice` in another process, say
    let data = tempfile::tempdir().expect("tempdir");
    let mut paths = Paths::for_home(&support::fixture_home());
    paths.data = data.path().to_path_buf();
    let mut writer = Engine::open(paths.clone(), support::pricer())
        .expect("index")
        .with_project_probing(false);
    writer.sync(Tz::UTC, None).expect("sync");
    let reader = Engine::open(paths, support::pricer()).expect("index");
    let source = Source::new(
        reader,
        Settings::default(),
        Tz::UTC,
        Arc::new(support::clock()),
    );
    let a = source.metrics().expect("metrics");
    assert!(Arc::ptr_eq(&a, &source.metrics().expect("metrics")));
    writer.reprice().expect("reprice");
    writer.sync(Tz::UTC, None).expect("sync");
    let b = source.metrics().expect("metrics");
    assert!(
        !Arc::ptr_eq(&a, &b),
        "the other connection's commit is seen"
    );
}
