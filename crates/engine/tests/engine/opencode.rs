//! OpenCode provider (file layout): tokens, reported cost, seconds timestamps, projects.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::{Home, calls_of};

const M: &str = ".local/share/opencode/storage/message";

fn message(
    id: &str,
    session: &str,
    model: &str,
    provider: &str,
    created: i64,
) -> serde_json::Value {
    json!({"id": id, "sessionID": session, "role": "assistant", "modelID": model,
           "providerID": provider, "mode": "build", "cost": 0.5,
           "time": {"created": created, "completed": created + 2000},
           "path": {"cwd": "/home/dev/go", "root": "/home/dev/go"},
           "tokens": {"input": 10, "output": 100, "reasoning": 40, "cache": {"read": 1000, "write": 200}}})
}

#[test]
fn pitfall_21_assistant_messages_are_calls_with_reasoning_billed_as_output() {
    let home = Home::new();
    home.write(
        &format!("{M}/ses_1/msg_a.json"),
        &[message(
            "msg_a",
            "ses_1",
            "claude-sonnet-4-5",
            "anthropic",
            1_777_629_600_000,
        )
        .to_string()],
    );
    home.write(&format!("{M}/ses_1/msg_u.json"), &[json!({"id": "msg_u", "sessionID": "ses_1", "role": "user", "time": {"created": 1_777_629_599_000_i64}}).to_string()]);
    let data = home.load();
    let calls = calls_of(&data, ProviderId::OpenCode);
    assert_eq!(calls.len(), 1);
    let e = &calls[0].event;
    assert_eq!(e.key, "opencode:ses_1:msg_a");
    assert_eq!(e.project, "/home/dev/go");
    let t = e.tokens;
    assert_eq!(
        (
            t.input,
            t.output,
            t.reasoning,
            t.cache_read,
            t.cache_write_5m
        ),
        (10, 100, 40, 1000, 200)
    );
    // 10 x $3/M + (100 + 40) x $15/M + 1000 x $0.30/M + 200 x $3.75/M: computed, not the
    // reported $0.50
    assert_eq!(calls[0].cost.unwrap().micros(), 30 + 2100 + 300 + 750);
    assert_eq!(calls[0].cost_source, CostSource::Computed);
}

#[test]
fn an_unpriced_model_falls_back_to_opencodes_reported_cost_and_says_so() {
    let home = Home::new();
    // seconds, not milliseconds
    home.write(
        &format!("{M}/ses_2/msg_b.json"),
        &[message("msg_b", "ses_2", "house-model-x", "acme", 1_777_629_600).to_string()],
    );
    let data = home.load();
    let c = &calls_of(&data, ProviderId::OpenCode)[0];
    assert_eq!(c.event.timestamp_ms, 1_777_629_600_000);
    assert_eq!(
        (c.cost.map(|u| u.micros()), c.cost_source),
        (Some(500_000), CostSource::Reported)
    );
}

#[test]
fn a_malformed_message_file_is_a_warning() {
    let home = Home::new();
    home.write_raw(&format!("{M}/ses_3/msg_c.json"), b"{\"id\": \"msg_c\", ");
    let data = home.load();
    assert!(data.calls.is_empty());
    assert_eq!(data.warnings.len(), 1);
}

#[test]
fn pitfall_21_child_sessions_roll_into_their_root() {
    let home = Home::new();
    let s = ".local/share/opencode/storage/session/proj1";
    home.write(
        &format!("{s}/ses_root.json"),
        &[json!({"id": "ses_root", "directory": "/home/dev/go"}).to_string()],
    );
    home.write(
        &format!("{s}/ses_child.json"),
        &[json!({"id": "ses_child", "parentID": "ses_root"}).to_string()],
    );
    home.write(
        &format!("{s}/ses_grandchild.json"),
        &[json!({"id": "ses_grandchild", "parentID": "ses_child"}).to_string()],
    );
    for (sid, mid) in [
        ("ses_root", "m1"),
        ("ses_child", "m2"),
        ("ses_grandchild", "m3"),
        ("ses_orphan", "m4"),
    ] {
        home.write(
            &format!("{M}/{sid}/{mid}.json"),
            &[message(
                mid,
                sid,
                "claude-sonnet-4-5",
                "anthropic",
                1_777_629_600_000,
            )
            .to_string()],
        );
    }
    let data = home.load();
    let mut got: Vec<(String, String)> = calls_of(&data, ProviderId::OpenCode)
        .iter()
        .map(|c| (c.event.key.clone(), c.event.session_id.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("opencode:ses_child:m2".into(), "ses_root".into()),
            ("opencode:ses_grandchild:m3".into(), "ses_root".into()),
            ("opencode:ses_orphan:m4".into(), "ses_orphan".into()),
            ("opencode:ses_root:m1".into(), "ses_root".into()),
        ]
    );
}
