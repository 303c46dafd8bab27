//! The engine: owns the providers, the pricer and the index, and answers queries.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::aggregate::{Filter, Slice};
use crate::budget::{self, BudgetSpend, Crossing, RunawayAlert, SessionSpend};
use crate::error::{Error, IndexFallback, Result};
use crate::export::{self, ExportRow};
use crate::ingest::{self, Progress, SyncOptions, SyncReport};
use crate::model::ProviderId;
use crate::paths::Paths;
use crate::pricing::Pricer;
use crate::providers::{self, Provider};
use crate::report::{Diagnostics, Report, ReportContext, SkippedCount};
use crate::settings::Settings;
use crate::snapshot::SnapshotData;
use crate::store::{self, Store};
use crate::time::{DayRange, Span};

/// The engine.
pub struct Engine {
    paths: Paths,
    pricer: Pricer,
    providers: Vec<Box<dyn Provider>>,
    store: Store,
    /// The on-disk index this engine works on (`None`: a private in-memory engine).
    index: Option<PathBuf>,
    /// Set while the on-disk index has failed and a temporary in-memory one stands in.
    fallback: Option<IndexFallback>,
    probe_projects: bool,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Engine {
    /// An engine over every shipped provider with the on-disk index
    /// (`<data>/burnbar/usage.sqlite`).
    pub fn open(paths: Paths, pricer: Pricer) -> Result<Engine> {
        let path = paths.data.join(store::FILE_NAME);
        let store = Store::open(&path)?;
        Ok(Engine::with_store(paths, pricer, store, Some(path)))
    }

    /// [`Engine::open`], or, when the on-disk index cannot be opened, an engine on a temporary
    /// in-memory index that says why ([`Engine::fallback`]). Later failures of the on-disk
    /// index fall back the same way ([`Engine::sync_with`]); [`Engine::restore_index`] goes
    /// back to it.
    pub fn open_or_fallback(paths: Paths, pricer: Pricer) -> Result<Engine> {
        let path = paths.data.join(store::FILE_NAME);
        match Store::open(&path) {
            Ok(store) => Ok(Engine::with_store(paths, pricer, store, Some(path))),
            Err(e) => {
                let fallback = IndexFallback::new(&path, &e);
                tracing::warn!("{fallback}");
                let mut engine =
                    Engine::with_store(paths, pricer, Store::open_in_memory()?, Some(path));
                engine.fallback = Some(fallback);
                Ok(engine)
            }
        }
    }

    /// An engine with a private in-memory index (tests, one-off runs).
    pub fn in_memory(paths: Paths, pricer: Pricer) -> Result<Engine> {
        Ok(Engine::with_store(
            paths,
            pricer,
            Store::open_in_memory()?,
            None,
        ))
    }

    fn with_store(paths: Paths, pricer: Pricer, store: Store, index: Option<PathBuf>) -> Engine {
        Engine {
            paths,
            pricer,
            providers: providers::all(),
            store,
            index,
            fallback: None,
            probe_projects: true,
            clock: std::sync::Arc::new(crate::clock::SystemClock),
        }
    }

    /// The clock a sync judges timestamps by: a call dated more than a day after "now" is
    /// implausible (skipped and counted). The system clock unless set; set it in tests only,
    /// since what the index keeps must not depend on a pretended "now".
    #[must_use]
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn crate::clock::Clock>) -> Engine {
        self.clock = clock;
        self
    }

    /// Whether project canonicalisation may look for `.git` worktree links on this machine
    /// (on by default; off makes results independent of the local file system).
    #[must_use]
    pub fn with_project_probing(mut self, on: bool) -> Engine {
        self.probe_projects = on;
        self
    }

    /// Whether project canonicalisation may probe the file system.
    pub fn probes_projects(&self) -> bool {
        self.probe_projects
    }

    /// The paths in use.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The pricer in use.
    pub fn pricer(&self) -> &Pricer {
        &self.pricer
    }

    /// The providers.
    pub fn providers(&self) -> &[Box<dyn Provider>] {
        &self.providers
    }

    /// Brings the index up to date with every provider's logs (or those in `only`), with days
    /// bucketed in `tz`.
    pub fn sync(&mut self, tz: Tz, only: Option<&[ProviderId]>) -> Result<SyncReport> {
        self.sync_with(&SyncOptions {
            only,
            changed: None,
            tz,
            probe_projects: self.probe_projects,
            progress: None,
        })
    }

