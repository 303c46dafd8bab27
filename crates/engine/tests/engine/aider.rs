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
    // the same message logged twice
    let twice = send(
        1_777_629_700,
        "claude-sonnet-4-5",
        12_000,
        400,
        Some(0.0123),
    );
    home.write(
        ".aider/analytics.jsonl",
        &[
            event("launched", 1_777_629_600, system()),
            event("cli session", 1_777_629_601, system()),
            twice.clone(),
            twice,
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

/// Without an analytics log, Aider's `.aider.chat.history.md` in a repository another tool
/// named gives each run's usage reports: rounded, so estimated, dated at the run's start.
#[test]
fn without_a_log_the_chat_history_in_known_repositories_is_read_as_estimates() {
    let home = Home::new();
    let repo = home.path().join("code/api");
    // Claude Code names the repository
    crate::support::claude_call_in(&home, &repo.to_string_lossy());
    let history = [
        "",
        "# aider chat started at 2026-05-02 10:00:00",
        "",
        "> Aider v0.86.1",
        "> Main model: claude-sonnet-4-5 with diff edit format, infinite output",
        "> Git repo: .git with 120 files",
        "",
        "#### add a health endpoint",
        "",
        "> Tokens: 12k sent, 1.2k cache write, 3.4k cache hit, 950 received. Cost: $0.05 message, $0.05 session.",
        "",
        "#### and a test",
        "",
        "> Tokens: 2.1k sent, 80 received. Cost: $0.0076 message, $0.06 session.",
        "> Tokens: garbled",
    ]
    .map(str::to_string);
    home.write("code/api/.aider.chat.history.md", &history);
    let mut engine = home.engine();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap(); // learns the project
    let second = engine.sync(chrono_tz::Tz::UTC, None).unwrap(); // finds the history
    let calls: Vec<_> = crate::support::calls(&engine)
        .into_iter()
        .filter(|c| c.event.provider == ProviderId::Aider)
        .collect();
    let got: Vec<(u64, u64, Option<i64>, CostSource)> = calls
        .iter()
        .map(|c| {
            (
                c.event.tokens.input,
                c.event.tokens.output,
                c.cost.map(|u| u.micros()),
                c.cost_source,
            )
        })
        .collect();
    let mut got = got;
    got.sort_unstable();
    assert_eq!(
        got,
        [
            (2_100, 80, Some(7_600), CostSource::Estimated),
            (12_000, 950, Some(50_000), CostSource::Estimated),
        ]
    );
    assert!(calls.iter().all(|c| c.event.model == "claude-sonnet-4-5"));
    assert!(
        calls
            .iter()
            .all(|c| c.event.project == repo.to_string_lossy())
    );
    assert_eq!(
        second.warnings.len(),
        1,
        "the garbled report: {:?}",
        second.warnings
    );
}
