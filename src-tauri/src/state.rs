//! The app's state: the latest data, the popover's view, the scan status and the settings.
//!
//! Plain data behind one mutex, never held across a call into the engine or Tauri. The engine
//! itself lives on the watch thread; what the popover asks for is answered from the
//! [`SnapshotData`] kept here (an in-memory rollup), so a period switch never waits for a scan.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use burnbar_engine::ingest::Progress;
use burnbar_engine::providers::SourceInfo;
use burnbar_engine::snapshot::{Display, Today};
use burnbar_engine::watch::WatchHandle;
use burnbar_engine::{Clock, Settings, Snapshot, SnapshotData, View};
use serde::Serialize;
use tauri::{Manager, Runtime, State};

use crate::error::CommandError;

/// Where the index stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
pub enum Status {
    /// The first scan is running.
    #[serde(rename_all = "camelCase")]
    Scanning {
        /// Files read so far.
        files_done: usize,
        /// Files to read.
        files_total: usize,
    },
    /// Data is current.
    Ready,
    /// The last sync failed; `message` says why (older data may still be shown).
    Failed {
        /// What failed.
        message: String,
    },
}

struct Inner {
    view: View,
    /// The data as synced.
    raw: Option<Arc<SnapshotData>>,
    /// `raw` with the settings applied (what is shown).
    data: Option<Arc<SnapshotData>>,
    status: Status,
    settings: Settings,
    /// The sources of the last full scan (watch batches do not list them).
    sources: Vec<SourceInfo>,
}

/// Managed by Tauri; shared with the watch thread.
pub struct AppState {
    inner: Mutex<Inner>,
    clock: Box<dyn Clock>,
    /// The settings file.
    pub settings_path: PathBuf,
    /// The running watch loop (replacing or dropping it stops the old loop).
    watch: Mutex<Option<WatchHandle>>,
    /// The watcher of the settings file, kept alive here.
    settings_watcher: Mutex<Option<notify::RecommendedWatcher>>,
    /// The live loop runs in this app (off in IPC tests on the mock runtime).
    live: AtomicBool,
    /// Wakes the clock thread to look at new data ([`crate::live::start_clock`]).
    clock_wake: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    /// Team metrics served or pushed from the tray, when the settings turn them on.
    team: Mutex<Option<crate::team::Team>>,
}

/// `app.burnbar()`: the app's state from any Tauri manager (an `App`, `AppHandle` or window),
/// in the style of Tauri plugins' extension traits.
pub trait ManagerExt<R: Runtime> {
    /// The managed [`AppState`].
    fn burnbar(&self) -> State<'_, AppState>;
}

impl<R: Runtime, M: Manager<R>> ManagerExt<R> for M {
    fn burnbar(&self) -> State<'_, AppState> {
        self.state::<AppState>()
    }
}

impl AppState {
    /// A state with no data yet (scanning).
    pub fn new(settings: Settings, settings_path: PathBuf, clock: Box<dyn Clock>) -> AppState {
        AppState {
            inner: Mutex::new(Inner {
                view: View::default(),
                raw: None,
                data: None,
                status: Status::Scanning {
                    files_done: 0,
                    files_total: 0,
                },
                settings,
                sources: Vec::new(),
            }),
            clock,
            settings_path,
            watch: Mutex::new(None),
            settings_watcher: Mutex::new(None),
            live: AtomicBool::new(false),
            clock_wake: Mutex::new(None),
            team: Mutex::new(None),
        }
    }

    /// Marks the live loop as running in this app (a changed price file then restarts it).
    pub fn set_live(&self) {
        self.live.store(true, Ordering::Relaxed);
    }

