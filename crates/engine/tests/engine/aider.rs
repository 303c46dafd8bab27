//! Aider's analytics log, as `aider/analytics.py` appends it.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

fn event(name: &str, time: i64, properties: serde_json::Value) -> String {
    json!({"event": name, "properties": properties, "user_id": "0b5e", "time": time}).to_string()
}

fn system() -> serde_json::Value {
    json!({"python_version": "3.12.3", "os_platform": "Linux", "os_release": "6.8",
           "machine": "x86_64", "aider_version": "0.86.1"})
}

fn send(time: i64, model: &str, prompt: u64, completion: u64, cost: Option<f64>) -> String {
    let mut p = system();
    p["main_model"] = json!(model);
    p["edit_format"] = json!("diff");
    p["prompt_tokens"] = json!(prompt);
    p["completion_tokens"] = json!(completion);
    p["total_tokens"] = json!(prompt + completion);
    if let Some(c) = cost {
        p["cost"] = json!(c);
        p["total_cost"] = json!(c);
    }
    event("message_send", time, p)
}

#[test]
fn aider_message_sends_in_the_configured_log_are_calls_with_aiders_own_cost() {
    let home = Home::new();
    home.write_raw(
        ".aider.conf.yml",
        b"model: sonnet\nanalytics-log: ~/.aider/analytics.jsonl # local only\n",
    );
    home.write(
        ".aider/analytics.jsonl",
        &[
            event("launched", 1_777_629_600, system()),
            event("cli session", 1_777_629_601, system()),
            send(
                1_777_629_700,
                "claude-sonnet-4-5",
                12_000,
                400,
                Some(0.0123),
            ),
            send(
                1_777_629_700,
                "claude-sonnet-4-5",
                12_000,
                400,
                Some(0.0123),
            ),
            send(1_777_629_800, "claude-sonnet-4-5", 1_000, 100, None),
            send(1_777_629_900, "openrouter/REDACTED", 500, 50, None),
            "{\"event\": \"message_se".to_string(),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Aider);
    assert_eq!(calls.len(), 3, "the same message logged twice is one");
    let got: Vec<(Option<i64>, CostSource, &str)> = calls
        .iter()
        .map(|c| {
            (
                c.cost.map(|u| u.micros()),
                c.cost_source,
                c.event.model.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(12_300), CostSource::Reported, "claude-sonnet-4-5"),
            (
                Some(3_000 + 1_500),
                CostSource::Computed,
                "claude-sonnet-4-5"
            ),
            (None, CostSource::Unpriced, "unknown"),
        ],
        "Aider's own cost when it logged one (it knew the cache split); else the table's"
    );
    assert!(
        calls
            .iter()
            .all(|c| c.event.session_id == "aider-1777629600000")
    );
    assert_eq!(calls[0].event.timestamp_ms, 1_777_629_700_000);
    assert_eq!(data.warnings.len(), 1, "the torn line: {:?}", data.warnings);
}

#[test]
fn without_a_configured_log_nothing_is_looked_for() {
    let home = Home::new();
    home.write(
        ".aider/analytics.jsonl",
        &[send(1_777_629_700, "gpt-5", 10, 10, None)],
    );
    let data = home.load();
    assert!(calls_of(&data, ProviderId::Aider).is_empty());
}
