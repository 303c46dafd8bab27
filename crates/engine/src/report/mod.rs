//! The report payload: what `burnbar report --format json` prints and what the tray's popover
//! renders. One JSON contract for both (camelCase keys, money as USD numbers exact to the
//! micro-dollar, rates as fractions 0..1 everywhere).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::aggregate::{Filter, Slice, Totals, group_by};
use crate::model::{CostSource, ProviderId, Usd};
use crate::pricing::PriceSource;
use crate::project::display_name;
use crate::providers::SourceInfo;
use crate::time::Span;

mod diagnostics;
mod tools;

pub use diagnostics::{Diagnostics, SkippedCount};
pub use tools::{NameRow, ToolBreakdown};

/// Bumped on any incompatible change of the payload.
pub const SCHEMA: &str = "burnbar.report.v1";

/// The whole report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// When it was made (RFC 3339, UTC).
    pub generated: String,
    /// The period covered.
    pub period: Span,
    /// The IANA zone days are counted in.
    pub timezone: String,
    /// Always `USD`.
    pub currency: &'static str,
    /// Provider and project filters in force.
    pub filters: Filters,
    /// Headline figures.
    pub overview: Overview,
    /// One row per calendar day, ascending, days without calls included.
    pub daily: Vec<DayRow>,
    /// By project, most expensive first.
    pub projects: Vec<ProjectRow>,
    /// By model as logged, most expensive first.
    pub models: Vec<ModelRow>,
    /// By provider, most expensive first.
    pub providers: Vec<ProviderRow>,
    /// Spend per activity (the classifier's categories), by cost.
    pub activities: Vec<ActivityRow>,
    /// Tools, shell programs, MCP servers, skills, sub-agents and git branches (filled from
    /// the index's tool rollup; empty in reports built from slices alone).
    pub tools: ToolBreakdown,
    /// Models we could not price: their calls are counted, their cost is unknown.
    pub unpriced_models: Vec<UnpricedModel>,
    /// What was searched and read, per provider.
    pub sources: Vec<SourceInfo>,
    /// Skipped lines and unreadable files.
    pub diagnostics: Diagnostics,
    /// The price table in force.
    pub prices: PriceSource,
}

/// Filters in force.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filters {
    /// Providers kept (empty = all).
    pub providers: Vec<ProviderId>,
    /// Project patterns (empty = all).
    pub projects: Vec<String>,
}

/// Sums shared by every row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    /// Cost of the priced calls, USD.
    pub cost: Usd,
    /// Calls.
    pub calls: u64,
    /// Calls whose model has no price (not in `cost`).
    pub unpriced_calls: u64,
    /// Part of `cost` computed from estimates.
    pub estimated_cost: Usd,
    /// Part of `cost` a tool recorded only as session sums, each dated at its session's last
    /// activity.
    pub session_total_cost: Usd,
    /// Token sums.
    pub tokens: TokenSums,
    /// Cache reads / (input + cache writes + cache reads), 0..1.
    pub cache_hit_rate: Option<f64>,
    /// Turns (a prompt and the calls it led to), counted on their first call.
    pub turns: u64,
    /// Turns that edited files.
    pub edit_turns: u64,
    /// Edit turns without a retry.
    pub one_shot_turns: u64,
    /// One-shot turns / edit turns, 0..1 (`null` without edit turns).
    pub one_shot_rate: Option<f64>,
    /// Retries (a file edited again after running something) within edit turns.
    pub retries: u64,
}

/// Token sums.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSums {
    /// Fresh input.
    pub input: u64,
    /// Output (incl. reasoning where the tool counts it there).
    pub output: u64,
    /// Cache reads.
    pub cache_read: u64,
    /// Cache writes, 5m + 1h.
    pub cache_write: u64,
    /// 5-minute cache writes.
    pub cache_write_5m: u64,
    /// 1-hour cache writes.
    pub cache_write_1h: u64,
    /// Reasoning tokens.
    pub reasoning: u64,
    /// Web searches (requests, not tokens).
    pub web_search_requests: u64,
    /// input + output + cache reads + cache writes.
    pub total: u64,
}

impl From<&Totals> for Figures {
    fn from(t: &Totals) -> Figures {
        let k = &t.tokens;
        Figures {
            cost: t.cost,
            calls: t.calls,
            unpriced_calls: t.unpriced_calls,
            estimated_cost: t.estimated_cost,
            session_total_cost: t.session_total_cost,
            tokens: TokenSums {
                input: k.input,
                output: k.output,
                cache_read: k.cache_read,
                cache_write: k.cache_write(),
                cache_write_5m: k.cache_write_5m,
                cache_write_1h: k.cache_write_1h,
                reasoning: k.reasoning,
                web_search_requests: k.web_search_requests,
                total: k.input + k.output + k.cache_read + k.cache_write(),
            },
            cache_hit_rate: t.cache_hit_rate(),
            turns: t.turns.turns,
            edit_turns: t.turns.edit_turns,
            one_shot_turns: t.turns.one_shot_turns,
            one_shot_rate: t.turns.one_shot_rate(),
            retries: t.turns.retries,
        }
    }
}

