//! Team metrics: the index's all-time sums as monotone counters, for Prometheus
//! (`burnbar serve`) and OpenTelemetry (`burnbar push`).
//!
//! The names are a contract (dashboards and alerts rely on them):
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `burnbar_cost_usd_total` | counter | `provider`, `model`, `project`, `cost_source` |
//! | `burnbar_tokens_total` | counter | `provider`, `model`, `project`, `type` |
//! | `burnbar_calls_total` | counter | `provider`, `model`, `project` |
//! | `burnbar_edit_turns_total` | counter | `provider`, `model`, `project` |
//! | `burnbar_one_shot_turns_total` | counter | `provider`, `model`, `project` |
//! | `burnbar_today_cost_usd` | gauge | — |
//! | `burnbar_budget_used_ratio` | gauge | `budget` |
//! | `burnbar_last_sync_timestamp_seconds` | gauge | — |
//!
//! plus the constant labels `machine` and `user` on every series.
//!
//! ## Counters that never reset
//!
//! A counter is a sum over the index (a durable per-machine ledger), so restarting Burnbar or
//! the machine never resets it. The one way a sum can go *down* is a re-price that lowers a
//! model's price (or a project leaving the top N, which moves its cost out of `other`);
//! Prometheus would read that as a counter reset and `increase()` would count the whole
//! total again. So every exported series passes through the index's `metric_ledger`
//! ([`advance`]): a series shows its true sum until the sum goes down; from then on it
//! grows by exactly what the true sum grows by, and the drop is held back (never shown as a
//! decrease). `increase()` over any window is then the new spend in it, and
//! [`Metrics::held_back`] says how far the shown totals are above `burnbar report`
//! (`burnbar_cost_held_back_usd`: zero unless prices went down).
//!
//! ## Privacy and cardinality
//!
//! Projects are labelled by name, path, a hash of the path, or not at all
//! ([`ProjectLabels`]); projects beyond the top N by cost are summed as `other`. Nothing but
//! tool ids, model ids, project labels and numbers leaves: no prompt or code text is in the
//! index to begin with.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::budget::Budget;
use crate::model::{CostSource, ProviderId, Tokens, Usd};
use crate::project::display_name;
use crate::settings::{ExportPrefs, ProjectLabels};

/// The cost counter.
pub const COST: &str = "burnbar_cost_usd";
/// The token counter.
pub const TOKENS: &str = "burnbar_tokens";
/// The call counter.
pub const CALLS: &str = "burnbar_calls";
/// Turns that edited files (the one-shot rate's denominator).
pub const EDIT_TURNS: &str = "burnbar_edit_turns";
/// Edit turns that needed no retry (its numerator).
pub const ONE_SHOT_TURNS: &str = "burnbar_one_shot_turns";
/// Today's cost gauge.
pub const TODAY_COST: &str = "burnbar_today_cost_usd";
/// The budget gauge.
pub const BUDGET_USED: &str = "burnbar_budget_used_ratio";
/// The last-sync gauge.
pub const LAST_SYNC: &str = "burnbar_last_sync_timestamp_seconds";
/// How far the shown cost counters are above the index's sums (see the module docs).
pub const HELD_BACK: &str = "burnbar_cost_held_back_usd";

/// The label value projects beyond the top N are summed under.
pub const OTHER: &str = "other";

/// The `type` label values of the token counter, in order.
pub const TOKEN_TYPES: [&str; 6] = [
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "reasoning",
];

/// The `cost_source` label values (what [`CostSource::as_str`] says).
const COST_SOURCES: [CostSource; 4] = [
    CostSource::Computed,
    CostSource::Reported,
    CostSource::SessionTotal,
    CostSource::Estimated,
];

/// One (tool, model, project)'s sums over every day on record (the store makes them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricSum {
    /// The tool.
    pub provider: ProviderId,
    /// The model as logged.
    pub model: String,
    /// The canonical project.
    pub project: String,
    /// Calls (supplementary records not counted).
    pub calls: u64,
    /// Tokens.
    pub tokens: Tokens,
    /// Cost of the priced calls.
    pub cost: Usd,
    /// The part of `cost` that is estimated.
    pub estimated_cost: Usd,
    /// The part of `cost` that is session sums.
    pub session_total_cost: Usd,
    /// The part of `cost` the tools reported.
    pub reported_cost: Usd,
    /// Turns that edited files.
    pub edit_turns: u64,
    /// Edit turns done in one go.
    pub one_shot_turns: u64,
}

