//! The live loop: one engine on the engine's watch thread keeps the index current; after each
//! sync the state gets the new rollup, the tray its new text, and an open popover one
//! `usage:updated` event. Nothing runs between log changes but the watcher's own wait and one
//! timer that fires at local midnight (the tray title is "today").

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use burnbar_engine::budget::BudgetSpend;
use burnbar_engine::clock::local_time_zone;
use burnbar_engine::watch::{self, WatchEvent, WatchOptions};
use burnbar_engine::{Engine, Paths, Pricer, Settings};
use chrono_tz::Tz;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::events::{POPOVER, STATUS_CHANGED, USAGE_UPDATED};
use crate::state::{AppState, ManagerExt};

/// Starts (or restarts) the engine and its watch loop.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let paths = Paths::from_env();
    let settings = app.state::<AppState>().settings();
    let tz = local_time_zone(paths.tz.as_deref());
    let engine = match open_engine(&paths, &settings) {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!("{e}");
            app.state::<AppState>().set_failed(e.to_string());
            publish(app);
            return;
        }
    };
    start_team(app, &paths, &settings, tz);
    let mut opts = WatchOptions::new(tz);
    opts.progress = Some(progress_reporter(app.clone()));
    let handle = app.clone();
    let mut before = BudgetSpend::new();
    let mut tips = TipsCache::default();
    let started = watch::spawn(engine, opts, move |engine, event| {
        let state = handle.state::<AppState>();
        match event {
            WatchEvent::Synced(report) => match engine.snapshot_data(tz, report).inspect(|_| {
                state.team_synced(report);
            }) {
                Ok(mut data) => {
                    data.tips = tips.get(engine, tz, &state.settings().providers, state.now());
                    if state.settings().limits.live {
                        // opt-in; throttled per account in the engine
                        if let Err(e) =
                            engine.refresh_live(state.now(), burnbar_engine::limits::live::TIMEOUT)
                        {
                            tracing::warn!("live usage figures: {e}");
                        }
                    }
                    data.limits = match engine.limits(state.now()) {
                        Ok(l) => Some(l),
                        Err(e) => {
                            tracing::warn!("limits: {e}");
                            None
                        }
                    };
                    state.set_data(data);
                    state.wake_clock();
                    publish(&handle);
                    check_alerts(&handle, engine, tz, &mut before);
                    return;
                }
                Err(e) => state.set_failed(e.to_string()),
            },
            WatchEvent::Failed(e) => state.set_failed(e.to_string()),
        }
        publish(&handle);
    });
    match started {
        Ok(h) => app.burnbar().set_watch(h),
        Err(e) => {
            app.state::<AppState>().set_failed(e.to_string());
            publish(app);
        }
    }
}

/// The Tips card, recomputed at most every [`TipsCache::EVERY`]: `optimize` reads a month of
/// calls and the tools' configuration, too much to repeat after every burst of writes.
#[derive(Default)]
struct TipsCache {
    at: Option<Instant>,
    tips: Option<burnbar_engine::optimize::Tips>,
}

impl TipsCache {
    const EVERY: Duration = Duration::from_secs(15 * 60);

    fn get(
        &mut self,
        engine: &Engine,
        tz: Tz,
        providers: &[burnbar_engine::ProviderId],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<burnbar_engine::optimize::Tips> {
        if self.at.is_none_or(|t| t.elapsed() >= Self::EVERY) {
            match engine.tips(tz, providers, now) {
                Ok(t) => self.tips = Some(t),
                Err(e) => tracing::warn!("tips: {e}"),
            }
            self.at = Some(Instant::now());
        }
        self.tips.clone()
    }
}

/// Notifies the alerts the engine finds due after a sync ([`Engine::due_alerts`]: each
/// claimed in the index first, so it is shown once, ever).
fn check_alerts<R: Runtime>(app: &AppHandle<R>, engine: &Engine, tz: Tz, before: &mut BudgetSpend) {
    let state = app.burnbar();
    let settings = state.settings();
    let Some(data) = state.data() else {
        return;
    };
    let due = match engine.due_alerts(&settings, &data.slices, before, state.now(), tz) {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!("alerts: {e}");
            return;
        }
    };
    for c in &due.budgets {
        if let Some(b) = settings.budgets.iter().find(|b| b.id() == c.budget_id) {
            let (summary, body) = crate::alerts::budget_text(c, b, &data.display);
            crate::alerts::notify(app, &summary, &body);
        }
    }
    for a in &due.runaways {
        let (summary, body) = crate::alerts::runaway_text(a, &settings.runaway, &data.display);
        crate::alerts::notify(app, &summary, &body);
    }
    let now = state.now();
    let Some(limits) = data.limits.as_ref().map(|l| l.as_of(now)) else {
        return;
    };
    match engine.due_limit_alerts(&limits, &settings.limits, now) {
        Ok(due) => {
            for a in &due {
                let (summary, body) = crate::alerts::limit_text(a, now, tz);
                crate::alerts::notify(app, &summary, &body);
            }
        }
        Err(e) => tracing::warn!("limit alerts: {e}"),
    }
}

