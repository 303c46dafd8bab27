//! Kimi CLI's `wire.jsonl`, as `kimi_cli/wire/file.py` appends it.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

fn record(ts: f64, kind: &str, payload: serde_json::Value) -> String {
    json!({"timestamp": ts, "message": {"type": kind, "payload": payload}}).to_string()
}

fn usage(fresh: u64, out: u64, read: u64, write: u64) -> serde_json::Value {
    json!({"input_other": fresh, "output": out, "input_cache_read": read,
           "input_cache_creation": write})
}

#[test]
fn kimi_steps_with_usage_are_calls_in_their_work_directory() {
    let home = Home::new();
    // md5("/home/dev/kimi-app")
    let hash = "1f7a3b5a0d3e1f2c8e0e4e3f1c2d3b4a";
    let real = format!("{:x}", md5_of("/home/dev/kimi-app"));
    home.write_raw(
        ".kimi/kimi.json",
        json!({"work_dirs": [{"path": "/home/dev/kimi-app", "kaos": "local",
                              "last_session_id": "s1"}], "thinking": false})
        .to_string()
        .as_bytes(),
    );
    home.write_raw(
        ".kimi/config.toml",
        b"default_model = \"kimi-for-coding\"\n\n[models.kimi-for-coding]\nprovider = \"managed:kimi-code\"\nmodel = \"kimi-k2-0905-preview\"\nmax_context_size = 262144\n",
    );
    let step = |ts: f64, id: &str, u: serde_json::Value| {
        record(
            ts,
            "StatusUpdate",
            json!({"context_usage": 0.1, "context_tokens": 2000,
            "max_context_tokens": 262_144, "token_usage": u, "message_id": id,
            "plan_mode": null, "mcp_status": null}),
        )
    };
    let lines = [
        json!({"type": "metadata", "protocol_version": "1.6"}).to_string(),
        record(
            1_777_629_600.5,
            "TurnBegin",
            json!({"user_input": "add tests"}),
        ),
        record(1_777_629_600.6, "StepBegin", json!({"n": 1})),
        step(1_777_629_610.25, "chatcmpl-1", usage(100, 50, 2_000, 300)),
        step(1_777_629_610.30, "chatcmpl-1", usage(100, 50, 2_000, 300)),
        record(
            1_777_629_611.0,
            "StatusUpdate",
            json!({"context_usage": 0.2, "token_usage": null}),
        ),
        record(
            1_777_629_620.0,
            "SubagentEvent",
            json!({"parent_tool_call_id": "call_1",
            "agent_id": "a1", "subagent_type": "explore",
            "event": {"type": "StatusUpdate", "payload": {"token_usage": usage(10, 5, 0, 0),
                                                           "message_id": "chatcmpl-9"}}}),
        ),
        "{\"timestamp\": 1777629630, \"message\": {\"type\": \"Sta".to_string(),
    ];
    home.write(&format!(".kimi/sessions/{real}/s1/wire.jsonl"), &lines);
    home.write(&format!(".kimi/sessions/{hash}/s2/wire.jsonl"), &lines[..4]);
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Kimi);
    let mut got: Vec<(&str, &str, u64, u64, u64)> = calls
        .iter()
        .map(|c| {
            let t = c.event.tokens;
            (
                c.event.key.as_str(),
                c.event.project.as_str(),
                t.input,
                t.cache_read,
                t.cache_write_5m,
            )
        })
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            ("kimi:s1:a1:chatcmpl-9", "/home/dev/kimi-app", 10, 0, 0),
            ("kimi:s1:chatcmpl-1", "/home/dev/kimi-app", 100, 2_000, 300),
            ("kimi:s2:chatcmpl-1", hash, 100, 2_000, 300),
        ],
        "a repeated step is one call; a sub-agent's steps count; an unknown md5 stays itself"
    );
    let first = calls
        .iter()
        .find(|c| c.event.key == "kimi:s1:chatcmpl-1")
        .unwrap();
    assert_eq!(first.event.timestamp_ms, 1_777_629_610_250);
    assert_eq!(first.event.model, "kimi-k2-0905-preview");
    assert!(
        calls.iter().all(|c| c.cost_source != CostSource::Computed),
        "the model is the configured default, not read from the session"
    );
    assert_eq!(data.warnings.len(), 1, "the torn line: {:?}", data.warnings);
}

fn md5_of(s: &str) -> impl std::fmt::LowerHex {
    use md5::Digest;
    let d = md5::Md5::digest(s.as_bytes());
    u128::from_be_bytes(d.into())
}
