//! The tray's words: title (today's spend), tooltip and the menu's headline. Pure functions, so
//! the exact text is tested without a tray.
//!
//! Provenance marks: `~` before the amount when part of it is estimated (a model the log did
//! not name, priced as its tool's default), `+` after it when some calls have no known price
//! (the amount is then a lower bound). The tooltip spells both out.

use burnbar_engine::Usd;
use burnbar_engine::format::{marked_money, money, resets_in};
use burnbar_engine::limits::{Limits, Window};
use burnbar_engine::settings::TrayTitle;
use burnbar_engine::snapshot::{Display, Today};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::state::Status;

/// The tray title: today's spend with its provenance marks.
pub fn title(today: &Today, display: &Display) -> String {
    marked_money(
        today.cost,
        today.estimated_cost > Usd::ZERO,
        today.unpriced_calls > 0,
        display,
    )
}

/// The tray title in the mode the settings ask for (`[tray] title`): today's spend, the
/// tightest usage window (`5h 42%`, `~` when estimated), or both (`$12.34 · 42%`). Without a
/// window that has a percentage, the spend.
pub fn title_in(
    mode: TrayTitle,
    today: &Today,
    display: &Display,
    limits: Option<&Limits>,
) -> String {
    let cost = title(today, display);
    match (mode, limits.and_then(Limits::tightest)) {
        (TrayTitle::Cost, _) | (_, None) => cost,
        (TrayTitle::Limit, Some(w)) => format!("{} {}", w.kind, window_percent(w)),
        (TrayTitle::Both, Some(w)) => format!("{cost} · {}", window_percent(w)),
    }
}

/// `42%`, `~42%` when estimated.
pub fn window_percent(w: &Window) -> String {
    let pct = w.used_percent.unwrap_or(0.0).clamp(0.0, 999.0);
    let mark = if w.source == "estimated" { "~" } else { "" };
    format!("{mark}{pct:.0}%")
}

/// The tooltip's line for the tightest window: "Codex 5h window 42% · resets in 2h 10m (15:00)".
pub fn limit_line(limits: &Limits, now: DateTime<Utc>, tz: Tz) -> Option<String> {
    let w = limits.tightest()?;
    let mut s = format!("{} {} window {}", w.tool.label(), w.kind, window_percent(w));
    if w.source == "estimated" {
        s.push_str(" (estimated)");
    }
    if let Some(r) = w.resets_at {
        s = format!("{s} · {}", resets_in(r, now, tz));
    } else if let Some(n) = &w.note {
        s = format!("{s} · {n}");
    }
    Some(s)
}

/// The tray title before there is data, or when there is none.
pub fn title_for_status(status: &Status) -> String {
    match status {
        Status::Scanning { .. } => "…".to_string(),
        Status::Ready => "$–".to_string(),
        Status::Failed { .. } => "!".to_string(),
    }
}

/// The menu's first (disabled) line: "Today: $12.34 · 87% cache hit".
pub fn headline(today: &Today, display: &Display) -> String {
    let mut s = format!("Today: {}", title(today, display));
    if let Some(rate) = today.cache_hit_rate {
        s = format!("{s} · {}% cache hit", percent(rate));
    }
    s
}

/// The tooltip: spend, cache hit, calls, and what the marks mean.
pub fn tooltip(today: &Today, display: &Display) -> String {
    let mut lines = vec![format!("Burnbar · today {}", money(today.cost, display))];
    let mut second = Vec::new();
    if let Some(rate) = today.cache_hit_rate {
        second.push(format!("{}% cache hit", percent(rate)));
    }
    second.push(format!(
        "{} call{}",
        today.calls,
        if today.calls == 1 { "" } else { "s" }
    ));
    lines.push(second.join(" · "));
    if today.estimated_cost > Usd::ZERO {
        lines.push(format!(
            "~ {} estimated (model or tokens not in the log)",
            money(today.estimated_cost, display)
        ));
    }
    if today.session_total_cost > Usd::ZERO {
        lines.push(format!(
            "{} from whole-session sums",
            money(today.session_total_cost, display)
        ));
    }
    if today.unpriced_calls > 0 {
        lines.push(format!(
            "+ {} call{} with no known price (not counted)",
            today.unpriced_calls,
            if today.unpriced_calls == 1 { "" } else { "s" }
        ));
    }
    lines.join("\n")
}

/// The tooltip before there is data.
pub fn tooltip_for_status(status: &Status) -> String {
    match status {
        Status::Scanning {
            files_done,
            files_total,
        } if *files_total > 0 => {
            format!("Burnbar · reading your logs ({files_done} of {files_total} files)")
        }
        Status::Scanning { .. } => "Burnbar · reading your logs".to_string(),
        Status::Ready => "Burnbar · no usage yet".to_string(),
        Status::Failed { message } => format!("Burnbar · {message}"),
    }
}

