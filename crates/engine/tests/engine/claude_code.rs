//! Claude Code provider: the known correctness pitfalls that concern it, one test each
//! (numbered as in the team's reference list of 50).

use burnbar_engine::providers::claude_code::ClaudeCode;
use burnbar_engine::providers::{Batch, Cursor, Provider};
use burnbar_engine::{ProviderId, WarningKind};
use serde_json::json;

use crate::support::{Home, assistant, assistant_in, calls_of, ms, usage, user};

const SONNET: &str = "claude-sonnet-4-5-20250929";
const P: &str = ".claude/projects/-home-dev-app";

#[test]
fn pitfall_01_streamed_message_keeps_last_usage_and_first_timestamp() {
    let home = Home::new();
    let u = |out| usage(3, out, 1000, 200, 0);
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            user("2026-05-01T23:59:50.000Z", "fix the bug"),
            assistant("2026-05-01T23:59:58.000Z", "msg_A", SONNET, &u(1), false),
            assistant("2026-05-02T00:00:03.000Z", "msg_A", SONNET, &u(7), false),
            assistant("2026-05-02T00:00:09.000Z", "msg_A", SONNET, &u(340), true),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::ClaudeCode);
    assert_eq!(calls.len(), 1, "three streamed lines are one call");
    let e = &calls[0].event;
    assert_eq!(e.tokens.output, 340, "usage of the final line");
    assert_eq!(e.tokens.input, 3, "input counted once, not per line");
    assert_eq!(
        e.timestamp_ms,
        ms("2026-05-01T23:59:58.000Z"),
        "first line's timestamp"
    );
}

#[test]
fn pitfall_01_final_line_wins_even_if_an_early_line_is_listed_later() {
    // A copy of the partial first line after the final one (e.g. a torn write re-emitted)
    // must not replace the final usage.
    let home = Home::new();
    let u = |out| usage(3, out, 0, 0, 0);
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            assistant("2026-05-01T10:00:00.000Z", "msg_A", SONNET, &u(2), false),
            assistant("2026-05-01T10:00:05.000Z", "msg_A", SONNET, &u(90), true),
            assistant("2026-05-01T10:00:00.000Z", "msg_A", SONNET, &u(2), false),
        ],
    );
    let data = home.load();
    assert_eq!(
        calls_of(&data, ProviderId::ClaudeCode)[0]
            .event
            .tokens
            .output,
        90
    );
}

#[test]
fn pitfall_02_resumed_session_replay_counts_once_in_the_original_session() {
    let home = Home::new();
    let u = usage(5, 50, 100, 10, 0);
    let line = |ts, id, sess| assistant_in(ts, id, SONNET, &u, true, "/home/dev/app", sess);
    home.write(
        &format!("{P}/orig.jsonl"),
        &[
            line("2026-05-01T10:00:00.000Z", "msg_1", "orig"),
            line("2026-05-01T10:05:00.000Z", "msg_2", "orig"),
        ],
    );
    // the resumed file replays both messages under its own session id, then continues
    home.write(
        &format!("{P}/resumed.jsonl"),
        &[
            json!({"type":"summary","summary":"earlier work","leafUuid":"x"}).to_string(),
            line("2026-05-01T10:00:00.000Z", "msg_1", "resumed"),
            line("2026-05-01T10:05:00.000Z", "msg_2", "resumed"),
            line("2026-05-02T09:00:00.000Z", "msg_3", "resumed"),
        ],
    );
    // even when the resumed file looks older on disk, the original keeps its calls
    home.set_mtime(&format!("{P}/orig.jsonl"), 1_900_000_000);
    home.set_mtime(&format!("{P}/resumed.jsonl"), 1_700_000_000);
    let data = home.load();
    let calls = calls_of(&data, ProviderId::ClaudeCode);
    let sessions: Vec<(&str, &str)> = calls
        .iter()
        .map(|c| (c.event.key.as_str(), c.event.session_id.as_str()))
        .collect();
    assert_eq!(
        sessions,
        vec![
            ("claude:msg_1", "orig"),
            ("claude:msg_2", "orig"),
            ("claude:msg_3", "resumed")
        ]
    );
}