    /// [`Engine::sync`] of every provider, reporting progress after each file.
    pub fn sync_with_progress(
        &mut self,
        tz: Tz,
        progress: &(dyn Fn(&Progress) + Sync),
    ) -> Result<SyncReport> {
        self.sync_with(&SyncOptions {
            only: None,
            changed: None,
            tz,
            probe_projects: self.probe_projects,
            progress: Some(progress),
        })
    }

    /// Reads just `changed` files (a file-watch batch).
    pub fn sync_paths(&mut self, tz: Tz, changed: &[PathBuf]) -> Result<SyncReport> {
        self.sync_with(&SyncOptions {
            only: None,
            changed: Some(changed),
            tz,
            probe_projects: self.probe_projects,
            progress: None,
        })
    }

    /// Syncs with explicit options.
    ///
    /// When the on-disk index fails (locked by another process beyond the busy timeout, a
    /// full disk, a damaged page, a schema that is not ours), the engine falls back to a
    /// temporary in-memory index ([`Engine::fallback`] says why) and syncs that instead: the
    /// numbers stay complete, minus history only the index kept.
    pub fn sync_with(&mut self, opts: &SyncOptions<'_>) -> Result<SyncReport> {
        match self.sync_once(opts) {
            Err(e) if self.can_fall_back(&e) => {
                self.fall_back(&e)?;
                self.sync_once(opts)
            }
            other => other,
        }
    }

    fn sync_once(&mut self, opts: &SyncOptions<'_>) -> Result<SyncReport> {
        let plausible = ingest::Plausible::until(self.clock.now());
        ingest::sync(
            &mut self.store,
            &self.providers,
            &self.paths,
            &self.pricer,
            opts,
            plausible,
        )
    }

    /// Why the engine works from a temporary in-memory index, if it does.
    pub fn fallback(&self) -> Option<&IndexFallback> {
        self.fallback.as_ref()
    }

    /// True when `error` is the on-disk index failing and there is an in-memory index to fall
    /// back to.
    pub fn can_fall_back(&self, error: &Error) -> bool {
        self.index.is_some() && self.fallback.is_none() && error.is_index_failure()
    }

