//! Budgets and alerts: how much of a daily, weekly or monthly budget is spent, how fast, and
//! which thresholds a batch of new calls crossed.
//!
//! Periods are calendar periods in the report zone: a day, an ISO week (Monday to Sunday), a
//! month. Each has a key (`2026-11-22`, `2026-W47`, `2026-11`); a new key re-arms every
//! threshold. [`crossings`] is a pure function of (budgets, spend before, spend after); the
//! index remembers what was sent ([`crate::Engine::claim_alerts`]) so a restart, a re-scan or a
//! re-price never repeats an alert. Only the current period is ever evaluated, so a first scan
//! of old history cannot fire alerts for past periods.
//!
//! The runaway-session alert watches each active session's spend over the last few minutes
//! and its total, and fires once per session.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Filter, Slice};
use crate::model::{ProviderId, Usd};
use crate::settings::Invalid;

mod runaway;
use crate::time::DayRange;
pub use runaway::{Runaway, RunawayAlert, SessionSpend, runaways};

/// The default thresholds, in percent of the budget.
pub const DEFAULT_THRESHOLDS: [u32; 3] = [50, 80, 100];

/// A budget's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetPeriod {
    /// A calendar day.
    Daily,
    /// An ISO week, Monday to Sunday.
    Weekly,
    /// A calendar month.
    Monthly,
}

impl BudgetPeriod {
    /// `daily`, `weekly`, `monthly`.
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Daily => "daily",
            BudgetPeriod::Weekly => "weekly",
            BudgetPeriod::Monthly => "monthly",
        }
    }

    /// Parses `daily`/`day`, `weekly`/`week`, `monthly`/`month`.
    pub fn parse(s: &str) -> Option<BudgetPeriod> {
        match s.trim().to_ascii_lowercase().as_str() {
            "daily" | "day" => Some(BudgetPeriod::Daily),
            "weekly" | "week" => Some(BudgetPeriod::Weekly),
            "monthly" | "month" => Some(BudgetPeriod::Monthly),
            _ => None,
        }
    }

    /// The period containing `day`: its first and last day and its key.
    pub fn window(self, day: NaiveDate) -> (NaiveDate, NaiveDate, String) {
        match self {
            BudgetPeriod::Daily => (day, day, day.to_string()),
            BudgetPeriod::Weekly => {
                let from = day - Days::new(u64::from(day.weekday().num_days_from_monday()));
                let to = from + Days::new(6);
                let w = day.iso_week();
                (from, to, format!("{}-W{:02}", w.year(), w.week()))
            }
            BudgetPeriod::Monthly => {
                let from = day.with_day(1).unwrap_or(day);
                let next = if day.month() == 12 {
                    NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
                };
                let to = next.and_then(|n| n.pred_opt()).unwrap_or(day);
                (from, to, format!("{}-{:02}", day.year(), day.month()))
            }
        }
    }
}

/// One budget, as written in the settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Daily, weekly or monthly.
    pub period: BudgetPeriod,
    /// The amount, in USD.
    pub usd: f64,
    /// Only projects whose path or name contains this (case-insensitive); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Only this tool; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    /// Alert at these percentages of the budget.
    #[serde(default = "default_thresholds")]
    pub thresholds: Vec<u32>,
}

fn default_thresholds() -> Vec<u32> {
    DEFAULT_THRESHOLDS.to_vec()
}

impl Budget {
    /// A budget over everything with the default thresholds.
    pub fn new(period: BudgetPeriod, usd: f64) -> Budget {
        Budget {
            period,
            usd,
            project: None,
            provider: None,
            thresholds: default_thresholds(),
        }
    }

    /// A stable id: `daily`, `weekly/project=api`, `monthly/provider=codex`.
    pub fn id(&self) -> String {
        let mut id = self.period.as_str().to_string();
        if let Some(p) = &self.project {
            id.push_str("/project=");
            id.push_str(p);
        }
        if let Some(p) = self.provider {
            id.push_str("/provider=");
            id.push_str(p.as_str());
        }
        id
    }

