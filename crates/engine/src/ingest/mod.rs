//! Sync: bring the index up to date with the logs on disk, reading each byte once.
//!
//! For every log file the providers discover, its identity (device, inode, size, mtime) is
//! compared with what the index recorded:
//! - unchanged: not opened at all (a warm run only stats files);
//! - grown, same inode: read from the stored cursor (the end of the last complete line);
//! - new, replaced (other inode), shrunk or rewritten in place: read from the start; dedup
//!   keys make re-reading harmless.
//!
//! Files are read in parallel; each reader also merges the copies of a call within its file
//! and works out the call's id, day, cost and stored tool uses, and hands the results over a
//! few files at a time. One writer thread upserts them into the index inside one
//! `BEGIN IMMEDIATE` transaction together with the new cursors, so a crash leaves the index as
//! it was and the next run exact. A cold scan and an append go through this same path.

mod pipeline;
mod plan;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use rusqlite::TransactionBehavior;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::error::{FileError, Result, Warning};
use crate::model::ProviderId;
use crate::paths::Paths;
use crate::pricing::Pricer;
use crate::providers::{Provider, SourceInfo};
use crate::store::{self, FileRecord, Store};
use pipeline::read_and_store;
use plan::{Plan, plan};

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// Log files considered.
    pub files_seen: usize,
    /// Files (re)read, wholly or from a cursor.
    pub files_read: usize,
    /// Bytes read.
    pub bytes_read: u64,
    /// New calls.
    pub inserted: usize,
    /// Known calls that changed (a more complete copy arrived).
    pub updated: usize,
    /// Copies of known calls that changed nothing (re-reads, replays, mirrors).
    pub unchanged: usize,
    /// Calls whose cost changed because the price table did.
    pub repriced: usize,
    /// Usage-window readings and limit notices that were new.
    pub limits: usize,
    /// Lines skipped in the bytes read by this run.
    pub warnings: Vec<Warning>,
    /// Files that could not be read.
    pub errors: Vec<FileError>,
    /// Per-provider source summaries (full scans only).
    pub sources: Vec<SourceInfo>,
}

impl SyncReport {
    /// True when the index changed.
    pub fn changed(&self) -> bool {
        self.inserted + self.updated + self.repriced + self.limits > 0
    }
}

/// What to sync.
#[derive(Clone)]
pub struct SyncOptions<'a> {
    /// Only these providers (all when `None`).
    pub only: Option<&'a [ProviderId]>,
    /// Only these paths (a watch batch); `None` scans every root.
    pub changed: Option<&'a [PathBuf]>,
    /// The zone the index buckets days in.
    pub tz: Tz,
    /// Whether project canonicalisation may probe the file system for worktrees.
    pub probe_projects: bool,
    /// Called after each file is stored (a long first scan shows progress with it).
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
}

/// How far a sync has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Files stored so far.
    pub files_done: usize,
    /// Files this sync reads.
    pub files_total: usize,
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Bytes this sync reads.
    pub bytes_total: u64,
}

/// The timestamps a call may plausibly have: none of the tools existed before 2020, and a call
/// cannot be more than a day ahead of now (a day of slack for clocks and zones). A call outside
/// is bad input (skipped and counted): one line dated 9999 or 0001 must not make `--period
/// all` span millennia.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plausible {
    /// The earliest plausible time, UTC ms.
    pub from_ms: i64,
    /// The latest plausible time, UTC ms.
    pub to_ms: i64,
    /// The moment of the sync, UTC ms.
    pub now_ms: i64,
}

impl Plausible {
    /// 2020-01-01T00:00Z up to a day after `now`.
    pub fn until(now: chrono::DateTime<chrono::Utc>) -> Plausible {
        Plausible {
            from_ms: 1_577_836_800_000,
            to_ms: now.timestamp_millis().saturating_add(86_400_000),
            now_ms: now.timestamp_millis(),
        }
    }

    /// True when `ts_ms` is plausible.
    pub fn contains(&self, ts_ms: i64) -> bool {
        (self.from_ms..=self.to_ms).contains(&ts_ms)
    }
}

/// The `meta` key of the last full sync's time (UTC ms).
pub const LAST_FULL_SYNC: &str = "last_full_sync_ms";

/// Log bytes to read from which a sync gets the bigger page cache.
const BULK_BYTES: u64 = 256 << 20;

/// Notes when the whole index was last brought up to date (the real clock: `statusline`
/// reads only its transcript while this is recent); written at most every 30 s, so
/// back-to-back runs that change nothing write nothing.
fn stamp_full_sync(conn: &rusqlite::Connection, now_ms: i64) -> Result<()> {
    let stamped = Store::meta(conn, LAST_FULL_SYNC)?.and_then(|v| v.parse::<i64>().ok());
    if stamped.is_none_or(|t| !(0..30_000).contains(&(now_ms - t))) {
        Store::set_meta(conn, LAST_FULL_SYNC, &now_ms.to_string())?;
    }
    Ok(())
}

/// The project paths known so far, for files tools keep inside projects (full scans only:
/// none when `full` is false).
fn known_project_paths(conn: &rusqlite::Connection, full: bool) -> rusqlite::Result<Vec<String>> {
    if !full {
        return Ok(Vec::new());
    }
    Ok(store::projects(conn)?
        .into_iter()
        .map(|(_, name)| name)
        .filter(|n| n.starts_with('/') || std::path::Path::new(n).is_absolute())
        .collect())
}