fn percent(rate: f64) -> String {
    format!("{:.0}", (rate * 100.0).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn today(cost: i64, estimated: i64, unpriced: u64, rate: Option<f64>) -> Today {
        Today {
            date: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
            cost: Usd(cost),
            estimated_cost: Usd(estimated),
            session_total_cost: Usd::ZERO,
            calls: 12,
            unpriced_calls: unpriced,
            cache_hit_rate: rate,
        }
    }

    fn usd() -> Display {
        Display::default()
    }

    #[test]
    fn money_rounds_to_cents_and_groups_thousands() {
        assert_eq!(money(Usd(12_345_678), &usd()), "$12.35");
        assert_eq!(money(Usd(0), &usd()), "$0.00");
        assert_eq!(money(Usd(1_234_567_890_000), &usd()), "$1,234,567.89");
        assert_eq!(
            money(Usd(4_999), &usd()),
            "<$0.01",
            "less than half a cent is never a silent zero"
        );
        let eur = Display {
            currency: "EUR".into(),
            usd_rate: 0.5,
        };
        assert_eq!(money(Usd(10_000_000), &eur), "€5.00");
        let jpy = Display {
            currency: "JPY".into(),
            usd_rate: 150.0,
        };
        assert_eq!(money(Usd(10_000_000), &jpy), "¥1,500");
        let chf = Display {
            currency: "CHF".into(),
            usd_rate: 1.0,
        };
        assert_eq!(money(Usd(2_500_000), &chf), "2.50 CHF");
    }

    #[test]
    fn title_marks_estimated_and_unpriced_parts() {
        assert_eq!(title(&today(12_340_000, 0, 0, None), &usd()), "$12.34");
        assert_eq!(title(&today(12_340_000, 1, 0, None), &usd()), "~$12.34");
        assert_eq!(title(&today(12_340_000, 0, 3, None), &usd()), "$12.34+");
        assert_eq!(
            title(&today(0, 0, 2, None), &usd()),
            "$0.00+",
            "unpriced is never a silent $0"
        );
    }

    #[test]
    fn tooltip_explains_the_marks() {
        let t = tooltip(&today(12_340_000, 1_000_000, 1, Some(0.873)), &usd());
        assert_eq!(
            t,
            "Burnbar · today $12.34\n87% cache hit · 12 calls\n~ $1.00 estimated (model or tokens not in the log)\n+ 1 call with no known price (not counted)"
        );
        let plain = tooltip(&today(500_000, 0, 0, None), &usd());
        assert_eq!(plain, "Burnbar · today $0.50\n12 calls");
        let sums = Today {
            session_total_cost: Usd(250_000),
            ..today(500_000, 0, 0, None)
        };
        assert_eq!(
            tooltip(&sums, &usd()),
            "Burnbar · today $0.50\n12 calls\n$0.25 from whole-session sums"
        );
        assert_eq!(
            headline(&today(500_000, 0, 0, Some(0.5)), &usd()),
            "Today: $0.50 · 50% cache hit"
        );
    }

    #[test]
    fn status_texts_before_data() {
        let scanning = Status::Scanning {
            files_done: 3,
            files_total: 10,
        };
        assert_eq!(title_for_status(&scanning), "…");
        assert_eq!(
            tooltip_for_status(&scanning),
            "Burnbar · reading your logs (3 of 10 files)"
        );
        assert_eq!(
            tooltip_for_status(&Status::Failed {
                message: "index /x: locked".into()
            }),
            "Burnbar · index /x: locked"
        );
    }

    fn window(
        tool: burnbar_engine::ProviderId,
        kind: &'static str,
        pct: Option<f64>,
        source: &'static str,
    ) -> Window {
        Window {
            tool,
            account: "/home/you/.codex".into(),
            kind,
            used_percent: pct,
            resets_at: Some("2026-11-22T15:00:00Z".parse().expect("time")),
            starts_at: None,
            source,
            observed_at: "2026-11-22T12:00:00Z".parse().expect("time"),
            pace_percent: None,
            forecast: burnbar_engine::limits::Forecast::default(),
            used: None,
            capacity: None,
            note: None,
        }
    }

    fn limits(windows: Vec<Window>) -> Limits {
        Limits {
            windows,
            hits: Vec::new(),
            resets: Vec::new(),
            live: Vec::new(),
        }
    }

    #[test]
    fn title_modes_show_cost_the_tightest_window_or_both() {
        use burnbar_engine::ProviderId::{ClaudeCode, Codex};
        let t = today(12_340_000, 0, 0, None);
        let l = limits(vec![
            window(Codex, "weekly", Some(12.0), "log"),
            window(Codex, "5h", Some(42.4), "log"),
            window(ClaudeCode, "5h", None, "estimated"),
        ]);
        assert_eq!(title_in(TrayTitle::Cost, &t, &usd(), Some(&l)), "$12.34");
        assert_eq!(title_in(TrayTitle::Limit, &t, &usd(), Some(&l)), "5h 42%");
        assert_eq!(
            title_in(TrayTitle::Both, &t, &usd(), Some(&l)),
            "$12.34 · 42%"
        );
        // an estimated window is marked; none with a percentage falls back to the spend
        let est = limits(vec![window(ClaudeCode, "5h", Some(63.0), "estimated")]);
        assert_eq!(
            title_in(TrayTitle::Limit, &t, &usd(), Some(&est)),
            "5h ~63%"
        );
        let none = limits(vec![window(ClaudeCode, "5h", None, "estimated")]);
        assert_eq!(
            title_in(TrayTitle::Limit, &t, &usd(), Some(&none)),
            "$12.34"
        );
        assert_eq!(title_in(TrayTitle::Both, &t, &usd(), None), "$12.34");
    }

    #[test]
    fn the_tooltip_names_the_tightest_window_and_its_reset() {
        let l = limits(vec![window(
            burnbar_engine::ProviderId::Codex,
            "5h",
            Some(42.0),
            "log",
        )]);
        let now = "2026-11-22T12:50:00Z".parse().expect("time");
        assert_eq!(
            limit_line(&l, now, Tz::UTC).as_deref(),
            Some("Codex 5h window 42% · resets in 2h 10m (15:00)")
        );
    }
}