    /// The key its alerts are remembered by: the id and the amount, so a changed amount
    /// re-arms the thresholds.
    pub fn alert_key(&self) -> String {
        format!("{}@{}", self.id(), self.amount().to_decimal_string())
    }

    /// The budget in micro-USD.
    pub fn amount(&self) -> Usd {
        Usd::from_dollars(self.usd)
    }

    /// "project api, Codex" or "all tools and projects".
    pub fn scope(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.project {
            parts.push(format!("project {p}"));
        }
        if let Some(p) = self.provider {
            parts.push(p.label().to_string());
        }
        if parts.is_empty() {
            "all tools and projects".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// What is wrong with it, if anything.
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(self.usd.is_finite() && self.usd > 0.0) {
            return Err(Invalid::BudgetAmount {
                budget: self.id(),
                usd: self.usd,
            });
        }
        if self.thresholds.is_empty() || self.thresholds.iter().any(|t| *t == 0 || *t > 1000) {
            return Err(Invalid::Thresholds(self.id()));
        }
        if self.project.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err(Invalid::EmptyProject(self.id()));
        }
        Ok(())
    }

    fn filter(&self, range: DayRange, tz: Tz) -> Filter {
        Filter {
            range,
            tz,
            providers: self.provider.into_iter().collect(),
            projects: self.project.iter().cloned().collect(),
        }
    }

    /// Spend in the period containing `today`, up to `today`.
    pub fn spend(&self, slices: &[Slice], today: NaiveDate, tz: Tz) -> (String, Usd) {
        let (from, _, key) = self.period.window(today);
        let filter = self.filter(
            DayRange {
                from: Some(from),
                to: Some(today),
            },
            tz,
        );
        let spend = slices
            .iter()
            .filter(|s| filter.keeps(s))
            .map(|s| s.totals.cost)
            .sum();
        (key, spend)
    }
}

/// Spend per budget in its current period: `alert key -> (period key, spend)` (keyed by
/// [`Budget::alert_key`], so a changed amount starts from zero).
pub type BudgetSpend = BTreeMap<String, (String, Usd)>;

/// Every budget's current spend.
pub fn spend_all(budgets: &[Budget], slices: &[Slice], today: NaiveDate, tz: Tz) -> BudgetSpend {
    budgets
        .iter()
        .map(|b| (b.alert_key(), b.spend(slices, today, tz)))
        .collect()
}

/// A threshold crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Crossing {
    /// The budget's id ([`Budget::id`]).
    pub budget_id: String,
    /// What the alert is remembered by ([`Budget::alert_key`]).
    pub alert: String,
    /// The threshold, percent.
    pub threshold: u32,
    /// The period key.
    pub period: String,
    /// Spend when it was crossed.
    pub spend: Usd,
    /// The budget.
    pub budget: Usd,
}

/// The thresholds that `after` reaches and `before` did not (a new period key re-arms).
pub fn crossings(budgets: &[Budget], before: &BudgetSpend, after: &BudgetSpend) -> Vec<Crossing> {
    let mut out = Vec::new();
    for b in budgets {
        let id = b.id();
        let Some((key, spend)) = after.get(&b.alert_key()) else {
            continue;
        };
        let prev = before
            .get(&b.alert_key())
            .filter(|(k, _)| k == key)
            .map_or(Usd::ZERO, |(_, s)| *s);
        let amount = b.amount();
        let mut thresholds = b.thresholds.clone();
        thresholds.sort_unstable();
        thresholds.dedup();
        for t in thresholds {
            let level = Usd(amount.micros().saturating_mul(i64::from(t)) / 100);
            if *spend >= level && prev < level {
                out.push(Crossing {
                    budget_id: id.clone(),
                    alert: b.alert_key(),
                    threshold: t,
                    period: key.clone(),
                    spend: *spend,
                    budget: amount,
                });
            }
        }
    }
    out
}