impl MetricSum {
    /// The cost that came from `source`.
    fn cost_from(&self, source: CostSource) -> Usd {
        match source {
            CostSource::Estimated => self.estimated_cost,
            CostSource::SessionTotal => self.session_total_cost,
            CostSource::Reported => self.reported_cost,
            CostSource::Computed => {
                self.cost - self.estimated_cost - self.session_total_cost - self.reported_cost
            }
            CostSource::Unpriced => Usd::ZERO,
        }
    }

    fn token(&self, kind: &str) -> u64 {
        let t = &self.tokens;
        match kind {
            "input" => t.input,
            "output" => t.output,
            "cache_read" => t.cache_read,
            "cache_write_5m" => t.cache_write_5m,
            "cache_write_1h" => t.cache_write_1h,
            _ => t.reasoning,
        }
    }
}

/// One exported series: its labels (without the constant ones) and its value in the
/// counter's unit of account (micro-USD for cost, tokens, calls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// Label pairs, in a fixed order.
    pub labels: Vec<(&'static str, String)>,
    /// The value shown (after the ledger).
    pub value: u64,
}

/// A series' row in the ledger: the true sum last seen and the value last shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// The metric and its labels, one string.
    pub series: String,
    /// The true sum (on the way in: now; stored: when last seen).
    pub seen: u64,
    /// What the counter shows.
    pub shown: u64,
}

/// The ledger's rule: a new series shows its sum; a known one grows by what its sum grew by
/// since last seen, and never shrinks.
pub fn advance(before: Option<LedgerRow>, now: u64) -> LedgerRow {
    match before {
        None => LedgerRow {
            series: String::new(),
            seen: now,
            shown: now,
        },
        Some(b) => LedgerRow {
            shown: b.shown.saturating_add(now.saturating_sub(b.seen)),
            seen: now,
            series: b.series,
        },
    }
}

/// Everything exported, one moment's worth.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// `burnbar_cost_usd_total`, micro-USD.
    pub cost: Vec<Series>,
    /// `burnbar_tokens_total`.
    pub tokens: Vec<Series>,
    /// `burnbar_calls_total`.
    pub calls: Vec<Series>,
    /// `burnbar_edit_turns_total`.
    pub edit_turns: Vec<Series>,
    /// `burnbar_one_shot_turns_total`.
    pub one_shot_turns: Vec<Series>,
    /// `burnbar_today_cost_usd`.
    pub today_cost: Usd,
    /// `burnbar_budget_used_ratio`, per budget id ([`Budget::id`]).
    pub budgets: Vec<(String, f64)>,
    /// `burnbar_last_sync_timestamp_seconds`, UTC ms.
    pub last_sync_ms: Option<i64>,
    /// The shown cost counters' sum minus the index's (see the module docs).
    pub held_back: Usd,
    /// The constant labels: `machine`, `user`.
    pub identity: Identity,
}

/// The whole-number counters (all but cost): name without `_total` and help text, in the
/// order of [`Metrics::counts`]. One list for `/metrics` and the OTLP push.
pub const COUNTS: [(&str, &str); 4] = [
    (
        TOKENS,
        "Tokens of every call on record, by tool, model, project and type",
    ),
    (CALLS, "Calls on record, by tool, model and project"),
    (
        EDIT_TURNS,
        "Turns that edited files, by tool, model and project (the one-shot rate's denominator)",
    ),
    (
        ONE_SHOT_TURNS,
        "Edit turns that needed no retry, by tool, model and project",
    ),
];

impl Metrics {
    /// The series of the [`COUNTS`] counters, in its order.
    pub fn counts(&self) -> [&[Series]; 4] {
        [
            &self.tokens,
            &self.calls,
            &self.edit_turns,
            &self.one_shot_turns,
        ]
    }
}

/// Who the figures are of: the constant labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `machine`.
    pub machine: String,
    /// `user`.
    pub user: String,
}

impl Identity {
    /// From the settings, else the host name and the login name (else the home directory's
    /// name).
    pub fn resolve(prefs: &ExportPrefs, paths: &crate::Paths) -> Identity {
        let machine = prefs.machine.clone().unwrap_or_else(|| {
            gethostname::gethostname()
                .into_string()
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "unknown".into())
        });
        let user = prefs.user.clone().unwrap_or_else(|| {
            paths
                .login
                .clone()
                .or_else(|| {
                    paths
                        .home
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| "unknown".into())
        });
        Identity { machine, user }
    }
}

