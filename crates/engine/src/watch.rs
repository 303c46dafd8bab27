//! The watch loop: keep the index current while the tools write, at ~0 CPU when they don't.
//!
//! How it works: a `notify` watcher watches every provider root that exists and sends its
//! events straight to the loop. The loop batches them itself (`Debounce`): the first content
//! change opens a batch, which is synced once no event came for 200 ms (or 1 s after it
//! opened, so a steady stream of writes still shows up). Each batch becomes one sync: files a
//! provider owns are read from their cursors ([`Engine::sync_paths`]); anything else (a new
//! directory, a rescan request from the OS, a watcher error) triggers a full sync, which is
//! cheap when little changed. After each sync that changed something the callback runs once,
//! with the engine, so the caller builds one snapshot per batch.
//!
//! Idle means idle: with no batch open the loop blocks on its channel until the next safety
//! net is due, so nothing wakes between log writes (a debouncer crate's 10-a-second tick used
//! to). A root that does not exist (yet, or any more: a watched root that vanishes is
//! unwatched) is found through its nearest existing ancestor, watched on its own, so its
//! creation is an event like any other. Safety nets, because file-system notifications can be
//! dropped: a full rescan every 5 minutes, and missing roots are also looked for every 10 s.
//! When the on-disk index has failed and the engine runs on a temporary in-memory one
//! ([`Engine::fallback`]), every sync and a check every 10 s try to go back to it. [`WatchHandle::wakeups`] counts the loop's wake-ups, so tests can hold it to that.
//!
//! The loop runs on its own thread (rusqlite and the engine are synchronous) and stops when
//! its [`WatchHandle`] is dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use notify::{RecursiveMode, Watcher};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::ingest::{Progress, SyncOptions, SyncReport};