/// Of several crossings of one budget in one batch, only the highest is worth a notification.
pub fn highest_per_budget(crossings: &[Crossing]) -> Vec<Crossing> {
    let mut best: BTreeMap<(&str, &str), &Crossing> = BTreeMap::new();
    for c in crossings {
        let slot = best.entry((&c.alert, &c.period)).or_insert(c);
        if c.threshold > slot.threshold {
            *slot = c;
        }
    }
    best.into_values().cloned().collect()
}

/// A budget's state for the popover and `burnbar budget status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    /// Stable id.
    pub id: String,
    /// `daily`, `weekly`, `monthly`.
    pub period: BudgetPeriod,
    /// What it covers.
    pub scope: String,
    /// The period key (`2026-11-22`, `2026-W47`, `2026-11`).
    pub period_key: String,
    /// The budget.
    pub budget: Usd,
    /// Spent so far in the period.
    pub spend: Usd,
    /// Budget minus spend (negative when over).
    pub remaining: Usd,
    /// Spend / budget.
    pub fraction: f64,
    /// Spend has reached the budget.
    pub over: bool,
    /// When the current pace reaches the budget within the period, if it does (RFC 3339).
    pub cross_at: Option<String>,
    /// The pace in words: "at this rate you reach it at 15:40" / "... on the 19th".
    pub pace: Option<String>,
}

