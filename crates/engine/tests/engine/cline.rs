//! Cline, Roo Code and Kilo Code, from task directories as the extensions write them:
//! `ui_messages.json` (an array of `ClineMessage`s, each request's usage a JSON string in an
//! `api_req_started` message's `text`), `task_metadata.json` (`model_usage`) and the head of
//! `api_conversation_history.json` (environment details naming the workspace and model).

use burnbar_engine::{CostSource, ProviderId};
use serde_json::{Value, json};

use crate::support::calls_of;
use burnbar_test_support::Home;

const CLINE: &str = ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks";
const ROO: &str = ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks";
const KILO: &str = ".config/Cursor/User/globalStorage/kilocode.kilo-code/tasks";

/// A `ClineMessage` as the extension writes it.
fn say(ts: i64, say: &str, text: &str) -> Value {
    json!({"ts": ts, "type": "say", "say": say, "text": text, "conversationHistoryIndex": 1})
}

/// An `api_req_started` message carrying `info`.
fn request(ts: i64, info: &Value) -> Value {
    say(ts, "api_req_started", &info.to_string())
}

fn write_task(home: &Home, root: &str, task: &str, messages: &[Value]) {
    home.write_raw(
        &format!("{root}/{task}/ui_messages.json"),
        serde_json::to_string(messages).unwrap().as_bytes(),
    );
}

/// The head of `api_conversation_history.json`: the first prompt with its environment details.
fn history(home: &Home, root: &str, task: &str, cwd: &str, model: Option<&str>) {
    let mut details =
        format!("<environment_details>\n# Current Workspace Directory ({cwd}) Files\nsrc/\n");
    if let Some(m) = model {
        details.push_str("# Current Mode\n<slug>code</slug>\n<name>Code</name>\n<model>");
        details.push_str(m);
        details.push_str("</model>\n");
    }
    details.push_str("</environment_details>");
    let doc = json!([{"role": "user", "content": [
        {"type": "text", "text": "<task>\nfix the login form\n</task>"},
        {"type": "text", "text": details}]}]);
    home.write_raw(
        &format!("{root}/{task}/api_conversation_history.json"),
        doc.to_string().as_bytes(),
    );
}

const T0: i64 = 1_777_000_000_000; // 2026-04-24

#[test]
fn cline_requests_are_calls_priced_with_the_model_in_use_at_their_time() {
    let home = Home::new();
    write_task(
        &home,
        CLINE,
        "1777000000000",
        &[
            say(T0, "text", "fix the login form"),
            request(
                T0 + 1_000,
                &json!({"request": "<task>…</task>", "tokensIn": 12,
                "tokensOut": 350, "cacheWrites": 9_000, "cacheReads": 0, "cost": 0.04}),
            ),
            say(T0 + 9_000, "text", "I'll read the file."),
            // started, no usage yet: not a call
            request(T0 + 10_000, &json!({"request": "…"})),
            say(T0 + 20_000, "user_feedback", "now the tests"),
            request(
                T0 + 21_000,
                &json!({"request": "…", "tokensIn": 30, "tokensOut": 100,
                "cacheWrites": 0, "cacheReads": 9_000, "cost": 0.01,
                "cancelReason": "user_cancelled"}),
            ),
        ],
    );
    home.write_raw(
        &format!("{CLINE}/1777000000000/task_metadata.json"),
        json!({"files_in_context": [], "model_usage": [
            {"ts": T0 - 5, "model_id": "claude-sonnet-4-5", "model_provider_id": "anthropic", "mode": "act"},
            {"ts": T0 + 15_000, "model_id": "claude-opus-4-6", "model_provider_id": "anthropic", "mode": "act"}]})
        .to_string()
        .as_bytes(),
    );
    history(&home, CLINE, "1777000000000", "/home/dev/shop", None);
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Cline);
    assert_eq!(calls.len(), 2, "one call per request with usage");
    let (a, b) = (&calls[0], &calls[1]);
    assert_eq!(a.event.key, format!("cline:1777000000000:{}", T0 + 1_000));
    assert_eq!(a.event.session_id, "1777000000000");
    assert_eq!(a.event.project, "/home/dev/shop");
    assert_eq!(a.event.model, "claude-sonnet-4-5");
    assert_eq!(
        b.event.model, "claude-opus-4-6",
        "the switch before the request"
    );
    let t = a.event.tokens;
    assert_eq!(
        (t.input, t.output, t.cache_write_5m, t.cache_read),
        (12, 350, 9_000, 0)
    );
    // priced from the table: 12 x 3 + 350 x 15 + 9000 x 3.75 micro-USD
    assert_eq!(a.cost.unwrap().micros(), 36 + 5_250 + 33_750);
    assert_eq!(a.cost_source, CostSource::Computed);
    assert_eq!(
        b.event.tokens.cache_read, 9_000,
        "a cancelled request's usage counts"
    );
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
}

