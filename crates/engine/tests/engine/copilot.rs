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

/// A span as Copilot's file exporter writes it (`serializeSpan` in VS Code Copilot Chat's
/// `fileExporters.ts`, with the CLI's `"type"` tag): times as `[seconds, nanoseconds]`.
fn otel_span(name: &str, span: &str, end_s: u64, attrs: serde_json::Value) -> String {
    json!({"type": "span", "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": span,
        "parentSpanId": "00f067aa0ba902b7", "name": name, "kind": 2,
        "startTime": [end_s - 3, 120_000_000], "endTime": [end_s, 500_000_000],
        "status": {"code": 0}, "attributes": attrs, "events": [], "links": [],
        "resource": {"attributes": {"service.name": "github-copilot-cli"}}})
    .to_string()
}

fn chat_usage(input: u64, output: u64, read: u64, write: u64) -> serde_json::Value {
    json!({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "github",
        "gen_ai.request.model": "claude-sonnet-4.5", "gen_ai.response.model": "claude-sonnet-4.5",
        "gen_ai.conversation.id": "cs1", "gen_ai.usage.input_tokens": input,
        "gen_ai.usage.output_tokens": output, "gen_ai.usage.cache_read.input_tokens": read,
        "gen_ai.usage.cache_creation.input_tokens": write})
}

/// Issue 20: with the OpenTelemetry file export on, each request's span is a call with its
/// input, output and cache tokens, and the session counts once: the session log's per-message
/// output and shutdown rollup stop adding tokens (they still give the turn its tools).
#[test]
fn issue_20_otel_spans_replace_the_session_logs_sums_without_double_counting() {
    let home = Home::new();
    home.write_raw(
        ".copilot/session-state/cs1/workspace.yaml",
        b"id: cs1\ncwd: /home/dev/cp\n",
    );
    home.write(
        ".copilot/session-state/cs1/events.jsonl",
        &[
            start("2026-04-15T10:00:00.000Z"),
            message("2026-04-15T10:00:15.000Z", "m1", Some(420)),
            ev_id(
                "session.shutdown",
                "sd-1",
                Some("2026-04-15T10:05:00.000Z"),
                metrics(90_000, 500, 80_000, 6_000),
            ),
        ],
    );
    // another session without an export keeps its log's sums
    home.write(
        ".copilot/session-state/cs2/events.jsonl",
        &[
            start("2026-04-15T12:00:00.000Z"),
            message("2026-04-15T12:00:15.000Z", "m9", Some(10)),
        ],
    );
    home.write(
        ".copilot/otel/copilot-otel.jsonl",
        &[
            otel_span(
                "chat claude-sonnet-4.5",
                "a1",
                1_776_247_214,
                chat_usage(50_000, 420, 45_000, 3_000),
            ),
            otel_span(
                "chat claude-sonnet-4.5",
                "a2",
                1_776_247_218,
                chat_usage(40_000, 80, 35_000, 3_000),
            ),
            // the agent span repeats the turn's sums: not a call
            otel_span(
                "invoke_agent",
                "ag",
                1_776_247_219,
                json!({"gen_ai.operation.name": "invoke_agent",
                "gen_ai.conversation.id": "cs1", "gen_ai.usage.input_tokens": 90_000,
                "gen_ai.usage.output_tokens": 500}),
            ),
            json!({"type": "metric", "name": "gen_ai.client.token.usage", "value": 90_000})
                .to_string(),
            "{\"type\": \"span\", \"traceId\": ".to_string(),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Copilot);
    let otel: Vec<(&str, u64, u64, u64, u64, i64)> = calls
        .iter()
        .filter(|c| c.event.key.starts_with("copilot:otel:"))
        .map(|c| {
            let t = c.event.tokens;
            (
                c.event.project.as_str(),
                t.input,
                t.output,
                t.cache_read,
                t.cache_write_5m,
                c.event.timestamp_ms,
            )
        })
        .collect();
    assert_eq!(
        otel,
        [
            ("/home/dev/cp", 2_000, 420, 45_000, 3_000, 1_776_247_214_500),
            ("/home/dev/cp", 2_000, 80, 35_000, 3_000, 1_776_247_218_500),
        ],
        "input without the cached tokens; the project from the session's workspace.yaml"
    );
    assert_eq!(data.warnings.len(), 1, "the torn line: {:?}", data.warnings);

    let now = "2026-04-16T00:00:00Z".parse().unwrap();
    let report = crate::support::report_all(&mut home.engine(), Tz::UTC, now);
    let copilot = report
        .providers
        .iter()
        .find(|p| p.id == ProviderId::Copilot)
        .unwrap();
    let t = &copilot.figures.tokens;
    // cs1: the spans alone (4,000 fresh input, 500 output, 80,000 read, 6,000 written: the
    // same as the shutdown rollup, counted once); cs2: its log's 10 output tokens
    assert_eq!(
        (t.input, t.output, t.cache_read, t.cache_write),
        (4_000, 510, 80_000, 6_000)
    );
    assert_eq!(copilot.figures.calls, 3, "two requests in cs1, one in cs2");
}
