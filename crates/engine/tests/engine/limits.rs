//! Usage windows (issue 19): Codex's rate-limit snapshots (both reset shapes, `info: null`,
//! a stale reset, two Codex homes), Claude Code's limit notices in transcripts, the windows
//! reconstructed from calls, and the calibration that makes a Claude percentage.

use burnbar_engine::limits::{Limits, Window};
use burnbar_engine::{Engine, Paths, ProviderId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::support::{Home, assistant_in, codex_meta, codex_turn, usage};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn epoch(s: &str) -> i64 {
    t(s).timestamp()
}

/// A `token_count` event with `info` (or null) and `rate_limits`.
fn token_count(ts: &str, info: bool, rate_limits: &Value) -> String {
    let info = if info {
        json!({"last_token_usage": {"input_tokens": 100, "cached_input_tokens": 0,
                 "output_tokens": 10, "reasoning_output_tokens": 0, "total_tokens": 110},
               "total_token_usage": {"input_tokens": 100, "cached_input_tokens": 0,
                 "output_tokens": 10, "reasoning_output_tokens": 0, "total_tokens": 110}})
    } else {
        Value::Null
    };
    json!({"timestamp": ts, "type": "event_msg",
           "payload": {"type": "token_count", "info": info, "rate_limits": rate_limits}})
    .to_string()
}

fn rollout(home: &Home, codex: &str, name: &str, lines: &[String]) {
    let mut all = vec![
        codex_meta("2026-05-01T10:00:00.000Z", name, &json!("/w"), &json!({})),
        codex_turn("2026-05-01T10:00:01.000Z", "gpt-5.1-codex"),
    ];
    all.extend_from_slice(lines);
    home.write(
        &format!("{codex}/sessions/2026/05/01/rollout-2026-05-01T10-00-00-{name}.jsonl"),
        &all,
    );
}

fn limits(home: &Home, now: &str) -> Limits {
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    engine.limits(t(now)).unwrap()
}

fn window<'a>(l: &'a Limits, tool: ProviderId, kind: &str) -> &'a Window {
    l.windows
        .iter()
        .find(|w| w.tool == tool && w.kind == kind)
        .unwrap_or_else(|| panic!("no {tool:?} {kind} window in {:#?}", l.windows))
}

#[test]
fn codex_snapshot_with_resets_at_the_latest_wins() {
    let home = Home::new();
    rollout(
        &home,
        ".codex",
        "a",
        &[
            token_count(
                "2026-05-01T10:00:02.000Z",
                true,
                &json!({"primary": {"used_percent": 10.0, "window_minutes": 300,
                                    "resets_at": epoch("2026-05-01T14:00:00Z")},
                        "secondary": {"used_percent": 3.0, "window_minutes": 10080,
                                      "resets_at": epoch("2026-05-06T00:00:00Z")}}),
            ),
            token_count(
                "2026-05-01T11:00:00.000Z",
                true,
                &json!({"primary": {"used_percent": 40.0, "window_minutes": 300,
                                    "resets_at": epoch("2026-05-01T14:00:00Z")},
                        "secondary": {"used_percent": 5.5, "window_minutes": 10080,
                                      "resets_at": epoch("2026-05-06T00:00:00Z")}}),
            ),
        ],
    );
    let l = limits(&home, "2026-05-01T12:00:00Z");
    let five = window(&l, ProviderId::Codex, "5h");
    assert_eq!(five.used_percent, Some(40.0));
    assert_eq!(five.source, "log");
    assert_eq!(five.resets_at, Some(t("2026-05-01T14:00:00Z")));
    assert_eq!(five.observed_at, t("2026-05-01T11:00:00Z"));
    assert_eq!(five.starts_at, Some(t("2026-05-01T09:00:00Z")));
    // 3 h of 5 gone
    assert_eq!(five.pace_percent, Some(60.0));
    // 40 % in the 2 h before the reading: 20 %/h; 2 h left from now ends at 80 %
    assert_eq!(five.forecast.hit_at, None);
    let end = five.forecast.end_percent.unwrap();
    assert!((end - 80.0).abs() < 1e-9, "{end}");
    let weekly = window(&l, ProviderId::Codex, "weekly");
    assert_eq!(weekly.used_percent, Some(5.5));
    assert_eq!(
        weekly.account,
        home.path().join(".codex").display().to_string()
    );
}

