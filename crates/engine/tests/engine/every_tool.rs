//! Issue 20: a home with every new tool present syncs incrementally like the others — a
//! second sync with nothing changed reads nothing, and a change is read alone.

use burnbar_engine::ProviderId;
use serde_json::json;

use burnbar_test_support::Home;

/// One small record of each new tool, in its own format.
fn every_tool(home: &Home) {
    let t = 1_777_629_600_000_i64; // 2026-05-01T10:00:00Z
    home.write_raw(
        ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks/t1/ui_messages.json",
        json!([{"ts": t, "type": "say", "say": "api_req_started",
                "text": json!({"tokensIn": 10, "tokensOut": 5, "modelId": "claude-sonnet-4-5"}).to_string()}])
        .to_string()
        .as_bytes(),
    );
    home.write_raw(
        ".config/VSCodium/User/globalStorage/rooveterinaryinc.roo-cline/tasks/t2/ui_messages.json",
        json!([{"ts": t, "type": "say", "say": "api_req_started",
                "text": json!({"tokensIn": 10, "tokensOut": 5, "cost": 0.01}).to_string()}])
        .to_string()
        .as_bytes(),
    );
    home.write_raw(
        ".local/share/amp/threads/T-1.json",
        json!({"id": "T-1", "created": t, "messages": [{"role": "assistant", "messageId": 1,
            "usage": {"model": "claude-sonnet-4-5", "inputTokens": 10, "outputTokens": 5,
                      "timestamp": "2026-05-01T10:00:00Z"}}]})
        .to_string()
        .as_bytes(),
    );
    home.write(
        ".factory/sessions/d/s1.jsonl",
        &[
            json!({"type": "session_start", "id": "s1", "cwd": "/home/dev/x"}).to_string(),
            json!({"type": "message", "id": "m", "timestamp": "2026-05-01T10:00:00Z"}).to_string(),
        ],
    );
    home.write_raw(
        ".factory/sessions/d/s1.settings.json",
        json!({"model": "claude-sonnet-4-5", "tokenUsage": {"inputTokens": 10, "outputTokens": 5}})
            .to_string()
            .as_bytes(),
    );
    home.write(
        ".cursor/projects/home-dev-x/agent-transcripts/c1.jsonl",
        &[
            json!({"role": "assistant", "message": {"content": [{"type": "text", "text": "hi"}]}})
                .to_string(),
        ],
    );
    home.write(
        ".kimi/sessions/h/s1/wire.jsonl",
        &[
            json!({"timestamp": 1_777_629_600.0, "message": {"type": "StatusUpdate",
            "payload": {"token_usage": {"input_other": 10, "output": 5}, "message_id": "m1"}}})
            .to_string(),
        ],
    );
    home.write_raw(
        ".kiro/sessions/cli/k1.json",
        json!({"session_id": "k1", "cwd": "/home/dev/x", "session_state": {
            "conversation_metadata": {"user_turn_metadatas": [{"end_timestamp": "2026-05-01T10:00:00Z",
                "metering_usage": [{"value": 0.5, "unit": "credit"}]}]}}})
        .to_string()
        .as_bytes(),
    );
    home.write_raw(
        ".cline/data/sessions/cs1/cs1.messages.json",
        json!({"version": 1, "sessionId": "cs1", "agent": "lead", "messages": [
            {"id": "m1", "role": "assistant", "ts": t,
             "modelInfo": {"id": "claude-sonnet-4-5", "provider": "anthropic"},
             "metrics": {"inputTokens": 10, "outputTokens": 5, "cacheReadTokens": 0,
                         "cacheWriteTokens": 0, "cost": 0.001}}]})
        .to_string()
        .as_bytes(),
    );
    home.write(
        ".kiro/sessions/9f3c1d0b7a4e2856/sess_1/messages.jsonl",
        &[
            json!({"id": "r1", "timestamp": "2026-05-01T10:00:00Z", "payload": {
            "type": "usage_summary", "executionId": "e1",
            "promptTurnSummaries": [{"unit": "credit", "usage": 0.5}]}})
            .to_string(),
        ],
    );
    home.write_raw(
        ".config/manicode/projects/x/chats/2026-05-01T10-00-00.000Z/chat-messages.json",
        json!([{"id": "a", "variant": "ai", "timestamp": "2026-05-01T10:00:00Z", "credits": 2}])
            .to_string()
            .as_bytes(),
    );
    home.write(
        ".openclaw/agents/main/sessions/o1.jsonl",
        &[
            json!({"type": "message", "id": "e1", "timestamp": "2026-05-01T10:00:00.000Z",
            "message": {"role": "assistant", "model": "claude-sonnet-4-5", "responseId": "r1",
                "usage": {"input": 10, "output": 5}}})
            .to_string(),
        ],
    );
    let db = |rel: &str, sql: &str| {
        let path = home.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        rusqlite::Connection::open(path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    };
    let app = home.path().join("code/app");
    home.write_raw(
        ".local/share/crush/projects.json",
        json!({"projects": [{"path": app.to_string_lossy(), "data_dir": ".crush"}]})
            .to_string()
            .as_bytes(),
    );
    db(
        "code/app/.crush/crush.db",
        "CREATE TABLE sessions (id TEXT, parent_session_id TEXT, cost REAL, updated_at INTEGER);
         INSERT INTO sessions VALUES ('c1', NULL, 0.25, 1777629600);",
    );
    home.write_raw(".aider.conf.yml", b"analytics-log: ~/.aider/log.jsonl\n");
    home.write(
        ".aider/log.jsonl",
        &[
            json!({"event": "message_send", "time": 1_777_629_600, "properties":
            {"main_model": "gpt-5", "prompt_tokens": 10, "completion_tokens": 5, "cost": 0.001}})
            .to_string(),
        ],
    );
    db(
        ".local/share/kilo/kilo.db",
        &format!(
            "CREATE TABLE message (id TEXT, session_id TEXT, time_created INTEGER,
                 time_updated INTEGER, data TEXT);
             INSERT INTO message VALUES ('m1', 's1', {t}, {t}, '{}');",
            json!({"role": "assistant", "modelID": "claude-sonnet-4-5", "providerID": "anthropic",
                "time": {"created": t, "completed": t}, "tokens": {"input": 10, "output": 5}})
        ),
    );
    home.write(
        ".copilot/otel/o.jsonl",
        &[
            json!({"type": "span", "traceId": "t", "spanId": "s", "endTime": [1_777_629_600, 0],
            "attributes": {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-5",
                "gen_ai.conversation.id": "cs", "gen_ai.usage.input_tokens": 10,
                "gen_ai.usage.output_tokens": 5}})
            .to_string(),
        ],
    );
    db(
        ".local/share/goose/sessions/sessions.db",
        "CREATE TABLE sessions (id TEXT, working_dir TEXT, updated_at TEXT,
             accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER);
         INSERT INTO sessions VALUES ('g1', '/home/dev/x', '2026-05-01 10:00:00', 10, 5);",
    );
    db(
        ".hermes/state.db",
        "CREATE TABLE sessions (id TEXT, source TEXT, model TEXT, started_at REAL,
             input_tokens INTEGER, output_tokens INTEGER);
         INSERT INTO sessions VALUES ('h1', 'cli', 'gpt-5', 1777629600, 10, 5);",
    );
    db(
        ".openclaw/agents/ops/agent/openclaw-agent.sqlite",
        &format!(
            "CREATE TABLE transcript_events (session_id TEXT, seq INTEGER, event_json TEXT,
                 created_at INTEGER, PRIMARY KEY (session_id, seq));
             INSERT INTO transcript_events VALUES ('o2', 0, '{}', {t});",
            json!({"type": "message", "id": "e2", "timestamp": "2026-05-01T10:00:00.000Z",
            "message": {"role": "assistant", "model": "claude-sonnet-4-5", "responseId": "r2",
                "usage": {"input": 10, "output": 5}}})
        ),
    );
    db(
        ".local/share/zed/threads/threads.db",
        &format!(
            "CREATE TABLE threads (id TEXT, summary TEXT, updated_at TEXT, data_type TEXT, data BLOB);
             INSERT INTO threads VALUES ('z1', 's', '2026-05-01T10:00:00Z', 'json', '{}');",
            json!({"cumulative_token_usage": {"input_tokens": 10, "output_tokens": 5}})
        ),
    );
}

