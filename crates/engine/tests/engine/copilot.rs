//! Copilot CLI: per-turn output, cumulative shutdown rollups across resumed legs (correctness
//! pitfall 18).

use burnbar_engine::{Filter, Period, ProviderId, Span};
use chrono_tz::Tz;
use serde_json::json;

use crate::support::{Home, calls_of};

fn ev(kind: &str, ts: &str, data: serde_json::Value) -> String {
    json!({"type": kind, "timestamp": ts, "data": data}).to_string()
}

fn shutdown(ts: &str, input: u64, read: u64, write: u64) -> String {
    ev(
        "session.shutdown",
        ts,
        json!({"modelMetrics": {"claude-sonnet-4.5": {"usage": {
        "inputTokens": input, "outputTokens": 999, "cacheReadTokens": read,
        "cacheWriteTokens": write, "reasoningTokens": 0}}}}),
    )
}

#[test]
fn pitfall_18_rollups_become_deltas_across_resumed_legs_and_are_not_calls() {
    let home = Home::new();
    let dir = ".copilot/session-state/cs1";
    home.write(
        &format!("{dir}/workspace.yaml"),
        &["id: cs1".into(), "cwd: /home/dev/cp".into()],
    );
    home.write(
        &format!("{dir}/events.jsonl"),
        &[
            ev(
                "assistant.message",
                "2026-04-15T09:59:00Z",
                json!({"messageId": "m0", "outputTokens": 5}),
            ),
            ev(
                "session.model_change",
                "2026-04-15T10:00:01Z",
                json!({"newModel": "claude-sonnet-4.5"}),
            ),
            ev(
                "user.message",
                "2026-04-15T10:00:02Z",
                json!({"content": "fix it"}),
            ),
            ev(
                "assistant.message",
                "2026-04-15T10:00:15Z",
                json!({"messageId": "m1", "outputTokens": 420}),
            ),
            shutdown("2026-04-15T10:05:00Z", 90_000, 80_000, 6_000),
            // resumed: the next leg's totals include the first leg's
            ev(
                "assistant.message",
                "2026-04-15T11:00:15Z",
                json!({"messageId": "m2", "outputTokens": 100}),
            ),
            shutdown("2026-04-15T11:05:00Z", 150_000, 130_000, 9_000),
            // a compaction restarts the counters: the next leg counts at face value
            ev(
                "session.compaction_complete",
                "2026-04-15T12:00:00Z",
                json!({"success": true}),
            ),
            shutdown("2026-04-15T12:05:00Z", 20_000, 15_000, 1_000),
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
        vec!["copilot:cs1:m1", "copilot:cs1:m2"],
        "no model yet: m0 is skipped"
    );
    let rollups: Vec<(u64, u64, u64)> = calls
        .iter()
        .filter(|c| c.event.supplementary)
        .map(|c| {
            let t = c.event.tokens;
            (t.input, t.cache_read, t.cache_write_5m)
        })
        .collect();
    // legs: (90k, 80k, 6k); (150k-90k, 130k-80k, 9k-6k); after compaction (20k, 15k, 1k);
    // input excludes the cache reads and writes
    assert_eq!(
        rollups,
        vec![
            (4_000, 80_000, 6_000),
            (7_000, 50_000, 3_000),
            (4_000, 15_000, 1_000)
        ]
    );
    assert!(calls.iter().all(|c| c.event.project == "/home/dev/cp"));
    let report = engine
        .report(
            &Filter::all(Tz::UTC),
            Span::of_period(Period::All, chrono::NaiveDate::MIN),
            chrono::DateTime::UNIX_EPOCH,
            &sync,
        )
        .unwrap();
    assert_eq!(
        report.overview.figures.calls, 2,
        "rollups add tokens, not calls"
    );
    assert_eq!(report.overview.figures.tokens.output, 520);
    assert_eq!(report.overview.figures.tokens.cache_read, 145_000);
}