#[test]
fn codex_resets_in_seconds_counts_from_the_event_and_info_null_still_reports() {
    let home = Home::new();
    rollout(
        &home,
        ".codex",
        "b",
        &[token_count(
            "2026-05-01T10:00:00.000Z",
            false, // a rate-limit update without a call
            &json!({"primary": {"used_percent": 90, "window_minutes": 300,
                                "resets_in_seconds": 1800},
                    "secondary": {"used_percent": 20, "window_minutes": 10080,
                                  "resets_in_seconds": 86_400}}),
        )],
    );
    let l = limits(&home, "2026-05-01T10:10:00Z");
    let five = window(&l, ProviderId::Codex, "5h");
    assert_eq!(five.used_percent, Some(90.0));
    assert_eq!(five.resets_at, Some(t("2026-05-01T10:30:00Z")));
    // 90 % in the 4.5 h before: at 20 %/h the last 10 % take 30 min, past the reset
    assert_eq!(five.forecast.hit_at, None);
    assert_eq!(
        window(&l, ProviderId::Codex, "weekly").resets_at,
        Some(t("2026-05-02T10:00:00Z"))
    );
}

#[test]
fn codex_forecast_says_when_the_window_runs_out() {
    let home = Home::new();
    rollout(
        &home,
        ".codex",
        "c",
        &[token_count(
            "2026-05-01T11:00:00.000Z",
            true,
            &json!({"primary": {"used_percent": 50, "window_minutes": 300,
                                "resets_at": epoch("2026-05-01T14:00:00Z")}}),
        )],
    );
    // 50 % in 2 h: 25 %/h; the other 50 % take 2 h from 11:00, before the 14:00 reset
    let l = limits(&home, "2026-05-01T11:00:00Z");
    let five = window(&l, ProviderId::Codex, "5h");
    assert_eq!(five.forecast.hit_at, Some(t("2026-05-01T13:00:00Z")));
    assert_eq!(five.forecast.end_percent, None);
}

#[test]
fn a_codex_window_whose_reset_passed_is_shown_reset_not_stale() {
    let home = Home::new();
    rollout(
        &home,
        ".codex",
        "d",
        &[token_count(
            "2026-05-01T10:00:00.000Z",
            true,
            &json!({"primary": {"used_percent": 97.0, "window_minutes": 300,
                                "resets_at": epoch("2026-05-01T12:00:00Z")}}),
        )],
    );
    let l = limits(&home, "2026-05-01T12:00:01Z");
    let five = window(&l, ProviderId::Codex, "5h");
    assert_eq!(five.used_percent, Some(0.0));
    assert_eq!(five.resets_at, None);
    assert_eq!(five.note.as_deref(), Some("reset since your last call"));
    // a week on, the tool is no longer in use: no window at all
    let l = limits(&home, "2026-05-08T10:00:01Z");
    assert!(l.windows.is_empty(), "{:#?}", l.windows);
}

#[test]
fn odd_rate_limit_values_cost_nothing_else() {
    let home = Home::new();
    rollout(
        &home,
        ".codex",
        "e",
        &[token_count(
            "2026-05-01T10:00:00.000Z",
            true,
            &json!({"primary": {"used_percent": "lots", "window_minutes": 300},
                    "secondary": "nope"}),
        )],
    );
    let data = home.load();
    assert_eq!(data.calls.len(), 1, "the call of the event is kept");
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    let l = limits(&home, "2026-05-01T10:10:00Z");
    assert!(l.windows.is_empty(), "{:#?}", l.windows);
}