/// Brings `store` up to date. See the module docs.
pub fn sync(
    store: &mut Store,
    providers: &[Box<dyn Provider>],
    paths: &Paths,
    pricer: &Pricer,
    opts: &SyncOptions<'_>,
    plausible: Plausible,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let started = std::time::Instant::now();
    crate::providers::begin_scan();
    let tx = store
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rebuild_all = refresh_derived(&tx, pricer, opts.tz, &mut report)?;
    let known = match opts.changed {
        Some(paths) => store::load_some_files(&tx, paths)?,
        None => store::load_files(&tx)?,
    };
    // known files not found by this scan are gone from disk
    let mut unseen: FxHashSet<&OsStr> = known.keys().map(OsString::as_os_str).collect();
    let projects = known_project_paths(&tx, opts.changed.is_none())?;
    let mut plans = plan(
        providers,
        paths,
        opts,
        &known,
        &projects,
        &mut unseen,
        &mut report,
    );
    let planned = started.elapsed();
    // a big read writes much of the index in this one transaction: a bigger page cache for it
    // (set at every sync, so one that failed half-way does not leave it big)
    let bulk = plans.iter().map(Plan::bytes).sum::<u64>() >= BULK_BYTES;
    let cache = if bulk {
        store::BULK_CACHE_KIB
    } else {
        store::CACHE_KIB
    };
    store::set_cache_kib(&tx, cache)?;
    // New files get their ids before reading, in discovery order, so ranks are deterministic.
    // A full scan knows every stored path, so its new files are new to the index too: their
    // ids are handed out here and their records written with their calls (the readers start
    // at once). A scan of changed files may meet a stored path it did not load: upsert it.
    let mut next_id = store::next_file_id(&tx)?;
    for p in &mut plans {
        if p.record.id == 0 {
            if opts.changed.is_some() {
                p.record.id = store::save_file(&tx, &p.record)?;
            } else {
                p.record.id = next_id;
                p.new = true;
                next_id += 1;
            }
        }
    }
    let (mut touched, projects_changed) =
        read_and_store(&tx, providers, pricer, opts, plausible, &plans, &mut report)?;
    let stored = started.elapsed();
    if projects_changed {
        touched.extend(resolve_placeholder_projects(&tx, providers)?);
    }
    if opts.changed.is_none() {
        mark_missing(&tx, providers, opts, &known, &unseen)?;
        stamp_full_sync(&tx, plausible.now_ms)?;
    }
    // one scan of everything beats per-session lookups once a good share of sessions changed
    // (a first scan, a re-read after an upgrade)
    let sessions: i64 = tx.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))?;
    let many =
        touched.len() > 200 && i64::try_from(touched.len()).unwrap_or(i64::MAX) * 4 >= sessions;
    if rebuild_all || touched.len() > 5_000 || many {
        store::rebuild_all_slices(&tx)?;
    } else {
        store::rebuild_session_slices(&tx, touched)?;
    }
    let rolled_up = started.elapsed();
    tx.commit()?;
    if bulk {
        store::set_cache_kib(store.conn(), store::CACHE_KIB)?;
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    tracing::debug!(
        planned_ms = ms(planned),
        stored_ms = ms(stored),
        rolled_up_ms = ms(rolled_up),
        total_ms = ms(started.elapsed()),
        files = report.files_read,
        bytes = report.bytes_read,
        inserted = report.inserted,
        updated = report.updated,
        unchanged = report.unchanged,
        "sync done"
    );
    Ok(report)
}

/// Moves calls filed under a tool's placeholder project (a Gemini path hash) to the known
/// project it stands for ([`Provider::resolve_projects`]). Returns the sessions whose rollup
/// must be rebuilt.
fn resolve_placeholder_projects(
    tx: &rusqlite::Connection,
    providers: &[Box<dyn Provider>],
) -> Result<FxHashSet<i64>> {
    let projects = store::projects(tx)?;
    let names: Vec<String> = projects.iter().map(|(_, n)| n.clone()).collect();
    let ids: FxHashMap<&str, i64> = projects.iter().map(|(id, n)| (n.as_str(), *id)).collect();
    let mut touched = FxHashSet::default();
    for p in providers {
        for (placeholder, project) in p.resolve_projects(&names) {
            touched.extend(store::move_project_calls(
                tx,
                ids[placeholder],
                ids[project],
            )?);
        }
    }
    Ok(touched)
}

/// Re-buckets days when the zone changed and reprices when the price table did. Returns true
/// when the whole rollup must be rebuilt.
fn refresh_derived(
    tx: &rusqlite::Connection,
    pricer: &Pricer,
    tz: Tz,
    report: &mut SyncReport,
) -> Result<bool> {
    let mut rebuild_all = false;
    if Store::meta(tx, "day_zone")?.as_deref() != Some(tz.name()) {
        store::reday_all(tx, tz)?;
        Store::set_meta(tx, "day_zone", tz.name())?;
        rebuild_all = true;
    }
    let version = pricer.version();
    if Store::meta(tx, "price_version")?.as_deref() != Some(version.as_str()) {
        report.repriced = store::reprice_all(tx, pricer)?;
        Store::set_meta(tx, "price_version", &version)?;
        rebuild_all = true;
    }
    Ok(rebuild_all)
}

/// Marks known files of the scanned providers that this full scan did not find as gone.
fn mark_missing(
    conn: &rusqlite::Connection,
    providers: &[Box<dyn Provider>],
    opts: &SyncOptions<'_>,
    known: &FxHashMap<OsString, FileRecord>,
    unseen: &FxHashSet<&OsStr>,
) -> Result<()> {
    let scanned: Vec<ProviderId> = providers
        .iter()
        .map(|p| p.id())
        .filter(|id| opts.only.is_none_or(|o| o.contains(id)))
        .collect();
    for (path, rec) in known {
        if rec.present && scanned.contains(&rec.provider) && unseen.contains(path.as_os_str()) {
            store::mark_missing(conn, Path::new(path))?;
        }
    }
    Ok(())
}