#[test]
fn issue_20_a_home_with_every_tool_reads_nothing_when_nothing_changed() {
    let home = Home::new();
    every_tool(&home);
    let mut engine = home.engine();
    let first = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let tools: std::collections::BTreeSet<ProviderId> = crate::support::calls(&engine)
        .iter()
        .map(|c| c.event.provider)
        .collect();
    assert_eq!(tools.len(), 16, "{tools:?}");
    let openclaw = crate::support::calls(&engine)
        .iter()
        .filter(|c| c.event.provider == ProviderId::OpenClaw)
        .count();
    assert_eq!(openclaw, 2, "its transcripts and its database");
    let kiro = crate::support::calls(&engine)
        .iter()
        .filter(|c| c.event.provider == ProviderId::Kiro)
        .count();
    assert_eq!(kiro, 2, "the CLI's session and the IDE's");
    let cline = crate::support::calls(&engine)
        .iter()
        .filter(|c| c.event.provider == ProviderId::Cline)
        .count();
    assert_eq!(cline, 2, "the extension's task and the SDK's session");
    let second = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(
        (second.files_read, second.inserted, second.updated),
        (0, 0, 0),
        "nothing changed: nothing read"
    );
    // one transcript grows: it alone is read, from where it stopped
    let wire = home.path().join(".kimi/sessions/h/s1/wire.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&wire)
        .unwrap();
    let line = json!({"timestamp": 1_777_629_700.0, "message": {"type": "StatusUpdate",
        "payload": {"token_usage": {"input_other": 1, "output": 1}, "message_id": "m2"}}});
    std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()).unwrap();
    drop(f);
    let third = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!((third.files_read, third.inserted), (1, 1));
    assert!(
        third.bytes_read < 200,
        "resumed at the offset: {} bytes",
        third.bytes_read
    );
}
