//! `optimize`: from where the money went to what to change.
//!
//! Detectors read the period's stored calls (tool uses, tokens, cache writes, per-session
//! turn outcomes) and, read-only, the tools' own configuration (MCP servers, `CLAUDE.md`,
//! agents and skills, the shell's output cap). Each finding says what it saw (`evidence`),
//! how sure the saving is (`basis`: `measured` when it is what the logs show was spent,
//! `modelled` when it rests on a documented per-item estimate) and how to fix it.
//!
//! Money: a saving is priced with the models and token types actually involved (the
//! session's model, as cache reads or writes or fresh input as the case is), never one
//! blended rate. The ids, thresholds, grade and ordering follow CodeBurn's `optimize` so users
//! of either tool recognise them (`docs/optimize.md` lists each with its rule).

pub mod apply;
mod config;
mod detect;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::{Filter, Slice};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;
use crate::pricing::Pricer;
use crate::store::CallRow;
use crate::time::Span;

pub use config::Config;

/// What `optimize` found for a period.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Optimization {
    /// The period looked at.
    pub period: Span,
    /// Grade and totals.
    pub summary: Summary,
    /// Findings, most urgent first.
    pub findings: Vec<Finding>,
    /// Fixes applied with `--apply` (not undone), and how their findings changed since.
    pub applied_fixes: Vec<apply::Measured>,
}

/// The headline of an optimization.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// 100 minus the findings' weights (high 15, medium 7, low 3), at least 20.
    pub health_score: u32,
    /// A (>= 90), B (>= 75), C (>= 55), D (>= 30), else F.
    pub health_grade: String,
    /// How many findings.
    pub finding_count: usize,
    /// Spend in the period (priced calls), USD.
    #[serde(rename = "periodCostUSD")]
    pub period_cost_usd: f64,
    /// Sum of the findings' savings, USD.
    #[serde(rename = "potentialSavingsUSD")]
    pub potential_savings_usd: f64,
    /// The savings as a share of the period's spend, percent.
    pub potential_savings_percent: f64,
    /// Sessions and calls in the period.
    pub sessions: usize,
    /// Calls in the period.
    pub calls: usize,
    /// Days the period covers (from its first to its last day with calls when unbounded).
    pub days: u32,
}

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Worth fixing.
    Medium,
    /// Costs real money now.
    High,
}

impl Severity {
    /// `High` from `high` up, `Medium` from `medium` up, else `Low`.
    pub(crate) fn by<T: PartialOrd + Copy>(value: T, high: T, medium: T) -> Severity {
        if value >= high {
            Severity::High
        } else if value >= medium {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    fn weight(self) -> u32 {
        match self {
            Severity::High => 15,
            Severity::Medium => 7,
            Severity::Low => 3,
        }
    }

    fn urgency(self) -> f64 {
        match self {
            Severity::High => 1.0,
            Severity::Medium => 0.5,
            Severity::Low => 0.2,
        }
    }

    /// The word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// How sure a saving is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// What the logs show was spent.
    Measured,
    /// A documented per-item estimate (tokens per file read, per tool schema, ...).
    Modelled,
}

/// What kind of action a finding asks for (the ordering groups fixes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A change to make (a rule, a setting).
    Fix,
    /// A habit to change.
    Nudge,
    /// Worth knowing, nothing to change by itself.
    Keep,
}

/// One thing to change.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable id (as in CodeBurn: `redundant-rereads`, `unused-mcp`, ...).
    pub id: &'static str,
    /// One line.
    pub title: String,
    /// What was seen and why it costs.
    pub explanation: String,
    /// How urgent.
    pub severity: Severity,
    /// How sure the saving is.
    pub basis: Basis,
    /// Fix, nudge or keep.
    pub class: Class,
    /// Tokens the fix would have saved in the period.
    pub tokens_saved: u64,
    /// Those tokens priced with the models and token types involved, USD.
    #[serde(rename = "estimatedSavingsUSD")]
    pub estimated_savings_usd: f64,
    /// The numbers behind it.
    pub evidence: Evidence,
    /// What to do.
    pub fix: Fix,
}

/// The numbers behind a finding: counts, and names where the user's own configuration is
/// concerned (log-derived files are only ever hashes).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// Named counts (`reads`, `edits`, `sessions`, ...).
    pub counts: BTreeMap<&'static str, u64>,
    /// Sessions involved (at most 10, costliest first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<String>,
    /// Items involved: configured servers, agents, files of the user's configuration.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

