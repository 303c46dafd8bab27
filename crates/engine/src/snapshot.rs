//! What the tray shows: one payload per (period, provider) view, built from the index's rollup.
//!
//! The tray keeps one [`SnapshotData`] (every [`Slice`] on record plus the report context)
//! after each sync and answers every view from it in memory, so switching the period in the
//! popover never touches the disk or the engine's thread. `burnbar snapshot --format json`
//! prints the same payload, which is how the popover's golden test files are made.
//!
//! Invariant: `report` is exactly what `burnbar report --format json` prints for the same
//! period and provider; `today` is always today over every provider (the tray title), and
//! `trend` is the last 30 days of the view's provider filter.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::aggregate::{Filter, Slice, Totals};
use crate::budget::{self, Budget, BudgetStatus};
pub use crate::format::Display;
use crate::model::{ProviderId, Usd};
use crate::report::{Figures, Report, ReportContext};
use crate::time::{DayRange, Period, Span};

/// Bumped on any incompatible change of the payload.
pub const SCHEMA: &str = "burnbar.snapshot.v1";

/// Days in the trend chart.
pub const TREND_DAYS: u64 = 30;

/// Which slice of the data the popover shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// The period.
    pub period: Period,
    /// One provider, or all of them.
    pub provider: Option<ProviderId>,
}

impl Default for View {
    fn default() -> View {
        View {
            period: Period::Today,
            provider: None,
        }
    }
}

/// The rollup and context a snapshot is built from (cheap to keep, cheap to query).
#[derive(Debug, Clone)]
pub struct SnapshotData {
    /// Every slice on record.
    pub slices: Vec<Slice>,
    /// Sources, diagnostics, prices.
    pub ctx: ReportContext,
    /// The zone days are counted in.
    pub tz: Tz,
    /// How money is shown.
    pub display: Display,
    /// The budgets to report on.
    pub budgets: Vec<Budget>,
    /// The Tips card (`optimize` over the last 30 days), when it was computed.
    pub tips: Option<crate::optimize::Tips>,
    /// The usage windows, when they were computed.
    pub limits: Option<crate::limits::Limits>,
}

/// Today's headline over every provider: the tray title and tooltip.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Today {
    /// The day, in the report zone.
    pub date: NaiveDate,
    /// Cost of the priced calls.
    pub cost: Usd,
    /// The part of `cost` that is estimated.
    pub estimated_cost: Usd,
    /// The part of `cost` recorded only as session sums.
    pub session_total_cost: Usd,
    /// Calls.
    pub calls: u64,
    /// Calls with no known price (not in `cost`).
    pub unpriced_calls: u64,
    /// Cache reads / prompt tokens, 0..1.
    pub cache_hit_rate: Option<f64>,
}

impl Today {
    /// The figures of `date` over the slices `filter` keeps (its tool and project filters;
    /// its day range is not used): the tray title, the popover's headline and each line of
    /// `burnbar watch` are made here.
    pub fn of<'s>(
        slices: impl IntoIterator<Item = &'s Slice>,
        filter: &Filter,
        date: NaiveDate,
    ) -> Today {
        let mut t = Totals::default();
        for s in slices
            .into_iter()
            .filter(|s| s.day == date && filter.keeps_source(s.provider, &s.project))
        {
            t.merge(&s.totals);
        }
        let head = Figures::from(&t);
        Today {
            date,
            cost: head.cost,
            estimated_cost: head.estimated_cost,
            session_total_cost: head.session_total_cost,
            calls: head.calls,
            unpriced_calls: head.unpriced_calls,
            cache_hit_rate: head.cache_hit_rate,
        }
    }
}

/// One bar of the trend chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendDay {
    /// The day.
    pub date: NaiveDate,
    /// Its cost.
    pub cost: Usd,
    /// Its calls.
    pub calls: u64,
}

/// The popover's whole payload.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The view this answers.
    pub view: View,
    /// Today over every provider.
    pub today: Today,
    /// The last [`TREND_DAYS`] days, oldest first, for the view's providers.
    pub trend: Vec<TrendDay>,
    /// Providers with any call on record (the popover offers a filter when there are two).
    pub providers_with_data: Vec<ProviderId>,
    /// How money is shown.
    pub display: Display,
    /// Each budget's spend in its current period (over every tool, whatever the view).
    pub budgets: Vec<BudgetStatus>,
    /// The report for the view.
    pub report: Report,
    /// The Tips card: the grade and the most urgent findings of the last 30 days (all tools).
    pub tips: Option<crate::optimize::Tips>,
    /// The usage windows of the tools in use (`burnbar limits`).
    pub limits: Option<crate::limits::Limits>,
}

impl SnapshotData {
    /// Today (in the data's zone, as of `now`) over every provider: the tray's title.
    pub fn today(&self, now: DateTime<Utc>) -> Today {
        let date = now.with_timezone(&self.tz).date_naive();
        Today::of(&self.slices, &Filter::all(self.tz), date)
    }

    /// The snapshot for `view` as of `now`.
    pub fn snapshot(&self, view: View, now: DateTime<Utc>) -> Snapshot {
        let today = now.with_timezone(&self.tz).date_naive();
        let filter = |range: DayRange, provider: Option<ProviderId>| Filter {
            range,
            tz: self.tz,
            providers: provider.into_iter().collect(),
            projects: Vec::new(),
        };
        let span = Span::of_period(view.period, today);
        let report = Report::build(
            &self.slices,
            &filter(span.range, view.provider),
            span,
            now,
            self.ctx.clone(),
        );

        let from = today
            .checked_sub_days(Days::new(TREND_DAYS - 1))
            .unwrap_or(today);
        let trend_filter = filter(
            DayRange {
                from: Some(from),
                to: Some(today),
            },
            view.provider,
        );
        let mut trend: Vec<TrendDay> = from
            .iter_days()
            .take_while(|d| *d <= today)
            .map(|date| TrendDay {
                date,
                cost: Usd::ZERO,
                calls: 0,
            })
            .collect();
        for s in self.slices.iter().filter(|s| trend_filter.keeps(s)) {
            if let Some(i) = usize::try_from((s.day - from).num_days()).ok()
                && let Some(row) = trend.get_mut(i)
            {
                row.cost += s.totals.cost;
                row.calls += s.totals.calls;
            }
        }

        let mut providers: Vec<ProviderId> = self.slices.iter().map(|s| s.provider).collect();
        providers.sort();
        providers.dedup();

        Snapshot {
            schema: SCHEMA,
            view,
            today: self.today(now),
            trend,
            providers_with_data: providers,
            display: self.display.clone(),
            budgets: self
                .budgets
                .iter()
                .map(|b| budget::status(b, &self.slices, now, self.tz))
                .collect(),
            report,
            tips: self.tips.clone(),
            limits: self.limits.as_ref().map(|l| l.as_of(now)),
        }
    }
}
