//! What the engine's, the CLI's and the tray's tests share: fixture paths, the frozen clock,
//! an engine over the fixture home, and temporary homes whose stored calls a test can read.
//! Test code only (`publish = false`): the engine's public API carries nothing that only tests
//! use.

#![allow(clippy::missing_panics_doc, clippy::must_use_candidate)] // test helpers panic

pub mod fake_http;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use burnbar_engine::aggregate::Call;
use burnbar_engine::error::FileError;
use burnbar_engine::export::ExportRow;
use burnbar_engine::ingest::SyncReport;
use burnbar_engine::providers::SourceInfo;
use burnbar_engine::report::Report;
use burnbar_engine::time::{Period, Span};
use burnbar_engine::{Engine, Filter, FixedClock, Paths, Pricer, ProviderId, Warning};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository exists")
}

/// The repository's `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// `tests/fixtures/home`: the small fake `$HOME` the CLI snapshots and the tray's IPC tests use.
pub fn fixture_home() -> PathBuf {
    fixtures().join("home")
}

/// The frozen test price table's file.
pub fn prices_file() -> PathBuf {
    fixtures().join("prices.json")
}

/// The frozen test price table.
pub fn pricer() -> Pricer {
    Pricer::pinned(&prices_file()).expect("fixture prices load")
}

/// The frozen "now" of the fixture home's tests, as the CLI's `--now` takes it.
pub const NOW: &str = "2026-11-22T18:00:00Z";

/// [`NOW`].
pub fn now() -> DateTime<Utc> {
    NOW.parse().expect("a valid timestamp")
}

/// A clock stopped at [`NOW`].
pub fn clock() -> FixedClock {
    FixedClock(now())
}

/// An engine with an in-memory index over the fixture home, synced with days in UTC.
pub fn fixture_engine() -> (Engine, SyncReport) {
    let mut engine = Engine::in_memory(Paths::for_home(&fixture_home()), pricer())
        .expect("an in-memory index opens");
    let sync = engine.sync(Tz::UTC, None).expect("the fixture home syncs");
    (engine, sync)
}

/// Every stored call of `engine`, priced, in id order.
pub fn calls(engine: &Engine) -> Vec<Call> {
    engine
        .store()
        .calls()
        .expect("the index reads")
        .into_iter()
        .map(|r| Call {
            event: r.event,
            cost: r.cost,
            cost_source: r.cost_source,
        })
        .collect()
}

/// UTC milliseconds of an RFC 3339 timestamp.
pub fn ms(ts: &str) -> i64 {
    burnbar_engine::time::parse_timestamp_ms(ts).expect("timestamp")
}

/// All time up to `now`'s day in `tz`.
pub fn all_time(now: DateTime<Utc>, tz: Tz) -> Span {
    Span::of_period(Period::All, now.with_timezone(&tz).date_naive())
}

/// Syncs `engine` with days in `tz`, then reports all time as of `now`.
pub fn report_all(engine: &mut Engine, tz: Tz, now: DateTime<Utc>) -> Report {
    let sync = engine.sync(tz, None).expect("sync");
    engine
        .report(&Filter::all(tz), all_time(now, tz), now, &sync)
        .expect("report")
}

/// A temporary `$HOME`.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

impl Home {
    /// An empty home.
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `lines` (each + `\n`) to `rel` under the home.
    pub fn write(&self, rel: &str, lines: &[String]) -> PathBuf {
        let mut s = String::new();
        for l in lines {
            s.push_str(l);
            s.push('\n');
        }
        self.write_raw(rel, s.as_bytes())
    }

    /// Writes `bytes` to `rel` under the home.
    pub fn write_raw(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        p
    }

    /// Sets a file's mtime (seconds since the epoch).
    pub fn set_mtime(&self, rel: &str, secs: u64) {
        let p = self.dir.path().join(rel);
        let f = std::fs::File::options().write(true).open(&p).expect("open");
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .expect("set mtime");
    }

    /// An engine over the home with a private in-memory index, results independent of this
    /// machine's file system (no worktree probing).
    pub fn engine(&self) -> Engine {
        Engine::in_memory(Paths::for_home(self.path()), pricer())
            .expect("an in-memory index opens")
            .with_project_probing(false)
    }

    /// A fresh engine over the home, synced (days in UTC), with every stored call.
    pub fn load(&self) -> Dataset {
        Dataset::of(self.engine())
    }
}

/// An engine after a sync, with every stored call and what the sync met.
pub struct Dataset {
    engine: RefCell<Engine>,
    /// Unique, priced calls, in id order.
    pub calls: Vec<Call>,
    /// Lines skipped.
    pub warnings: Vec<Warning>,
    /// Files that could not be read.
    pub errors: Vec<FileError>,
    /// What was searched, per provider.
    pub sources: Vec<SourceInfo>,
}

impl Dataset {
    /// Syncs `engine` (days in UTC) and reads back what it stored.
    pub fn of(mut engine: Engine) -> Dataset {
        let sync = engine.sync(Tz::UTC, None).expect("sync");
        Dataset {
            calls: calls(&engine),
            warnings: sync.warnings,
            errors: sync.errors,
            sources: sync.sources,
            engine: RefCell::new(engine),
        }
    }

    /// The engine's report for `filter` (synced with `filter.tz` first).
    pub fn report(&self, filter: &Filter, span: Span, now: DateTime<Utc>) -> Report {
        let mut engine = self.engine.borrow_mut();
        let sync = engine.sync(filter.tz, None).expect("sync");
        engine.report(filter, span, now, &sync).expect("report")
    }

    /// The engine's export rows for `filter` (synced with `filter.tz` first).
    pub fn export(&self, filter: &Filter) -> Vec<ExportRow> {
        let mut engine = self.engine.borrow_mut();
        engine.sync(filter.tz, None).expect("sync");
        engine.export(filter).expect("export")
    }

    /// The calls of one provider, sorted by key.
    pub fn calls_of(&self, p: ProviderId) -> Vec<&Call> {
        let mut v: Vec<&Call> = self
            .calls
            .iter()
            .filter(|c| c.event.provider == p)
            .collect();
        v.sort_by(|a, b| a.event.key.cmp(&b.event.key));
        v
    }
}