impl Evidence {
    /// Evidence of these counts.
    pub fn of(counts: impl IntoIterator<Item = (&'static str, u64)>) -> Evidence {
        Evidence {
            counts: counts.into_iter().collect(),
            ..Evidence::default()
        }
    }

    /// With the sessions involved (the first 10 given: pass the costliest first).
    #[must_use]
    pub fn with_sessions(mut self, sessions: impl IntoIterator<Item = String>) -> Evidence {
        self.sessions = sessions.into_iter().take(10).collect();
        self
    }

    /// With the items involved (names from the user's configuration).
    #[must_use]
    pub fn with_items(mut self, items: impl IntoIterator<Item = String>) -> Evidence {
        self.items = items.into_iter().collect();
        self
    }
}

/// What to do about a finding.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// `paste` (text for a file), `command` (to run) or `file-content` (a setting).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What the text is.
    pub label: String,
    /// The text.
    pub text: String,
    /// Where it goes, when it goes in a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// The popover's "Tips" card: the grade and the three most urgent findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tips {
    /// The health grade (A-F).
    pub grade: String,
    /// The health score (0-100).
    pub score: u32,
    /// All findings' savings, USD.
    #[serde(rename = "potentialSavingsUSD")]
    pub potential_savings_usd: f64,
    /// How many findings in all (`burnbar optimize` lists them).
    pub finding_count: usize,
    /// The most urgent three.
    pub top: Vec<Tip>,
}

/// One line of the Tips card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tip {
    /// The finding's id.
    pub id: &'static str,
    /// Its title.
    pub title: String,
    /// How urgent.
    pub severity: Severity,
    /// Its saving, USD.
    #[serde(rename = "estimatedSavingsUSD")]
    pub estimated_savings_usd: f64,
}

impl Tips {
    /// The card for `o`.
    pub fn of(o: &Optimization) -> Tips {
        Tips {
            grade: o.summary.health_grade.clone(),
            score: o.summary.health_score,
            potential_savings_usd: o.summary.potential_savings_usd,
            finding_count: o.summary.finding_count,
            top: o
                .findings
                .iter()
                .take(3)
                .map(|f| Tip {
                    id: f.id,
                    title: f.title.clone(),
                    severity: f.severity,
                    estimated_savings_usd: f.estimated_savings_usd,
                })
                .collect(),
        }
    }
}

/// Everything the detectors look at.
pub struct Input<'a> {
    /// The period's calls that pass the filter, by session and time.
    pub calls: Vec<CallRow>,
    /// The period's slices that pass the filter (turn outcomes per session and activity).
    pub slices: Vec<Slice>,
    /// The prompts of those sessions: (tool, session, time, what the index keeps of each).
    pub prompts: Vec<(ProviderId, String, i64, crate::classify::PromptSig)>,
    /// The MCP tools those sessions had loaded: (tool, session, `mcp__<server>__<tool>`).
    pub mcp_tools: Vec<(ProviderId, String, String)>,
    /// The price table, to price savings.
    pub pricer: &'a Pricer,
    /// The tools' configuration (read-only), when it was read.
    pub config: Config,
    /// Now, UTC ms (a configuration file changed in the last day is not judged yet).
    pub now_ms: i64,
}

impl Input<'_> {
    /// The calls of each session, in time order.
    pub(crate) fn sessions(&self) -> BTreeMap<(ProviderId, &str), Vec<&CallRow>> {
        let mut out: BTreeMap<(ProviderId, &str), Vec<&CallRow>> = BTreeMap::new();
        for c in &self.calls {
            out.entry((c.event.provider, c.event.session_id.as_str()))
                .or_default()
                .push(c);
        }
        out
    }

    /// `tokens` of `model` at its table price, with `like`'s cache semantics.
    pub(crate) fn price(&self, model: &str, tokens: Tokens, like: &UsageEvent) -> Usd {
        let Some((_, price)) = self.pricer.find(model) else {
            return Usd::ZERO;
        };
        let e = UsageEvent {
            openai_cache_semantics: like.openai_cache_semantics,
            reasoning_in_output: like.reasoning_in_output,
            ..UsageEvent::new(
                like.provider,
                String::new(),
                0,
                model.to_string(),
                String::new(),
                String::new(),
                tokens,
            )
        };
        crate::pricing::cost(&price, &e)
    }
}

