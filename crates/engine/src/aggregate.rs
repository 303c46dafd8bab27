//! Pure aggregation: filters and rollups over priced calls.
//!
//! A call counts on the calendar day of its own timestamp in the query's time zone. Calls are
//! summed into [`Slice`]s (day x session x model x project), the unit every report and export
//! is built from. Totals add exactly (integer tokens, integer micro-USD), so any partition sums
//! to the same figures: `rollup(a ++ b) == merge(rollup(a), rollup(b))`, which the property
//! tests check.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::classify::Category;
use crate::model::{CostSource, ProviderId, Tokens, UsageEvent, Usd};
use crate::project::display_name;
use crate::time::DayRange;

/// A call with its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The call as read.
    pub event: UsageEvent,
    /// Its cost; `None` when the model is unpriced.
    pub cost: Option<Usd>,
    /// Where the cost came from.
    pub cost_source: CostSource,
}

/// Sums over a set of calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Number of calls.
    pub calls: u64,
    /// Token sums.
    pub tokens: Tokens,
    /// Cost of the priced calls.
    pub cost: Usd,
    /// Calls whose cost is unknown (not included in `cost`).
    pub unpriced_calls: u64,
    /// The part of `cost` that is estimated.
    pub estimated_cost: Usd,
    /// The part of `cost` a tool recorded only as session sums (dated at each session's last
    /// activity).
    pub session_total_cost: Usd,
    /// The part of `cost` the tools reported themselves (their own figure, not ours).
    pub reported_cost: Usd,
    /// The weakest cost source among the calls (`None` for no calls).
    pub cost_source: Option<CostSource>,
    /// Turn counts (each turn counted on its first call).
    pub turns: TurnStats,
}

/// What the classifier found in a set of turns. A turn counts on its first behavioural call
/// (its day, model and project: the turn's primary model), so any partition of the calls
/// sums to the same counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TurnStats {
    /// Turns.
    pub turns: u64,
    /// Turns that edited files.
    pub edit_turns: u64,
    /// Edit turns without a retry.
    pub one_shot_turns: u64,
    /// Retries within edit turns.
    pub retries: u64,
    /// The cost of the edit turns (all their calls).
    pub edit_cost: Usd,
    /// Calls whose text owned up to a mistake.
    pub self_corrections: u64,
    /// Tool uses.
    pub tool_uses: u64,
}

impl TurnStats {
    /// Adds another.
    pub fn merge(&mut self, o: &TurnStats) {
        self.turns += o.turns;
        self.edit_turns += o.edit_turns;
        self.one_shot_turns += o.one_shot_turns;
        self.retries += o.retries;
        self.edit_cost += o.edit_cost;
        self.self_corrections += o.self_corrections;
        self.tool_uses += o.tool_uses;
    }

    /// One-shot turns / edit turns, 0..1; `None` without edit turns.
    pub fn one_shot_rate(&self) -> Option<f64> {
        (self.edit_turns > 0).then(|| self.one_shot_turns as f64 / self.edit_turns as f64)
    }

    /// Retries per edit turn; `None` without edit turns.
    pub fn retry_rate(&self) -> Option<f64> {
        (self.edit_turns > 0).then(|| self.retries as f64 / self.edit_turns as f64)
    }

    /// Cost per edit turn; `None` without edit turns.
    pub fn cost_per_edit(&self) -> Option<Usd> {
        (self.edit_turns > 0).then(|| {
            Usd(self.edit_cost.micros() / i64::try_from(self.edit_turns).unwrap_or(i64::MAX))
        })
    }

    /// Self-corrections per turn, 0..1; `None` without turns.
    pub fn self_correction_rate(&self) -> Option<f64> {
        (self.turns > 0).then(|| self.self_corrections as f64 / self.turns as f64)
    }
}

impl Totals {
    /// Adds one call.
    pub fn add(&mut self, c: &Call) {
        self.add_call(
            &c.event.tokens,
            c.cost,
            c.cost_source,
            c.event.supplementary,
        );
    }

    /// Adds one call given by its parts: the one rule by which every sum of calls is made. A
    /// supplementary record (a context meter) adds tokens and cost but is neither a call nor
    /// an unpriced one.
    pub fn add_call(
        &mut self,
        tokens: &Tokens,
        cost: Option<Usd>,
        source: CostSource,
        supplementary: bool,
    ) {
        if !supplementary {
            self.calls += 1;
        }
        self.tokens += *tokens;
        match cost {
            Some(cost) => {
                self.cost += cost;
                match source {
                    CostSource::Estimated => self.estimated_cost += cost,
                    CostSource::SessionTotal => self.session_total_cost += cost,
                    CostSource::Reported => self.reported_cost += cost,
                    CostSource::Computed | CostSource::Unpriced => {}
                }
            }
            None if !supplementary => self.unpriced_calls += 1,
            None => {}
        }
        self.cost_source = Some(self.cost_source.map_or(source, |s| s.weakest(source)));
    }