#[test]
fn two_codex_homes_keep_their_own_windows() {
    let home = Home::new();
    for (dir, used) in [(".codex-work", 70.0), (".codex-personal", 15.0)] {
        rollout(
            &home,
            dir,
            dir.trim_start_matches(".codex-"),
            &[token_count(
                "2026-05-01T10:00:00.000Z",
                true,
                &json!({"primary": {"used_percent": used, "window_minutes": 300,
                                    "resets_at": epoch("2026-05-01T14:00:00Z")}}),
            )],
        );
    }
    // CODEX_HOME pointed at one home, then the other, over one index
    let data = home.path().join("data");
    for dir in [".codex-work", ".codex-personal"] {
        let mut paths = Paths::for_home(home.path());
        paths.codex_home = home.path().join(dir);
        paths.data.clone_from(&data);
        let mut engine = Engine::open(paths, burnbar_test_support::pricer()).unwrap();
        engine.sync(Tz::UTC, None).unwrap();
    }
    let mut paths = Paths::for_home(home.path());
    paths.data = data;
    let engine = Engine::open(paths, burnbar_test_support::pricer()).unwrap();
    let l = engine.limits(t("2026-05-01T11:00:00Z")).unwrap();
    let mut got: Vec<(String, Option<f64>)> = l
        .windows
        .iter()
        .map(|w| {
            let dir = std::path::Path::new(&w.account).file_name().unwrap();
            (dir.to_string_lossy().into_owned(), w.used_percent)
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        [
            (".codex-personal".to_string(), Some(15.0)),
            (".codex-work".to_string(), Some(70.0))
        ]
    );
}

// ---------------------------------------------------------------- Claude Code

/// A limit notice as Claude Code writes it.
fn notice(ts: &str, text: &str) -> String {
    json!({"parentUuid": "p", "isSidechain": false, "userType": "external", "cwd": "/w",
           "sessionId": "s", "version": "2.1.90", "type": "assistant", "uuid": format!("n-{ts}"),
           "timestamp": ts, "error": "rate_limit", "isApiErrorMessage": true,
           "apiErrorStatus": 429,
           "message": {"id": format!("msg-{ts}"), "model": "<synthetic>", "role": "assistant",
                       "type": "message", "stop_reason": "stop_sequence",
                       "usage": {"input_tokens": 0, "output_tokens": 0},
                       "content": [{"type": "text", "text": text}]}})
    .to_string()
}

/// Claude calls of 100k input tokens of Sonnet 4.5 ($0.30 each) at `times`.
fn claude_calls(times: &[&str]) -> Vec<String> {
    let u = usage(100_000, 0, 0, 0, 0);
    times
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            assistant_in(
                ts,
                &format!("m-{i}-{ts}"),
                "claude-sonnet-4-5",
                &u,
                true,
                "/w",
                "s",
            )
        })
        .collect()
}

#[test]
fn claude_without_a_notice_shows_use_and_time_left_not_a_percentage() {
    let home = Home::new();
    home.write(
        ".claude/projects/-w/s.jsonl",
        &claude_calls(&["2026-05-01T10:20:00.000Z", "2026-05-01T11:00:00.000Z"]),
    );
    let l = limits(&home, "2026-05-01T12:00:00Z");
    let five = window(&l, ProviderId::ClaudeCode, "5h");
    assert_eq!(five.used_percent, None);
    assert_eq!(five.source, "estimated");
    assert_eq!(five.resets_at, Some(t("2026-05-01T15:00:00Z")));
    let used = five.used.unwrap();
    assert_eq!((used.calls, used.tokens), (2, 200_000));
    assert!((used.cost - 0.6).abs() < 1e-9, "{}", used.cost);
    assert_eq!(five.forecast.hit_at, None);
    assert_eq!(five.forecast.end_percent, None);
    let weekly = window(&l, ProviderId::ClaudeCode, "weekly");
    assert_eq!(weekly.used_percent, None);
    assert_eq!(weekly.resets_at, None, "a rolling week has no reset");
    assert!(
        weekly
            .note
            .as_deref()
            .unwrap()
            .starts_with("rolling 7 days")
    );
}

#[test]
fn a_claude_notice_is_stored_shown_and_holds_the_window_at_100_until_it_resets() {
    let home = Home::new();
    let mut lines = claude_calls(&["2026-05-01T10:20:00.000Z", "2026-05-01T11:00:00.000Z"]);
    lines.push(notice(
        "2026-05-01T11:10:00.000Z",
        "You've hit your session limit · resets 3pm (UTC)",
    ));
    home.write(".claude/projects/-w/s.jsonl", &lines);
    let l = limits(&home, "2026-05-01T12:00:00Z");
    assert_eq!(l.hits.len(), 1);
    let h = &l.hits[0];
    assert_eq!(
        (h.kind, h.at, h.resets_at),
        (
            "5h",
            t("2026-05-01T11:10:00Z"),
            Some(t("2026-05-01T15:00:00Z"))
        )
    );
    let five = window(&l, ProviderId::ClaudeCode, "5h");
    assert_eq!(five.used_percent, Some(100.0));
    assert_eq!(five.source, "log");
    assert_eq!(five.resets_at, Some(t("2026-05-01T15:00:00Z")));
    assert_eq!(five.forecast.hit_at, Some(t("2026-05-01T11:10:00Z")));
    // the notice's own message is no call
    assert_eq!(home.load().calls.len(), 2);
}

