//! Copilot CLI, from the CLI's own event schema (`schemas/session-events.schema.json` in the
//! npm package) and writer: per-turn output, per-process shutdown rollups.

use burnbar_engine::{Filter, Period, ProviderId, Span};
use chrono_tz::Tz;
use serde_json::json;

use crate::support::{Home, calls_of};

/// An event as the CLI writes it: `{type, id, timestamp, parentId, data}`.
fn ev(kind: &str, ts: &str, data: serde_json::Value) -> String {
    ev_id(kind, &format!("ev-{kind}-{ts}"), Some(ts), data)
}

fn ev_id(kind: &str, id: &str, ts: Option<&str>, data: serde_json::Value) -> String {
    let mut e = json!({"type": kind, "id": id, "parentId": null, "data": data});
    if let Some(ts) = ts {
        e["timestamp"] = json!(ts);
    }
    e.to_string()
}

/// A shutdown's data: one model's usage over the process that is ending.
fn metrics(input: u64, output: u64, read: u64, write: u64) -> serde_json::Value {
    json!({"shutdownType": "routine", "totalPremiumRequests": 2, "totalApiDurationMs": 9000,
        "sessionStartTime": 1_776_247_200_000_u64,
        "codeChanges": {"linesAdded": 1, "linesRemoved": 0, "filesModified": []},
        "modelMetrics": {"claude-sonnet-4.5": {"requests": {"count": 2, "cost": 2},
            "usage": {"inputTokens": input, "outputTokens": output,
                      "cacheReadTokens": read, "cacheWriteTokens": write}}},
        "currentModel": "claude-sonnet-4.5"})
}

fn start(ts: &str) -> String {
    ev(
        "session.start",
        ts,
        json!({"sessionId": "cs1", "version": 1, "producer": "copilot-agent",
        "copilotVersion": "1.0.6", "startTime": ts, "selectedModel": "claude-sonnet-4.5",
        "context": {"cwd": "/home/dev/cp"}}),
    )
}

fn message(ts: &str, id: &str, output: Option<u64>) -> String {
    let mut data = json!({"messageId": id, "content": "", "toolRequests": []});
    if let Some(n) = output {
        data["outputTokens"] = json!(n);
    }
    ev("assistant.message", ts, data)
}

/// Issue 23, item 6 (and pitfall 18, settled from the source): the CLI's usage tracker starts
/// empty in each process and `assistant.usage` is never written, so a resumed session's next
/// shutdown covers only its own process: every shutdown is a leg of its own, added whole. A
/// leg's output beyond what its messages counted (a sub-agent's) is added once; rollups are
/// not calls.
#[test]
fn issue_23_each_shutdown_is_a_leg_of_its_own_and_not_a_call() {
    let home = Home::new();
    home.write(
        ".copilot/session-state/cs1/events.jsonl",
        &[
            start("2026-04-15T10:00:00.000Z"),
            ev(
                "user.message",
                "2026-04-15T10:00:02.000Z",
                json!({"content": "fix it"}),
            ),
            message("2026-04-15T10:00:15.000Z", "m1", Some(420)),
            // a sub-agent's message carries no outputTokens: its output is in the rollup
            ev(
                "assistant.message",
                "2026-04-15T10:00:20.000Z",
                json!({"messageId": "m1s", "content": "", "parentToolCallId": "t1"}),
            ),
            ev_id(
                "session.shutdown",
                "sd-1",
                Some("2026-04-15T10:05:00.000Z"),
                metrics(90_000, 500, 80_000, 6_000),
            ),
            // resumed later: the new process counts from zero
            ev(
                "session.resume",
                "2026-04-15T11:00:00.000Z",
                json!({"resumeTime": "2026-04-15T11:00:00.000Z", "eventCount": 6,
                "selectedModel": "claude-sonnet-4.5"}),
            ),
            message("2026-04-15T11:00:15.000Z", "m2", Some(100)),
            ev_id(
                "session.shutdown",
                "sd-2",
                Some("2026-04-15T11:05:00.000Z"),
                metrics(60_000, 100, 50_000, 3_000),
            ),
        ],
    );
    let mut engine = home.engine();
    let sync = engine.sync(Tz::UTC, None).unwrap();
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Copilot);
    let turns: Vec<&str> = calls
        .iter()
        .filter(|c| !c.event.supplementary)
        .map(|c| c.event.key.as_str())
        .collect();
    assert_eq!(
        turns,
        vec!["copilot:cs1:m1", "copilot:cs1:m1s", "copilot:cs1:m2"]
    );
    let rollups: Vec<(&str, u64, u64, u64, u64)> = calls
        .iter()
        .filter(|c| c.event.supplementary)
        .map(|c| {
            let t = c.event.tokens;
            (
                c.event.key.as_str(),
                t.input,
                t.output,
                t.cache_read,
                t.cache_write_5m,
            )
        })
        .collect();
    // each leg whole; input excludes the cache reads and writes; output beyond the leg's
    // messages: 500 - 420 = 80 (the sub-agent's), then 100 - 100 = 0
    assert_eq!(
        rollups,
        vec![
            (
                "copilot:cs1:rollup:claude-sonnet-4.5:sd-1",
                4_000,
                80,
                80_000,
                6_000
            ),
            (
                "copilot:cs1:rollup:claude-sonnet-4.5:sd-2",
                7_000,
                0,
                50_000,
                3_000
            ),
        ]
    );
    assert!(
        calls.iter().all(|c| c.event.project == "/home/dev/cp"),
        "session.start's cwd, without a workspace.yaml"
    );
    let report = engine
        .report(
            &Filter::all(Tz::UTC),
            Span::of_period(Period::All, chrono::NaiveDate::MIN),
            chrono::DateTime::UNIX_EPOCH,
            &sync,
        )
        .unwrap();
    assert_eq!(
        report.overview.figures.calls, 3,
        "rollups add tokens, not calls"
    );
    assert_eq!(
        report.overview.figures.tokens.output, 600,
        "both legs' output, once"
    );
    assert_eq!(report.overview.figures.tokens.cache_read, 130_000);
}

