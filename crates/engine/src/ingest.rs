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

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::UNIX_EPOCH;

use chrono_tz::Tz;
use rayon::prelude::*;
use rusqlite::TransactionBehavior;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::error::{FileError, Result, Warning, WarningKind};
use crate::merge::{Merger, Rank};
use crate::model::ProviderId;
use crate::paths::Paths;
use crate::pricing::PriceMemo;
use crate::pricing::Pricer;
use crate::project::Projects;
use crate::providers::{Batch, Cursor, Provider, SourceInfo};
use crate::store::{self, FileRecord, Interner, Prepared, Store, Writer};

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
        self.inserted + self.updated + self.repriced > 0
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

/// A file to read.
struct Plan {
    provider: usize,
    record: FileRecord,
    /// Where to start; `Cursor::START` means the record's counts restart too.
    from: Cursor,
    /// The record is not stored yet (its id is reserved): it is inserted with its calls.
    new: bool,
}

impl Plan {
    /// Bytes this plan reads.
    fn bytes(&self) -> u64 {
        self.record.size.saturating_sub(self.from.offset)
    }
}

type ReadResult = (usize, Result<Absorbed, String>);

/// One file's reading, made ready on the reader's thread for the writer.
struct Absorbed {
    record: FileRecord,
    /// The record is to be inserted (see [`Plan::new`]).
    new: bool,
    prompts: Vec<crate::providers::PromptMark>,
    calls: Vec<Prepared>,
    warnings: Vec<Warning>,
}

/// Log bytes to read from which a sync gets the bigger page cache.
const BULK_BYTES: u64 = 256 << 20;

/// Brings `store` up to date. See the module docs.
pub fn sync(
    store: &mut Store,
    providers: &[Box<dyn Provider>],
    paths: &Paths,
    pricer: &Pricer,
    opts: &SyncOptions<'_>,
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
    let mut plans = plan(providers, paths, opts, &known, &mut unseen, &mut report);
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
        read_and_store(&tx, providers, pricer, opts, &plans, &mut report)?;
    let stored = started.elapsed();
    if projects_changed {
        touched.extend(resolve_placeholder_projects(&tx, providers)?);
    }
    if opts.changed.is_none() {
        mark_missing(&tx, providers, opts, &known, &unseen)?;
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

/// Reads the planned files in parallel and stores their calls and cursors as they arrive.
/// Returns the sessions whose rollup must be rebuilt.
fn read_and_store(
    tx: &rusqlite::Connection,
    providers: &[Box<dyn Provider>],
    pricer: &Pricer,
    opts: &SyncOptions<'_>,
    plans: &[Plan],
    report: &mut SyncReport,
) -> Result<(FxHashSet<i64>, bool)> {
    report.files_read = plans.len();
    let mut progress = Progress {
        files_total: plans.len(),
        bytes_total: plans.iter().map(Plan::bytes).sum(),
        ..Progress::default()
    };
    let mut interner = Interner::default();
    let mut writer = Writer::new(tx, &mut interner, pricer, opts.tz);
    let mut projects = Projects::new(opts.probe_projects);
    let mut placeholder = false;
    let (send, recv) = mpsc::sync_channel::<Vec<ReadResult>>(16);
    let tz = opts.tz;
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let mut order: Vec<usize> = (0..plans.len()).collect();
            // big files first keeps both cores busy to the end
            order.sort_by_key(|&i| std::cmp::Reverse(plans[i].bytes()));
            order.into_par_iter().for_each_init(
                || (Outbox::new(send.clone()), PriceMemo::new(pricer)),
                |(outbox, prices), i| {
                    let p = &plans[i];
                    let mut batch = Batch::default();
                    let r = providers[p.provider]
                        .read(&p.record.path, &p.from, &mut batch)
                        .map(|cursor| absorb(p, batch, cursor, prices, tz))
                        .map_err(|e| e.to_string());
                    outbox.push((i, r), p.bytes());
                },
            );
        });
        for (i, result) in recv.into_iter().flatten() {
            let p = &plans[i];
            progress.files_done += 1;
            progress.bytes_done += p.bytes();
            if let Some(f) = opts.progress {
                f(&progress);
            }
            match result {
                Ok(read) => {
                    report.bytes_read += p.bytes();
                    let provider = &*providers[p.provider];
                    placeholder |=
                        store_read(tx, read, provider, &mut writer, &mut projects, report)?;
                }
                Err(message) => report.errors.push(FileError {
                    provider: providers[p.provider].id(),
                    path: p.record.path.clone(),
                    message,
                }),
            }
        }
        Ok(())
    })?;
    Ok((
        std::mem::take(&mut writer.touched_sessions),
        writer.projects_changed || placeholder,
    ))
}

