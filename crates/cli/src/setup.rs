//! Turning flags and the environment into an engine, a clock, a filter and a span.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use burnbar_engine::clock::{local_time_zone, parse_time_zone};
use burnbar_engine::time::parse_date;
use burnbar_engine::{
    Clock, Engine, Filter, FixedClock, Paths, Period, Pricer, ProviderId, Settings, Span,
    SystemClock,
};
use chrono::DateTime;

use crate::args::{Common, PeriodArg};

/// Logs go to stderr, quiet unless `--verbose` or `RUST_LOG`.
pub fn init_logging(verbose: bool) {
    let default = if verbose {
        "burnbar=debug,warn"
    } else {
        "error"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

/// Everything a command needs.
pub struct Setup {
    pub engine: Engine,
    /// `settings.toml`, shared with the tray (defaults when there is none).
    pub settings: Settings,
    pub clock: std::sync::Arc<dyn Clock>,
    pub filter: Filter,
    pub span: Span,
    /// A price refresh running in the background, if one was started.
    pub refresh: Option<mpsc::Receiver<()>>,
}

/// Resolves the common options. `default_period` applies when neither `--period` nor
/// `--from/--to` is given.
pub fn resolve(common: &Common, default_period: PeriodArg) -> Result<Setup> {
    let paths = Paths::from_env();
    // every command reads the settings the same way: a file that does not parse or validate
    // is an error for `report` as for `budget` (never silently ignored by one of them)
    let settings = Settings::load(&Settings::path(&paths.config))?;
    let clock: std::sync::Arc<dyn Clock> = match &common.now {
        Some(s) => {
            let t = DateTime::parse_from_rfc3339(s)
                .with_context(|| format!("--now {s:?} is not an RFC 3339 time"))?;
            std::sync::Arc::new(FixedClock(t.to_utc()))
        }
        None => std::sync::Arc::new(SystemClock),
    };
    let tz = match &common.timezone {
        Some(name) => parse_time_zone(name)?,
        None => local_time_zone(paths.tz.as_deref()),
    };
    let today = clock.now().with_timezone(&tz).date_naive();
    let span = if common.from.is_some() || common.to.is_some() {
        let from = common.from.as_deref().map(parse_date).transpose()?;
        let to = common.to.as_deref().map(parse_date).transpose()?;
        Span::custom(from, to)?
    } else {
        Span::of_period(period(common.period.unwrap_or(default_period)), today)
    };
    let providers = common
        .provider
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            ProviderId::parse(p).ok_or_else(|| {
                let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
                anyhow!("unknown --provider {p:?} (known: {})", known.join(", "))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // --prices, then BURNBAR_PRICES, then the settings' `prices` (as in the tray)
    let pinned = common
        .prices
        .clone()
        .or_else(|| paths.prices_file.clone())
        .or_else(|| settings.prices.clone());
    let (pricer, refresh) = match pinned {
        Some(file) => (Pricer::pinned(&file)?, None),
        None => {
            let refresh = (!common.offline)
                .then(|| start_price_refresh(&paths, clock.as_ref()))
                .flatten();
            (Pricer::cached_or_embedded(&paths.cache), refresh)
        }
    };
    let filter = Filter {
        range: span.range,
        tz,
        providers,
        projects: common.project.clone(),
    };
    // an index that cannot be opened leaves a temporary in-memory one (the engine says why,
    // and each command warns)
    let engine = Engine::open_or_fallback(paths, pricer)?;
    // (ingest judges "in the future" by the real clock, never by --now: what the index stores
    // must not depend on the day a report was asked to pretend it is)
    Ok(Setup {
        engine,
        settings,
        clock,
        filter,
        span,
        refresh,
    })
}

fn period(p: PeriodArg) -> Period {
    match p {
        PeriodArg::Today => Period::Today,
        PeriodArg::Week => Period::Week,
        PeriodArg::ThirtyDays => Period::ThirtyDays,
        PeriodArg::Month => Period::Month,
        PeriodArg::All => Period::All,
    }
}

/// Starts the daily LiteLLM refresh on a background thread when the cached copy is stale.
/// The report never waits for it; it updates the cache for the next run.
#[cfg(feature = "remote-pricing")]
fn start_price_refresh(paths: &Paths, clock: &dyn Clock) -> Option<mpsc::Receiver<()>> {
    use burnbar_engine::pricing::remote;
    if !remote::needs_refresh(&paths.cache, clock.now()) {
        return None;
    }
    let dir = paths.cache.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        match remote::refresh(&dir, remote::URL) {
            Ok(rows) => tracing::debug!(rows, "refreshed LiteLLM prices"),
            Err(e) => tracing::debug!("price refresh failed: {e}"),
        }
        let _ = tx.send(());
    });
    Some(rx)
}

#[cfg(not(feature = "remote-pricing"))]
fn start_price_refresh(_: &Paths, _: &dyn Clock) -> Option<mpsc::Receiver<()>> {
    None
}

/// Gives a running refresh until `started + 3 s` to finish writing its cache, then leaves.
pub fn finish_refresh(refresh: Option<mpsc::Receiver<()>>, started: Instant) {
    if let Some(rx) = refresh {
        let left = Duration::from_secs(3).saturating_sub(started.elapsed());
        let _ = rx.recv_timeout(left);
    }
}
