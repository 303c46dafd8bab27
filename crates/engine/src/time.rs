//! Timestamps, calendar days and report periods.
//!
//! Calls are stored as UTC milliseconds. A call belongs to the calendar day of its own
//! timestamp in the report's time zone (never the user prompt's), so a turn that crosses
//! midnight splits per call. Periods are ranges of calendar days, inclusive at both ends, so
//! every query uses the same day boundaries.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::{Error, Result};

/// Parses an RFC 3339 timestamp (`2026-05-01T09:00:04.120Z`, `…+02:00`) to UTC milliseconds.
/// A timestamp without a zone is taken as UTC.
///
/// A leap second (`23:59:60`) stays on its own day, as its last millisecond: chrono holds it
/// as second 59 plus a whole extra second, which would otherwise land on the next day.
pub fn parse_timestamp_ms(s: &str) -> Option<i64> {
    use chrono::Timelike;
    let s = s.trim();
    let utc = match DateTime::parse_from_rfc3339(s) {
        Ok(dt) => dt.to_utc(),
        // a zone-less time is UTC: SQLite's `CURRENT_TIMESTAMP` writes `2026-05-01 10:00:00`
        Err(_) => chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
            .ok()?
            .and_utc(),
    };
    if utc.nanosecond() >= 1_000_000_000 {
        return Some(utc.timestamp() * 1000 + 999);
    }
    Some(utc.timestamp_millis())
}

/// The calendar day of `ts_ms` in `tz`.
pub fn local_date(ts_ms: i64, tz: Tz) -> NaiveDate {
    let utc = DateTime::<Utc>::from_timestamp_millis(ts_ms).unwrap_or_default();
    tz.from_utc_datetime(&utc.naive_utc()).date_naive()
}

/// The index's number for a calendar day: days since 0001-01-01 (day 1), so day numbers
/// order and subtract like the dates they stand for.
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// The day number of `ts_ms`'s calendar day in `tz`.
pub fn day_number_at(ts_ms: i64, tz: Tz) -> i64 {
    day_number(local_date(ts_ms, tz))
}

/// The date a [`day_number`] stands for (0001-01-01 for a number outside the calendar).
pub fn date_of_day_number(day: i64) -> NaiveDate {
    i32::try_from(day)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_default()
}

/// A named report period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    /// Today only.
    Today,
    /// The last 7 calendar days, today included.
    Week,
    /// The last 30 calendar days, today included.
    #[serde(rename = "30days")]
    ThirtyDays,
    /// The current calendar month up to today.
    Month,
    /// Everything on record.
    All,
}

impl Period {
    /// Every period, in the order the popover offers them.
    pub const ALL: [Period; 5] = [
        Period::Today,
        Period::Week,
        Period::ThirtyDays,
        Period::Month,
        Period::All,
    ];

    /// The period named `s` (`today`, `week`/`7days`, `30days`, `month`, `all`/`lifetime`).
    pub fn parse(s: &str) -> Option<Period> {
        match s.trim().to_ascii_lowercase().as_str() {
            "today" => Some(Period::Today),
            "week" | "7days" => Some(Period::Week),
            "30days" => Some(Period::ThirtyDays),
            "month" => Some(Period::Month),
            "all" | "lifetime" => Some(Period::All),
            _ => None,
        }
    }

    /// The id used in flags and payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::Week => "week",
            Period::ThirtyDays => "30days",
            Period::Month => "month",
            Period::All => "all",
        }
    }
}

/// An inclusive range of calendar days; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct DayRange {
    /// First day included.
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
}

impl DayRange {
    /// True when `day` is inside the range.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// The range as inclusive [`day_number`]s (open ends become `i64::MIN` / `i64::MAX`).
    pub fn day_numbers(&self) -> (i64, i64) {
        (
            self.from.map_or(i64::MIN, day_number),
            self.to.map_or(i64::MAX, day_number),
        )
    }
}

/// What a report covers: the range plus how to name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// `today`, `week`, `30days`, `month`, `all` or `custom`.
    pub key: String,
    /// A human label ("Last 7 days").
    pub label: String,
    /// The days covered.
    #[serde(flatten)]
    pub range: DayRange,
}