/// Issue 23, item 3: an `assistant.message` whose `outputTokens` is 0 answers an API call that
/// produced nothing: not a call.
#[test]
fn issue_23_a_message_with_zero_output_tokens_is_not_a_call() {
    let home = Home::new();
    home.write(
        ".copilot/session-state/cs1/events.jsonl",
        &[
            start("2026-04-15T10:00:00.000Z"),
            message("2026-04-15T10:00:15.000Z", "m1", Some(42)),
            message("2026-04-15T10:00:16.000Z", "m2", Some(0)),
        ],
    );
    let data = home.load();
    let keys: Vec<String> = calls_of(&data, ProviderId::Copilot)
        .iter()
        .map(|c| c.event.key.clone())
        .collect();
    assert_eq!(keys, vec!["copilot:cs1:m1"]);
}

/// Issue 23, item 6: a shutdown without a time takes the time of the last dated event before
/// it; with none at all it is skipped and counted, never dropped silently.
#[test]
fn issue_23_a_shutdown_without_a_time_is_dated_or_counted() {
    let home = Home::new();
    home.write(
        ".copilot/session-state/cs1/events.jsonl",
        &[
            start("2026-04-15T10:00:00.000Z"),
            message("2026-04-15T10:00:15.000Z", "m1", Some(42)),
            ev_id("session.shutdown", "sd-1", None, metrics(9_000, 42, 0, 0)),
        ],
    );
    home.write(
        ".copilot/session-state/cs2/events.jsonl",
        &[ev_id(
            "session.shutdown",
            "sd-2",
            None,
            metrics(9_000, 0, 0, 0),
        )],
    );
    let data = home.load();
    let rollups: Vec<(String, i64)> = calls_of(&data, ProviderId::Copilot)
        .iter()
        .filter(|c| c.event.supplementary)
        .map(|c| (c.event.key.clone(), c.event.timestamp_ms))
        .collect();
    assert_eq!(
        rollups,
        vec![(
            "copilot:cs1:rollup:claude-sonnet-4.5:sd-1".to_string(),
            burnbar_test_support::ms("2026-04-15T10:00:15.000Z")
        )]
    );
    let skipped: Vec<_> = data
        .warnings
        .iter()
        .filter(|w| w.provider == ProviderId::Copilot)
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].kind, burnbar_engine::WarningKind::InvalidRecord);
    assert!(skipped[0].path.ends_with("cs2/events.jsonl"));
}
