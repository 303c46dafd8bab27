//! Kiro: the CLI's session files and the IDE's session store; credits per turn, converted and
//! labelled.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

fn turn(end: &str, credits: Option<f64>, tokens: [u64; 2], rand: u64) -> serde_json::Value {
    let mut t = json!({"end_timestamp": end, "input_token_count": tokens[0],
        "output_token_count": tokens[1], "cache_read_input_token_count": 0,
        "cache_write_input_token_count": 0,
        "loop_id": {"agent_id": {"name": "kiro_default"}, "rand": rand}});
    if let Some(c) = credits {
        t["metering_usage"] = json!([{"value": c, "unit": "credit", "unitPlural": "credits"}]);
    }
    t
}

#[test]
fn kiro_turns_cost_their_credits_at_the_stated_rate_and_say_so() {
    let home = Home::new();
    let session = json!({
        "session_id": "k-1", "cwd": "/home/dev/kiro-app", "title": "disk check",
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:05:00Z",
        "session_state": {
            "rts_model_state": {"model_info": {"model_id": "claude-sonnet-4-5"}},
            "conversation_metadata": {"user_turn_metadatas": [
                turn("2026-05-01T10:00:20.123456789Z", Some(0.3), [0, 0], 11),
                turn("2026-05-01T10:02:10.000000000Z", Some(0.25), [900, 40], 12),
                // a zero-token placeholder without credits: nothing was recorded
                turn("2026-05-01T10:03:00Z", None, [0, 0], 13),
                // tokens and no credits: priced from the table
                turn("2026-05-01T10:04:00Z", None, [1_000, 100], 14),
                turn("later", Some(0.1), [0, 0], 15)
            ]}
        }
    });
    home.write_raw(
        ".kiro/sessions/cli/k-1.json",
        session.to_string().as_bytes(),
    );
    home.write_raw(".kiro/sessions/cli/broken.json", b"{\"session_id\": ");
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Kiro);
    let got = crate::support::costed(&calls);
    assert_eq!(
        got,
        [
            (
                "kiro:k-1:11",
                1_777_629_620_123,
                Some(12_000),
                CostSource::Estimated
            ),
            (
                "kiro:k-1:12",
                1_777_629_730_000,
                Some(10_000),
                CostSource::Estimated
            ),
            // 1000 x 3 + 100 x 15 micro-USD
            (
                "kiro:k-1:14",
                1_777_629_840_000,
                Some(4_500),
                CostSource::Computed
            ),
        ]
    );
    assert!(
        calls
            .iter()
            .all(|c| c.event.project == "/home/dev/kiro-app")
    );
    assert_eq!(
        data.warnings.len(),
        2,
        "the undated turn and the torn file: {:?}",
        data.warnings
    );
}

/// A line of the IDE's `messages.jsonl`: `{id, timestamp, payload}`.
fn ide_line(id: &str, ts: Option<&str>, payload: serde_json::Value) -> String {
    let mut l = json!({"id": id, "payload": payload});
    if let Some(ts) = ts {
        l["timestamp"] = json!(ts);
    }
    l.to_string()
}

fn usage_summary(exec: &str, credits: &[(f64, &str)]) -> serde_json::Value {
    let turns: Vec<serde_json::Value> = credits
        .iter()
        .map(|(usage, unit)| {
            json!({"unit": unit, "unitPlural": format!("{unit}s"), "usage": usage,
                   "usedTools": ["read_file", "fs_write"]})
        })
        .collect();
    json!({"type": "usage_summary", "promptTurnSummaries": turns, "elapsedTime": 46_067,
           "status": "success", "executionId": exec, "requestIds": ["req-1"]})
}

const IDE: &str = ".kiro/sessions/9f3c1d0b7a4e2856/sess_0a1b2c3d";