#[test]
fn past_notices_calibrate_an_estimated_claude_percentage() {
    let home = Home::new();
    // day 1: $0.60 of calls, then the window runs out (resets 15:00)
    let mut lines = claude_calls(&["2026-05-01T10:20:00.000Z", "2026-05-01T11:00:00.000Z"]);
    lines.push(notice(
        "2026-05-01T11:10:00.000Z",
        "5-hour limit reached ∙ resets 3pm (UTC)",
    ));
    // day 2: $0.30 so far in the active block (10:00-15:00)
    lines.extend(claude_calls(&["2026-05-02T10:30:00.000Z"]));
    home.write(".claude/projects/-w/s.jsonl", &lines);
    let l = limits(&home, "2026-05-02T11:30:00Z");
    let five = window(&l, ProviderId::ClaudeCode, "5h");
    assert_eq!(five.source, "estimated");
    let cap = five.capacity.unwrap();
    assert_eq!(cap.hits, 1);
    assert!((cap.cost - 0.6).abs() < 1e-9, "{}", cap.cost);
    let pct = five.used_percent.unwrap();
    assert!((pct - 50.0).abs() < 1e-9, "{pct}");
    // $0.30 in the hour since the first call; the other $0.30 take an hour: 12:30
    assert_eq!(five.forecast.hit_at, Some(t("2026-05-02T12:30:00Z")));
}

#[test]
fn a_weekly_notice_anchors_the_claude_week() {
    let home = Home::new();
    let mut lines = claude_calls(&["2026-05-01T10:20:00.000Z"]);
    lines.push(notice(
        "2026-05-01T10:30:00.000Z",
        "Weekly limit reached ∙ resets Mon 5am (UTC)", // 2026-05-04
    ));
    lines.extend(claude_calls(&["2026-05-05T09:00:00.000Z"]));
    home.write(".claude/projects/-w/s.jsonl", &lines);
    let l = limits(&home, "2026-05-05T10:00:00Z");
    let weekly = window(&l, ProviderId::ClaudeCode, "weekly");
    assert_eq!(weekly.starts_at, Some(t("2026-05-04T05:00:00Z")));
    assert_eq!(weekly.resets_at, Some(t("2026-05-11T05:00:00Z")));
    // one call since the reset, of the $0.30 the week held when it ran out
    assert_eq!(weekly.used.unwrap().calls, 1);
    let pct = weekly.used_percent.unwrap();
    assert!((pct - 100.0).abs() < 1e-9, "{pct}");
}

#[test]
fn every_notice_shape_is_read_from_a_transcript() {
    let home = Home::new();
    let lines = vec![
        notice(
            "2026-05-01T10:00:00.000Z",
            "Claude AI usage limit reached|1777633200",
        ),
        notice(
            "2026-05-01T10:01:00.000Z",
            "Claude usage limit reached. Your limit will reset at 7am (America/Bogota).",
        ),
        notice(
            "2026-05-01T10:02:00.000Z",
            "You’ve hit your limit · resets Apr 23 at 4pm (America/Recife)",
        ),
        notice(
            "2026-05-01T10:03:00.000Z",
            "Opus weekly limit reached ∙ resets Oct 6, 10am (UTC)",
        ),
        // not limits
        notice("2026-05-01T10:04:00.000Z", "API Error: 529 Overloaded"),
        notice(
            "2026-05-01T10:05:00.000Z",
            "Server is temporarily limiting requests (not your usage limit). Retry in 156s.",
        ),
    ];
    home.write(".claude/projects/-w/s.jsonl", &lines);
    let l = limits(&home, "2026-05-01T12:00:00Z");
    let mut got: Vec<(String, &str, Option<String>)> = l
        .hits
        .iter()
        .map(|h| {
            (
                h.at.format("%H:%M").to_string(),
                h.kind,
                h.resets_at.map(|r| r.to_rfc3339()),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "10:00".into(),
                "5h",
                Some("2026-05-01T11:00:00+00:00".into())
            ),
            (
                "10:01".into(),
                "5h",
                Some("2026-05-01T12:00:00+00:00".into())
            ),
            (
                "10:02".into(),
                "weekly",
                Some("2027-04-23T19:00:00+00:00".into())
            ),
            (
                "10:03".into(),
                "weekly",
                Some("2026-10-06T10:00:00+00:00".into())
            ),
        ]
    );
    assert_eq!(
        l.hits
            .iter()
            .filter(|h| h.scope.as_deref() == Some("opus"))
            .count(),
        1
    );
}