/// Called after each file of a full scan (a long first scan shows progress with it).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Tuning of the loop.
#[derive(Clone)]
pub struct WatchOptions {
    /// The zone days are bucketed in.
    pub tz: Tz,
    /// Quiet time before a burst of writes becomes one batch.
    pub debounce: Duration,
    /// The longest a batch stays open under a steady stream of writes.
    pub max_batch_wait: Duration,
    /// Full rescan interval (the safety net for dropped events).
    pub rescan_every: Duration,
    /// How often missing roots are looked for.
    pub missing_roots_every: Duration,
    /// Progress of full scans.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for WatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchOptions")
            .field("tz", &self.tz)
            .field("debounce", &self.debounce)
            .field("max_batch_wait", &self.max_batch_wait)
            .field("rescan_every", &self.rescan_every)
            .field("missing_roots_every", &self.missing_roots_every)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl WatchOptions {
    /// The defaults: 200 ms debounce (1 s at most), 5 min rescan, 10 s missing-root check.
    pub fn new(tz: Tz) -> WatchOptions {
        WatchOptions {
            tz,
            debounce: Duration::from_millis(200),
            max_batch_wait: Duration::from_secs(1),
            rescan_every: Duration::from_secs(300),
            missing_roots_every: Duration::from_secs(10),
            progress: None,
        }
    }
}

/// What the loop tells its callback.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// A sync changed the index (or it is the first sync).
    Synced(&'a SyncReport),
    /// A sync failed; the loop carries on.
    Failed(&'a Error),
}

/// The callback the loop calls after each sync.
type Callback = Box<dyn FnMut(&Engine, WatchEvent<'_>) + Send>;

enum Msg {
    Fs(notify::Result<notify::Event>),
    Rescan,
    Stop,
}

/// Stops the loop (and waits for it) when dropped.
pub struct WatchHandle {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    wakeups: Arc<AtomicU64>,
}

impl WatchHandle {
    /// How many times the loop's thread has woken up so far (each message or timeout it
    /// handled). Between log writes it should not grow.
    pub fn wakeups(&self) -> u64 {
        self.wakeups.load(Ordering::Relaxed)
    }

    /// Asks the loop for a full sync now (a "Refresh" button). The callback runs after it
    /// even when nothing changed.
    pub fn rescan(&self) {
        let _ = self.tx.send(Msg::Rescan);
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the loop on its own thread. The first sync runs right away and always reaches the
/// callback.
pub fn spawn<F>(engine: Engine, opts: WatchOptions, on_event: F) -> Result<WatchHandle>
where
    F: FnMut(&Engine, WatchEvent<'_>) + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Msg>();
    let fs_tx = tx.clone();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let _ = fs_tx.send(Msg::Fs(res));
    })?;
    let wakeups = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&wakeups);
    let thread = std::thread::Builder::new()
        .name("burnbar-watch".into())
        .spawn(move || {
            Loop {
                debounce: Debounce::new(opts.debounce, opts.max_batch_wait),
                engine,
                opts,
                watcher,
                watched: Vec::new(),
                ancestors: Vec::new(),
                on_event: Box::new(on_event),
                wakeups: counter,
            }
            .run(&rx);
        })
        .map_err(|source| Error::Thread {
            name: "burnbar-watch",
            source,
        })?;
    Ok(WatchHandle {
        tx,
        thread: Some(thread),
        wakeups,
    })
}

/// A batch of file events being collected: it opens with the first event, and is due once no
/// event came for `quiet`, or `max_wait` after it opened, whichever is first. Without an open
/// batch nothing is due, so the loop can wait without a timeout.
#[derive(Debug)]
struct Debounce {
    quiet: Duration,
    max_wait: Duration,
    opened: Option<Instant>,
    last: Option<Instant>,
    paths: Vec<PathBuf>,
    /// Something asked for a full sync (a rescan flag from the OS, a watcher error).
    full: bool,
}

/// A batch handed over: the paths it touched, a full sync, or nothing but events outside the
/// roots (a watched ancestor of a missing root: the watches are checked, nothing is synced).
#[derive(Debug, PartialEq, Eq)]
enum Batch {
    Paths(Vec<PathBuf>),
    Full,
    Empty,
}

impl Debounce {
    fn new(quiet: Duration, max_wait: Duration) -> Debounce {
        Debounce {
            quiet,
            max_wait,
            opened: None,
            last: None,
            paths: Vec::new(),
            full: false,
        }
    }

    /// Opens (or extends) the batch without a path: something outside the roots moved.
    fn touch(&mut self, now: Instant) {
        self.opened.get_or_insert(now);
        self.last = Some(now);
    }

    /// Adds the paths of a content change seen at `now`.
    fn add(&mut self, paths: impl IntoIterator<Item = PathBuf>, now: Instant) {
        self.paths.extend(paths);
        self.touch(now);
    }

    /// Asks for a full sync with the batch (seen at `now`).
    fn add_full(&mut self, now: Instant) {
        self.full = true;
        self.touch(now);
    }

    /// When the open batch is due; `None` when no batch is open.
    fn due(&self) -> Option<Instant> {
        let (opened, last) = (self.opened?, self.last?);
        Some((last + self.quiet).min(opened + self.max_wait))
    }

    /// Closes the batch if it is due at `now`.
    fn take_due(&mut self, now: Instant) -> Option<Batch> {
        if self.due()? > now {
            return None;
        }
        self.opened = None;
        self.last = None;
        let mut paths = std::mem::take(&mut self.paths);
        if std::mem::take(&mut self.full) {
            return Some(Batch::Full);
        }
        if paths.is_empty() {
            return Some(Batch::Empty);
        }
        paths.sort();
        paths.dedup();
        Some(Batch::Paths(paths))
    }
}

/// True for events that can change what a log says: creation, data writes, renames,
/// removal. Access (open, read, close) and metadata-only events are ignored.
fn is_content_change(kind: notify::EventKind) -> bool {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    // a writer closing its file counts: the data it wrote is complete
    let ignored = matches!(kind, EventKind::Modify(ModifyKind::Metadata(_)))
        || matches!(kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write));
    !ignored
}

struct Loop {
    engine: Engine,
    opts: WatchOptions,
    watcher: notify::RecommendedWatcher,
    debounce: Debounce,
    /// Roots watched recursively.
    watched: Vec<PathBuf>,
    /// For each missing root, its nearest existing ancestor, watched on its own (not
    /// recursively), so the root's creation arrives as an event.
    ancestors: Vec<PathBuf>,
    on_event: Callback,
    wakeups: Arc<AtomicU64>,
}

impl Loop {
    fn run(mut self, rx: &mpsc::Receiver<Msg>) {
        self.arm();
        self.sync(None, true);
        let mut next_rescan = Instant::now() + self.opts.rescan_every;
        let mut next_root_check = Instant::now() + self.opts.missing_roots_every;
        loop {
            let mut deadline = if self.all_roots_watched() && self.engine.fallback().is_none() {
                next_rescan
            } else {
                next_rescan.min(next_root_check)
            };
            if let Some(due) = self.debounce.due() {
                deadline = deadline.min(due);
            }
            let msg = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
            self.wakeups.fetch_add(1, Ordering::Relaxed);
            let now = Instant::now();
            match msg {
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(Msg::Rescan) => {
                    self.arm();
                    self.sync(None, true);
                }
                Ok(Msg::Fs(Ok(event))) => {
                    // Our own reads raise open/close (and atime) events: reacting to them
                    // would make every sync trigger the next one.
                    if event.need_rescan()
                        || (event.paths.is_empty() && is_content_change(event.kind))
                    {
                        self.debounce.add_full(now);
                    } else if is_content_change(event.kind) {
                        let (inside, outside): (Vec<PathBuf>, Vec<PathBuf>) =
                            event.paths.into_iter().partition(|p| self.under_a_root(p));
                        self.debounce.add(inside, now);
                        if !outside.is_empty() {
                            self.debounce.touch(now); // an ancestor of a missing root moved
                        }
                    }
                }
                Ok(Msg::Fs(Err(error))) => {
                    tracing::warn!(%error, "file watcher error; rescanning");
                    self.debounce.add_full(now);
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Some(batch) = self.debounce.take_due(now) {
                // a root may have vanished (stop watching it, so its return is seen) or
                // appeared (watch it and read everything)
                let added = self.arm();
                match batch {
                    _ if added => self.sync(None, false),
                    Batch::Empty => {}
                    Batch::Paths(paths) if paths.iter().all(|p| self.is_owned_file(p)) => {
                        self.sync(Some(&paths), false);
                    }
                    Batch::Paths(_) | Batch::Full => self.sync(None, false),
                }
            }
            if now >= next_root_check {
                next_root_check = now + self.opts.missing_roots_every;
                if self.engine.fallback().is_some() && self.engine.restore_index() {
                    self.arm();
                    self.sync(None, true);
                } else if !self.all_roots_watched() && self.arm() {
                    self.sync(None, false);
                }
            }
            if now >= next_rescan {
                next_rescan = now + self.opts.rescan_every;
                self.sync(None, false);
            }
        }
    }

    fn roots(&self) -> Vec<PathBuf> {
        let paths = self.engine.paths();
        self.engine
            .providers()
            .iter()
            .flat_map(|p| p.roots(paths))
            .collect()
    }

    fn all_roots_watched(&self) -> bool {
        self.roots().iter().all(|r| self.watched.contains(r))
    }

    /// Brings the watches in line with the roots on disk: a vanished root is unwatched (so
    /// its return is seen), an existing root not watched yet is watched recursively, and the
    /// nearest existing ancestor of each missing root is watched on its own (not recursively),
    /// so the root's creation arrives as an event. True when a root was added (everything is
    /// then read again).
    fn arm(&mut self) -> bool {
        let (kept, gone): (Vec<PathBuf>, Vec<PathBuf>) = std::mem::take(&mut self.watched)
            .into_iter()
            .partition(|r| r.is_dir());
        for root in gone {
            tracing::debug!(root = %root.display(), "root vanished");
            let _ = self.watcher.unwatch(&root);
        }
        self.watched = kept;
        let mut added = false;
        let mut wanted: Vec<PathBuf> = Vec::new();
        for root in self.roots() {
            if self.watched.contains(&root) {
                continue;
            }
            if root.is_dir() {
                match self.watcher.watch(&root, RecursiveMode::Recursive) {
                    Ok(()) => {
                        tracing::debug!(root = %root.display(), "watching");
                        self.watched.push(root);
                        added = true;
                    }
                    Err(e) => tracing::warn!(root = %root.display(), "cannot watch: {e}"),
                }
            } else if let Some(a) = root.ancestors().skip(1).find(|a| a.is_dir())
                && !wanted.iter().any(|w| w == a)
            {
                wanted.push(a.to_path_buf());
            }
        }
        // an ancestor inside a watched root is covered by that root's recursive watch
        wanted.retain(|a| !self.watched.iter().any(|r| a.starts_with(r)));
        for a in &self.ancestors {
            if !wanted.contains(a) {
                let _ = self.watcher.unwatch(a);
            }
        }
        let mut watching = Vec::new();
        for a in wanted {
            if self.ancestors.contains(&a) {
                watching.push(a);
                continue;
            }
            match self.watcher.watch(&a, RecursiveMode::NonRecursive) {
                Ok(()) => watching.push(a),
                Err(e) => tracing::debug!(dir = %a.display(), "cannot watch: {e}"),
            }
        }
        self.ancestors = watching;
        added
    }

    /// True when `path` is inside a root watched recursively.
    fn under_a_root(&self, path: &Path) -> bool {
        self.watched.iter().any(|r| path.starts_with(r))
    }

    fn is_owned_file(&self, path: &Path) -> bool {
        let paths = self.engine.paths();
        path.is_file() && self.engine.providers().iter().any(|p| p.owns(paths, path))
    }

    fn sync(&mut self, changed: Option<&[PathBuf]>, always_report: bool) {
        // never live on a fallback index for good: back to the on-disk one as soon as it
        // opens again, with a full sync (it missed what changed meanwhile) and a report (the
        // fallback notice goes away)
        let restored = self.engine.fallback().is_some() && self.engine.restore_index();
        let (changed, always_report) = if restored {
            (None, true)
        } else {
            (changed, always_report)
        };
        let tz = self.opts.tz;
        let result = match changed {
            Some(paths) => self.engine.sync_paths(tz, paths),
            None => {
                let progress = self.opts.progress.clone();
                let report = |p: &Progress| {
                    if let Some(f) = &progress {
                        f(p);
                    }
                };
                let probe_projects = self.engine.probes_projects();
                self.engine.sync_with(&SyncOptions {
                    only: None,
                    changed: None,
                    tz,
                    probe_projects,
                    progress: Some(&report),
                })
            }
        };
        match result {
            Ok(report) if always_report || report.changed() => {
                (self.on_event)(&self.engine, WatchEvent::Synced(&report));
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("sync failed: {e}");
                (self.on_event)(&self.engine, WatchEvent::Failed(&e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use notify::EventKind;
    use notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind,
        RenameMode,
    };

    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::{Batch, Debounce, is_content_change};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nothing_is_due_without_an_event() {
        let mut d = Debounce::new(ms(200), ms(1000));
        assert_eq!(
            d.due(),
            None,
            "no open batch: the loop may wait without a timeout"
        );
        assert_eq!(d.take_due(Instant::now()), None);
    }

    #[test]
    fn a_batch_is_due_once_quiet_for_the_debounce() {
        let t0 = Instant::now();
        let mut d = Debounce::new(ms(200), ms(1000));
        d.add([PathBuf::from("/l/b.jsonl")], t0);
        d.add([PathBuf::from("/l/a.jsonl")], t0 + ms(150));
        d.add([PathBuf::from("/l/b.jsonl")], t0 + ms(150));
        assert_eq!(
            d.due(),
            Some(t0 + ms(350)),
            "each event extends the quiet time"
        );
        assert_eq!(d.take_due(t0 + ms(349)), None);
        assert_eq!(
            d.take_due(t0 + ms(350)),
            Some(Batch::Paths(vec![
                PathBuf::from("/l/a.jsonl"),
                PathBuf::from("/l/b.jsonl")
            ])),
            "sorted, each path once"
        );
        assert_eq!(d.due(), None, "taken: closed");
    }

    #[test]
    fn a_steady_stream_still_syncs_after_the_longest_wait() {
        let t0 = Instant::now();
        let mut d = Debounce::new(ms(200), ms(1000));
        for i in 0..20 {
            d.add([PathBuf::from("/l/a.jsonl")], t0 + ms(100 * i));
        }
        assert_eq!(d.due(), Some(t0 + ms(1000)));
        assert!(d.take_due(t0 + ms(1000)).is_some());
    }

    #[test]
    fn events_outside_the_roots_make_an_empty_batch() {
        let t0 = Instant::now();
        let mut d = Debounce::new(ms(200), ms(1000));
        d.touch(t0);
        assert_eq!(
            d.take_due(t0 + ms(200)),
            Some(Batch::Empty),
            "the watches are checked, nothing is read"
        );
    }

    #[test]
    fn a_rescan_request_or_an_error_makes_the_batch_a_full_sync() {
        let t0 = Instant::now();
        let mut d = Debounce::new(ms(200), ms(1000));
        d.add([PathBuf::from("/l/a.jsonl")], t0);
        d.add_full(t0 + ms(10));
        assert_eq!(d.take_due(t0 + ms(210)), Some(Batch::Full));
        d.add_full(t0 + ms(300));
        assert_eq!(d.take_due(t0 + ms(500)), Some(Batch::Full));
    }

    #[test]
    fn only_content_changes_trigger_a_sync() {
        for (kind, want) in [
            (EventKind::Create(CreateKind::File), true),
            (EventKind::Modify(ModifyKind::Data(DataChange::Any)), true),
            (EventKind::Modify(ModifyKind::Name(RenameMode::To)), true),
            (EventKind::Remove(RemoveKind::File), true),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                true,
            ),
            (EventKind::Access(AccessKind::Open(AccessMode::Any)), false),
            (
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                false,
            ),
            (EventKind::Access(AccessKind::Read), false),
            (
                EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
                false,
            ),
        ] {
            assert_eq!(is_content_change(kind), want, "{kind:?}");
        }
    }
}