/// The IDE's session store (Kiro 1.x/2.x): one call per turn's `usage_summary`, its credits
/// converted at $0.04 and labelled; no tokens, since the IDE records none.
#[test]
fn kiro_ide_turns_are_their_usage_summaries_credits() {
    let home = Home::new();
    home.write_raw(
        &format!("{IDE}/session.json"),
        json!({"schemaVersion": "1.0.0", "id": "sess_0a1b2c3d", "title": "hello",
               "modelId": "auto", "createdAt": "2026-09-03T12:00:00.000Z",
               "lastModifiedAt": "2026-09-03T12:09:00.000Z",
               "rootPaths": ["c:\\Users\\dev\\workspace\\demo"]})
        .to_string()
        .as_bytes(),
    );
    home.write(
        &format!("{IDE}/messages.jsonl"),
        &[
            ide_line("r1", Some("2026-09-03T12:00:00.000Z"),
                json!({"type": "user", "content": "the usage_summary said \"credit\" 99"})),
            ide_line("r2", Some("2026-09-03T12:00:30.000Z"),
                json!({"type": "tool_call", "toolName": "read_file"})),
            ide_line("r3", Some("2026-09-03T12:01:00.000Z"), usage_summary("exec-1", &[(1.5, "credit")])),
            ide_line("r4", Some("2026-09-03T12:01:01.000Z"), json!({"type": "turn_end"})),
            // the same turn's summary written again: counted once
            ide_line("r5", Some("2026-09-03T12:01:02.000Z"), usage_summary("exec-1", &[(1.5, "credit")])),
            // a summary without its own time takes the last time before it; a token-unit entry
            // is not credits
            ide_line("r6", Some("2026-09-03T12:05:00.000Z"), json!({"type": "assistant", "content": "ok"})),
            ide_line("r7", None, usage_summary("exec-2", &[(0.25, "credit"), (500.0, "token")])),
            // a turn that billed nothing adds nothing
            ide_line("r8", Some("2026-09-03T12:08:00.000Z"), usage_summary("exec-3", &[(0.0, "credit")])),
            "{\"id\":\"r9\",\"payload\":{\"type\":\"usage_summary\",\"promptTurnSummaries\":[{\"unit\":\"cre".to_string(),
        ],
    );
    // the CLI's bucket and a sub-execution's stream are not the IDE's session streams
    home.write(
        &format!("{IDE}/sub-executions/x.jsonl"),
        &[ide_line(
            "s1",
            Some("2026-09-03T12:02:00.000Z"),
            usage_summary("exec-9", &[(9.0, "credit")]),
        )],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Kiro);
    let got = crate::support::costed(&calls);
    assert_eq!(
        got,
        [
            (
                "kiro:sess_0a1b2c3d:exec-1",
                1_788_436_860_000,
                Some(60_000),
                CostSource::Estimated
            ),
            (
                "kiro:sess_0a1b2c3d:exec-2",
                1_788_437_100_000,
                Some(10_000),
                CostSource::Estimated
            ),
        ]
    );
    for c in &calls {
        let e = &c.event;
        assert_eq!(
            (e.project.as_str(), e.model.as_str(), e.tokens.is_empty()),
            ("c:/users/dev/workspace/demo", "auto", true),
            "a Windows path, filed as the engine files them"
        );
    }
    assert_eq!(
        data.warnings.len(),
        1,
        "the torn last line: {:?}",
        data.warnings
    );
}

#[test]
fn kiro_ide_streams_are_read_from_where_they_stopped_and_without_session_json() {
    let home = Home::new();
    let dir = ".kiro/sessions/a1b2c3d4e5f60718/sess-ide-shapes-0001";
    home.write(
        &format!("{dir}/messages.jsonl"),
        &[ide_line(
            "r1",
            Some("2026-09-02T08:00:00Z"),
            usage_summary("e1", &[(2.0, "credit")]),
        )],
    );
    let mut engine = home.engine();
    let first = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(first.inserted, 1);
    // the next turn is appended: read alone, from the offset
    let path = home.path().join(dir).join("messages.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let more = ide_line(
        "r2",
        Some("2026-09-02T08:03:00Z"),
        usage_summary("e2", &[(1.0, "credit")]),
    );
    std::io::Write::write_all(&mut f, format!("{more}\n").as_bytes()).unwrap();
    drop(f);
    let second = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!((second.files_read, second.inserted), (1, 1));
    assert!(second.bytes_read < 400, "{} bytes", second.bytes_read);
    let calls = burnbar_test_support::calls(&engine);
    let mut keys: Vec<(&str, &str, &str)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.model.as_str(),
                c.event.project.as_str(),
            )
        })
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            ("kiro:sess-ide-shapes-0001:e1", "unknown", "unknown"),
            ("kiro:sess-ide-shapes-0001:e2", "unknown", "unknown"),
        ],
        "no session.json: the directory names the session"
    );
}