#[test]
fn limit_alerts_fire_once_per_window_the_highest_crossed_and_a_new_window_rearms() {
    use burnbar_engine::limits::LimitEvent;
    use burnbar_engine::settings::LimitPrefs;
    let home = Home::new();
    let snap = |ts: &str, used: f64, resets: &str| {
        token_count(
            ts,
            true,
            &json!({"primary": {"used_percent": used, "window_minutes": 300,
                                "resets_at": epoch(resets)}}),
        )
    };
    rollout(
        &home,
        ".codex",
        "f",
        &[snap(
            "2026-05-01T10:00:00.000Z",
            96.0,
            "2026-05-01T14:00:00Z",
        )],
    );
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    let prefs = LimitPrefs::default(); // 80 and 95
    let due = |engine: &Engine, now: &str, prefs: &LimitPrefs| {
        let l = engine.limits(t(now)).unwrap();
        engine
            .due_limit_alerts(&l, prefs, t(now))
            .unwrap()
            .into_iter()
            .map(|a| (a.window.kind, a.event))
            .collect::<Vec<_>>()
    };
    // 80 and 95 crossed at once: one notification, the higher
    assert_eq!(
        due(&engine, "2026-05-01T10:01:00Z", &prefs),
        [("5h", LimitEvent::Crossed(95))]
    );
    assert_eq!(due(&engine, "2026-05-01T10:02:00Z", &prefs), []);
    // the window runs out
    rollout(
        &home,
        ".codex",
        "g",
        &[snap(
            "2026-05-01T11:00:00.000Z",
            100.0,
            "2026-05-01T14:00:00Z",
        )],
    );
    engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(
        due(&engine, "2026-05-01T11:01:00Z", &prefs),
        [("5h", LimitEvent::Reached)]
    );
    assert_eq!(due(&engine, "2026-05-01T11:02:00Z", &prefs), []);
    // after the reset: nothing unless asked for, then once
    assert_eq!(due(&engine, "2026-05-01T14:00:10Z", &prefs), []);
    let with_reset = LimitPrefs {
        notify_reset: true,
        ..LimitPrefs::default()
    };
    assert_eq!(
        due(&engine, "2026-05-01T14:00:20Z", &with_reset),
        [("5h", LimitEvent::Reset)]
    );
    assert_eq!(due(&engine, "2026-05-01T14:00:30Z", &with_reset), []);
    // the next window is a new instance: its 80 % notifies again
    rollout(
        &home,
        ".codex",
        "h",
        &[snap(
            "2026-05-01T16:00:00.000Z",
            81.0,
            "2026-05-01T19:30:00Z",
        )],
    );
    engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(
        due(&engine, "2026-05-01T16:01:00Z", &prefs),
        [("5h", LimitEvent::Crossed(80))]
    );
}

#[test]
fn a_rate_limit_update_alone_counts_as_a_change_for_the_watch_loop() {
    let home = Home::new();
    let rl = |used: f64| {
        json!({"primary": {"used_percent": used, "window_minutes": 300,
                                            "resets_at": epoch("2026-05-01T14:00:00Z")}})
    };
    rollout(
        &home,
        ".codex",
        "i",
        &[token_count("2026-05-01T10:00:00.000Z", false, &rl(10.0))],
    );
    let mut engine = home.engine();
    assert!(engine.sync(Tz::UTC, None).unwrap().changed());
    assert!(
        !engine.sync(Tz::UTC, None).unwrap().changed(),
        "nothing new"
    );
    rollout(
        &home,
        ".codex",
        "i",
        &[
            token_count("2026-05-01T10:00:00.000Z", false, &rl(10.0)),
            token_count("2026-05-01T10:05:00.000Z", false, &rl(30.0)),
        ],
    );
    let report = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!((report.inserted, report.limits), (0, 1));
    assert!(report.changed(), "the tray must redraw for a new reading");
}

#[test]
fn a_reset_that_drifts_by_seconds_between_readings_is_still_one_window() {
    use burnbar_engine::limits::LimitEvent;
    use burnbar_engine::settings::LimitPrefs;
    let home = Home::new();
    // older Codex: the reset as seconds from each event, so it moves a little per reading
    let reading = |ts: &str, used: f64, secs: i64| {
        token_count(
            ts,
            false,
            &json!({"primary": {"used_percent": used, "window_minutes": 300,
                                "resets_in_seconds": secs}}),
        )
    };
    rollout(
        &home,
        ".codex",
        "j",
        &[reading("2026-05-01T10:00:00.000Z", 96.0, 7200)],
    );
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    let due = |engine: &Engine, now: &str| {
        let l = engine.limits(t(now)).unwrap();
        engine
            .due_limit_alerts(&l, &LimitPrefs::default(), t(now))
            .unwrap()
            .into_iter()
            .map(|a| a.event)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        due(&engine, "2026-05-01T10:00:10Z"),
        [LimitEvent::Crossed(95)]
    );
    rollout(
        &home,
        ".codex",
        "j",
        &[
            reading("2026-05-01T10:00:00.000Z", 96.0, 7200),
            reading("2026-05-01T10:01:00.000Z", 97.0, 7143), // 3 s later than before
        ],
    );
    engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(due(&engine, "2026-05-01T10:01:10Z"), []);
}