/// Headline figures.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// Sums.
    #[serde(flatten)]
    pub figures: Figures,
    /// Distinct sessions with a call in the period.
    pub sessions: u64,
    /// Distinct projects.
    pub projects: u64,
    /// First and last call in the period (RFC 3339).
    pub first_call: Option<String>,
    /// Last call in the period.
    pub last_call: Option<String>,
    /// Calls (in any period) whose log files were deleted and that only the index remembers.
    pub index_only_calls: u64,
}

/// One day.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayRow {
    /// `YYYY-MM-DD` in the report's zone.
    pub date: NaiveDate,
    /// Sums.
    #[serde(flatten)]
    pub figures: Figures,
    /// Sessions with a call that day.
    pub sessions: u64,
}

/// One project.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRow {
    /// Last path segment.
    pub name: String,
    /// The canonical path (or the tool's slug when no path was logged).
    pub path: String,
    /// Sums.
    #[serde(flatten)]
    pub figures: Figures,
    /// Sessions.
    pub sessions: u64,
    /// Share of the period's cost, 0..1.
    pub share: f64,
}

/// One model.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelRow {
    /// The model id as logged.
    pub model: String,
    /// Providers that used it.
    pub providers: Vec<ProviderId>,
    /// Sums.
    #[serde(flatten)]
    pub figures: Figures,
    /// False when no price was found.
    pub priced: bool,
    /// The weakest cost source among its calls.
    pub cost_source: CostSource,
}

/// One provider.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderRow {
    /// Id (`claude-code`).
    pub id: ProviderId,
    /// Label (`Claude Code`).
    pub label: &'static str,
    /// Sums.
    #[serde(flatten)]
    pub figures: Figures,
    /// Sessions.
    pub sessions: u64,
}

/// A model without a price.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnpricedModel {
    /// As logged.
    pub model: String,
    /// Which tool logged it.
    pub provider: ProviderId,
    /// Calls.
    pub calls: u64,
    /// All tokens of those calls.
    pub tokens: u64,
}

/// What a report says beyond the calls: sources, problems, prices, history.
#[derive(Debug, Clone)]
pub struct ReportContext {
    /// What was searched and read.
    pub sources: Vec<SourceInfo>,
    /// Skipped lines and unreadable files.
    pub diagnostics: Diagnostics,
    /// The price table in force.
    pub prices: PriceSource,
    /// Calls whose log files are gone (kept by the index).
    pub index_only_calls: u64,
}

impl Report {
    /// Builds the report for `filter` from `slices` (those outside the filter are ignored);
    /// `span` names the period.
    pub fn build(
        slices: &[Slice],
        filter: &Filter,
        span: Span,
        now: DateTime<Utc>,
        ctx: ReportContext,
    ) -> Report {
        let kept: Vec<&Slice> = slices.iter().filter(|s| filter.keeps(s)).collect();
        let mut total = Totals::default();
        let mut sessions = HashSet::new();
        let mut projects = HashSet::new();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for s in &kept {
            total.merge(&s.totals);
            sessions.insert((s.provider, s.session.as_str()));
            projects.insert(s.project.as_str());
            first = first.min(s.first_ms);
            last = last.max(s.last_ms);
        }
        let rfc = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).map(|d| d.to_rfc3339());
        Report {
            schema: SCHEMA,
            generated: now.to_rfc3339(),
            daily: daily(&kept, &span),
            projects: by_project(&kept, total.cost),
            models: by_model(&kept),
            providers: by_provider(&kept),
            activities: by_activity(&kept),
            tools: ToolBreakdown::default(),
            unpriced_models: unpriced(&kept),
            overview: Overview {
                figures: Figures::from(&total),
                sessions: sessions.len() as u64,
                projects: projects.len() as u64,
                first_call: (!kept.is_empty()).then(|| rfc(first)).flatten(),
                last_call: (!kept.is_empty()).then(|| rfc(last)).flatten(),
                index_only_calls: ctx.index_only_calls,
            },
            period: span,
            timezone: filter.tz.name().to_string(),
            currency: "USD",
            filters: Filters {
                providers: filter.providers.clone(),
                projects: filter.projects.clone(),
            },
            sources: ctx.sources,
            diagnostics: ctx.diagnostics,
            prices: ctx.prices,
        }
    }
}

fn sessions_per<K: Ord>(slices: &[&Slice], key: impl Fn(&Slice) -> K) -> BTreeMap<K, u64> {
    let mut sets: BTreeMap<K, HashSet<(ProviderId, &str)>> = BTreeMap::new();
    for s in slices {
        sets.entry(key(s))
            .or_default()
            .insert((s.provider, s.session.as_str()));
    }
    sets.into_iter().map(|(k, s)| (k, s.len() as u64)).collect()
}

