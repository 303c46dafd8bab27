//! `GET /metrics`, `GET /api/report?period=…` and `GET /healthz`, on axum.
//!
//! Security, in order of what a request meets:
//!
//! - where it listens: loopback by default; [`Access::check`] refuses any other address unless
//!   a bearer token is set, or the user said `--insecure-no-auth` in so many words;
//! - at most [`MAX_CONNECTIONS`] connections at once, each closed when a request's headers take
//!   longer than [`HEADER_READ_TIMEOUT`] to arrive (axum's own `serve` sets neither);
//! - a rate limit (a token bucket shared by all clients: [`RATE_PER_SECOND`], bursts of
//!   [`BURST`]) answers `429` beyond it;
//! - only `GET` (and `HEAD`), with no body (`413` for a declared body over [`MAX_BODY`]) and a
//!   short query (`414` over [`MAX_QUERY`]);
//! - with a token, `/metrics` and `/api/*` need `Authorization: Bearer <token>`, compared in
//!   constant time (`401` otherwise); `/healthz` says only "ok" and needs none.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use burnbar_engine::time::Period;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::Source;
use crate::exposition::{self, Format};

/// Requests per second the bucket refills with.
pub const RATE_PER_SECOND: u32 = 20;
/// The bucket's size.
pub const BURST: u32 = 40;
/// The largest request body accepted (the endpoints take none).
pub const MAX_BODY: u64 = 1024;
/// The longest query string accepted.
pub const MAX_QUERY: usize = 512;

/// Who may ask.
#[derive(Clone)]
pub struct Access {
    /// The bearer token requests must carry, if any.
    token: Option<Arc<[u8]>>,
    /// Serve a non-loopback address without a token.
    pub insecure_no_auth: bool,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the token itself
        f.debug_struct("Access")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("insecure_no_auth", &self.insecure_no_auth)
            .finish()
    }
}

/// Why a configuration is refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// A non-loopback address without a token.
    #[error(
        "{0} is reachable from other machines: give a bearer token with --token-file FILE \
         (scrapers send `Authorization: Bearer <token>`), listen on 127.0.0.1, or pass \
         --insecure-no-auth to serve it to anyone who can connect"
    )]
    NeedsToken(SocketAddr),
    /// The token file could not be read or is empty.
    #[error("token file {path}: {why}")]
    TokenFile {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
}

impl Access {
    /// No token.
    pub fn open() -> Access {
        Access {
            token: None,
            insecure_no_auth: false,
        }
    }

    /// Requests must carry `token`.
    pub fn with_token(token: &str) -> Access {
        Access {
            token: Some(Arc::from(token.as_bytes())),
            insecure_no_auth: false,
        }
    }

    /// Reads the token from the first line of `path` (surrounding white space trimmed).
    pub fn from_token_file(path: &Path) -> Result<Access, Refused> {
        let fail = |why: String| Refused::TokenFile {
            path: path.display().to_string(),
            why,
        };
        let text = burnbar_engine::untrusted::read_capped_string(path, 4096)
            .map_err(|e| fail(e.to_string()))?;
        let token = text.lines().next().unwrap_or("").trim();
        if token.is_empty() {
            return Err(fail("it is empty".into()));
        }
        Ok(Access::with_token(token))
    }

    /// Refuses to serve `addr` to other machines without a token (unless explicitly insecure).
    pub fn check(&self, addr: SocketAddr) -> Result<(), Refused> {
        if addr.ip().is_loopback() || self.token.is_some() || self.insecure_no_auth {
            Ok(())
        } else {
            Err(Refused::NeedsToken(addr))
        }
    }

    fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            // the scheme is case-insensitive (RFC 9110 §11.1)
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, token)| token.trim());
        // constant time over the contents; lengths that differ fail in constant time too
        let equal_len = given.len() == token.len();
        let padded: Vec<u8> = if equal_len {
            given.as_bytes().to_vec()
        } else {
            vec![0; token.len()]
        };
        bool::from(padded.ct_eq(token)) & equal_len
    }
}

/// A token bucket shared by every client.
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Clone)]
struct App {
    source: Arc<Source>,
    access: Access,
    bucket: Arc<Mutex<Bucket>>,
}

/// The routes over `source`, guarded by `access`.
pub fn router(source: Arc<Source>, access: Access) -> Router {
    let app = App {
        source,
        access,
        bucket: Arc::new(Mutex::new(Bucket {
            tokens: f64::from(BURST),
            at: Instant::now(),
        })),
    };
    Router::new()
        .route("/metrics", get(metrics))
        .route("/api/report", get(report))
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    {
        let mut b = app.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * f64::from(RATE_PER_SECOND))
            .min(f64::from(BURST));
        b.at = now;
        if b.tokens < 1.0 {
            return (StatusCode::TOO_MANY_REQUESTS, "slow down\n").into_response();
        }
        b.tokens -= 1.0;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY)
        || req.headers().contains_key(header::TRANSFER_ENCODING)
    {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "these endpoints take no body\n",
        )
            .into_response();
    }
    if req.uri().query().is_some_and(|q| q.len() > MAX_QUERY) {
        return (StatusCode::URI_TOO_LONG, "query too long\n").into_response();
    }
    if req.uri().path() != "/healthz" && !app.access.allows(req.headers()) {
        let mut r = (StatusCode::UNAUTHORIZED, "a bearer token is required\n").into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    }
    next.run(req).await
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::warn!("{e}");
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
}

async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    let format = Format::negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let source = Arc::clone(&app.source);
    match tokio::task::spawn_blocking(move || source.metrics()).await {
        Ok(Ok(m)) => (
            [(header::CONTENT_TYPE, format.content_type())],
            exposition::encode(&m, format),
        )
            .into_response(),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct ReportQuery {
    period: Option<String>,
}

async fn report(State(app): State<App>, Query(q): Query<ReportQuery>) -> Response {
    let asked = q.period.as_deref().unwrap_or("30days");
    let Some(period) = Period::parse(asked) else {
        return (
            StatusCode::BAD_REQUEST,
            format!("unknown period {asked:?} (today, week, 30days, month, all)\n"),
        )
            .into_response();
    };
    let source = Arc::clone(&app.source);
    match tokio::task::spawn_blocking(move || source.report(period)).await {
        Ok(Ok(r)) => match serde_json::to_string(&r) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(e) => failed(e),
        },
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}

/// How long a client may take to send a request's headers before its connection is closed
/// (a client that trickles them in would otherwise hold a connection forever).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once; further clients wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Connection limits of [`serve_with`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, with the default [`Limits`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, Limits::default()).await
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` resolves: at most
/// `limits.max_connections` at once, each closed when a request's headers take longer than
/// `limits.header_read_timeout`; on shutdown, accepting stops and requests in flight get a few
/// seconds to finish.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // a connection reset before it was accepted, or out of file descriptors for a
                // moment: not the listener's end
                Err(e) => {
                    tracing::debug!("serve: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // a client that went away or was too slow: nothing to report
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    Ok(())
}