/// Runs every detector over `input`; `span` names the period.
pub fn optimize(input: &Input<'_>, span: Span) -> Optimization {
    let mut findings: Vec<Finding> = detect::all(input)
        .into_iter()
        .chain(config::all(input))
        .collect();
    findings.sort_by(|a, b| {
        a.class.cmp(&b.class).then_with(|| {
            urgency(b)
                .partial_cmp(&urgency(a))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    let period_cost: Usd = input.calls.iter().filter_map(|c| c.cost).sum();
    // findings can overlap (a re-read inside a context-heavy session): the sum is capped at
    // what was spent
    let savings: f64 = findings
        .iter()
        .map(|f| f.estimated_savings_usd)
        .sum::<f64>()
        .min(period_cost.as_f64());
    let penalty: u32 = findings.iter().map(|f| f.severity.weight()).sum();
    let score = 100 - penalty.min(80);
    let sessions = input.sessions().len();
    let period_cost_usd = period_cost.as_f64();
    let days = period_days(&span, input);
    Optimization {
        period: span,
        summary: Summary {
            health_score: score,
            health_grade: grade(score).to_string(),
            finding_count: findings.len(),
            period_cost_usd,
            potential_savings_usd: round_cents(savings),
            potential_savings_percent: if period_cost_usd > 0.0 {
                (savings / period_cost_usd * 1000.0).round() / 10.0
            } else {
                0.0
            },
            sessions,
            calls: input
                .calls
                .iter()
                .filter(|c| !c.event.supplementary)
                .count(),
            days,
        },
        findings,
        applied_fixes: Vec::new(),
    }
}

/// The days `span` covers; an unbounded end is the first or last day with calls.
fn period_days(span: &Span, input: &Input<'_>) -> u32 {
    let day = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(|t| t.date_naive());
    let times = || input.calls.iter().map(|c| c.event.timestamp_ms);
    let first = span.range.from.or_else(|| times().min().and_then(day));
    let last = span.range.to.or_else(|| times().max().and_then(day));
    match (first, last) {
        (Some(a), Some(b)) if b >= a => u32::try_from((b - a).num_days() + 1).unwrap_or(u32::MAX),
        _ => 1,
    }
}

/// The letter for a health score.
pub fn grade(score: u32) -> &'static str {
    match score {
        90.. => "A",
        75..=89 => "B",
        55..=74 => "C",
        30..=54 => "D",
        _ => "F",
    }
}

/// How urgent a finding is: its severity and its size (5 M tokens is as big as it gets).
fn urgency(f: &Finding) -> f64 {
    #[allow(clippy::cast_precision_loss)] // a ratio
    let size = (f.tokens_saved as f64 / 5_000_000.0).min(1.0);
    0.5 * f.severity.urgency() + 0.5 * size
}

/// A saving as the findings report it: dollars to the cent.
pub(crate) fn usd(u: Usd) -> f64 {
    round_cents(u.as_f64())
}

/// A saving in words: `$12.34`.
pub(crate) fn dollars(u: Usd) -> String {
    crate::format::money(u, &crate::format::Display::default())
}

pub(crate) fn round_cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

/// The filter's calls and slices for `input`.
pub(crate) fn keep_calls(calls: Vec<CallRow>, filter: &Filter) -> Vec<CallRow> {
    calls
        .into_iter()
        .filter(|c| filter.keeps_source(c.event.provider, &c.event.project))
        .collect()
}

/// What the index holds for a period, as `optimize` reads it.
pub struct Logged {
    /// The stored calls.
    pub calls: Vec<CallRow>,
    /// The prompts of their sessions.
    pub prompts: Vec<(ProviderId, String, i64, crate::classify::PromptSig)>,
    /// The MCP tools their sessions loaded.
    pub mcp_tools: Vec<(ProviderId, String, String)>,
    /// The rollup.
    pub slices: Vec<Slice>,
}

/// Builds the input from the index's calls and slices for `filter`, reading the tools'
/// configuration under `paths`.
pub fn input<'a>(
    logged: Logged,
    filter: &Filter,
    pricer: &'a Pricer,
    paths: &Paths,
    now_ms: i64,
) -> Input<'a> {
    let Logged {
        calls,
        prompts,
        mcp_tools,
        slices,
    } = logged;
    let calls = keep_calls(calls, filter);
    let slices: Vec<Slice> = slices.into_iter().filter(|s| filter.keeps(s)).collect();
    let projects: Vec<&str> = {
        let mut p: Vec<&str> = calls.iter().map(|c| c.event.project.as_str()).collect();
        p.sort_unstable();
        p.dedup();
        p
    };
    let claude = filter.providers.is_empty() || filter.providers.contains(&ProviderId::ClaudeCode);
    let codex = filter.providers.is_empty() || filter.providers.contains(&ProviderId::Codex);
    let config = Config::read(paths, &projects, claude, codex);
    let sessions: std::collections::HashSet<(ProviderId, &str)> = calls
        .iter()
        .map(|c| (c.event.provider, c.event.session_id.as_str()))
        .collect();
    let prompts = prompts
        .into_iter()
        .filter(|(p, s, _, _)| sessions.contains(&(*p, s.as_str())))
        .collect();
    let mcp_tools = mcp_tools
        .into_iter()
        .filter(|(p, s, _)| sessions.contains(&(*p, s.as_str())))
        .collect();
    Input {
        calls,
        slices,
        prompts,
        mcp_tools,
        pricer,
        config,
        now_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::grade;

    #[test]
    fn grades_have_their_edges() {
        for (score, letter) in [
            (100, "A"),
            (90, "A"),
            (89, "B"),
            (75, "B"),
            (74, "C"),
            (55, "C"),
            (54, "D"),
            (30, "D"),
            (29, "F"),
            (20, "F"),
        ] {
            assert_eq!(grade(score), letter, "{score}");
        }
    }
}
