//! Team metrics from the running tray (`[export.serve]` and `[export.push]` in settings.toml,
//! both off by default): the same `/metrics` as `burnbar serve` and the same OTLP push as
//! `burnbar push`, fed by the tray's own watch loop, so no second process reads the logs.
//!
//! With both off nothing here runs (no socket, no thread). The HTTP server is a task on
//! tauri's async runtime; the push runs on the OpenTelemetry SDK's own thread and never blocks
//! the tray, whatever the endpoint does.

use std::sync::Arc;

use burnbar_engine::settings::ExportPrefs;
use burnbar_engine::{Engine, SystemClock};
use burnbar_serve::Source;
use burnbar_serve::http::{self, Access};
use burnbar_serve::push::{self, PushConfig, Pusher};
use chrono_tz::Tz;

/// What runs: the figures, the server's stop switch, the push.
pub struct Team {
    source: Arc<Source>,
    stop_server: Option<tokio::sync::oneshot::Sender<()>>,
    serving: Option<std::net::SocketAddr>,
    pusher: Option<Pusher>,
}

impl Team {
    /// Where `/metrics` is served, if it is.
    pub fn serving(&self) -> Option<std::net::SocketAddr> {
        self.serving
    }

    /// True when an OTLP push runs.
    pub fn pushing(&self) -> bool {
        self.pusher.is_some()
    }

    /// The index changed: the next scrape or push computes the figures again.
    pub fn synced(&self, report: &burnbar_engine::ingest::SyncReport) {
        self.source.synced(report);
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        if let Some(pusher) = self.pusher.take() {
            // a last export, off whatever thread drops us (it may wait on the network)
            std::thread::spawn(move || {
                if let Err(e) = pusher.shutdown() {
                    tracing::warn!("the last OTLP push failed: {e}");
                }
            });
        }
    }
}

/// Starts what `prefs` turns on, over `reader` (an engine of its own on the tray's index);
/// `None` when nothing is on. Problems are logged, never fatal to the tray.
pub fn start(
    prefs: &ExportPrefs,
    settings: &burnbar_engine::Settings,
    reader: impl FnOnce() -> burnbar_engine::Result<Engine>,
    tz: Tz,
) -> Option<Team> {
    let serve = prefs.serve.enabled;
    let endpoint = prefs.push.endpoint.clone().filter(|e| !e.trim().is_empty());
    if !serve && endpoint.is_none() {
        return None;
    }
    let engine = match reader() {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("team metrics: cannot open the index: {e}");
            return None;
        }
    };
    let source = Arc::new(Source::new(
        engine,
        settings.clone(),
        tz,
        Arc::new(SystemClock),
    ));
    let (stop_server, serving) = if serve {
        start_server(prefs, &source).unzip()
    } else {
        (None, None)
    };
    let pusher = endpoint.and_then(|url| {
        let mut config = PushConfig::new(
            url,
            std::time::Duration::from_secs(prefs.push.interval_seconds),
        );
        if let Some(file) = &prefs.push.headers_file {
            match push::read_headers_file(file) {
                Ok(h) => config.headers = h,
                Err(e) => {
                    tracing::warn!("OTLP push: {e}");
                    return None;
                }
            }
        }
        push::start(&source, &config)
            .inspect(|_| tracing::info!("pushing OTLP metrics to {}", config.endpoint))
            .inspect_err(|e| tracing::warn!("OTLP push: {e}"))
            .ok()
    });
    Some(Team {
        source,
        stop_server,
        serving,
        pusher,
    })
}

fn start_server(
    prefs: &ExportPrefs,
    source: &Arc<Source>,
) -> Option<(tokio::sync::oneshot::Sender<()>, std::net::SocketAddr)> {
    let serve = &prefs.serve;
    let addr: std::net::SocketAddr = match serve.listen.parse() {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!("[export.serve] listen = {:?}: {e}", serve.listen);
            return None;
        }
    };
    let mut access = match &serve.token_file {
        Some(file) => match Access::from_token_file(file) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("[export.serve] {e}");
                return None;
            }
        },
        None => Access::open(),
    };
    access.insecure_no_auth = serve.insecure_no_auth;
    if let Err(e) = access.check(addr) {
        tracing::warn!("[export.serve] not serving: {e}");
        return None;
    }
    let listener = match std::net::TcpListener::bind(addr).and_then(|l| {
        l.set_nonblocking(true)?;
        Ok(l)
    }) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("[export.serve] cannot listen on {addr}: {e}");
            return None;
        }
    };
    let bound = listener.local_addr().ok()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = http::router(Arc::clone(source), access);
    tauri::async_runtime::spawn(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("[export.serve] {e}");
                return;
            }
        };
        tracing::info!("serving http://{bound}/metrics");
        if let Err(e) = http::serve(listener, router, async {
            let _ = stopped.await;
        })
        .await
        {
            tracing::warn!("[export.serve] {e}");
        }
    });
    Some((stop, bound))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use burnbar_engine::settings::ServePrefs;
    use burnbar_engine::{Paths, Settings};

    use super::*;

    fn reader() -> burnbar_engine::Result<Engine> {
        let home = burnbar_test_support::fixture_home();
        let mut engine = Engine::in_memory(Paths::for_home(&home), burnbar_test_support::pricer())?;
        engine.sync(Tz::UTC, None)?;
        Ok(engine)
    }

    fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    }

    #[test]
    fn nothing_runs_unless_the_settings_turn_it_on() {
        let settings = Settings::default();
        let opened = std::cell::Cell::new(false);
        let team = start(
            &settings.export,
            &settings,
            || {
                opened.set(true);
                reader()
            },
            Tz::UTC,
        );
        assert!(team.is_none());
        assert!(!opened.get(), "not even the index is opened");
    }

    #[test]
    fn the_tray_serves_the_same_metrics_and_stops_serving_when_dropped() {
        let mut settings = Settings::default();
        settings.export.serve = ServePrefs {
            enabled: true,
            listen: "127.0.0.1:0".into(),
            ..ServePrefs::default()
        };
        let team = start(&settings.export, &settings, reader, Tz::UTC).expect("a team");
        let addr = team.serving().expect("serving");
        assert!(!team.pushing());
        let mut answer = String::new();
        for _ in 0..50 {
            answer = get(addr, "/metrics");
            if answer.starts_with("HTTP/1.1 200") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("burnbar_cost_usd_total{"), "{answer}");
        drop(team);
        let mut refused = false;
        for _ in 0..50 {
            if std::net::TcpStream::connect(addr).is_err() {
                refused = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(refused, "the port is let go");
    }

    #[test]
    fn an_address_other_machines_reach_is_not_served_without_a_token() {
        let mut settings = Settings::default();
        settings.export.serve = ServePrefs {
            enabled: true,
            listen: "0.0.0.0:0".into(),
            ..ServePrefs::default()
        };
        let team = start(&settings.export, &settings, reader, Tz::UTC).expect("a team");
        assert_eq!(team.serving(), None);
    }
}