/// The project label of `project` under `how`.
pub fn project_label(project: &str, how: ProjectLabels) -> String {
    match how {
        ProjectLabels::Name => display_name(project).to_string(),
        ProjectLabels::Path => project.to_string(),
        ProjectLabels::Hash => {
            use sha2::{Digest, Sha256};
            let digest = Sha256::digest(project.as_bytes());
            digest[..6].iter().fold(String::new(), |mut s, b| {
                use std::fmt::Write;
                let _ = write!(s, "{b:02x}");
                s
            })
        }
        ProjectLabels::None => String::new(),
    }
}

/// The labelled series of `sums` with their true values (before the ledger): projects
/// relabelled, all but the `top` costliest labels folded into [`OTHER`], and series of the
/// same labels summed. Pure.
pub fn label(sums: &[MetricSum], how: ProjectLabels, top: usize) -> Labelled {
    let labelled: Vec<(String, &MetricSum)> = sums
        .iter()
        .map(|s| (project_label(&s.project, how), s))
        .collect();
    let mut by_project: BTreeMap<&str, i64> = BTreeMap::new();
    for (p, s) in &labelled {
        *by_project.entry(p.as_str()).or_default() += s.cost.micros();
    }
    let mut ranked: Vec<(&str, i64)> = by_project.into_iter().collect();
    // costliest first; ties by name so the cut is stable
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kept: std::collections::BTreeSet<&str> = ranked.iter().take(top).map(|r| r.0).collect();

    let mut out = Labelled::default();
    for (project, s) in &labelled {
        let project = if kept.contains(project.as_str()) {
            project.clone()
        } else {
            OTHER.to_string()
        };
        let base = (s.provider.as_str(), s.model.clone(), project);
        for source in COST_SOURCES {
            let micros = u64::try_from(s.cost_from(source).micros()).unwrap_or(0);
            *out.cost.entry((base.clone(), source.as_str())).or_default() += micros;
        }
        for kind in TOKEN_TYPES {
            *out.tokens.entry((base.clone(), kind)).or_default() += s.token(kind);
        }
        *out.edit_turns.entry(base.clone()).or_default() += s.edit_turns;
        *out.one_shot_turns.entry(base.clone()).or_default() += s.one_shot_turns;
        *out.calls.entry(base).or_default() += s.calls;
    }
    out
}

