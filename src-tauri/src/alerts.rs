//! Desktop notifications (notify-rust: freedesktop D-Bus on Linux, the native centres on macOS
//! and Windows) for budget thresholds and runaway sessions. The words are pure functions,
//! tested below; clicking a notification opens the popover where the platform reports it.

use burnbar_engine::budget::{BudgetPeriod, Crossing, RunawayAlert};
use burnbar_engine::project::display_name;
use burnbar_engine::snapshot::Display;
use burnbar_engine::{Budget, Runaway};
use tauri::{AppHandle, Runtime};

use burnbar_engine::format::{moment, money, resets_in};
use burnbar_engine::limits::{LimitAlert, LimitEvent};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Summary and body of a budget notification.
pub fn budget_text(c: &Crossing, b: &Budget, display: &Display) -> (String, String) {
    let period = match b.period {
        BudgetPeriod::Daily => "Daily",
        BudgetPeriod::Weekly => "Weekly",
        BudgetPeriod::Monthly => "Monthly",
    };
    let summary = match c.threshold {
        100 => format!("{period} budget reached"),
        t if t > 100 => format!("{period} budget: {t}% spent"),
        t => format!("{period} budget: {t}% used"),
    };
    let when = match b.period {
        BudgetPeriod::Daily => "today",
        BudgetPeriod::Weekly => "this week",
        BudgetPeriod::Monthly => "this month",
    };
    let body = format!(
        "{} of {} {when} · {}",
        money(c.spend, display),
        money(c.budget, display),
        b.scope()
    );
    (summary, body)
}

/// Summary and body of a runaway-session notification.
pub fn runaway_text(a: &RunawayAlert, r: &Runaway, display: &Display) -> (String, String) {
    let s = &a.session;
    let summary = if a.cap {
        format!("Session passed {}", money(s.total_cost, display))
    } else {
        format!(
            "Runaway session: {} in {} min",
            money(s.window_cost, display),
            r.window_minutes
        )
    };
    let body = format!(
        "{} · {} · {} · {} so far",
        display_name(&s.project),
        s.model,
        s.provider.label(),
        money(s.total_cost, display)
    );
    (summary, body)
}

/// Summary and body of a usage-window notification.
pub fn limit_text(a: &LimitAlert, now: DateTime<Utc>, tz: Tz) -> (String, String) {
    let w = &a.window;
    let window = match w.kind {
        "weekly" => "weekly",
        _ => "5-hour",
    };
    let tool = w.tool.label();
    let estimated = if w.source == "estimated" {
        " (estimated)"
    } else {
        ""
    };
    let summary = match a.event {
        LimitEvent::Crossed(t) => format!("{tool} {window} window: {t}% used{estimated}"),
        LimitEvent::Reached => format!("{tool} {window} limit reached"),
        LimitEvent::Reset => format!("Your {tool} {window} window has reset"),
    };
    let mut body = Vec::new();
    if let Some(r) = w.resets_at {
        body.push(resets_in(r, now, tz));
    }
    if let (LimitEvent::Crossed(_), Some(hit)) = (a.event, w.forecast.hit_at) {
        body.push(format!(
            "at this pace you hit it at {}",
            moment(hit, now, tz)
        ));
    }
    if a.event == LimitEvent::Reset {
        body.push("a fresh window starts with your next call".to_string());
    }
    (summary, body.join(" · "))
}