#[test]
fn pitfall_03_advisor_iterations_are_separate_calls_under_their_own_model() {
    let home = Home::new();
    let mut u = usage(10, 100, 0, 0, 0);
    u["iterations"] = json!([
        {"type": "message", "input_tokens": 10, "output_tokens": 100},
        {"type": "advisor_message", "model": "claude-opus-4-6",
         "input_tokens": 2000, "output_tokens": 300, "cache_read_input_tokens": 50},
        {"type": "advisor_message", "model": "claude-opus-4-6",
         "usage": {"input_tokens": 7, "output_tokens": 8}}
    ]);
    home.write(
        &format!("{P}/s.jsonl"),
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_A",
            SONNET,
            &u,
            true,
        )],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::ClaudeCode);
    let got: Vec<(&str, &str, u64, u64)> = calls
        .iter()
        .map(|c| {
            let e = &c.event;
            (
                e.key.as_str(),
                e.model.as_str(),
                e.tokens.input,
                e.tokens.output,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("claude:msg_A", SONNET, 10, 100),
            ("claude:msg_A:advisor:0", "claude-opus-4-6", 2000, 300),
            ("claude:msg_A:advisor:1", "claude-opus-4-6", 7, 8),
        ],
        "the `message` iteration is inside the top-level usage and is not added again"
    );
}

#[test]
fn pitfall_04_subagent_transcripts_in_nested_dirs_count_once() {
    let home = Home::new();
    let u = usage(1, 10, 0, 0, 0);
    let sub = |id| {
        assistant(
            "2026-05-01T10:00:00.000Z",
            id,
            "claude-haiku-4-5-20251001",
            &u,
            true,
        )
    };
    home.write(&format!("{P}/agent-old.jsonl"), &[sub("msg_v1")]);
    home.write(&format!("{P}/s/subagents/agent-a.jsonl"), &[sub("msg_sub")]);
    home.write(
        &format!("{P}/s/subagents/workflows/wf1/agent-b.jsonl"),
        &[sub("msg_wf")],
    );
    // the parent mirrors the sub-agent's message as agent_progress: not a new call
    let inner: serde_json::Value = serde_json::from_str(&sub("msg_sub")).unwrap();
    let progress = json!({
        "type": "progress", "cwd": "/home/dev/app", "sessionId": "s",
        "timestamp": "2026-05-01T10:00:01.000Z",
        "data": {"type": "agent_progress", "agentId": "a",
                 "message": {"type": "assistant", "timestamp": inner["timestamp"],
                             "message": inner["message"]}}
    });
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            assistant("2026-05-01T09:59:00.000Z", "msg_parent", SONNET, &u, true),
            progress.to_string(),
        ],
    );
    let data = home.load();
    let keys: Vec<&str> = calls_of(&data, ProviderId::ClaudeCode)
        .iter()
        .map(|c| c.event.key.as_str())
        .collect();
    assert_eq!(
        keys,
        vec![
            "claude:msg_parent",
            "claude:msg_sub",
            "claude:msg_v1",
            "claude:msg_wf"
        ]
    );
}

#[test]
fn pitfall_05_one_hour_cache_writes_are_split_and_priced_at_their_rate() {
    let home = Home::new();
    let mut legacy_only = usage(0, 0, 0, 0, 0);
    legacy_only["cache_creation_input_tokens"] = json!(1000);
    legacy_only
        .as_object_mut()
        .unwrap()
        .remove("cache_creation");
    let mut disagree = usage(0, 0, 0, 1000, 2000);
    disagree["cache_creation_input_tokens"] = json!(5000);
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            assistant(
                "2026-05-01T10:00:00.000Z",
                "msg_split",
                SONNET,
                &usage(0, 0, 0, 1000, 2000),
                true,
            ),
            assistant(
                "2026-05-01T10:00:01.000Z",
                "msg_legacy",
                SONNET,
                &legacy_only,
                true,
            ),
            assistant(
                "2026-05-01T10:00:02.000Z",
                "msg_max",
                SONNET,
                &disagree,
                true,
            ),
        ],
    );
    let data = home.load();
    let got: Vec<(&str, u64, u64, i64)> = calls_of(&data, ProviderId::ClaudeCode)
        .iter()
        .map(|c| {
            let t = c.event.tokens;
            (
                c.event.key.as_str(),
                t.cache_write_5m,
                t.cache_write_1h,
                c.cost.unwrap().micros(),
            )
        })
        .collect();
    // sonnet 4.5: 5m write $3.75/M, 1h write $6/M
    assert_eq!(
        got,
        vec![
            ("claude:msg_legacy", 1000, 0, 3_750),
            ("claude:msg_max", 3000, 2000, 11_250 + 12_000),
            ("claude:msg_split", 1000, 2000, 3_750 + 12_000),
        ]
    );
}

