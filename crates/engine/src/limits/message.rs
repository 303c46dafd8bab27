//! Claude Code's limit messages: what it writes into a session when a usage window runs out.
//!
//! The message is an assistant record Claude Code makes itself (`"model":"<synthetic>"`,
//! `"isApiErrorMessage":true`, newer versions `"error":"rate_limit"`) whose one text block
//! says which window ran out and when it resets. The shapes seen in the wild, oldest first:
//!
//! - `Claude AI usage limit reached|1750708800` (the reset as epoch seconds),
//! - `Claude usage limit reached. Your limit will reset at 3pm (America/Bogota).`,
//! - `5-hour limit reached ∙ resets 3pm`, `Weekly limit reached ∙ resets Mon 5am`,
//!   `Opus weekly limit reached ∙ resets Oct 6, 10am`,
//! - `You've hit your limit · resets 8pm (Europe/Berlin)`,
//!   `You've hit your limit · resets Apr 23 at 4pm (America/Recife)`,
//!   `You've hit your session limit · resets 12:50pm (Europe/Paris)`,
//!   `You've reached your weekly limit · resets Mon 9am (UTC)`.
//!
//! The reset is a wall-clock time in the zone the message names (else the machine's, where
//! Claude Code printed it), resolved to the first such moment at or after the message. Which
//! window: the one the message names (`session`/`5-hour` or `weekly`), else by the reset's
//! distance (within 5 hours: the 5-hour window). Only the outcome is kept, never the text.
//! A server asking to slow down ("not your usage limit") and API rate limits are not hits.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// What a limit message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// `5h` or `weekly`.
    pub kind: &'static str,
    /// When the window resets.
    pub resets_at: Option<DateTime<Utc>>,
    /// The model the window is limited to (`opus`, `sonnet`), or empty.
    pub scope: String,
}

/// Reads a limit message written at `at`; `local` is the zone of a reset time that names
/// none. None when `text` is not a limit message.
pub fn parse(text: &str, at: DateTime<Utc>, local: Tz) -> Option<Said> {
    let text = text.trim();
    if text.len() > 400 {
        return None; // a reply discussing limits, not the notice
    }
    let lower = text.to_lowercase().replace('’', "'");
    if let Some(rest) = lower.strip_prefix("claude ai usage limit reached|") {
        let n: i64 = rest.trim().parse().ok()?;
        let ms = if n > 100_000_000_000 { n } else { n * 1000 };
        let resets_at = DateTime::from_timestamp_millis(ms);
        return Some(Said {
            kind: kind_by_distance(at, resets_at),
            resets_at,
            scope: String::new(),
        });
    }
    let is_hit = !lower.contains("not your usage limit")
        && !lower.contains("rate limit")
        && (lower.contains("limit reached")
            || lower.contains("you've hit your")
            || lower.contains("you've reached your")
            || lower.contains("you have reached your"))
        && lower.contains("limit");
    if !is_hit {
        return None;
    }
    let head = lower
        .split(['·', '∙', '•', '.', '|'])
        .next()
        .unwrap_or(&lower);
    let scope = ["opus", "sonnet"]
        .into_iter()
        .find(|m| head.contains(m))
        .unwrap_or("")
        .to_string();
    let named = if head.contains("week") {
        Some("weekly")
    } else if head.contains("session") || head.contains("5-hour") || head.contains("5 hour") {
        Some("5h")
    } else {
        None
    };
    let resets_at = reset_phrase(&lower).and_then(|p| resolve(p, at, local));
    Some(Said {
        kind: named.unwrap_or_else(|| kind_by_distance(at, resets_at)),
        resets_at,
        scope,
    })
}

/// A reset within 5 hours (and a minute) of the message is the 5-hour window's.
fn kind_by_distance(at: DateTime<Utc>, resets_at: Option<DateTime<Utc>>) -> &'static str {
    match resets_at {
        Some(r) if r - at > Duration::minutes(301) => "weekly",
        _ => "5h",
    }
}

/// The words after `resets` / `reset at`, up to the end of the sentence's zone.
fn reset_phrase(lower: &str) -> Option<&str> {
    let i = ["will reset at ", "resets at ", "reset at ", "resets "]
        .iter()
        .find_map(|k| lower.find(k).map(|i| i + k.len()))?;
    let rest = &lower[i..];
    // up to the zone's closing parenthesis, else the end of the sentence
    let end = rest
        .find(')')
        .map(|e| e + 1)
        .or_else(|| rest.find(". "))
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches('.'))
}

