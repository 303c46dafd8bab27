//! `burnbar serve` and `burnbar push` from the command line (issue 21). The HTTP endpoints,
//! the exposition and the OTLP payload are tested in crates/serve; the real Prometheus in
//! tests/team/prometheus.py.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use burnbar_test_support::{fixture_home, prices_file};

use super::isolated;

#[test]
fn serve_refuses_a_non_loopback_address_without_a_token_before_reading_anything() {
    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = isolated(&fixture_home(), data.path())
        .args(["serve", "--offline", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--token-file") && err.contains("--insecure-no-auth"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        std::fs::read_dir(data.path()).unwrap().next().is_none(),
        "no index was opened"
    );
    let o = isolated(&fixture_home(), data.path())
        .args([
            "serve",
            "--offline",
            "--listen",
            "0.0.0.0:0",
            "--token-file",
        ])
        .arg(data.path().join("no-such-token"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("token file"));
}

#[test]
fn push_checks_its_endpoint_and_interval() {
    let data = tempfile::tempdir().unwrap();
    let o = isolated(&fixture_home(), data.path())
        .args([
            "push",
            "--offline",
            "--otlp-endpoint",
            "ftp://collector/v1/metrics",
            "--once",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("http(s) URL"));
    let o = isolated(&fixture_home(), data.path())
        .args([
            "push",
            "--otlp-endpoint",
            "http://localhost:4318/v1/metrics",
            "--interval",
            "5s",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "clap refuses it");
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 10s"));
}

/// A one-request OTLP endpoint: answers 200 and hands back the request's head and body size.
fn one_request_endpoint() -> (String, std::thread::JoinHandle<(String, usize)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/metrics", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        (head, length)
    });
    (url, handle)
}

#[test]
fn push_once_sends_one_otlp_protobuf_request_with_the_given_headers() {
    let data = tempfile::tempdir().unwrap();
    let (url, endpoint) = one_request_endpoint();
    let headers = data.path().join("headers");
    std::fs::write(&headers, "x-api-key=SECRET-KEY-1\n").unwrap();
    let o = isolated(&fixture_home(), data.path())
        .args([
            "push",
            "--offline",
            "--once",
            "--otlp-endpoint",
            &url,
            "--header",
            "x-tenant=team-a",
        ])
        .arg("--header-file")
        .arg(&headers)
        .arg("--prices")
        .arg(prices_file())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("SECRET-KEY-1"), "a header value was printed");
    let (head, length) = endpoint.join().unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("post /v1/metrics "), "{head}");
    assert!(
        head.contains("content-type: application/x-protobuf"),
        "{head}"
    );
    assert!(head.contains("x-api-key: secret-key-1") && head.contains("x-tenant: team-a"));
    assert!(
        length > 500,
        "a request with the fixture's series ({length} bytes)"
    );
}