/// Watches the settings file: an edit by the CLI (`burnbar budget set ...`) or by hand applies
/// without a restart. A file that does not parse is logged and the old settings stay.
pub fn watch_settings<R: Runtime>(app: &AppHandle<R>) {
    use notify::Watcher;
    let state = app.state::<AppState>();
    let file = state.settings_path.clone();
    let Some(dir) = file.parent().map(std::path::Path::to_path_buf) else {
        return;
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::warn!("cannot watch {}: {e}", dir.display());
        return;
    }
    let handle = app.clone();
    let target = file.clone();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        if !event.paths.iter().any(|p| p == &target) || event.kind.is_access() {
            return;
        }
        let state = handle.state::<AppState>();
        match Settings::load(&target) {
            Ok(new) if new != state.settings() => {
                tracing::info!("settings changed on disk; applying");
                let old = state.settings();
                state.set_settings(new.clone());
                settings_changed(&handle, &old, &new);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("{e}; keeping the current settings"),
        }
    });
    match watcher {
        Ok(mut w) => match w.watch(&dir, notify::RecursiveMode::NonRecursive) {
            Ok(()) => app.burnbar().set_settings_watcher(w),
            Err(e) => tracing::warn!("cannot watch {}: {e}", dir.display()),
        },
        Err(e) => tracing::warn!("cannot watch the settings: {e}"),
    }
}

/// The engine over the on-disk index; if the index cannot be opened, a temporary in-memory one
/// (the tray still shows the numbers, the popover says why, and the watch loop goes back to
/// the on-disk index as soon as it opens).
fn open_engine(paths: &Paths, settings: &Settings) -> burnbar_engine::Result<Engine> {
    let pinned = paths
        .prices_file
        .clone()
        .or_else(|| settings.prices.clone());
    let pricer = || -> burnbar_engine::Result<Pricer> {
        Ok(match &pinned {
            Some(file) => Pricer::pinned(file)?,
            None => Pricer::cached_or_embedded(&paths.cache),
        })
    };
    Engine::open_or_fallback(paths.clone(), pricer()?)
}

/// Progress of a long first scan, at most ~7 updates a second.
fn progress_reporter<R: Runtime>(app: AppHandle<R>) -> watch::ProgressFn {
    let last: Mutex<Option<Instant>> = Mutex::new(None);
    Arc::new(move |p| {
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let done = p.files_done == p.files_total;
        if !done && last.is_some_and(|t| t.elapsed() < Duration::from_millis(150)) {
            return;
        }
        *last = Some(Instant::now());
        let state = app.state::<AppState>();
        if let Some(status) = state.set_progress(p) {
            crate::tray::update(&app, &state);
            let _ = app.emit_to(POPOVER, STATUS_CHANGED, status);
        }
    })
}

/// Pushes the state to the tray and, if the popover exists, to the popover.
pub fn publish<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    crate::tray::update(app, &state);
    if crate::popover::is_open(app) {
        match state.snapshot() {
            Ok(s) => {
                let _ = app.emit_to(POPOVER, USAGE_UPDATED, s);
            }
            Err(_) => {
                let _ = app.emit_to(POPOVER, STATUS_CHANGED, state.status());
            }
        }
    }
}

/// (Re)starts the team metrics the settings turn on (`[export.serve]`, `[export.push]`).
fn start_team<R: Runtime>(app: &AppHandle<R>, paths: &Paths, settings: &Settings, tz: Tz) {
    app.burnbar().set_team(None); // the old server lets go of its port first
    let team = crate::team::start(
        &settings.export,
        settings,
        || open_engine(paths, settings),
        tz,
    );
    app.burnbar().set_team(team);
}

/// Applies saved settings: a new price file restarts the engine; the rest is display.
pub fn settings_changed<R: Runtime>(app: &AppHandle<R>, before: &Settings, after: &Settings) {
    if before.launch_at_login != after.launch_at_login {
        crate::autostart::set(app, after.launch_at_login);
    }
    if before.export != after.export && before.prices == after.prices && app.burnbar().is_live() {
        let paths = Paths::from_env();
        start_team(app, &paths, after, local_time_zone(paths.tz.as_deref()));
        app.burnbar().rescan(); // the sync after it feeds the new figures
    }
    if before.prices != after.prices && app.burnbar().is_live() {
        start(app);
    } else {
        publish(app);
        if before.budgets != after.budgets || before.runaway != after.runaway {
            app.burnbar().rescan(); // the sync after it checks the new budgets
        }
    }
}

/// Re-publishes just after each local midnight so "today" moves on without a log change, and
/// when a usage window resets (a sync then, for the window's own reset notification). The
/// thread sleeps until the earlier of the two; new data wakes it to look again.
pub fn start_clock<R: Runtime>(app: &AppHandle<R>) {
    let tz = local_time_zone(Paths::from_env().tz.as_deref());
    let handle = app.clone();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    app.burnbar().set_clock(tx);
    let spawned = std::thread::Builder::new()
        .name("burnbar-clock".into())
        .spawn(move || {
            loop {
                let state = handle.state::<AppState>();
                let now = state.now();
                let reset = state
                    .limits()
                    .and_then(|l| l.next_reset(now))
                    .and_then(|r| (r - now).to_std().ok())
                    .map(|d| d + Duration::from_secs(1));
                let midnight = until_next_midnight(tz);
                let wait = reset.map_or(midnight, |r| r.min(midnight));
                match rx.recv_timeout(wait) {
                    Ok(()) => {} // new data: look again
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if reset.is_some_and(|r| r <= midnight) {
                            state.rescan();
                        }
                        publish(&handle);
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("no clock: {e}");
    }
}

fn until_next_midnight(tz: Tz) -> Duration {
    use burnbar_engine::Clock;
    let now = burnbar_engine::SystemClock.now();
    let local = now.with_timezone(&tz);
    let next_day = local.date_naive().succ_opt().unwrap_or(local.date_naive());
    let next = next_day
        .and_hms_opt(0, 0, 1)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map_or(Duration::from_secs(3600), |t| {
            (t.to_utc() - now)
                .to_std()
                .unwrap_or(Duration::from_secs(60))
        });
    next.max(Duration::from_secs(1))
}