#[test]
fn pitfall_06_project_is_the_records_cwd_not_the_lossy_slug() {
    let home = Home::new();
    let u = usage(1, 1, 0, 0, 0);
    let slug = ".claude/projects/-Users-alex-code-my-app";
    let at = |id, cwd| assistant_in("2026-05-01T10:00:00.000Z", id, SONNET, &u, true, cwd, "s");
    home.write(
        &format!("{slug}/a.jsonl"),
        &[at("m1", "/Users/alex/code/my.app")],
    );
    home.write(
        &format!("{slug}/b.jsonl"),
        &[at("m2", "/Users/alex/code/my-app/")],
    );
    let mut no_cwd: serde_json::Value = serde_json::from_str(&at("m3", "x")).unwrap();
    no_cwd.as_object_mut().unwrap().remove("cwd");
    home.write(&format!("{slug}/c.jsonl"), &[no_cwd.to_string()]);
    let data = home.load();
    let projects: Vec<&str> = calls_of(&data, ProviderId::ClaudeCode)
        .iter()
        .map(|c| c.event.project.as_str())
        .collect();
    assert_eq!(
        projects,
        vec![
            "/Users/alex/code/my.app",
            "/Users/alex/code/my-app",
            "-Users-alex-code-my-app"
        ],
        "two cwds sharing one slug stay apart; a file without any cwd falls back to its slug"
    );
}

#[test]
fn synthetic_messages_are_not_calls() {
    let home = Home::new();
    home.write(
        &format!("{P}/s.jsonl"),
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_S",
            "<synthetic>",
            &usage(0, 0, 0, 0, 0),
            true,
        )],
    );
    assert!(home.load().calls.is_empty());
}

#[test]
fn web_searches_and_fast_mode_are_read() {
    let home = Home::new();
    let mut u = usage(1, 1, 0, 0, 0);
    u["server_tool_use"]["web_search_requests"] = json!(3);
    u["speed"] = json!("fast");
    home.write(
        &format!("{P}/s.jsonl"),
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_W",
            "claude-opus-4-6",
            &u,
            true,
        )],
    );
    let data = home.load();
    let e = &data.calls[0].event;
    assert_eq!(e.tokens.web_search_requests, 3);
    assert!(e.fast);
}

#[test]
fn pitfall_24_malformed_torn_and_nul_padded_lines_are_skipped_and_counted() {
    let home = Home::new();
    let u = usage(1, 2, 0, 0, 0);
    let good = |id| assistant("2026-05-01T10:00:00.000Z", id, SONNET, &u, true);
    let torn = good("msg_torn");
    let mut bytes = Vec::new();
    for line in [
        good("msg_1"),
        "not json at all <<<<<<< HEAD".to_string(),
        torn[..torn.len() / 2].to_string(),
        // content as a string, message and usage of the wrong shapes: no crash
        json!({"type":"assistant","timestamp":"2026-05-01T10:00:00Z",
               "message":{"id":"msg_str","model":SONNET,"content":"plain text",
                          "usage":{"input_tokens":"many","output_tokens":4}}})
        .to_string(),
        json!({"type":"assistant","timestamp":"2026-05-01T10:00:00Z","message":"oops"}).to_string(),
        json!({"type":"assistant","timestamp":"2026-05-01T10:00:00Z",
               "message":{"id":"msg_u","usage":[1,2]}})
        .to_string(),
        json!({"type":"assistant","message":{"id":"msg_nots","model":SONNET,"usage":{}}})
            .to_string(),
        good("msg_2"),
    ] {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(&[0u8; 300]);
    home.write_raw(&format!("{P}/s.jsonl"), &bytes);
    let data = home.load();
    let keys: Vec<&str> = calls_of(&data, ProviderId::ClaudeCode)
        .iter()
        .map(|c| c.event.key.as_str())
        .collect();
    // issue 17: a count of the wrong shape ("many") makes the call corrupt, not 0 tokens
    assert_eq!(keys, vec!["claude:msg_1", "claude:msg_2"]);
    let mut kinds: Vec<WarningKind> = data.warnings.iter().map(|w| w.kind).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            WarningKind::MalformedLine,
            WarningKind::MalformedLine,
            WarningKind::NulPadding,
            WarningKind::InvalidRecord,
            WarningKind::InvalidRecord,
        ]
    );
    assert_eq!(data.warnings[0].line, 2, "warnings carry line numbers");
}

