//! The figures served, from a reading engine of its own (the watch loop's engine writes).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use burnbar_engine::ingest::SyncReport;
use burnbar_engine::metrics::Metrics;
use burnbar_engine::time::Period;
use burnbar_engine::{Clock, Engine, Filter, Report, Settings, Span};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Where `/metrics`, `/api/report` and the OTLP push get their figures.
///
/// Whoever syncs the index calls [`Source::synced`] after each sync that changed it; the
/// metrics are computed again on the next request after that (or after midnight), never in
/// between.
pub struct Source {
    engine: Mutex<Engine>,
    settings: Settings,
    tz: Tz,
    clock: Arc<dyn Clock>,
    generation: AtomicU64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The last sync: what it searched (for the report's sources) and when.
    last: SyncReport,
    synced: Option<DateTime<Utc>>,
    cached: Option<Cached>,
}

struct Cached {
    generation: u64,
    /// The index's `data_version` (a re-price by `burnbar reprice`, another process's sync).
    version: i64,
    date: NaiveDate,
    metrics: Arc<Metrics>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Source {
    /// `engine` opens the same index the syncing engine writes (it only reads, but for the
    /// metrics' ledger); days are in `tz`.
    pub fn new(engine: Engine, settings: Settings, tz: Tz, clock: Arc<dyn Clock>) -> Source {
        Source {
            engine: Mutex::new(engine),
            settings,
            tz,
            clock,
            generation: AtomicU64::new(0),
            state: Mutex::new(State::default()),
        }
    }

    /// The index changed (or was checked) by the sync `report`, finished now.
    pub fn synced(&self, report: &SyncReport) {
        let mut state = lock(&self.state);
        state.last = report.clone();
        state.synced = Some(self.clock.now());
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Whose figures these are (the constant labels).
    pub fn identity(&self) -> burnbar_engine::metrics::Identity {
        let engine = lock(&self.engine);
        burnbar_engine::metrics::Identity::resolve(&self.settings.export, engine.paths())
    }

    /// The settings the figures follow.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The metrics now: the cached ones unless a sync, another writer of the index or the day
    /// changed something since.
    pub fn metrics(&self) -> burnbar_engine::Result<Arc<Metrics>> {
        let now = self.clock.now();
        let date = now.with_timezone(&self.tz).date_naive();
        let generation = self.generation.load(Ordering::SeqCst);
        let engine = lock(&self.engine);
        let version = engine.index_version()?;
        let synced = {
            let state = lock(&self.state);
            if let Some(c) = &state.cached
                && (c.generation, c.version, c.date) == (generation, version, date)
            {
                return Ok(Arc::clone(&c.metrics));
            }
            state.synced
        };
        // (our own ledger write does not move our connection's data_version; a commit by
        // another while we compute does, and the next request computes again)
        let metrics = Arc::new(engine.metrics(&self.settings, self.tz, now, synced)?);
        lock(&self.state).cached = Some(Cached {
            generation,
            version,
            date,
            metrics: Arc::clone(&metrics),
        });
        Ok(metrics)
    }

    /// The report for `period` (what `burnbar report --period … --format json` prints).
    pub fn report(&self, period: Period) -> burnbar_engine::Result<Report> {
        let now = self.clock.now();
        let span = Span::of_period(period, now.with_timezone(&self.tz).date_naive());
        let filter = Filter {
            range: span.range,
            ..Filter::all(self.tz)
        };
        let last = lock(&self.state).last.clone();
        lock(&self.engine).report(&filter, span, now, &last)
    }
}