/// (provider, model, project label).
type Base = (&'static str, String, String);

/// [`label`]'s answer: true sums per labelled series.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// Cost per (base, cost source), micro-USD.
    pub cost: BTreeMap<(Base, &'static str), u64>,
    /// Tokens per (base, type).
    pub tokens: BTreeMap<(Base, &'static str), u64>,
    /// Calls per base.
    pub calls: BTreeMap<Base, u64>,
    /// Edit turns per base.
    pub edit_turns: BTreeMap<Base, u64>,
    /// One-shot edit turns per base.
    pub one_shot_turns: BTreeMap<Base, u64>,
}

/// The ledger key of a series.
fn series_key(metric: &str, labels: &[(&'static str, String)]) -> String {
    let mut key = metric.to_string();
    for (_, v) in labels {
        key.push('\u{1f}');
        key.push_str(v);
    }
    key
}

fn base_labels((provider, model, project): &Base) -> Vec<(&'static str, String)> {
    vec![
        ("provider", (*provider).to_string()),
        ("model", model.clone()),
        ("project", project.clone()),
    ]
}

impl Labelled {
    /// Every series with its true value, and its ledger key.
    pub fn series(&self) -> Vec<(Metric, Series, String)> {
        let mut out = Vec::new();
        for ((base, source), v) in &self.cost {
            let mut labels = base_labels(base);
            labels.push(("cost_source", (*source).to_string()));
            let key = series_key(COST, &labels);
            out.push((Metric::Cost, Series { labels, value: *v }, key));
        }
        for ((base, kind), v) in &self.tokens {
            let mut labels = base_labels(base);
            labels.push(("type", (*kind).to_string()));
            let key = series_key(TOKENS, &labels);
            out.push((Metric::Tokens, Series { labels, value: *v }, key));
        }
        for (metric, name, map) in [
            (Metric::Calls, CALLS, &self.calls),
            (Metric::EditTurns, EDIT_TURNS, &self.edit_turns),
            (Metric::OneShotTurns, ONE_SHOT_TURNS, &self.one_shot_turns),
        ] {
            for (base, v) in map {
                let labels = base_labels(base);
                let key = series_key(name, &labels);
                out.push((metric, Series { labels, value: *v }, key));
            }
        }
        out
    }
}

/// Which counter a series belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `burnbar_cost_usd_total`.
    Cost,
    /// `burnbar_tokens_total`.
    Tokens,
    /// `burnbar_calls_total`.
    Calls,
    /// `burnbar_edit_turns_total`.
    EditTurns,
    /// `burnbar_one_shot_turns_total`.
    OneShotTurns,
}

/// Each budget's spend so far in its current period over its amount.
pub fn budget_ratios(
    budgets: &[Budget],
    slices: &[crate::aggregate::Slice],
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> Vec<(String, f64)> {
    budgets
        .iter()
        .map(|b| {
            let (_, spend) = b.spend(slices, today, tz);
            let amount = b.amount().micros();
            let ratio = if amount > 0 {
                spend.micros() as f64 / amount as f64
            } else {
                0.0
            };
            (b.id(), ratio)
        })
        .collect()
}

/// The earliest day any budget's current period starts on (for loading just enough slices).
pub fn budgets_from(budgets: &[Budget], today: NaiveDate) -> NaiveDate {
    budgets
        .iter()
        .map(|b| b.period.window(today).0)
        .min()
        .unwrap_or(today)
}

/// The last sync: the later of the last full scan and `synced` (a long-running process's own
/// record of its last sync).
pub fn last_sync(full_ms: Option<i64>, synced: Option<DateTime<Utc>>) -> Option<i64> {
    full_ms.max(synced.map(|t| t.timestamp_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(provider: ProviderId, project: &str, cost: i64) -> MetricSum {
        MetricSum {
            provider,
            model: "m".into(),
            project: project.into(),
            calls: 1,
            tokens: Tokens {
                input: 10,
                ..Tokens::default()
            },
            cost: Usd(cost),
            estimated_cost: Usd::ZERO,
            session_total_cost: Usd::ZERO,
            reported_cost: Usd::ZERO,
            edit_turns: 0,
            one_shot_turns: 0,
        }
    }

    #[test]
    fn a_counter_grows_by_what_its_sum_grew_by_and_never_shrinks() {
        let a = advance(None, 100);
        assert_eq!((a.seen, a.shown), (100, 100));
        let b = advance(Some(a), 150);
        assert_eq!((b.seen, b.shown), (150, 150));
        // a re-price lowers the sum: the counter holds
        let c = advance(Some(b), 120);
        assert_eq!((c.seen, c.shown), (120, 150));
        // new spend shows in full
        let d = advance(Some(c), 130);
        assert_eq!((d.seen, d.shown), (130, 160));
    }

    #[test]
    fn projects_beyond_the_top_n_fold_into_other() {
        let sums = [
            sum(ProviderId::ClaudeCode, "/w/a", 300),
            sum(ProviderId::ClaudeCode, "/w/b", 200),
            sum(ProviderId::ClaudeCode, "/w/c", 100),
            sum(ProviderId::Codex, "/w/c", 150),
        ];
        let l = label(&sums, ProjectLabels::Name, 2);
        let projects: std::collections::BTreeSet<&str> =
            l.calls.keys().map(|(_, _, p)| p.as_str()).collect();
        // c (250 over two tools) outranks b (200)
        assert_eq!(projects, ["a", "c", "other"].into_iter().collect());
        let total: u64 = l.cost.values().sum();
        assert_eq!(total, 750, "folding keeps every micro-dollar");
    }

    #[test]
    fn cost_splits_exactly_by_source() {
        let mut s = sum(ProviderId::OpenCode, "/w/a", 1_000);
        s.reported_cost = Usd(400);
        s.estimated_cost = Usd(100);
        s.session_total_cost = Usd(50);
        let l = label(&[s], ProjectLabels::Name, 50);
        let by: BTreeMap<&str, u64> = l.cost.iter().map(|((_, src), v)| (*src, *v)).collect();
        assert_eq!(by["computed"], 450);
        assert_eq!(by["reported"], 400);
        assert_eq!(by["estimated"], 100);
        assert_eq!(by["session-total"], 50);
    }

    #[test]
    fn project_labels_follow_the_setting() {
        assert_eq!(
            project_label("/home/ana/src/api", ProjectLabels::Name),
            "api"
        );
        assert_eq!(
            project_label("/home/ana/src/api", ProjectLabels::Path),
            "/home/ana/src/api"
        );
        let h = project_label("/home/ana/src/api", ProjectLabels::Hash);
        assert_eq!(h.len(), 12);
        assert!(!h.contains("api"));
        assert_eq!(project_label("/home/ana/src/api", ProjectLabels::None), "");
    }
}