/// The status of `budget` at `now`.
pub fn status(budget: &Budget, slices: &[Slice], now: DateTime<Utc>, tz: Tz) -> BudgetStatus {
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    let (from, to, key) = budget.period.window(today);
    let (_, spend) = budget.spend(slices, today, tz);
    let amount = budget.amount();
    let over = spend >= amount;
    let start = tz
        .from_local_datetime(&from.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or(now, |t| t.to_utc());
    let end = to
        .succ_opt()
        .and_then(|d| {
            tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .earliest()
        })
        .map_or(now, |t| t.to_utc());
    let elapsed = (now - start).num_seconds();
    let cross_at = (!over && spend > Usd::ZERO && elapsed > 0).then(|| {
        let secs = (amount.micros() as f64 / spend.micros() as f64) * elapsed as f64;
        #[allow(clippy::cast_possible_truncation)] // seconds within a month
        let at = start + chrono::Duration::seconds(secs as i64);
        at
    });
    let cross_at = cross_at.filter(|t| *t < end);
    let pace = cross_at.map(|t| {
        let lt = t.with_timezone(&tz);
        if lt.date_naive() == today {
            format!("at this rate you reach it at {}", lt.format("%H:%M"))
        } else {
            format!("at this rate you reach it on the {}", ordinal(lt.day()))
        }
    });
    BudgetStatus {
        id: budget.id(),
        period: budget.period,
        scope: budget.scope(),
        period_key: key,
        budget: amount,
        spend,
        remaining: Usd(amount.micros() - spend.micros()),
        fraction: if amount.micros() > 0 {
            spend.micros() as f64 / amount.micros() as f64
        } else {
            0.0
        },
        over,
        cross_at: cross_at.map(|t| t.to_rfc3339()),
        pace,
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Totals;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn spent(on: &str, micros: i64) -> Slice {
        Slice {
            day: d(on),
            provider: ProviderId::ClaudeCode,
            model: "m".into(),
            project: "/p/api".into(),
            session: "s".into(),
            category: crate::classify::Category::General,
            totals: Totals {
                calls: 1,
                cost: Usd(micros),
                ..Totals::default()
            },
            first_ms: 0,
            last_ms: 0,
        }
    }

    #[test]
    fn windows_are_calendar_periods() {
        assert_eq!(
            BudgetPeriod::Daily.window(d("2026-11-22")),
            (d("2026-11-22"), d("2026-11-22"), "2026-11-22".into())
        );
        // ISO weeks run Monday to Sunday and may straddle a new year
        assert_eq!(
            BudgetPeriod::Weekly.window(d("2026-11-22")),
            (d("2026-11-16"), d("2026-11-22"), "2026-W47".into())
        );
        assert_eq!(
            BudgetPeriod::Weekly.window(d("2027-01-01")),
            (d("2026-12-28"), d("2027-01-03"), "2026-W53".into())
        );
        assert_eq!(
            BudgetPeriod::Monthly.window(d("2026-12-15")),
            (d("2026-12-01"), d("2026-12-31"), "2026-12".into())
        );
        assert_eq!(
            BudgetPeriod::Monthly.window(d("2028-02-10")),
            (d("2028-02-01"), d("2028-02-29"), "2028-02".into())
        );
    }

    #[test]
    fn periods_parse_both_spellings() {
        assert_eq!(BudgetPeriod::parse("Week"), Some(BudgetPeriod::Weekly));
        assert_eq!(BudgetPeriod::parse("monthly"), Some(BudgetPeriod::Monthly));
        assert_eq!(BudgetPeriod::parse("yearly"), None);
    }

    #[test]
    fn pace_names_the_hour_today_and_the_day_this_month() {
        let tz = chrono_tz::UTC;
        let b = Budget::new(BudgetPeriod::Daily, 10.0);
        // $6 by noon: $10 at 20:00
        let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let s = status(&b, &[spent("2026-11-22", 6_000_000)], now, tz);
        assert_eq!(
            s.pace.as_deref(),
            Some("at this rate you reach it at 20:00")
        );
        assert_eq!(s.remaining, Usd(4_000_000));
        assert!(!s.over);
        assert!((s.fraction - 0.6).abs() < 1e-9);
        // $4 by noon: the day ends first, no pace
        let s = status(&b, &[spent("2026-11-22", 4_000_000)], now, tz);
        assert_eq!(s.pace, None);
        // monthly: $50 of $100 after 9 days: the 19th
        let m = Budget::new(BudgetPeriod::Monthly, 100.0);
        let now: DateTime<Utc> = "2026-11-10T00:00:00Z".parse().unwrap();
        let s = status(&m, &[spent("2026-11-03", 50_000_000)], now, tz);
        assert_eq!(
            s.pace.as_deref(),
            Some("at this rate you reach it on the 19th")
        );
        assert_eq!(s.period_key, "2026-11");
        // over: no pace, negative remaining
        let s = status(&b, &[spent("2026-11-22", 12_500_000)], now, tz);
        assert_eq!(s.spend, Usd::ZERO, "the 22nd is not in the day of the 10th");
        let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let s = status(&b, &[spent("2026-11-22", 12_500_000)], now, tz);
        assert!(s.over);
        assert_eq!(s.remaining, Usd(-2_500_000));
        assert_eq!(s.pace, None);
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"
            ]
        );
    }

    #[test]
    fn validation_names_the_budget() {
        assert!(Budget::new(BudgetPeriod::Daily, 5.0).validate().is_ok());
        let e = Budget::new(BudgetPeriod::Weekly, 0.0)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("weekly budget"), "{e}");
        let e = Budget::new(BudgetPeriod::Daily, f64::NAN)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a positive amount"), "{e}");
        let b = Budget {
            thresholds: vec![0],
            ..Budget::new(BudgetPeriod::Daily, 5.0)
        };
        assert!(b.validate().is_err());
        let b = Budget {
            project: Some("  ".into()),
            ..Budget::new(BudgetPeriod::Daily, 5.0)
        };
        assert!(b.validate().is_err());
    }

    #[test]
    fn ids_keys_and_scopes() {
        let b = Budget {
            project: Some("api".into()),
            provider: Some(ProviderId::Codex),
            ..Budget::new(BudgetPeriod::Monthly, 12.5)
        };
        assert_eq!(b.id(), "monthly/project=api/provider=codex");
        assert_eq!(
            b.alert_key(),
            "monthly/project=api/provider=codex@12.500000"
        );
        assert_eq!(b.scope(), "project api, Codex");
        assert_eq!(
            Budget::new(BudgetPeriod::Daily, 1.0).scope(),
            "all tools and projects"
        );
    }
}