#[test]
fn roo_code_total_input_has_its_cached_tokens_taken_out_and_the_model_comes_from_the_prompt() {
    let home = Home::new();
    write_task(
        &home,
        ROO,
        "0b6c-roo",
        &[
            say(T0, "text", "add a test"),
            request(
                T0 + 1_000,
                &json!({"tokensIn": 10_012, "tokensOut": 200,
                "cacheWrites": 2_000, "cacheReads": 8_000, "cost": 0.02,
                "apiProtocol": "anthropic"}),
            ),
            // an older Roo Code wrote the fresh input only: fewer than the cached tokens
            request(
                T0 + 2_000,
                &json!({"tokensIn": 5, "tokensOut": 10,
                "cacheWrites": 0, "cacheReads": 8_000, "apiProtocol": "anthropic"}),
            ),
            request(
                T0 + 3_000,
                &json!({"tokensIn": 1_000, "tokensOut": 10,
                "cacheWrites": 0, "cacheReads": 600, "apiProtocol": "openai"}),
            ),
        ],
    );
    history(
        &home,
        ROO,
        "0b6c-roo",
        "/home/dev/lib",
        Some("claude-sonnet-4-5"),
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::RooCode);
    let got: Vec<(u64, u64, u64, bool)> = calls
        .iter()
        .map(|c| {
            let t = c.event.tokens;
            (
                t.input,
                t.cache_read,
                t.cache_write_5m,
                c.event.openai_cache_semantics,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (12, 8_000, 2_000, false),
            (5, 8_000, 0, false),
            (400, 600, 0, true)
        ]
    );
    assert!(calls.iter().all(|c| c.event.model == "claude-sonnet-4-5"));
    assert!(calls.iter().all(|c| c.event.project == "/home/dev/lib"));
    assert!(calls[0].event.key.starts_with("roo-code:0b6c-roo:"));
}

#[test]
fn without_a_model_the_tools_own_cost_is_used_and_labelled_and_without_either_it_is_unpriced() {
    let home = Home::new();
    write_task(
        &home,
        KILO,
        "k1",
        &[
            request(
                T0,
                &json!({"tokensIn": 100, "tokensOut": 50, "cost": 0.125}),
            ),
            request(T0 + 1, &json!({"tokensIn": 100, "tokensOut": 50})),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::KiloCode);
    assert_eq!(
        calls.len(),
        2,
        "Kilo Code is found under Cursor's globalStorage too"
    );
    assert_eq!(calls[0].event.model, "unknown");
    assert_eq!(calls[0].event.project, "unknown");
    assert_eq!(
        (calls[0].cost.map(|c| c.micros()), calls[0].cost_source),
        (Some(125_000), CostSource::Reported)
    );
    assert_eq!(
        (calls[1].cost, calls[1].cost_source),
        (None, CostSource::Unpriced)
    );
}

#[test]
fn a_task_in_the_extension_and_in_the_cli_store_counts_once() {
    let home = Home::new();
    let messages = [request(
        T0,
        &json!({"tokensIn": 100, "tokensOut": 50, "modelId": "claude-sonnet-4-5"}),
    )];
    write_task(&home, CLINE, "same-task", &messages);
    write_task(&home, ".cline/data/tasks", "same-task", &messages);
    write_task(
        &home,
        ".config/VSCodium/User/globalStorage/saoudrizwan.claude-dev/tasks",
        "same-task",
        &messages,
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Cline);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].event.model, "claude-sonnet-4-5",
        "the request's own modelId"
    );
}