/// The first moment at or after `at` that the phrase names (`3pm`, `12:50pm`, `15:00`,
/// `mon 5am`, `apr 23 at 4pm`, `oct 6, 10am`, each optionally followed by `(zone)`).
fn resolve(phrase: &str, at: DateTime<Utc>, local: Tz) -> Option<DateTime<Utc>> {
    let (words, zone) = match phrase.find('(') {
        Some(i) => (
            &phrase[..i],
            phrase[i + 1..].trim_end_matches(')').trim().to_string(),
        ),
        None => (phrase, String::new()),
    };
    let tz = if zone.is_empty() {
        local
    } else {
        // the zone as written (case matters to the database), else its case-folded match
        zone_named(&zone).unwrap_or(local)
    };
    let words: Vec<&str> = words
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && *w != "at" && *w != "on")
        .collect();
    let time = words.iter().rev().find_map(|w| time_of(w))?;
    let weekday = words.iter().find_map(|w| weekday_of(w));
    let month_day = words.windows(2).find_map(|p| {
        let m = month_of(p[0])?;
        let d: u32 = p[1]
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .ok()?;
        Some((m, d))
    });
    let start = at.with_timezone(&tz).date_naive();
    let earliest = at - Duration::minutes(1);
    let at_date = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(time))
            .earliest()
            // a wall time in a spring-forward gap: the hour after
            .or_else(|| {
                tz.from_local_datetime(&(d.and_time(time) + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    };
    let candidates: Vec<NaiveDate> = if let Some((m, d)) = month_day {
        (0..2)
            .filter_map(|y| NaiveDate::from_ymd_opt(start.year() + y, m, d))
            .collect()
    } else {
        (0..8)
            .map(|n| start + Duration::days(n))
            .filter(|d| weekday.is_none_or(|w| d.weekday() == w))
            .collect()
    };
    candidates
        .into_iter()
        .filter_map(at_date)
        .find(|t| *t >= earliest)
}

/// An IANA zone by name, matching case-insensitively (the message was lower-cased).
fn zone_named(zone: &str) -> Option<Tz> {
    if let Ok(tz) = zone.parse::<Tz>() {
        return Some(tz);
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(zone))
        .copied()
}

/// `3pm`, `3:30pm`, `3 pm` is read as two words: `3` alone is no time; `15:00`.
fn time_of(w: &str) -> Option<NaiveTime> {
    let (digits, pm) = if let Some(d) = w.strip_suffix("pm") {
        (d, Some(true))
    } else if let Some(d) = w.strip_suffix("am") {
        (d, Some(false))
    } else {
        (w, None)
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None if pm.is_some() => (digits.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let h = match pm {
        Some(true) if h < 12 => h + 12,
        Some(false) if h == 12 => 0,
        Some(_) if h > 12 => return None,
        _ => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

fn weekday_of(w: &str) -> Option<Weekday> {
    let w = w.get(..3)?;
    Some(match w {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn month_of(w: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let w = w.get(..3)?;
    MONTHS
        .iter()
        .position(|m| *m == w)
        .and_then(|i| u32::try_from(i + 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn said(text: &str, at: &str) -> Option<Said> {
        parse(text, utc(at), Tz::UTC)
    }

    #[test]
    fn epoch_shape() {
        let s = said(
            "Claude AI usage limit reached|1750708800",
            "2025-06-23T16:24:50Z",
        )
        .unwrap();
        assert_eq!(s.kind, "5h");
        assert_eq!(s.resets_at, Some(utc("2025-06-23T20:00:00Z")));
    }

    #[test]
    fn epoch_far_away_is_weekly() {
        let s = said(
            "Claude AI usage limit reached|1750982400",
            "2025-06-23T16:24:50Z",
        )
        .unwrap();
        assert_eq!(s.kind, "weekly");
    }

    #[test]
    fn your_limit_will_reset_at_with_zone() {
        // 3pm in Bogota (UTC-5) is 20:00 UTC
        let s = said(
            "Claude usage limit reached. Your limit will reset at 3pm (America/Bogota).",
            "2025-06-23T16:24:50Z",
        )
        .unwrap();
        assert_eq!(s.resets_at, Some(utc("2025-06-23T20:00:00Z")));
        assert_eq!(s.kind, "5h");
    }

    #[test]
    fn five_hour_without_zone_uses_the_local_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let s = parse(
            "5-hour limit reached ∙ resets 3pm",
            utc("2025-08-05T11:00:00Z"),
            berlin,
        )
        .unwrap();
        assert_eq!(s.kind, "5h");
        assert_eq!(s.resets_at, Some(utc("2025-08-05T13:00:00Z")));
    }

    #[test]
    fn a_time_already_past_today_is_tomorrow() {
        let s = said(
            "You've hit your limit · resets 1am (UTC)",
            "2025-08-05T22:10:00Z",
        )
        .unwrap();
        assert_eq!(s.resets_at, Some(utc("2025-08-06T01:00:00Z")));
        assert_eq!(s.kind, "5h");
    }

    #[test]
    fn weekly_with_weekday() {
        // 2025-08-06 is a Wednesday; the next Monday is the 11th
        let s = said(
            "Weekly limit reached ∙ resets Mon 5am",
            "2025-08-06T09:00:00Z",
        )
        .unwrap();
        assert_eq!(s.kind, "weekly");
        assert_eq!(s.scope, "");
        assert_eq!(s.resets_at, Some(utc("2025-08-11T05:00:00Z")));
    }

    #[test]
    fn opus_weekly_is_scoped() {
        let s = said(
            "Opus weekly limit reached ∙ resets Oct 6, 10am",
            "2025-10-01T09:00:00Z",
        )
        .unwrap();
        assert_eq!((s.kind, s.scope.as_str()), ("weekly", "opus"));
        assert_eq!(s.resets_at, Some(utc("2025-10-06T10:00:00Z")));
    }

    #[test]
    fn month_day_at_time_with_zone() {
        // Recife is UTC-3
        let s = said(
            "You've hit your limit · resets Apr 23 at 4pm (America/Recife)",
            "2026-04-22T13:39:51Z",
        )
        .unwrap();
        assert_eq!(s.resets_at, Some(utc("2026-04-23T19:00:00Z")));
        assert_eq!(s.kind, "weekly");
    }

    #[test]
    fn session_limit_with_minutes_and_curly_apostrophe() {
        // Paris is UTC+2 in July
        let s = said(
            "You’ve hit your session limit · resets 12:50pm (Europe/Paris)",
            "2026-07-28T08:00:00Z",
        )
        .unwrap();
        assert_eq!(s.kind, "5h");
        assert_eq!(s.resets_at, Some(utc("2026-07-28T10:50:00Z")));
    }

    #[test]
    fn reached_your_weekly_limit() {
        let s = said(
            "You've reached your weekly limit · resets Mon 9am (UTC)",
            "2026-08-19T13:40:00Z",
        )
        .unwrap();
        assert_eq!(s.kind, "weekly");
        assert_eq!(s.resets_at, Some(utc("2026-08-24T09:00:00Z")));
    }

    #[test]
    fn a_kind_unnamed_and_no_reset_is_the_five_hour_window() {
        let s = said("You've hit your usage limit.", "2026-08-19T13:40:00Z").unwrap();
        assert_eq!((s.kind, s.resets_at), ("5h", None));
    }

    #[test]
    fn not_hits() {
        for text in [
            "API Error: 529 Overloaded. This is a server-side issue, usually temporary.",
            "API Error: Rate limit reached",
            "Server is temporarily limiting requests (not your usage limit). Retry in 156s.",
            "Please run /login · API Error: 401 OAuth access token has expired.",
        ] {
            assert_eq!(said(text, "2026-08-19T13:40:00Z"), None, "{text}");
        }
    }

    #[test]
    fn a_long_text_is_never_a_notice() {
        let text = format!("You've hit your limit · resets 3pm {}", "x".repeat(500));
        assert_eq!(said(&text, "2026-08-19T13:40:00Z"), None);
    }

    #[test]
    fn dst_gap_moves_to_the_next_hour() {
        // 2026-03-29 02:00-03:00 does not exist in Berlin
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let s = parse(
            "5-hour limit reached ∙ resets 2:30am",
            utc("2026-03-28T23:00:00Z"),
            berlin,
        )
        .unwrap();
        assert_eq!(s.resets_at, Some(utc("2026-03-29T01:30:00Z")));
    }
}
