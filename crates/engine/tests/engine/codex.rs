//! Codex provider: the known correctness pitfalls that concern it, one test each
//! (numbered as in the team's reference list of 50).

use burnbar_engine::{ProviderId, WarningKind};
use serde_json::json;

use crate::support::{Home, calls_of, codex_meta, codex_tokens, codex_turn};

const S: &str = ".codex/sessions/2026/05/01";

fn meta(id: &str) -> String {
    codex_meta(
        "2026-05-01T10:00:00.000Z",
        id,
        &json!("/home/dev/api"),
        &json!({}),
    )
}

/// `(input, cache_read, output, reasoning)` of each call, in key order.
fn tokens_of(home: &Home) -> Vec<(u64, u64, u64, u64)> {
    let data = home.load();
    calls_of(&data, ProviderId::Codex)
        .iter()
        .map(|c| {
            let t = c.event.tokens;
            (t.input, t.cache_read, t.output, t.reasoning)
        })
        .collect()
}

#[test]
fn pitfall_07_cumulative_totals_last_usage_deltas_and_repeats() {
    let home = Home::new();
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-a.jsonl"),
        &[
            meta("a"),
            codex_turn("2026-05-01T10:00:01.000Z", "gpt-5.1-codex"),
            // info: null is a rate-limit update, not a call
            json!({"timestamp":"2026-05-01T10:00:02Z","type":"event_msg",
                   "payload":{"type":"token_count","info":null}})
            .to_string(),
            codex_tokens(
                "2026-05-01T10:00:03.000Z",
                Some([100, 0, 10, 0]),
                Some([100, 0, 10, 0]),
            ),
            // the same cumulative total again: a repeat, not a call
            codex_tokens(
                "2026-05-01T10:00:04.000Z",
                Some([100, 0, 10, 0]),
                Some([100, 0, 10, 0]),
            ),
            // no last_token_usage: the delta of the cumulative totals
            codex_tokens("2026-05-01T10:00:05.000Z", None, Some([300, 50, 30, 5])),
            // last_token_usage wins over the delta when both exist
            codex_tokens(
                "2026-05-01T10:00:06.000Z",
                Some([40, 0, 4, 0]),
                Some([345, 50, 35, 5]),
            ),
        ],
    );
    assert_eq!(
        tokens_of(&home),
        vec![(100, 0, 10, 0), (150, 50, 20, 5), (40, 0, 4, 0)]
    );
}

#[test]
fn pitfall_07_a_first_event_with_total_zero_still_counts() {
    let home = Home::new();
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-z.jsonl"),
        &[
            meta("z"),
            codex_tokens("2026-05-01T10:00:03.000Z", None, Some([0, 0, 0, 0])),
            codex_tokens("2026-05-01T10:00:04.000Z", None, Some([0, 0, 0, 0])),
        ],
    );
    assert_eq!(tokens_of(&home), vec![(0, 0, 0, 0)]);
}

#[test]
fn pitfall_08_cached_is_subtracted_and_reasoning_is_not_added() {
    let home = Home::new();
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-c.jsonl"),
        &[
            meta("c"),
            codex_turn("2026-05-01T10:00:01.000Z", "gpt-5.1-codex"),
            codex_tokens(
                "2026-05-01T10:00:03.000Z",
                Some([1000, 800, 100, 40]),
                Some([1000, 800, 100, 40]),
            ),
        ],
    );
    let data = home.load();
    let c = calls_of(&data, ProviderId::Codex)[0];
    let t = c.event.tokens;
    assert_eq!(
        (t.input, t.cache_read, t.output, t.reasoning),
        (200, 800, 100, 40)
    );
    // 200 x $1.25/M + 800 x $0.125/M + 100 x $10/M (reasoning already inside output)
    assert_eq!(c.cost.unwrap().micros(), 250 + 100 + 1000);
}

#[test]
fn pitfall_09_forked_sessions_count_the_parents_history_once() {
    let home = Home::new();
    let parent = [
        meta("parent"),
        codex_turn("2026-05-01T10:00:01.000Z", "gpt-5.1-codex"),
        codex_tokens(
            "2026-05-01T10:00:03.000Z",
            Some([100, 0, 10, 0]),
            Some([100, 0, 10, 0]),
        ),
        codex_tokens(
            "2026-05-01T10:01:00.000Z",
            Some([200, 0, 20, 0]),
            Some([300, 0, 30, 0]),
        ),
    ];
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-parent.jsonl"),
        &parent,
    );
    let fork_meta = codex_meta(
        "2026-05-01T11:00:00.000Z",
        "child",
        &json!("/home/dev/api"),
        &json!({"forked_from_id": "parent"}),
    );
    home.write(
        &format!("{S}/rollout-2026-05-01T11-00-00-child.jsonl"),
        &[
            fork_meta,
            codex_turn("2026-05-01T11:00:00.100Z", "gpt-5.1-codex"),
            // the replay of the parent, stamped right after the fork
            codex_tokens(
                "2026-05-01T11:00:00.200Z",
                Some([100, 0, 10, 0]),
                Some([100, 0, 10, 0]),
            ),
            // a replayed event that slips past the window still collides with the parent's key
            codex_tokens(
                "2026-05-01T11:00:09.000Z",
                Some([200, 0, 20, 0]),
                Some([300, 0, 30, 0]),
            ),
            // new work in the fork
            codex_tokens(
                "2026-05-01T11:05:00.000Z",
                Some([50, 0, 5, 0]),
                Some([350, 0, 35, 0]),
            ),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Codex);
    let got: Vec<(u64, &str)> = calls
        .iter()
        .map(|c| (c.event.tokens.input, c.event.session_id.as_str()))
        .collect();
    assert_eq!(got, vec![(100, "parent"), (200, "parent"), (50, "child")]);
}