fn daily(slices: &[&Slice], span: &Span) -> Vec<DayRow> {
    let totals = group_by(slices, |s| s.day);
    let sessions = sessions_per(slices, |s| s.day);
    let first = span.range.from.or_else(|| totals.keys().next().copied());
    let last = span.range.to.or_else(|| totals.keys().next_back().copied());
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let empty = Totals::default();
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        out.push(DayRow {
            date: day,
            figures: Figures::from(totals.get(&day).unwrap_or(&empty)),
            sessions: sessions.get(&day).copied().unwrap_or(0),
        });
        match day.checked_add_days(Days::new(1)) {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

fn share(part: Usd, whole: Usd) -> f64 {
    if whole.micros() > 0 {
        part.micros() as f64 / whole.micros() as f64
    } else {
        0.0
    }
}

fn by_project(slices: &[&Slice], whole: Usd) -> Vec<ProjectRow> {
    let totals = group_by(slices, |s| s.project.clone());
    let sessions = sessions_per(slices, |s| s.project.clone());
    let mut rows: Vec<ProjectRow> = totals
        .into_iter()
        .map(|(path, t)| ProjectRow {
            name: display_name(&path).to_string(),
            sessions: sessions.get(&path).copied().unwrap_or(0),
            share: share(t.cost, whole),
            figures: Figures::from(&t),
            path,
        })
        .collect();
    sort_by_cost(&mut rows, |r| &r.figures, |r| r.path.clone());
    rows
}

/// Rows by cost, highest first; equal costs by `name`, so the order never depends on a map's.
fn sort_by_cost<R, K: Ord>(
    rows: &mut [R],
    figures: impl Fn(&R) -> &Figures,
    name: impl Fn(&R) -> K,
) {
    rows.sort_by(|a, b| {
        figures(b)
            .cost
            .cmp(&figures(a).cost)
            .then_with(|| name(a).cmp(&name(b)))
    });
}

fn by_model(slices: &[&Slice]) -> Vec<ModelRow> {
    let totals = group_by(slices, |s| s.model.clone());
    let mut providers: BTreeMap<&str, BTreeSet<ProviderId>> = BTreeMap::new();
    for s in slices {
        providers
            .entry(s.model.as_str())
            .or_default()
            .insert(s.provider);
    }
    let mut rows: Vec<ModelRow> = totals
        .iter()
        .map(|(model, t)| ModelRow {
            providers: providers
                .get(model.as_str())
                .map(|p| p.iter().copied().collect())
                .unwrap_or_default(),
            figures: Figures::from(t),
            priced: !t.is_unpriced(),
            cost_source: t.cost_source.unwrap_or(CostSource::Computed),
            model: model.clone(),
        })
        .collect();
    sort_by_cost(&mut rows, |r| &r.figures, |r| r.model.clone());
    rows
}

/// One activity's row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRow {
    /// The category id (`feature`, `build-deploy`).
    pub category: &'static str,
    /// Its label (`Feature Dev`).
    pub label: &'static str,
    /// Share of the period's cost, 0..1.
    pub share: f64,
    /// Sums (cost, calls, turns, edit turns, one-shot rate).
    #[serde(flatten)]
    pub figures: Figures,
}

fn by_activity(slices: &[&Slice]) -> Vec<ActivityRow> {
    let totals = group_by(slices, |s| s.category);
    let whole: Usd = totals.values().map(|t| t.cost).sum();
    let mut rows: Vec<ActivityRow> = totals
        .iter()
        .map(|(c, t)| ActivityRow {
            category: c.id(),
            label: c.label(),
            share: share(t.cost, whole),
            figures: Figures::from(t),
        })
        .collect();
    sort_by_cost(&mut rows, |r| &r.figures, |r| r.category);
    rows
}

fn by_provider(slices: &[&Slice]) -> Vec<ProviderRow> {
    let totals = group_by(slices, |s| s.provider);
    let sessions = sessions_per(slices, |s| s.provider);
    let mut rows: Vec<ProviderRow> = totals
        .iter()
        .map(|(id, t)| ProviderRow {
            id: *id,
            label: id.label(),
            figures: Figures::from(t),
            sessions: sessions.get(id).copied().unwrap_or(0),
        })
        .collect();
    sort_by_cost(&mut rows, |r| &r.figures, |r| r.id);
    rows
}

fn unpriced(slices: &[&Slice]) -> Vec<UnpricedModel> {
    let with_unpriced: Vec<&Slice> = slices
        .iter()
        .copied()
        .filter(|s| s.totals.unpriced_calls > 0)
        .collect();
    let totals = group_by(&with_unpriced, |s| (s.model.clone(), s.provider));
    let mut rows: Vec<UnpricedModel> = totals
        .into_iter()
        .map(|((model, provider), t)| UnpricedModel {
            model,
            provider,
            calls: t.unpriced_calls,
            tokens: Figures::from(&t).tokens.total,
        })
        .collect();
    rows.sort_by(|a, b| b.tokens.cmp(&a.tokens).then(b.calls.cmp(&a.calls)));
    rows
}
