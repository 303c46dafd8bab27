//! cursor-agent transcripts: estimated from text, dated by the conversation summary on a first
//! read and by the file's time for what is appended later; projects resolved from slugs.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

const DIR: &str = ".cursor/projects/home-dev-shop/agent-transcripts";

fn user(text: &str) -> String {
    json!({"role": "user", "message": {"content": [{"type": "text", "text": text}]}}).to_string()
}

fn assistant(text: &str) -> String {
    json!({"role": "assistant", "message": {"content": [{"type": "text", "text": text}]}})
        .to_string()
}

fn summaries(home: &Home) -> rusqlite::Connection {
    let dir = home.path().join(".cursor/ai-tracking");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("ai-code-tracking.db")).unwrap();
    conn.execute_batch(
        "CREATE TABLE conversation_summaries (conversationId TEXT PRIMARY KEY, title TEXT,
             tldr TEXT, overview TEXT, summaryBullets TEXT, model TEXT, mode TEXT,
             updatedAt INTEGER NOT NULL);
         INSERT INTO conversation_summaries VALUES ('c1', 'shop', '', '', '[]',
             'claude-sonnet-4-5', 'agent', 1777629600000);",
    )
    .unwrap();
    conn
}

#[test]
fn cursor_agent_calls_are_estimated_from_the_conversation_so_far() {
    let home = Home::new();
    summaries(&home);
    let file = format!("{DIR}/c1/c1.jsonl");
    home.write(
        &file,
        &[
            user("<user_query>\nadd a cart\n</user_query>"), // 37 characters
            assistant(&"x".repeat(400)),
            json!({"role": "assistant", "message": {"content": [
                {"type": "tool_use", "name": "Edit", "input": {"path": "cart.rs"}}]}})
            .to_string(),
            "not json".to_string(),
        ],
    );
    // a Claude Code call from the same directory names the project's real path
    crate::support::claude_call_in(&home, "/home/dev/shop");
    let mut engine = home.engine();
    let first = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let calls: Vec<_> = crate::support::calls(&engine)
        .into_iter()
        .filter(|c| c.event.provider == ProviderId::CursorAgent)
        .collect();
    let got: Vec<(&str, u64, u64, i64)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.tokens.input,
                c.event.tokens.output,
                c.event.timestamp_ms,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("cursor-agent:c1:2", 10, 100, 1_777_629_600_000),
            ("cursor-agent:c1:3", 110, 6, 1_777_629_600_000),
        ],
        "input is the conversation so far, output the message (4 characters a token)"
    );
    assert!(calls.iter().all(|c| c.cost_source == CostSource::Estimated));
    assert!(calls.iter().all(|c| c.event.model == "claude-sonnet-4-5"));
    assert!(calls.iter().all(|c| c.event.session_id == "c1"));
    assert_eq!(
        first.warnings.len(),
        1,
        "the line that is not JSON: {:?}",
        first.warnings
    );

    // appended later: dated at the file's time, not the summary's
    let path = home.path().join(&file);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{}\n", assistant("done")).as_bytes()).unwrap();
    drop(f);
    home.set_mtime(&file, 1_777_700_000);
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let late: Vec<i64> = crate::support::calls(&engine)
        .iter()
        .filter(|c| c.event.key == "cursor-agent:c1:5")
        .map(|c| c.event.timestamp_ms)
        .collect();
    assert_eq!(late, [1_777_700_000_000]);

    let now = "2026-11-22T18:00:00Z".parse().unwrap();
    let report = crate::support::report_all(&mut engine, chrono_tz::Tz::UTC, now);
    let projects: Vec<&str> = report.projects.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        projects,
        ["/home/dev/shop"],
        "the slug resolves to the known path"
    );
}

#[test]
fn the_older_text_transcripts_are_read_too() {
    let home = Home::new();
    home.write(
        &format!("{DIR}/legacy.txt"),
        &[
            "user:".to_string(),
            "<user_query>".to_string(),
            "fix it".to_string(),
            "</user_query>".to_string(),
            "A:".to_string(),
            "Fixed the bug in the parser.".to_string(),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::CursorAgent);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].event.model, "cursor-auto");
    assert_eq!(calls[0].event.tokens.output, 8, "29 characters");
    assert_eq!(calls[0].cost_source, CostSource::Estimated);
}