#[test]
fn malformed_tasks_are_counted_and_the_rest_is_read() {
    let home = Home::new();
    // caught mid-rewrite
    home.write_raw(
        &format!("{CLINE}/torn/ui_messages.json"),
        b"[{\"ts\": 1777000000000, \"type\": \"sa",
    );
    write_task(
        &home,
        CLINE,
        "mixed",
        &[
            say(T0, "api_req_started", "{not json"),
            json!({"type": "say", "say": "api_req_started",
                   "text": json!({"tokensIn": 1, "tokensOut": 1}).to_string()}),
            request(T0 + 5, &json!({"tokensIn": "many", "tokensOut": 1})),
            request(
                T0 + 9,
                &json!({"tokensIn": 7, "tokensOut": 3, "modelId": "claude-sonnet-4-5"}),
            ),
            json!("not a message"),
            json!(null),
        ],
    );
    // a task directory without messages is not a session
    home.write_raw(&format!("{CLINE}/empty/task_metadata.json"), b"{}");
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Cline);
    assert_eq!(calls.len(), 1, "{:?}", data.warnings);
    assert_eq!(calls[0].event.tokens.input, 7);
    // the torn file, the text that is not JSON, the undated request and the implausible count
    assert_eq!(data.warnings.len(), 4, "{:#?}", data.warnings);
}

const SDK: &str = ".cline/data/sessions";

/// A message of the SDK's `messages.json` (contract v1).
fn sdk_message(
    id: &str,
    ts: Option<i64>,
    metrics: Option<[u64; 4]>,
    cost: f64,
) -> serde_json::Value {
    let mut m = json!({"id": id, "role": "assistant",
        "content": [{"type": "text", "text": "done"}],
        "modelInfo": {"id": "claude-sonnet-4-5", "provider": "anthropic"}});
    if let Some(ts) = ts {
        m["ts"] = json!(ts);
    }
    if let Some([i, o, r, w]) = metrics {
        m["metrics"] = json!({"inputTokens": i, "outputTokens": o, "cacheReadTokens": r,
                              "cacheWriteTokens": w, "cost": cost});
    }
    m
}

fn sdk_file(session: &str, agent: &str, messages: &[serde_json::Value]) -> Vec<u8> {
    json!({"version": 1, "updated_at": "2026-09-01T10:10:00.000Z", "agent": agent,
           "sessionId": session, "messages": messages,
           "system_prompt": "You are Cline"})
    .to_string()
    .into_bytes()
}