    /// Leaves the on-disk index for a temporary in-memory one after `error` (a no-op on an
    /// engine that has no on-disk index or has fallen back already). The next sync reads
    /// every log into it.
    pub fn fall_back(&mut self, error: &Error) -> Result<()> {
        let Some(path) = self.index.as_ref().filter(|_| self.fallback.is_none()) else {
            return Ok(());
        };
        let fallback = IndexFallback::new(path, error);
        tracing::warn!("{fallback}");
        // give back what a failed write left in the WAL (on a full disk it is what fills it);
        // best effort: the index may be past saving. Not when another process holds the
        // lock: the checkpoint would wait for it too.
        if !error.is_index_busy() {
            let _ = self
                .store
                .conn()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        self.store = Store::open_in_memory()?;
        self.fallback = Some(fallback);
        Ok(())
    }

    /// Goes back to the on-disk index after a fallback, if it opens again; true if it did
    /// (sync next: the on-disk index has not seen what changed meanwhile). A long-running
    /// process calls this before its syncs, so it never lives on the fallback for good.
    pub fn restore_index(&mut self) -> bool {
        let (Some(path), Some(_)) = (&self.index, &self.fallback) else {
            return false;
        };
        match Store::open(path) {
            Ok(store) => {
                tracing::info!(index = %path.display(), "the index works again");
                self.store = store;
                self.fallback = None;
                true
            }
            Err(e) => {
                tracing::debug!(index = %path.display(), "the index still fails: {e}");
                false
            }
        }
    }

    /// The index's rollup for `range`, with days in `tz`. The index buckets days in the zone
    /// of its last sync; asking for another zone is an error (sync with it first), never a
    /// silently shifted answer.
    pub fn slices(&self, range: DayRange, tz: Tz) -> Result<Vec<Slice>> {
        let zone = Store::meta(self.store.conn(), "day_zone")?;
        if zone.as_deref().is_some_and(|z| z != tz.name()) {
            return Err(Error::ZoneMismatch {
                index: zone.unwrap_or_default(),
                asked: tz.name().to_string(),
            });
        }
        let (from, to) = range.day_numbers();
        Ok(store::query_slices(self.store.conn(), from, to)?)
    }

    /// Everything the tray needs to answer any view in memory: every slice on record, with
    /// days in `tz` (sync with `tz` first), and the report context of the sync `last`.
    pub fn snapshot_data(&self, tz: Tz, last: &SyncReport) -> Result<SnapshotData> {
        Ok(SnapshotData {
            slices: self.slices(DayRange::default(), tz)?,
            ctx: self.report_context(last)?,
            tz,
            display: crate::snapshot::Display::default(),
            budgets: Vec::new(),
            tips: None,
            limits: None,
        })
    }

    fn report_context(&self, last: &SyncReport) -> Result<ReportContext> {
        let conn = self.store.conn();
        let skipped = store::skipped_summary(conn)?
            .into_iter()
            .map(|(provider, kind, count, files)| SkippedCount {
                provider,
                kind,
                count,
                files,
            })
            .collect();
        Ok(ReportContext {
            sources: last.sources.clone(),
            diagnostics: Diagnostics {
                skipped,
                errors: last.errors.clone(),
                index_fallback: self.fallback.clone(),
            },
            prices: self.pricer.source().clone(),
            index_only_calls: store::index_only_calls(conn)?,
        })
    }

    /// The report for `filter` from the index. `last` is the sync that preceded it (for the
    /// sources it searched and the files it could not read). Sync with `filter.tz` first.
    pub fn report(
        &self,
        filter: &Filter,
        span: Span,
        now: DateTime<Utc>,
        last: &SyncReport,
    ) -> Result<Report> {
        let slices = self.slices(filter.range, filter.tz)?;
        let mut report = Report::build(&slices, filter, span, now, self.report_context(last)?);
        report.tools =
            crate::report::ToolBreakdown::build(&self.tool_slices(filter.range)?, filter);
        Ok(report)
    }

    /// Today's figures (the day of `now` in `filter.tz`) for the tools and projects `filter`
    /// keeps, from the index (sync with `filter.tz` first).
    pub fn today(&self, filter: &Filter, now: DateTime<Utc>) -> Result<crate::snapshot::Today> {
        let date = now.with_timezone(&filter.tz).date_naive();
        let range = DayRange {
            from: Some(date),
            to: Some(date),
        };
        Ok(crate::snapshot::Today::of(
            &self.slices(range, filter.tz)?,
            filter,
            date,
        ))
    }

    /// Compares models over `filter` (sync with `filter.tz` first): `asked` names them (an id
    /// or a word several ids contain); with none, the `top` models by cost.
    pub fn compare(
        &self,
        filter: &Filter,
        span: Span,
        asked: &[String],
        top: usize,
    ) -> Result<crate::compare::Comparison> {
        let slices = self.slices(filter.range, filter.tz)?;
        crate::compare::compare(&slices, filter, span, asked, top)
    }

    /// What to change, from the calls and slices `filter` keeps and the tools'
    /// configuration (read-only; sync with `filter.tz` first).
    pub fn optimize(
        &self,
        filter: &Filter,
        span: Span,
        now: DateTime<Utc>,
    ) -> Result<crate::optimize::Optimization> {
        let mut o = self.optimize_only(filter, span, now)?;
        o.applied_fixes = self.measure_applied(filter, now)?;
        Ok(o)
    }

    /// How each fix applied with `--apply` (and not undone) did: its finding's tokens per day
    /// then, and over the whole days since (3 days at least, else too early to say).
    fn measure_applied(
        &self,
        filter: &Filter,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::optimize::apply::Measured>> {
        use crate::optimize::apply;
        let today = now.with_timezone(&filter.tz).date_naive();
        let mut out = Vec::new();
        for e in apply::journal(&self.paths)
            .into_iter()
            .filter(|e| e.undone_ms.is_none())
        {
            let Some(at) = DateTime::from_timestamp_millis(e.applied_ms) else {
                continue;
            };
            let day = at.with_timezone(&filter.tz).date_naive();
            let days = (today - day).num_days();
            let since = if days < 3 {
                None
            } else {
                let span = Span::custom(day.succ_opt(), Some(today))?;
                let f = Filter {
                    range: span.range,
                    ..filter.clone()
                };
                let o = self.optimize_only(&f, span, now)?;
                let tokens = o
                    .findings
                    .iter()
                    .find(|x| x.id == e.id)
                    .map_or(0, |x| x.tokens_saved);
                #[allow(clippy::cast_precision_loss)]
                Some(tokens as f64 / days as f64)
            };
            out.push(apply::Measured {
                status: apply::status(e.tokens_per_day, since),
                id: e.id,
                path: e.path,
                applied: at.to_rfc3339(),
                tokens_per_day_before: e.tokens_per_day,
                tokens_per_day_since: since,
            });
        }
        Ok(out)
    }

    fn optimize_only(
        &self,
        filter: &Filter,
        span: Span,
        now: DateTime<Utc>,
    ) -> Result<crate::optimize::Optimization> {
        let slices = self.slices(filter.range, filter.tz)?;
        let (from, to) = filter.range.day_numbers();
        let calls = store::calls_in_days(self.store.conn(), from, to)?;
        let prompts = store::prompts_in_days(self.store.conn(), from, to)?;
        let mcp_tools = store::mcp_tools_in_days(self.store.conn(), from, to)?;
        let logged = crate::optimize::Logged {
            calls,
            prompts,
            mcp_tools,
            slices,
        };
        let input = crate::optimize::input(
            logged,
            filter,
            &self.pricer,
            &self.paths,
            now.timestamp_millis(),
        );
        Ok(crate::optimize::optimize(&input, span))
    }

    /// How much of the spend `filter` keeps shipped: each session's commits, read from its
    /// repository (read-only; sync with `filter.tz` first).
    pub fn yields(&self, filter: &Filter, span: Span) -> Result<crate::yields::Yield> {
        let (from, to) = filter.range.day_numbers();
        let calls =
            crate::optimize::keep_calls(store::calls_in_days(self.store.conn(), from, to)?, filter);
        Ok(crate::yields::build(&calls, span))
    }

    /// Claude Code's 5-hour blocks with calls on the days of `filter` (sync with `filter.tz`
    /// first), per config dir, oldest first, with the gaps between them.
    pub fn blocks(&self, filter: &Filter, now: DateTime<Utc>) -> Result<Vec<crate::blocks::Block>> {
        let (from, to) = filter.range.day_numbers();
        let calls =
            crate::optimize::keep_calls(store::calls_in_days(self.store.conn(), from, to)?, filter);
        // the config dir of each call: the Claude dir its owning log lies under
        let files: std::collections::HashMap<i64, std::path::PathBuf> =
            store::load_files(self.store.conn())?
                .into_iter()
                .map(|(path, f)| (f.id, std::path::PathBuf::from(path)))
                .collect();
        let dirs = &self.paths.claude_dirs;
        let dir_of = |c: &store::CallRow| {
            files
                .get(&c.owner.2)
                .and_then(|p| dirs.iter().find(|d| p.starts_with(d)))
                .or_else(|| dirs.first())
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        };
        Ok(crate::blocks::blocks(&calls, dir_of, now))
    }

    /// The team metrics as of `now` ([`crate::metrics`]): the all-time counters through the
    /// index's ledger (so they never go down), today's cost and the budgets' use in `tz`
    /// (sync with it first). `synced` is the caller's own last sync, if it keeps one.
    pub fn metrics(
        &self,
        settings: &Settings,
        tz: Tz,
        now: DateTime<Utc>,
        synced: Option<DateTime<Utc>>,
    ) -> Result<crate::metrics::Metrics> {
        use crate::metrics::{self, LedgerRow, Metric};
        let prefs = &settings.export;
        let conn = self.store.conn();
        let sums = store::metric_sums(conn)?;
        let true_cost: u64 = sums
            .iter()
            .map(|s| u64::try_from(s.cost.micros()).unwrap_or(0))
            .sum();
        let mut series = metrics::label(&sums, prefs.project_labels, prefs.top_projects).series();
        let mut rows: Vec<LedgerRow> = series
            .iter()
            .map(|(_, s, key)| LedgerRow {
                series: key.clone(),
                seen: s.value,
                shown: s.value,
            })
            .collect();
        store::pass_through_ledger(conn, &mut rows, metrics::advance)?;
        let (mut cost, mut tokens, mut calls) = (Vec::new(), Vec::new(), Vec::new());
        let (mut edit_turns, mut one_shot_turns) = (Vec::new(), Vec::new());
        for ((metric, mut s, _), row) in series.drain(..).zip(rows) {
            s.value = row.shown;
            match metric {
                Metric::Cost if s.value == 0 => {}
                Metric::Cost => cost.push(s),
                Metric::Tokens => tokens.push(s),
                Metric::Calls => calls.push(s),
                Metric::EditTurns => edit_turns.push(s),
                Metric::OneShotTurns => one_shot_turns.push(s),
            }
        }
        let shown_cost: u64 = cost.iter().map(|s| s.value).sum();
        let today = now.with_timezone(&tz).date_naive();
        let from = metrics::budgets_from(&settings.budgets, today);
        let recent = self.slices(
            DayRange {
                from: Some(from),
                to: Some(today),
            },
            tz,
        )?;
        let today_cost = recent
            .iter()
            .filter(|s| s.day == today)
            .map(|s| s.totals.cost)
            .sum();
        Ok(metrics::Metrics {
            cost,
            tokens,
            calls,
            edit_turns,
            one_shot_turns,
            today_cost,
            budgets: metrics::budget_ratios(&settings.budgets, &recent, today, tz),
            last_sync_ms: metrics::last_sync(self.last_full_sync_ms()?, synced),
            held_back: crate::Usd(i64::try_from(shown_cost.saturating_sub(true_cost)).unwrap_or(0)),
            identity: metrics::Identity::resolve(prefs, &self.paths),
        })
    }

    /// A number that changes whenever another connection (another engine, process or the
    /// watch loop's engine) commits to the index: `PRAGMA data_version`. Cheap; for caches of
    /// answers computed from the index.
    pub fn index_version(&self) -> Result<i64> {
        Ok(self
            .store
            .conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// When every log was last read (a full sync), UTC ms, if ever.
    pub fn last_full_sync_ms(&self) -> Result<Option<i64>> {
        Ok(
            Store::meta(self.store.conn(), crate::ingest::LAST_FULL_SYNC)?
                .and_then(|v| v.parse().ok()),
        )
    }

    /// One session's cost and how many of its calls have no known price (the status line).
    pub fn session_cost(&self, provider: ProviderId, session: &str) -> Result<(crate::Usd, u64)> {
        Ok(store::session_cost(self.store.conn(), provider, session)?)
    }

    /// The usage windows as of `now` ([`crate::limits`]): Codex's latest snapshots, Claude
    /// Code's windows per config dir with calls in the last week or a recent limit notice,
    /// the fresh live answers over them, and the notices of the last week.
    pub fn limits(&self, now: DateTime<Utc>) -> Result<crate::limits::Limits> {
        use crate::limits::{self, CALIBRATION_DAYS, WEEK};
        let conn = self.store.conn();
        let snapshots = store::limits(conn)?;
        // a reading older than a week is of a tool no longer in use: every window of it reset
        let in_use = (now - WEEK).timestamp_millis();
        let mut windows: Vec<limits::Window> = snapshots
            .iter()
            .filter(|(_, m)| m.observed_ms >= in_use)
            .map(|(_, m)| limits::codex_window(m, now))
            .collect();
        let days = chrono::Duration::days(CALIBRATION_DAYS);
        let hits = store::limit_hits(conn, (now - days).timestamp_millis())?;
        windows.extend(self.claude_windows(&hits, now)?);
        let live = self.overlay_live(&mut windows, now)?;
        let week_ago = (now - WEEK).timestamp_millis();
        let mut recent: Vec<limits::Hit> = hits
            .iter()
            .filter(|(_, h)| h.at_ms >= week_ago)
            .map(|(p, h)| limits::hit(*p, h))
            .collect();
        recent.reverse();
        Ok(limits::Limits {
            windows,
            hits: recent,
            resets: limits::recent_resets(&snapshots, &hits, now),
            live,
        })
    }

    /// Claude Code's windows, per config dir in use (calls in the last week, or a notice).
    fn claude_windows(
        &self,
        hits: &[(ProviderId, providers::LimitHit)],
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::limits::Window>> {
        use crate::limits::{self, WEEK};
        let conn = self.store.conn();
        // the calls of the last week, and of the windows the notices calibrate with
        let since = hits
            .iter()
            .map(|(_, h)| h.at_ms - WEEK.num_milliseconds())
            .chain(std::iter::once(
                (now - WEEK - limits::FIVE_HOURS).timestamp_millis(),
            ))
            .min()
            .unwrap_or_default();
        let spends = store::spend_since(conn, ProviderId::ClaudeCode, since)?;
        // each call's config dir: the Claude dir its owning log lies under
        let dirs = &self.paths.claude_dirs;
        let mut files: std::collections::HashMap<i64, Option<usize>> =
            std::collections::HashMap::new();
        let mut by_dir: Vec<Vec<limits::Spend>> = vec![Vec::new(); dirs.len()];
        for (file, s) in spends {
            let dir = match files.get(&file) {
                Some(dir) => *dir,
                None => {
                    let dir = store::file_path(conn, file)?
                        .and_then(|path| dirs.iter().position(|d| path.starts_with(d)));
                    files.insert(file, dir);
                    dir
                }
            };
            if let Some(list) = dir.and_then(|i| by_dir.get_mut(i)) {
                list.push(s);
            }
        }
        let week_ago = (now - WEEK).timestamp_millis();
        let mut windows = Vec::new();
        for (dir, calls) in dirs.iter().zip(&mut by_dir) {
            let dir_hits: Vec<providers::LimitHit> = hits
                .iter()
                .filter(|(p, h)| {
                    *p == ProviderId::ClaudeCode && std::path::Path::new(&h.home) == dir
                })
                .map(|(_, h)| h.clone())
                .collect();
            if !calls.iter().any(|c| c.at_ms >= week_ago) && dir_hits.is_empty() {
                continue; // not in use
            }
            calls.sort_by_key(|c| c.at_ms);
            let account = dir.display().to_string();
            let block = crate::blocks::active(&account, calls, now);
            // a weekly reset a live answer named, however old: the week repeats from it
            let weekly_reset = store::live_usage(conn, ProviderId::ClaudeCode, &account)?
                .and_then(|(_, _, json)| serde_json::from_str::<limits::live::Answer>(&json).ok())
                .and_then(|a| {
                    a.windows
                        .iter()
                        .find(|w| w.kind == "weekly")
                        .and_then(|w| w.resets_at_ms)
                })
                .and_then(DateTime::from_timestamp_millis);
            windows.extend(limits::claude_windows(
                &account,
                calls,
                block.as_ref(),
                &dir_hits,
                weekly_reset,
                now,
            ));
        }
        Ok(windows)
    }

    /// Puts the fresh live answers kept in the index over `windows`; how each request went.
    fn overlay_live(
        &self,
        windows: &mut Vec<crate::limits::Window>,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::limits::LiveStatus>> {
        use crate::limits;
        let conn = self.store.conn();
        let mut live = Vec::new();
        let accounts = self
            .paths
            .claude_dirs
            .iter()
            .map(|d| (ProviderId::ClaudeCode, d.display().to_string()))
            .chain(std::iter::once((
                ProviderId::Codex,
                self.paths.codex_home.display().to_string(),
            )));
        for (tool, account) in accounts {
            let Some((asked_ms, _, answer)) = store::live_usage(conn, tool, &account)? else {
                continue;
            };
            let Ok(answer) = serde_json::from_str::<limits::live::Answer>(&answer) else {
                continue;
            };
            let asked = DateTime::from_timestamp_millis(asked_ms).unwrap_or_default();
            limits::overlay_live(windows, tool, &account, asked, &answer, now);
            live.push(limits::LiveStatus {
                tool,
                account,
                asked_at: asked,
                error: answer.error,
            });
        }
        Ok(live)
    }

    /// Asks Claude Code's and Codex's endpoints for their live figures (opt-in: the caller
    /// decides), for each account whose tool stored a token, at most once per
    /// [`MIN_INTERVAL`](crate::limits::live::MIN_INTERVAL) (or what the server's `Retry-After`
    /// asked), each within `timeout`. The answers are kept in the index for
    /// [`Engine::limits`]. Returns how many requests were made.
    pub fn refresh_live(&self, now: DateTime<Utc>, timeout: std::time::Duration) -> Result<usize> {
        use crate::limits::live;
        let conn = self.store.conn();
        let now_ms = now.timestamp_millis();
        let due = |tool: ProviderId, account: &str| -> Result<bool> {
            Ok(store::live_usage(conn, tool, account)?.is_none_or(|(_, next, _)| now_ms >= next))
        };
        let mut asked = Vec::new();
        for dir in &self.paths.claude_dirs {
            let account = dir.display().to_string();
            if let Some(token) = live::claude_token(dir)
                && due(ProviderId::ClaudeCode, &account)?
            {
                let answer = live::fetch_claude(&self.paths.usage_urls.claude, &token, timeout);
                asked.push((ProviderId::ClaudeCode, account, answer));
            }
        }
        let home = &self.paths.codex_home;
        let account = home.display().to_string();
        if let Some((token, id)) = live::codex_token(home)
            && due(ProviderId::Codex, &account)?
        {
            let answer =
                live::fetch_codex(&self.paths.usage_urls.codex, &token, id.as_deref(), timeout);
            asked.push((ProviderId::Codex, account, answer));
        }
        let min = i64::try_from(live::MIN_INTERVAL.as_millis()).unwrap_or(i64::MAX);
        for (tool, account, answer) in &asked {
            let wait = answer.retry_after.map_or(min, |s| {
                min.max(i64::try_from(s).unwrap_or(i64::MAX / 2000) * 1000)
            });
            if let Some(e) = &answer.error {
                tracing::warn!(tool = tool.as_str(), "live usage figures: {e}");
            }
            let json = serde_json::to_string(answer).unwrap_or_else(|_| "{}".into());
            store::save_live_usage(
                conn,
                *tool,
                account,
                now_ms,
                now_ms.saturating_add(wait),
                &json,
            )?;
        }
        Ok(asked.len())
    }

    /// The limit notifications due for `limits` under `prefs`, each claimed in the index
    /// first so it is shown once per window, across restarts: the highest threshold newly
    /// crossed (several crossed at once are one notification), the window running out, and,
    /// when asked for, its reset.
    pub fn due_limit_alerts(
        &self,
        limits: &crate::limits::Limits,
        prefs: &crate::settings::LimitPrefs,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::limits::LimitAlert>> {
        use crate::limits::{LimitAlert, LimitEvent, alert_key};
        let conn = self.store.conn();
        let now_ms = now.timestamp_millis();
        let mut due = Vec::new();
        for w in &limits.windows {
            let (Some(pct), Some(instance)) = (w.used_percent, w.resets_at.or(w.starts_at)) else {
                continue;
            };
            let key = alert_key(w.tool, w.kind, &w.account);
            let period = window_instance(conn, &key, instance.timestamp_millis())?;
            let mut thresholds: Vec<u32> = prefs
                .alerts
                .iter()
                .copied()
                .filter(|&t| t < 100 && f64::from(t) <= pct)
                .collect();
            if pct >= 100.0 {
                thresholds.push(100);
            }
            thresholds.sort_unstable();
            let mut newest = None;
            for t in thresholds {
                if store::claim_alert(conn, &key, t, &period, now_ms)? {
                    newest = Some(t);
                }
            }
            if let Some(t) = newest {
                due.push(LimitAlert {
                    window: w.clone(),
                    event: if t >= 100 {
                        LimitEvent::Reached
                    } else {
                        LimitEvent::Crossed(t)
                    },
                });
            }
        }
        if prefs.notify_reset {
            for r in &limits.resets {
                let key = alert_key(r.tool, r.kind, &r.account);
                let period = window_instance(conn, &key, r.at.timestamp_millis())?;
                if !store::claim_alert(conn, &key, 0, &period, now_ms)? {
                    continue;
                }
                let window = limits
                    .windows
                    .iter()
                    .find(|w| w.tool == r.tool && w.kind == r.kind && w.account == r.account)
                    .cloned();
                if let Some(window) = window {
                    due.push(LimitAlert {
                        window,
                        event: LimitEvent::Reset,
                    });
                }
            }
        }
        Ok(due)
    }

    /// The Tips card as of `now`: [`Engine::optimize`] over the last 30 days (days in `tz`,
    /// sync with it first) for `providers` (empty: all).
    pub fn tips(
        &self,
        tz: Tz,
        providers: &[ProviderId],
        now: DateTime<Utc>,
    ) -> Result<crate::optimize::Tips> {
        let today = now.with_timezone(&tz).date_naive();
        let span = Span::of_period(crate::time::Period::ThirtyDays, today);
        let filter = Filter {
            range: span.range,
            tz,
            providers: providers.to_vec(),
            projects: Vec::new(),
        };
        Ok(crate::optimize::Tips::of(
            &self.optimize(&filter, span, now)?,
        ))
    }

    /// The index's tool rollup for `range` (days in the zone of the last sync).
    pub fn tool_slices(&self, range: DayRange) -> Result<Vec<crate::rollup::ToolSlice>> {
        let (from, to) = range.day_numbers();
        Ok(store::query_tools(self.store.conn(), from, to)?)
    }

    /// The export rows for `filter` from the index (sync with `filter.tz` first).
    pub fn export(&self, filter: &Filter) -> Result<Vec<ExportRow>> {
        Ok(export::rows(&self.slices(filter.range, filter.tz)?, filter))
    }

    /// Recomputes every stored cost with the pricer in force (normally automatic when the
    /// price table changes). Returns how many costs changed.
    pub fn reprice(&mut self) -> Result<usize> {
        let tx = self.store.conn_mut().transaction()?;
        let changed = store::reprice_all(&tx, &self.pricer)?;
        store::rebuild_all_slices(&tx)?;
        tx.commit()?;
        Ok(changed)
    }

    /// The alerts due after a sync, under `settings`: budget thresholds crossed since
    /// `before` (the spend per budget at the last check; updated to the spend now), the
    /// highest per budget, and runaway sessions. Each is claimed in the index first, so it is
    /// returned once, ever: a restart, re-scan or re-price never repeats it.
    pub fn due_alerts(
        &self,
        settings: &Settings,
        slices: &[Slice],
        before: &mut BudgetSpend,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<DueAlerts> {
        let today = now.with_timezone(&tz).date_naive();
        let after = budget::spend_all(&settings.budgets, slices, today, tz);
        let crossed = budget::crossings(&settings.budgets, before, &after);
        *before = after;
        let budgets = budget::highest_per_budget(&self.claim_alerts(&crossed, now)?);
        let r = &settings.runaway;
        let runaways = if r.enabled {
            let since = now - chrono::Duration::minutes(i64::from(r.window_minutes));
            let found = budget::runaways(r, &self.active_sessions(since)?);
            self.claim_runaways(&found, now)?
        } else {
            Vec::new()
        };
        Ok(DueAlerts { budgets, runaways })
    }

    /// Records the alerts in `crossings` as sent and returns those that had not been sent yet
    /// (each (budget, threshold, period) once, ever).
    pub fn claim_alerts(
        &self,
        crossings: &[Crossing],
        now: DateTime<Utc>,
    ) -> Result<Vec<Crossing>> {
        let mut fresh = Vec::new();
        for c in crossings {
            if store::claim_alert(
                self.store.conn(),
                &c.alert,
                c.threshold,
                &c.period,
                now.timestamp_millis(),
            )? {
                fresh.push(c.clone());
            }
        }
        Ok(fresh)
    }

    /// Records runaway alerts as sent; returns those that had not been (once per session).
    pub fn claim_runaways(
        &self,
        alerts: &[RunawayAlert],
        now: DateTime<Utc>,
    ) -> Result<Vec<RunawayAlert>> {
        let mut fresh = Vec::new();
        for a in alerts {
            if store::claim_alert(self.store.conn(), &a.alert, 0, "", now.timestamp_millis())? {
                fresh.push(a.clone());
            }
        }
        Ok(fresh)
    }

    /// Sessions with calls since `since` (the runaway alert's window): spend then and in total.
    pub fn active_sessions(&self, since: DateTime<Utc>) -> Result<Vec<SessionSpend>> {
        Ok(store::active_sessions(
            self.store.conn(),
            since.timestamp_millis(),
        )?)
    }

    /// The timestamp of the latest call on record (UTC ms), any day.
    pub fn last_call(&self) -> Result<Option<i64>> {
        Ok(store::latest_call_ms(self.store.conn())?)
    }

    /// Read access to the index (diagnostics, tools and tests that need the stored calls).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// What [`Engine::due_alerts`] found: alerts not shown before.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueAlerts {
    /// Budget thresholds crossed (the highest per budget).
    pub budgets: Vec<Crossing>,
    /// Runaway sessions.
    pub runaways: Vec<RunawayAlert>,
}

/// The alert period of the window that resets at `resets_ms`: a reset within 15 minutes of
/// one already alerted for is the same window (a reset given as seconds from the event moves
/// by a few seconds between readings), else the reset itself.
fn window_instance(conn: &rusqlite::Connection, key: &str, resets_ms: i64) -> Result<String> {
    const SAME: i64 = 15 * 60 * 1000;
    let known = store::alert_periods(conn, key)?.into_iter().find(|p| {
        p.parse::<i64>()
            .is_ok_and(|ms| (ms - resets_ms).abs() < SAME)
    });
    Ok(known.unwrap_or_else(|| resets_ms.to_string()))
}
