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