    /// True when the live loop runs in this app.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Relaxed)
    }

    /// Keeps the team metrics that run (the ones they replace stop here).
    pub fn set_team(&self, team: Option<crate::team::Team>) {
        let old = std::mem::replace(
            &mut *self
                .team
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            team,
        );
        drop(old);
    }

    /// Tells the team metrics the index changed.
    pub fn team_synced(&self, report: &burnbar_engine::ingest::SyncReport) {
        if let Some(team) = self
            .team
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            team.synced(report);
        }
    }

    /// Keeps the running watch loop; the one it replaces stops here, before the new one writes.
    pub fn set_watch(&self, handle: WatchHandle) {
        *self
            .watch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(handle);
    }

    /// Keeps the clock thread's wake-up line.
    pub fn set_clock(&self, wake: std::sync::mpsc::Sender<()>) {
        *self
            .clock_wake
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(wake);
    }

    /// Tells the clock thread the data changed (a window may reset sooner).
    pub fn wake_clock(&self) {
        if let Some(tx) = self
            .clock_wake
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            let _ = tx.send(());
        }
    }

    /// Keeps the settings file's watcher alive.
    pub fn set_settings_watcher(&self, watcher: notify::RecommendedWatcher) {
        *self
            .settings_watcher
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(watcher);
    }

    /// A full rescan now (the Refresh item and button); nothing when no loop runs.
    pub fn rescan(&self) {
        if let Some(h) = self
            .watch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            h.rescan();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // a panic elsewhere must not take the tray down with it: the data is plain values
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Installs the data of a finished sync; the status becomes ready.
    pub fn set_data(&self, mut data: SnapshotData) {
        let mut g = self.lock();
        if data.ctx.sources.is_empty() {
            data.ctx.sources.clone_from(&g.sources);
        } else {
            g.sources.clone_from(&data.ctx.sources);
        }
        let raw = Arc::new(data);
        g.data = Some(applied(&raw, &g.settings));
        g.raw = Some(raw);
        g.status = Status::Ready;
    }

    /// Records scan progress (only while no data is shown yet).
    pub fn set_progress(&self, p: &Progress) -> Option<Status> {
        let mut g = self.lock();
        if g.data.is_some() {
            return None;
        }
        g.status = Status::Scanning {
            files_done: p.files_done,
            files_total: p.files_total,
        };
        Some(g.status.clone())
    }

    /// Records a failed sync.
    pub fn set_failed(&self, message: String) {
        self.lock().status = Status::Failed { message };
    }

    /// The scan status.
    pub fn status(&self) -> Status {
        self.lock().status.clone()
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.lock().settings.clone()
    }

    /// Replaces the settings (after they were saved) and re-applies their display part.
    pub fn set_settings(&self, settings: Settings) {
        let mut g = self.lock();
        g.data = g.raw.as_ref().map(|raw| applied(raw, &settings));
        g.settings = settings;
    }

    /// Sets the view; `None` keeps the current one.
    pub fn set_view(&self, view: Option<View>) -> View {
        let mut g = self.lock();
        if let Some(v) = view {
            g.view = v;
        }
        g.view
    }

    /// The snapshot for the current view, built in memory.
    pub fn snapshot(&self) -> Result<Snapshot, CommandError> {
        let (data, view, status) = {
            let g = self.lock();
            (g.data.clone(), g.view, g.status.clone())
        };
        match (data, status) {
            (Some(data), _) => Ok(data.snapshot(view, self.clock.now())),
            (None, Status::Failed { message }) => Err(CommandError {
                code: crate::error::ErrorCode::SyncFailed,
                message,
            }),
            (
                None,
                Status::Scanning {
                    files_done,
                    files_total,
                },
            ) => Err(CommandError::scanning(format!(
                "reading your logs: {files_done} of {files_total} files"
            ))),
            (None, Status::Ready) => Err(CommandError::scanning("reading your logs")),
        }
    }

    /// The state's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The data shown (settings applied), if any.
    pub fn data(&self) -> Option<Arc<SnapshotData>> {
        self.lock().data.clone()
    }

    /// The usage windows as of now, if computed.
    pub fn limits(&self) -> Option<burnbar_engine::limits::Limits> {
        let data = self.lock().data.clone()?;
        data.limits.as_ref().map(|l| l.as_of(self.clock.now()))
    }

    /// The zone days are counted in (UTC before there is data).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.lock()
            .data
            .as_ref()
            .map_or(chrono_tz::Tz::UTC, |d| d.tz)
    }

    /// Today over every provider and how money is shown (the tray text), if there is data.
    pub fn today(&self) -> Option<(Today, Display)> {
        let data = self.lock().data.clone()?;
        Some((data.today(self.clock.now()), data.display.clone()))
    }
}

/// The settings' effect on what is shown: the currency, and which tools count.
fn applied(raw: &Arc<SnapshotData>, settings: &Settings) -> Arc<SnapshotData> {
    let display = Display {
        currency: settings.currency.clone(),
        usd_rate: settings.usd_rate,
    };
    if settings.providers.is_empty() && raw.display == display && raw.budgets == settings.budgets {
        return Arc::clone(raw);
    }
    let mut data = SnapshotData::clone(raw);
    data.display = display;
    data.budgets.clone_from(&settings.budgets);
    data.slices.retain(|s| settings.reads(s.provider));
    Arc::new(data)
}