#[test]
fn pitfall_10_admission_is_structural_not_by_originator() {
    let home = Home::new();
    let huge = "x".repeat(1_200_000);
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-third.jsonl"),
        &[
            codex_meta(
                "2026-05-01T10:00:00.000Z",
                "third",
                &json!(42),
                &json!({"originator": "my_own_client", "base_instructions": {"text": huge}}),
            ),
            codex_tokens(
                "2026-05-01T10:00:03.000Z",
                Some([10, 0, 1, 0]),
                Some([10, 0, 1, 0]),
            ),
        ],
    );
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-notarollout.jsonl"),
        &[
            json!({"timestamp":"2026-05-01T10:00:00Z","type":"event_msg","payload":{}}).to_string(),
            codex_tokens(
                "2026-05-01T10:00:03.000Z",
                Some([10, 0, 1, 0]),
                Some([10, 0, 1, 0]),
            ),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Codex);
    assert_eq!(calls.len(), 1, "only the admitted rollout counts");
    assert_eq!(calls[0].event.session_id, "third");
    assert_eq!(
        calls[0].event.project, "unknown",
        "a non-string cwd does not crash"
    );
    assert_eq!(
        data.warnings.iter().map(|w| w.kind).collect::<Vec<_>>(),
        vec![WarningKind::NotAdmitted]
    );
}

#[test]
fn pitfall_11_nested_session_meta_keys_are_not_the_model() {
    let home = Home::new();
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-n.jsonl"),
        &[
            codex_meta(
                "2026-05-01T10:00:00.000Z",
                "n",
                &json!("/home/dev/api"),
                &json!({"base_instructions": {"provenance": {"model": "evil-model", "cwd": "/evil"}},
                        "dynamic_tools": [{"name": "evil"}]}),
            ),
            codex_tokens("2026-05-01T10:00:03.000Z", Some([10, 0, 1, 0]), Some([10, 0, 1, 0])),
        ],
    );
    let data = home.load();
    let e = &calls_of(&data, ProviderId::Codex)[0].event;
    assert_eq!(
        e.model, "gpt-5",
        "no model named anywhere: Codex's default, marked estimated"
    );
    assert!(e.estimated);
    assert_eq!(e.project, "/home/dev/api");
    assert_eq!(
        data.calls[0].cost_source,
        burnbar_engine::CostSource::Estimated
    );
}

#[test]
fn pitfall_13_token_count_lines_over_32kb_parse_exactly() {
    let home = Home::new();
    let mut big: serde_json::Value = serde_json::from_str(&codex_tokens(
        "2026-05-01T10:00:03.000Z",
        Some([123_456, 100_000, 789, 10]),
        Some([123_456, 100_000, 789, 10]),
    ))
    .unwrap();
    big["payload"]["rate_limits"] = json!({"padding": "y".repeat(40_000)});
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-big.jsonl"),
        &[meta("big"), big.to_string()],
    );
    assert_eq!(tokens_of(&home), vec![(23_456, 100_000, 789, 10)]);
}

#[test]
fn pitfall_14_archived_sessions_are_read_and_deduplicated_by_basename() {
    let home = Home::new();
    let lines = |id: &str| {
        vec![
            meta(id),
            codex_tokens(
                "2026-05-01T10:00:03.000Z",
                Some([10, 0, 1, 0]),
                Some([10, 0, 1, 0]),
            ),
        ]
    };
    home.write(
        &format!("{S}/rollout-2026-05-01T10-00-00-dup.jsonl"),
        &lines("dup"),
    );
    home.write(
        ".codex/archived_sessions/rollout-2026-05-01T10-00-00-dup.jsonl",
        &lines("dup"),
    );
    home.write(
        ".codex/archived_sessions/rollout-2026-04-01T10-00-00-old.jsonl",
        &lines("old"),
    );
    let data = home.load();
    let sessions: Vec<&str> = calls_of(&data, ProviderId::Codex)
        .iter()
        .map(|c| c.event.session_id.as_str())
        .collect();
    assert_eq!(sessions, vec!["dup", "old"]);
    let codex = data
        .sources
        .iter()
        .find(|s| s.provider == ProviderId::Codex)
        .unwrap();
    assert_eq!(codex.files, 2, "the archived duplicate is not even read");
}

#[test]
fn codex_home_overrides_the_default_root() {
    let home = Home::new();
    home.write(
        "elsewhere/sessions/2026/05/01/rollout-x.jsonl",
        &[
            meta("x"),
            codex_tokens("2026-05-01T10:00:03.000Z", Some([1, 0, 1, 0]), None),
        ],
    );
    let env = burnbar_engine::paths::Env {
        home: Some(home.path().to_path_buf()),
        codex_home: Some(home.path().join("elsewhere")),
        ..Default::default()
    };
    let engine = burnbar_engine::Engine::in_memory(
        burnbar_engine::Paths::resolve(&env),
        crate::support::pricer(),
    )
    .unwrap();
    assert_eq!(crate::support::Dataset::of(engine).calls.len(), 1);
}