impl Span {
    /// The span of a named period ending `today`.
    pub fn of_period(period: Period, today: NaiveDate) -> Span {
        let back = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
        let (from, label) = match period {
            Period::Today => (Some(today), format!("Today ({today})")),
            Period::Week => (Some(back(6)), "Last 7 days".to_string()),
            Period::ThirtyDays => (Some(back(29)), "Last 30 days".to_string()),
            Period::Month => (
                today.with_day(1),
                format!("{} {}", month_name(today.month()), today.year()),
            ),
            Period::All => (None, "All time".to_string()),
        };
        let to = (period != Period::All).then_some(today);
        Span {
            key: period.as_str().to_string(),
            label,
            range: DayRange { from, to },
        }
    }

    /// A custom span from `--from`/`--to` (either may be absent). `from > to` is an error.
    pub fn custom(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Span> {
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(Error::Date(format!(
                "--from {f} is after --to {t}: nothing can match"
            )));
        }
        let label = match (from, to) {
            (Some(f), Some(t)) if f == t => f.to_string(),
            (Some(f), Some(t)) => format!("{f} to {t}"),
            (Some(f), None) => format!("Since {f}"),
            (None, Some(t)) => format!("Up to {t}"),
            (None, None) => "All time".to_string(),
        };
        Ok(Span {
            key: "custom".to_string(),
            label,
            range: DayRange { from, to },
        })
    }
}

/// Parses a `YYYY-MM-DD` date strictly: `2026-02-31` is an error, not March 3rd.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    let valid_shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !valid_shape {
        return Err(Error::Date(format!(
            "invalid date {s:?}: expected YYYY-MM-DD"
        )));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::Date(format!("invalid date {s:?}: no such day")))
}

fn month_name(m: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[(m as usize + 11) % 12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_17_a_leap_second_stays_on_its_day() {
        let leap = parse_timestamp_ms("2026-12-31T23:59:60Z").unwrap();
        let before = parse_timestamp_ms("2026-12-31T23:59:59.000Z").unwrap();
        let next = parse_timestamp_ms("2027-01-01T00:00:00Z").unwrap();
        assert!(before < leap && leap < next, "{before} < {leap} < {next}");
        assert_eq!(local_date(leap, Tz::UTC).to_string(), "2026-12-31");
        assert_eq!(
            parse_timestamp_ms("2026-12-31T23:59:60.500+00:00"),
            Some(leap),
            "any fraction of the leap second is its last millisecond"
        );
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn timestamps_parse_with_and_without_fraction_or_zone() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:01.500Z"), Some(1500));
        assert_eq!(parse_timestamp_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:02"), Some(2000));
        assert_eq!(parse_timestamp_ms("yesterday"), None);
    }

    #[test]
    fn days_follow_the_time_zone() {
        let ts = parse_timestamp_ms("2026-03-01T23:30:00Z").unwrap();
        assert_eq!(local_date(ts, Tz::UTC), d("2026-03-01"));
        assert_eq!(
            local_date(ts, "Asia/Kolkata".parse().unwrap()),
            d("2026-03-02")
        );
        assert_eq!(
            local_date(ts, "America/New_York".parse().unwrap()),
            d("2026-03-01")
        );
    }

    #[test]
    fn pitfall_32_impossible_dates_are_errors() {
        assert!(parse_date("2026-02-31").is_err());
        assert!(parse_date("2026-2-3").is_err());
        assert!(parse_date("20260203").is_err());
        assert_eq!(parse_date("2024-02-29").unwrap(), d("2024-02-29"));
        assert!(Span::custom(Some(d("2026-03-02")), Some(d("2026-03-01"))).is_err());
    }

    #[test]
    fn periods_are_whole_calendar_days_ending_today() {
        let today = d("2026-11-22");
        let w = Span::of_period(Period::Week, today);
        assert_eq!(w.range.from, Some(d("2026-11-16")));
        assert_eq!(w.range.to, Some(today));
        let m = Span::of_period(Period::Month, today);
        assert_eq!(m.range.from, Some(d("2026-11-01")));
        assert_eq!(m.label, "November 2026");
        let t = Span::of_period(Period::ThirtyDays, today);
        assert_eq!(t.range.from, Some(d("2026-10-24")));
        let a = Span::of_period(Period::All, today);
        assert_eq!(a.range, DayRange::default());
    }
}