/// Shows one notification; a click (the default action) opens the popover.
pub fn notify<R: Runtime>(app: &AppHandle<R>, summary: &str, body: &str) {
    tracing::info!(%summary, %body, "notification");
    let mut n = notify_rust::Notification::new();
    n.appname("burnbar-tray")
        .summary(summary)
        .body(body)
        .icon("dialog-warning")
        .action("default", "Open Burnbar")
        .timeout(notify_rust::Timeout::Milliseconds(15_000));
    match n.show() {
        #[cfg(all(unix, not(target_os = "macos")))]
        Ok(handle) => {
            let app = app.clone();
            // blocks until the notification is clicked or closed
            let _ = std::thread::Builder::new()
                .name("burnbar-notification".into())
                .spawn(move || {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            crate::popover::show(&app, "overview");
                        }
                    });
                });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        Ok(_) => {
            let _ = app;
        }
        Err(e) => tracing::warn!("cannot show a notification: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use burnbar_engine::budget::SessionSpend;
    use burnbar_engine::{ProviderId, Usd};

    use super::*;

    #[test]
    fn budget_words_name_the_period_amounts_and_scope() {
        let b = Budget {
            project: Some("api".into()),
            ..Budget::new(BudgetPeriod::Daily, 20.0)
        };
        let c = |t| Crossing {
            budget_id: b.id(),
            alert: b.alert_key(),
            threshold: t,
            period: "2026-11-22".into(),
            spend: Usd(16_200_000),
            budget: b.amount(),
        };
        let display = Display::default();
        assert_eq!(
            budget_text(&c(80), &b, &display),
            (
                "Daily budget: 80% used".to_string(),
                "$16.20 of $20.00 today · project api".to_string()
            )
        );
        assert_eq!(budget_text(&c(100), &b, &display).0, "Daily budget reached");
        let monthly = Budget::new(BudgetPeriod::Monthly, 300.0);
        let (summary, body) = budget_text(&c(150), &monthly, &display);
        assert_eq!(summary, "Monthly budget: 150% spent");
        assert!(
            body.ends_with("this month · all tools and projects"),
            "{body}"
        );
    }

    #[test]
    fn runaway_words_name_project_model_and_tool() {
        let a = RunawayAlert {
            alert: "runaway/claude-code/s1".into(),
            session: SessionSpend {
                provider: ProviderId::ClaudeCode,
                session: "s1".into(),
                project: "/home/dev/api-server".into(),
                model: "claude-opus-4-6".into(),
                window_cost: Usd(5_200_000),
                total_cost: Usd(31_000_000),
            },
            cap: false,
        };
        let (s, body) = runaway_text(&a, &Runaway::default(), &Display::default());
        assert_eq!(s, "Runaway session: $5.20 in 10 min");
        assert_eq!(
            body,
            "api-server · claude-opus-4-6 · Claude Code · $31.00 so far"
        );
        let cap = RunawayAlert { cap: true, ..a };
        assert_eq!(
            runaway_text(&cap, &Runaway::default(), &Display::default()).0,
            "Session passed $31.00"
        );
    }

    #[test]
    fn limit_words_name_tool_window_reset_and_forecast() {
        use burnbar_engine::limits::{Forecast, Window};
        let w = Window {
            tool: ProviderId::Codex,
            account: "/home/you/.codex".into(),
            kind: "5h",
            used_percent: Some(83.0),
            resets_at: Some("2026-11-22T15:00:00Z".parse().unwrap()),
            starts_at: None,
            source: "log",
            observed_at: "2026-11-22T12:00:00Z".parse().unwrap(),
            pace_percent: None,
            forecast: Forecast {
                hit_at: Some("2026-11-22T14:10:00Z".parse().unwrap()),
                end_percent: None,
            },
            used: None,
            capacity: None,
            note: None,
        };
        let now = "2026-11-22T12:50:00Z".parse().unwrap();
        let a = |event| LimitAlert {
            window: w.clone(),
            event,
        };
        assert_eq!(
            limit_text(&a(LimitEvent::Crossed(80)), now, Tz::UTC),
            (
                "Codex 5-hour window: 80% used".to_string(),
                "resets in 2h 10m (15:00) · at this pace you hit it at 14:10".to_string()
            )
        );
        assert_eq!(
            limit_text(&a(LimitEvent::Reached), now, Tz::UTC).0,
            "Codex 5-hour limit reached"
        );
        assert_eq!(
            limit_text(&a(LimitEvent::Reset), now, Tz::UTC).0,
            "Your Codex 5-hour window has reset"
        );
    }
}