/// A reader thread's results on their way to the writer, sent a few files at a time (a
/// wake-up of the writer per small file costs more than reading it) and flushed when the
/// reader's share of the work ends.
struct Outbox {
    send: mpsc::SyncSender<Vec<ReadResult>>,
    pending: Vec<ReadResult>,
    bytes: u64,
}

impl Outbox {
    /// Files or bytes after which a batch is sent.
    const FILES: usize = 32;
    const BYTES: u64 = 1 << 20;

    fn new(send: mpsc::SyncSender<Vec<ReadResult>>) -> Self {
        Outbox {
            send,
            pending: Vec::new(),
            bytes: 0,
        }
    }

    fn push(&mut self, result: ReadResult, bytes: u64) {
        self.pending.push(result);
        self.bytes += bytes;
        if self.pending.len() >= Self::FILES || self.bytes >= Self::BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.bytes = 0;
        if !self.pending.is_empty() {
            // the writer stops receiving only on an error, which ends the sync anyway
            let _ = self.send.send(std::mem::take(&mut self.pending));
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Counts one file's warnings into its record and merges the copies of each call in it
/// (on the reader's thread).
fn absorb(p: &Plan, batch: Batch, cursor: Cursor, prices: &mut PriceMemo<'_>, tz: Tz) -> Absorbed {
    let mut rec = p.record.clone();
    let restart = p.from.offset == 0;
    if restart {
        rec.skipped = [0; 4];
    }
    for w in &batch.warnings {
        let slot = match w.kind {
            WarningKind::MalformedLine => 0,
            WarningKind::NulPadding => 1,
            WarningKind::InvalidRecord => 2,
            WarningKind::NotAdmitted => 3,
        };
        rec.skipped[slot] += 1;
    }
    let latest = batch.events.iter().map(|e| e.timestamp_ms).max();
    rec.latest_ms = match (restart, latest) {
        (true, l) => l.unwrap_or(i64::MAX),
        (false, Some(l)) => rec.latest_ms.max(l),
        (false, None) => rec.latest_ms,
    };
    let rank: Rank = (rec.latest_ms, rec.mtime_ms, rec.id);
    let mut merger = Merger::default();
    for e in batch.events {
        merger.add(e, rank);
    }
    let calls = merger
        .finish_ranked()
        .into_iter()
        .map(|(e, rank)| Prepared::new(e, rank, prices, tz))
        .collect();
    rec.cursor = cursor;
    rec.present = true;
    Absorbed {
        record: rec,
        new: p.new,
        prompts: batch.prompts,
        calls,
        warnings: batch.warnings,
    }
}

/// Stores one file's prompts, calls and record (on the writer's thread). Returns true when a
/// call was filed under one of the provider's placeholder projects.
fn store_read(
    tx: &rusqlite::Connection,
    read: Absorbed,
    provider: &dyn Provider,
    writer: &mut Writer<'_>,
    projects: &mut Projects,
    report: &mut SyncReport,
) -> Result<bool> {
    let mut placeholder = false;
    report.warnings.extend(read.warnings);
    // a new record goes first: its calls refer to it
    if read.new {
        store::insert_file(tx, &read.record)?;
    }
    for m in &read.prompts {
        writer.prompt(m)?;
    }
    for mut call in read.calls {
        let project = call.project_mut();
        *project = projects.canonical(project);
        placeholder |= provider.is_placeholder_project(project);
        match writer.upsert(call)? {
            store::Upsert::Inserted => report.inserted += 1,
            store::Upsert::Updated => report.updated += 1,
            store::Upsert::Unchanged => report.unchanged += 1,
        }
    }
    if !read.new {
        store::update_file(tx, &read.record)?;
    }
    Ok(placeholder)
}

/// A source's identity: the first file's device and inode, the summed size and the latest
/// mtime of all its identity files (missing sidecars count as empty).
fn source_identity(p: &dyn Provider, path: &Path) -> Option<(u64, u64, u64, i64)> {
    let files = p.identity_paths(path);
    let (first, rest) = files.split_first()?;
    let (dev, ino, mut size, mut mtime) = identity(first)?;
    for f in rest {
        if let Some((_, _, s, m)) = identity(f) {
            size += s;
            mtime = mtime.max(m);
        }
    }
    Some((dev, ino, size, mtime))
}

/// Stats `path`: (dev, ino, size, mtime ms).
fn identity(path: &Path) -> Option<(u64, u64, u64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some((dev, ino, meta.len(), mtime))
}

/// Decides which files to read and from where; fills `report.sources`.
fn plan(
    providers: &[Box<dyn Provider>],
    paths: &Paths,
    opts: &SyncOptions<'_>,
    known: &FxHashMap<OsString, FileRecord>,
    unseen: &mut FxHashSet<&OsStr>,
    report: &mut SyncReport,
) -> Vec<Plan> {
    let mut plans = Vec::new();
    for (i, p) in providers.iter().enumerate() {
        if opts.only.is_some_and(|o| !o.contains(&p.id())) {
            continue;
        }
        let files: Vec<PathBuf> = match opts.changed {
            Some(changed) => {
                let mut v: Vec<PathBuf> = changed
                    .iter()
                    .filter_map(|f| p.source_for(paths, f))
                    .collect();
                v.sort();
                v.dedup();
                v
            }
            None => p.discover(paths),
        };
        // stat in parallel: on a warm run this is nearly all the work
        let stats: Vec<Option<(u64, u64, u64, i64)>> = files
            .par_iter()
            .map(|f| source_identity(p.as_ref(), f))
            .collect();
        let mut bytes = 0;
        for (path, stat) in files.iter().zip(stats) {
            let Some((dev, ino, size, mtime_ms)) = stat else {
                continue;
            };
            bytes += size;
            report.files_seen += 1;
            unseen.remove(path.as_os_str());
            let from = match known.get(path.as_os_str()) {
                Some(k)
                    if k.dev == dev && k.ino == ino && k.size == size && k.mtime_ms == mtime_ms =>
                {
                    if k.present {
                        continue; // unchanged: not even opened
                    }
                    k.cursor.clone() // it came back: resume
                }
                Some(k) if k.dev == dev && k.ino == ino && !p.offset_cursor() => k.cursor.clone(),
                Some(k)
                    if k.dev == dev && k.ino == ino && size >= k.cursor.offset && size > k.size =>
                {
                    k.cursor.clone()
                }
                _ => Cursor::START,
            };
            let mut record = known.get(path.as_os_str()).cloned().unwrap_or(FileRecord {
                id: 0,
                provider: p.id(),
                path: path.clone(),
                dev,
                ino,
                size,
                mtime_ms,
                cursor: Cursor::START,
                latest_ms: i64::MAX,
                skipped: [0; 4],
                present: true,
            });
            (record.dev, record.ino, record.size, record.mtime_ms) = (dev, ino, size, mtime_ms);
            record.path.clone_from(path);
            plans.push(Plan {
                provider: i,
                record,
                from,
                new: false,
            });
        }
        if opts.changed.is_none() {
            add_source(report, p.as_ref(), paths, files.len(), bytes);
        }
    }
    plans
}

/// Records what a full scan looked at for `p`: one entry per tool, even when several readers
/// serve it (OpenCode's files and database).
fn add_source(report: &mut SyncReport, p: &dyn Provider, paths: &Paths, files: usize, bytes: u64) {
    let roots = p.roots(paths);
    let found = roots.iter().filter(|r| r.is_dir()).count();
    match report.sources.iter_mut().find(|s| s.provider == p.id()) {
        Some(s) => {
            s.roots_found += found;
            s.roots.extend(roots);
            s.files += files;
            s.bytes += bytes;
        }
        None => report.sources.push(SourceInfo {
            provider: p.id(),
            roots_found: found,
            roots,
            files,
            bytes,
        }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(i: usize) -> ReadResult {
        (i, Err(format!("file {i}")))
    }

    #[test]
    fn outbox_sends_in_batches_and_flushes_what_is_left_when_dropped() {
        let (send, recv) = mpsc::sync_channel::<Vec<ReadResult>>(8);
        let mut outbox = Outbox::new(send);
        for i in 0..Outbox::FILES + 3 {
            outbox.push(failed(i), 10);
        }
        let first = recv.try_recv().expect("a full batch is sent at once");
        assert_eq!(first.len(), Outbox::FILES);
        assert!(recv.try_recv().is_err(), "the rest waits for more");
        drop(outbox);
        let rest = recv.try_recv().expect("dropping the outbox flushes it");
        assert_eq!(
            rest.iter().map(|r| r.0).collect::<Vec<_>>(),
            (Outbox::FILES..Outbox::FILES + 3).collect::<Vec<_>>()
        );
        assert!(recv.try_recv().is_err(), "nothing is sent twice");
    }

    #[test]
    fn outbox_sends_a_big_file_without_waiting_for_more() {
        let (send, recv) = mpsc::sync_channel::<Vec<ReadResult>>(8);
        let mut outbox = Outbox::new(send);
        outbox.push(failed(0), Outbox::BYTES);
        assert_eq!(recv.try_recv().map(|b| b.len()), Ok(1));
        outbox.push(failed(1), 1);
        assert!(
            recv.try_recv().is_err(),
            "the byte count restarts after a send"
        );
    }
}
