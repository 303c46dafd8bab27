//! Aider's `.aider.chat.history.md`: the usage reports of each run, rounded (see the parent
//! module's docs).

use std::path::Path;

use chrono::TimeZone;

use super::super::{Batch, Cursor};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};

/// The zone Aider wrote its run headers in: the machine's.
static LOCAL_ZONE: std::sync::LazyLock<chrono_tz::Tz> =
    std::sync::LazyLock::new(|| crate::clock::local_time_zone(None));

/// Reads a history file whole (it is small, and rewritten only by appending).
pub(super) fn read(file: &Path, batch: &mut Batch) -> Result<Cursor> {
    let bytes = crate::untrusted::read_capped(file, 256 << 20).map_err(|e| Error::io(file, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let project = file
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut run: Option<(i64, String)> = None; // (start ms, header text)
    let mut model = "unknown".to_string();
    let mut n = 0usize;
    for line in text.lines() {
        if let Some(at) = line.strip_prefix("# aider chat started at ") {
            run = local_ms(at.trim()).map(|ms| (ms, at.trim().to_string()));
            model = "unknown".to_string();
            n = 0;
            continue;
        }
        let Some(body) = line.strip_prefix("> ") else {
            continue;
        };
        if let Some(m) = body
            .strip_prefix("Main model: ")
            .or_else(|| body.strip_prefix("Model: "))
        {
            model = m.split_whitespace().next().unwrap_or("unknown").to_string();
            continue;
        }
        let Some(report) = body.strip_prefix("Tokens: ") else {
            continue;
        };
        let Some((start, header)) = &run else {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Aider,
                file,
                WarningKind::InvalidRecord,
                "a usage report before any run header".to_string(),
            ));
            continue;
        };
        let Some((tokens, cost)) = usage(report) else {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Aider,
                file,
                WarningKind::MalformedLine,
                "a usage report that does not read".to_string(),
            ));
            continue;
        };
        n += 1;
        batch.events.push(UsageEvent {
            reported_cost: cost,
            reported_first: cost.is_some(),
            estimated: true,
            ..UsageEvent::new(
                ProviderId::Aider,
                format!("aider:history:{project}:{header}:{n}"),
                *start,
                model.clone(),
                format!("aider-{start}"),
                project.clone(),
                tokens,
            )
        });
    }
    Ok(Cursor::START)
}

/// A run header's local time as UTC ms.
fn local_ms(s: &str) -> Option<i64> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    LOCAL_ZONE
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// `12k sent, 1.2k cache write, 3.4k cache hit, 950 received. Cost: $0.05 message, …`
fn usage(report: &str) -> Option<(Tokens, Option<Usd>)> {
    // the counts run to `received` (a count may hold a decimal point: `1.2k`)
    let end = report.find("received")? + "received".len();
    let (counts, rest) = report.split_at(end);
    let mut t = Tokens::default();
    for item in counts.split(',') {
        let item = item.trim();
        let (num, what) = item.split_once(' ')?;
        let n = tokens(num)?;
        match what.trim() {
            "sent" => t.input = n,
            "received" => t.output = n,
            "cache write" => t.cache_write_5m = n,
            "cache hit" => t.cache_read = n,
            _ => {}
        }
    }
    let cost = rest
        .split("Cost: $")
        .nth(1)
        .and_then(|c| c.split_whitespace().next())
        .and_then(|c| c.trim_end_matches(',').parse::<f64>().ok())
        .filter(|c| c.is_finite() && *c >= 0.0)
        .map(Usd::from_dollars);
    Some((t, cost))
}

/// `950`, `1.2k`, `12k`, `1.2M` (Aider's `format_tokens`).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn tokens(s: &str) -> Option<u64> {
    let s = s.replace(',', "");
    let (num, mult) = if let Some(n) = s.strip_suffix('k') {
        (n, 1e3)
    } else if let Some(n) = s.strip_suffix('M') {
        (n, 1e6)
    } else {
        (s.as_str(), 1.0)
    };
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * mult).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::{tokens, usage};

    #[test]
    fn aiders_rounded_counts_read_back() {
        assert_eq!(tokens("950"), Some(950));
        assert_eq!(tokens("1.2k"), Some(1_200));
        assert_eq!(tokens("12k"), Some(12_000));
        assert_eq!(tokens("1.2M"), Some(1_200_000));
        assert_eq!(tokens("many"), None);
    }

    #[test]
    fn a_usage_report_reads_with_and_without_cache_parts() {
        let (t, cost) =
            usage("12k sent, 1.2k cache write, 3.4k cache hit, 950 received. Cost: $0.05 message, $0.30 session.")
                .unwrap();
        assert_eq!(
            (t.input, t.cache_write_5m, t.cache_read, t.output),
            (12_000, 1_200, 3_400, 950)
        );
        assert_eq!(cost.map(crate::model::Usd::micros), Some(50_000));
        let (t, cost) = usage("2.1k sent, 80 received.").unwrap();
        assert_eq!((t.input, t.output), (2_100, 80));
        assert_eq!(cost, None);
        assert!(usage("nothing useful").is_none());
    }
}