    /// Adds another total.
    pub fn merge(&mut self, o: &Totals) {
        self.calls += o.calls;
        self.tokens += o.tokens;
        self.cost += o.cost;
        self.unpriced_calls += o.unpriced_calls;
        self.estimated_cost += o.estimated_cost;
        self.session_total_cost += o.session_total_cost;
        self.reported_cost += o.reported_cost;
        self.cost_source = match (self.cost_source, o.cost_source) {
            (Some(a), Some(b)) => Some(a.weakest(b)),
            (a, b) => a.or(b),
        };
        self.turns.merge(&o.turns);
    }

    /// Share of prompt tokens served from cache: reads / (input + cache writes + reads),
    /// 0..1; `None` when there was no prompt.
    pub fn cache_hit_rate(&self) -> Option<f64> {
        let prompt = self.tokens.prompt();
        (prompt > 0).then(|| self.tokens.cache_read as f64 / prompt as f64)
    }

    /// True when every call is unpriced (the cost is unknown, not zero).
    pub fn is_unpriced(&self) -> bool {
        self.calls > 0 && self.unpriced_calls == self.calls
    }
}

/// Which calls a report or export covers.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Calendar days covered.
    pub range: DayRange,
    /// The zone the days are in.
    pub tz: Tz,
    /// Providers to keep (empty = all).
    pub providers: Vec<ProviderId>,
    /// Project patterns, matched case-insensitively as substrings of the project's path or
    /// name; a call is kept when any matches (empty = all).
    pub projects: Vec<String>,
}

impl Filter {
    /// Everything, with days in `tz`.
    pub fn all(tz: Tz) -> Filter {
        Filter {
            range: DayRange::default(),
            tz,
            providers: Vec::new(),
            projects: Vec::new(),
        }
    }
}

/// Calls summed per (day, provider, session, model, project): the unit reports are built
/// from, whether the calls come from memory or from the index's rollup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    /// Calendar day in the report zone.
    pub day: NaiveDate,
    /// Tool.
    pub provider: ProviderId,
    /// Model as logged.
    pub model: String,
    /// Canonical project.
    pub project: String,
    /// Session.
    pub session: String,
    /// The activity of the turns these calls belong to.
    pub category: Category,
    /// Sums.
    pub totals: Totals,
    /// Earliest call, UTC ms.
    pub first_ms: i64,
    /// Latest call, UTC ms.
    pub last_ms: i64,
}

impl Filter {
    /// True when a slice passes the provider and project filters and lies in the range.
    pub fn keeps(&self, s: &Slice) -> bool {
        self.keeps_parts(s.day, s.provider, &s.project)
    }

    /// [`Filter::keeps`] for a row with this day, tool and project.
    pub fn keeps_parts(&self, day: NaiveDate, provider: ProviderId, project: &str) -> bool {
        self.range.contains(day) && self.keeps_source(provider, project)
    }

    /// The tool and project filters alone.
    pub fn keeps_source(&self, provider: ProviderId, project: &str) -> bool {
        (self.providers.is_empty() || self.providers.contains(&provider))
            && self.keeps_project(project)
    }

    fn keeps_project(&self, project: &str) -> bool {
        if self.projects.is_empty() {
            return true;
        }
        let path = project.to_lowercase();
        let name = display_name(&path);
        self.projects.iter().any(|p| {
            let p = p.to_lowercase();
            path.contains(&p) || name.contains(&p)
        })
    }
}

/// Sums slices grouped by `key`.
pub fn group_by<K: Ord>(slices: &[&Slice], key: impl Fn(&Slice) -> K) -> BTreeMap<K, Totals> {
    let mut out: BTreeMap<K, Totals> = BTreeMap::new();
    for s in slices {
        out.entry(key(s)).or_default().merge(&s.totals);
    }
    out
}

/// The export grouping: (day, provider, model as logged, project).
pub type RowKey = (NaiveDate, ProviderId, String, String);

/// Totals per (day, provider, model, project), ordered by key.
pub fn rollup<'s>(slices: impl IntoIterator<Item = &'s Slice>) -> BTreeMap<RowKey, Totals> {
    let mut out: BTreeMap<RowKey, Totals> = BTreeMap::new();
    for s in slices {
        let key = (s.day, s.provider, s.model.clone(), s.project.clone());
        out.entry(key).or_default().merge(&s.totals);
    }
    out
}

/// Adds rollup `b` into `a`.
pub fn merge_rollups(a: &mut BTreeMap<RowKey, Totals>, b: &BTreeMap<RowKey, Totals>) {
    for (k, v) in b {
        a.entry(k.clone()).or_default().merge(v);
    }
}