#[test]
fn pitfall_24_a_file_that_cannot_be_read_is_an_error_naming_it() {
    let home = Home::new();
    let dir = home.path().join(".claude/projects/-x/not-a-file.jsonl");
    std::fs::create_dir_all(&dir).unwrap();
    let err = ClaudeCode
        .read(&dir, &Cursor::START, &mut Batch::default())
        .unwrap_err();
    assert!(err.to_string().contains("not-a-file.jsonl"), "{err}");
}

#[test]
fn pitfall_26_proto_like_names_are_plain_keys() {
    let home = Home::new();
    let u = usage(1, 1, 0, 0, 0);
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            assistant_in(
                "2026-05-01T10:00:00.000Z",
                "__proto__",
                "__proto__",
                &u,
                true,
                "/w/__proto__",
                "constructor",
            ),
            assistant_in(
                "2026-05-01T10:00:01.000Z",
                "m2",
                "constructor",
                &u,
                true,
                "/w/constructor",
                "__proto__",
            ),
        ],
    );
    let data = home.load();
    assert_eq!(data.calls.len(), 2);
    assert!(
        data.calls.iter().all(|c| c.cost.is_none()),
        "no price for such names"
    );
    let rows = data.export(&burnbar_engine::Filter::all(chrono_tz::Tz::UTC));
    let projects: Vec<&str> = rows.iter().map(|r| r.project.as_str()).collect();
    assert_eq!(projects, vec!["/w/__proto__", "/w/constructor"]);
}

#[test]
fn pitfall_37_negative_and_fractional_token_counts_never_subtract() {
    let home = Home::new();
    let u = json!({"input_tokens": -500, "output_tokens": 12.7, "cache_read_input_tokens": 1e3,
                   "cache_creation_input_tokens": -1});
    home.write(
        &format!("{P}/s.jsonl"),
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_N",
            SONNET,
            &u,
            true,
        )],
    );
    let data = home.load();
    // issue 17: a negative count is not read as 0 (nor subtracted): the call is corrupt,
    // skipped and counted
    assert!(data.calls.is_empty(), "{:?}", data.calls);
    assert_eq!(data.warnings.len(), 1);
    assert_eq!(data.warnings[0].kind, WarningKind::InvalidRecord);
    assert!(
        data.warnings[0].msg.contains("msg_N"),
        "{}",
        data.warnings[0].msg
    );
}

#[test]
fn claude_config_dir_lists_replace_the_default_roots() {
    let home = Home::new();
    let u = usage(1, 1, 0, 0, 0);
    home.write(
        "acct-a/projects/-p/s.jsonl",
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_a",
            SONNET,
            &u,
            true,
        )],
    );
    home.write(
        "acct-b/projects/-p/s.jsonl",
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_b",
            SONNET,
            &u,
            true,
        )],
    );
    home.write(
        ".claude/projects/-p/s.jsonl",
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "msg_default",
            SONNET,
            &u,
            true,
        )],
    );
    let env = burnbar_engine::paths::Env {
        home: Some(home.path().to_path_buf()),
        claude_config_dir: Some(format!(
            "{},{}",
            home.path().join("acct-a").display(),
            home.path().join("acct-b").display()
        )),
        ..Default::default()
    };
    let engine = burnbar_engine::Engine::in_memory(
        burnbar_engine::Paths::resolve(&env),
        crate::support::pricer(),
    )
    .unwrap();
    let data = crate::support::Dataset::of(engine);
    let mut keys: Vec<&str> = data.calls.iter().map(|c| c.event.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["claude:msg_a", "claude:msg_b"]);
}
