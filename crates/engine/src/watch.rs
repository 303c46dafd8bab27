//! The watch loop: keep the index current while the tools write, at ~0 CPU when they don't.
//!
//! How it works: a `notify` watcher (through `notify-debouncer-full`, 200 ms) watches every
//! provider root that exists. Each batch of changed paths becomes one sync: files a provider
//! owns are read from their cursors ([`Engine::sync_paths`]); anything else (a new directory, a
//! rescan request from the OS, a watcher error) triggers a full sync, which is cheap when
//! little changed. After each sync that changed something the callback runs once, with the
//! engine, so the caller builds one snapshot per batch.
//!
//! Safety nets, because file-system notifications can be dropped: a full rescan every 5
//! minutes, and roots that do not exist yet are checked every 10 s and watched once they
//! appear. Between events the loop thread sleeps in `recv_timeout`; only the debouncer's tick
//! (10 times a second, a mutex check) runs.
//!
//! The loop runs on its own thread (rusqlite and the engine are synchronous) and stops when
//! its [`WatchHandle`] is dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

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
            .field("rescan_every", &self.rescan_every)
            .field("missing_roots_every", &self.missing_roots_every)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl WatchOptions {
    /// The defaults: 200 ms debounce, 5 min rescan, 10 s missing-root check.
    pub fn new(tz: Tz) -> WatchOptions {
        WatchOptions {
            tz,
            debounce: Duration::from_millis(200),
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
    Fs(DebounceEventResult),
    Rescan,
    Stop,
}

/// Stops the loop (and waits for it) when dropped.
pub struct WatchHandle {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl WatchHandle {
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
    let debouncer = new_debouncer(
        opts.debounce,
        Some(Duration::from_millis(100)),
        move |res: DebounceEventResult| {
            let _ = fs_tx.send(Msg::Fs(res));
        },
    )?;
    let thread = std::thread::Builder::new()
        .name("burnbar-watch".into())
        .spawn(move || {
            Loop {
                engine,
                opts,
                debouncer,
                watched: Vec::new(),
                on_event: Box::new(on_event),
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
    })
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
    debouncer: notify_debouncer_full::Debouncer<
        notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
    watched: Vec<PathBuf>,
    on_event: Callback,
}

impl Loop {
    fn run(mut self, rx: &mpsc::Receiver<Msg>) {
        self.watch_new_roots();
        self.sync(None, true);
        let mut next_rescan = Instant::now() + self.opts.rescan_every;
        let mut next_root_check = Instant::now() + self.opts.missing_roots_every;
        loop {
            let deadline = if self.all_roots_watched() {
                next_rescan
            } else {
                next_rescan.min(next_root_check)
            };
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(Msg::Rescan) => {
                    self.watch_new_roots();
                    self.sync(None, true);
                }
                Ok(Msg::Fs(Ok(events))) => {
                    let rescan = events.iter().any(|e| e.need_rescan());
                    // Our own reads raise open/close (and atime) events: reacting to them
                    // would make every sync trigger the next one.
                    let mut paths: Vec<PathBuf> = events
                        .into_iter()
                        .filter(|e| is_content_change(e.event.kind))
                        .flat_map(|e| e.event.paths)
                        .collect();
                    if paths.is_empty() && !rescan {
                        continue;
                    }
                    paths.sort();
                    paths.dedup();
                    let owned =
                        !rescan && !paths.is_empty() && paths.iter().all(|p| self.is_owned_file(p));
                    self.sync(owned.then_some(paths.as_slice()), false);
                }
                Ok(Msg::Fs(Err(errors))) => {
                    tracing::warn!(?errors, "file watcher errors; rescanning");
                    self.sync(None, false);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    if now >= next_root_check {
                        next_root_check = now + self.opts.missing_roots_every;
                        if self.watch_new_roots() {
                            self.sync(None, false);
                        }
                    }
                    if now >= next_rescan {
                        next_rescan = now + self.opts.rescan_every;
                        self.sync(None, false);
                    }
                }
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

    /// Watches roots that exist now and were not watched yet; true when one was added.
    fn watch_new_roots(&mut self) -> bool {
        let mut added = false;
        for root in self.roots() {
            if self.watched.contains(&root) || !root.is_dir() {
                continue;
            }
            match self.debouncer.watch(&root, RecursiveMode::Recursive) {
                Ok(()) => {
                    tracing::debug!(root = %root.display(), "watching");
                    self.watched.push(root);
                    added = true;
                }
                Err(e) => tracing::warn!(root = %root.display(), "cannot watch: {e}"),
            }
        }
        added
    }

    fn is_owned_file(&self, path: &Path) -> bool {
        let paths = self.engine.paths();
        path.is_file() && self.engine.providers().iter().any(|p| p.owns(paths, path))
    }

    fn sync(&mut self, changed: Option<&[PathBuf]>, always_report: bool) {
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

    use super::is_content_change;

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