/// Cline 3's SDK session store (`messages-contract-v1.md`): the last assistant message of each
/// turn carries the turn's metrics; `inputTokens` includes the cached tokens; sub-agents count
/// in their session; the project is the manifest's workspace root.
#[test]
fn cline_sdk_sessions_are_their_turns_metrics() {
    let home = Home::new();
    let t = 1_788_256_800_000_i64; // 2026-09-01T10:00:00Z
    home.write_raw(
        &format!("{SDK}/s1/s1.json"),
        json!({"version": 1, "session_id": "s1", "source": "cli", "pid": 42,
               "started_at": "2026-09-01T10:00:00.000Z", "status": "completed",
               "interactive": true, "provider": "anthropic", "model": "claude-sonnet-4-5",
               "cwd": "/home/dev/app/src", "workspace_root": "/home/dev/app",
               "enable_tools": true, "enable_spawn": true, "enable_teams": false,
               "prompt": "add a login page"})
        .to_string()
        .as_bytes(),
    );
    home.write_raw(
        &format!("{SDK}/s1/s1.messages.json"),
        &sdk_file(
            "s1",
            "lead",
            &[
                json!({"id": "u1", "role": "user", "content": [{"type": "text", "text": "hi"}]}),
                // an earlier message of the turn: model info, no metrics
                sdk_message("a1", Some(t + 1_000), None, 0.0),
                // 10,000 in of which 8,000 read from and 1,000 written to the cache
                sdk_message(
                    "a2",
                    Some(t + 2_000),
                    Some([10_000, 500, 8_000, 1_000]),
                    0.04,
                ),
                // a turn that reports fresh input smaller than its cached parts: kept as is
                sdk_message("a3", Some(t + 3_000), Some([100, 50, 2_000, 0]), 0.01),
                // no time: skipped, and said
                sdk_message("a4", None, Some([10, 10, 0, 0]), 0.0),
            ],
        ),
    );
    // a sub-agent in the session's directory, and one in a directory of its own
    home.write_raw(
        &format!("{SDK}/s1/researcher.messages.json"),
        &sdk_file(
            "s1-sub",
            "subagent",
            &[sdk_message(
                "b1",
                Some(t + 4_000),
                Some([300, 30, 0, 0]),
                0.0,
            )],
        ),
    );
    home.write_raw(
        &format!("{SDK}/s1/reviewer/s1-rev.messages.json"),
        &sdk_file(
            "s1-rev",
            "subagent",
            &[sdk_message(
                "c1",
                Some(t + 5_000),
                Some([400, 40, 0, 0]),
                0.0,
            )],
        ),
    );
    // an unpriced model: the turn's own cost
    let mut odd = sdk_message("d1", Some(t + 6_000), Some([1_000, 100, 0, 0]), 0.5);
    odd["modelInfo"] = json!({"id": "house-model-x", "provider": "cline"});
    home.write_raw(
        &format!("{SDK}/s2/s2.messages.json"),
        &sdk_file("s2", "lead", &[odd]),
    );
    home.write_raw(
        &format!("{SDK}/s3/s3.messages.json"),
        b"{\"version\": 1, \"messages\": [",
    );

    let data = home.load();
    let mut calls = calls_of(&data, ProviderId::Cline);
    calls.sort_by_key(|c| c.event.timestamp_ms);
    let got: Vec<(&str, &str, [u64; 4], &str)> = calls
        .iter()
        .map(|c| {
            let e = &c.event;
            let t = &e.tokens;
            (
                e.key.as_str(),
                e.session_id.as_str(),
                [t.input, t.output, t.cache_read, t.cache_write_5m],
                e.project.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "cline:s1:a2",
                "s1",
                [1_000, 500, 8_000, 1_000],
                "/home/dev/app"
            ),
            ("cline:s1:a3", "s1", [100, 50, 2_000, 0], "/home/dev/app"),
            ("cline:s1-sub:b1", "s1", [300, 30, 0, 0], "/home/dev/app"),
            ("cline:s1-rev:c1", "s1", [400, 40, 0, 0], "/home/dev/app"),
            ("cline:s2:d1", "s2", [1_000, 100, 0, 0], "unknown"),
        ]
    );
    assert_eq!(
        calls[0].cost_source,
        CostSource::Computed,
        "priced from the tokens"
    );
    assert_eq!(
        (calls[4].cost_source, calls[4].cost),
        (
            CostSource::Reported,
            Some(burnbar_engine::Usd::from_dollars(0.5))
        )
    );
    let warned: Vec<&str> = data
        .warnings
        .iter()
        .filter(|w| w.provider == ProviderId::Cline)
        .map(|w| w.msg.as_str())
        .collect();
    assert_eq!(
        warned.len(),
        2,
        "the undated turn and the torn file: {warned:?}"
    );
}

/// Cline's own precedence for where the store is: `CLINE_SESSION_DATA_DIR`, else
/// `CLINE_DATA_DIR/sessions`, else `CLINE_DIR/data/sessions`.
#[test]
fn cline_sdk_store_follows_clines_directory_variables() {
    use burnbar_engine::paths::{Env, Paths};
    let home = std::path::PathBuf::from("/home/dev");
    let with = |dir: Option<&str>, data: Option<&str>, sessions: Option<&str>| {
        let env = Env {
            home: Some(home.clone()),
            cline_dir: dir.map(Into::into),
            cline_data_dir: data.map(Into::into),
            cline_session_data_dir: sessions.map(Into::into),
            ..Env::default()
        };
        let p = Paths::resolve(&env);
        (p.cline_data, p.cline_sessions)
    };
    let pb = std::path::PathBuf::from;
    assert_eq!(
        with(None, None, None),
        (
            pb("/home/dev/.cline/data"),
            pb("/home/dev/.cline/data/sessions")
        )
    );
    assert_eq!(
        with(Some("/c"), None, None),
        (pb("/c/data"), pb("/c/data/sessions"))
    );
    assert_eq!(
        with(Some("/c"), Some("/d"), None),
        (pb("/d"), pb("/d/sessions"))
    );
    assert_eq!(
        with(Some("/c"), Some("/d"), Some("~/s")),
        (pb("/d"), pb("/home/dev/s"))
    );
}
