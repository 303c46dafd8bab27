//! Cursor: bubbles from `state.vscdb`, the per-conversation token policy (correctness pitfalls 15–16).

use burnbar_engine::{CostSource, ProviderId};
use chrono_tz::Tz;
use serde_json::json;

use crate::support::{Home, activities, calls_of, report_all, uses};

fn state_db(home: &Home) -> rusqlite::Connection {
    let dir = home.path().join(".config/Cursor/User/globalStorage");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("state.vscdb")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);",
    )
    .unwrap();
    conn
}

fn put(conn: &rusqlite::Connection, key: &str, v: &serde_json::Value) {
    conn.execute(
        "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
        rusqlite::params![key, v.to_string().into_bytes()],
    )
    .unwrap();
}

fn bubble(
    kind: u8,
    text: &str,
    tokens: (u64, u64),
    model: Option<&str>,
    at: Option<&str>,
) -> serde_json::Value {
    let mut b = json!({"type": kind, "text": text,
        "tokenCount": {"inputTokens": tokens.0, "outputTokens": tokens.1}});
    if let Some(m) = model {
        b["modelInfo"] = json!({"modelName": m});
    }
    if let Some(at) = at {
        b["createdAt"] = json!(at);
    }
    b
}

#[test]
fn pitfalls_15_16_cursor_bubbles_use_real_counts_or_estimates_never_both() {
    let home = Home::new();
    let db = state_db(&home);
    let at = Some("2026-05-01T10:00:00.000Z");
    // conversation A has real token counts on its assistant bubble
    put(
        &db,
        "bubbleId:cA:b1",
        &bubble(1, "fix the bug", (0, 0), None, at),
    );
    put(
        &db,
        "bubbleId:cA:b2",
        &bubble(2, "done", (1200, 300), Some("claude-4.5-sonnet"), at),
    );
    // conversation B has none (newer builds): estimated from text, 4 characters a token
    put(
        &db,
        "bubbleId:cB:b1",
        &bubble(1, &"x".repeat(400), (0, 0), None, at),
    );
    put(
        &db,
        "bubbleId:cB:b2",
        &bubble(2, &"y".repeat(81), (0, 0), Some("default"), at),
    );
    // a tool sub-row and an undated bubble are not calls
    put(
        &db,
        "bubbleId:cA\ntool:b3",
        &bubble(2, "tool", (50, 50), None, at),
    );
    put(
        &db,
        "bubbleId:cA:b4",
        &bubble(2, "undated", (10, 10), None, None),
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Cursor);
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
            (
                "cursor:bubble:bubbleId:cA:b2",
                "claude-4.5-sonnet",
                1200,
                300
            ),
            ("cursor:bubble:bubbleId:cB:b1", "cursor-auto", 100, 0),
            ("cursor:bubble:bubbleId:cB:b2", "cursor-auto", 0, 21),
        ]
    );
    assert!(calls.iter().all(|c| c.cost_source == CostSource::Estimated));
    // cursor-auto is priced as Sonnet 4.5: 100 x $3/M
    let b1 = calls
        .iter()
        .find(|c| c.event.key.ends_with("cB:b1"))
        .unwrap();
    assert_eq!(b1.cost.unwrap().micros(), 300);
}

#[test]
fn pitfall_15_token_counts_rewritten_in_place_update_the_same_call() {
    let home = Home::new();
    let db = state_db(&home);
    let at = Some("2026-05-01T10:00:00.000Z");
    put(
        &db,
        "bubbleId:cA:b2",
        &bubble(2, "streaming", (1200, 3), Some("claude-4.5-sonnet"), at),
    );
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    // Cursor rewrites the row when the stream finishes; the writer keeps the database open
    put(
        &db,
        "bubbleId:cA:b2",
        &bubble(
            2,
            "streaming done",
            (1200, 450),
            Some("claude-4.5-sonnet"),
            at,
        ),
    );
    engine.sync(Tz::UTC, None).unwrap();
    let calls = crate::support::calls(&engine);
    assert_eq!(calls.len(), 1, "the key never includes the counts");
    assert_eq!(calls[0].event.tokens.output, 450);
}

/// A workspace's `state.vscdb` listing its conversations under `key`.
fn workspace(home: &Home, hash: &str, folder: &str, key: &str, ids: &[&str]) {
    let dir = home
        .path()
        .join(".config/Cursor/User/workspaceStorage")
        .join(hash);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("workspace.json"),
        json!({ "folder": folder }).to_string(),
    )
    .unwrap();
    let conn = rusqlite::Connection::open(dir.join("state.vscdb")).unwrap();
    conn.execute_batch("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);")
        .unwrap();
    let list: Vec<_> = ids
        .iter()
        .map(|id| json!({"composerId": id, "name": "chat"}))
        .collect();
    conn.execute(
        "INSERT INTO ItemTable (key, value) VALUES (?1, ?2)",
        rusqlite::params![
            key,
            json!({"allComposers": list, "selectedComposerIds": []}).to_string()
        ],
    )
    .unwrap();
}

#[test]
fn conversations_belong_to_the_workspace_folder_that_lists_them() {
    let home = Home::new();
    let db = state_db(&home);
    let at = Some("2026-05-01T10:00:00.000Z");
    for c in ["cA", "cB", "cC"] {
        put(
            &db,
            &format!("bubbleId:{c}:b1"),
            &bubble(2, "ok", (100, 10), Some("gpt-5"), at),
        );
    }
    workspace(
        &home,
        "a1",
        "file:///home/dev/my%20app",
        "composer.composerData",
        &["cA"],
    );
    workspace(
        &home,
        "b2",
        "vscode-remote://ssh-remote%2Bbox/srv/api",
        "composer.composerHeaders",
        &["cB"],
    );
    // a workspace whose database is not SQLite is skipped, not an error
    let broken = home.path().join(".config/Cursor/User/workspaceStorage/c3");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("workspace.json"), r#"{"folder":"file:///x"}"#).unwrap();
    std::fs::write(broken.join("state.vscdb"), b"not a database").unwrap();

    let data = home.load();
    assert!(data.errors.is_empty(), "{:?}", data.errors);
    let mut got: Vec<(String, String)> = calls_of(&data, ProviderId::Cursor)
        .iter()
        .map(|c| (c.event.session_id.clone(), c.event.project.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("cA".into(), "/home/dev/my app".into()),
            ("cB".into(), "/srv/api".into()),
            ("cC".into(), "cursor".into()),
        ]
    );
}

fn keyed(calls: &[&burnbar_engine::Call]) -> Vec<(String, String, u64, u64)> {
    calls
        .iter()
        .map(|c| {
            let e = &c.event;
            (
                e.key.clone(),
                e.model.clone(),
                e.tokens.input,
                e.tokens.output,
            )
        })
        .collect()
}

#[test]
fn pitfall_16_a_context_meter_is_the_input_of_a_conversation_without_counts() {
    let home = Home::new();
    let db = state_db(&home);
    let at = Some("2026-05-01T10:00:00.000Z");
    let started = 1_777_629_600_000_i64; // 2026-05-01T10:00:00Z
    // C: no counts, a meter: one input record at the conversation's start; replies' output
    // still from their text; the user's text adds no input of its own
    put(
        &db,
        "bubbleId:cC:b1",
        &bubble(1, &"x".repeat(400), (0, 0), None, at),
    );
    put(
        &db,
        "bubbleId:cC:b2",
        &bubble(2, &"y".repeat(81), (0, 0), Some("gpt-5"), at),
    );
    put(
        &db,
        "composerData:cC",
        &json!({"createdAt": started, "promptTokenBreakdown": {"totalUsedTokens": 5000}}),
    );
    // D: real counts win over its meter
    put(&db, "bubbleId:cD:b1", &bubble(2, "ok", (700, 20), None, at));
    put(
        &db,
        "composerData:cD",
        &json!({"createdAt": started, "contextTokensUsed": 9999}),
    );
    // E: `contextTokensUsed` when there is no breakdown; seconds are read as seconds
    put(&db, "bubbleId:cE:b1", &bubble(1, "hi", (0, 0), None, at));
    put(
        &db,
        "composerData:cE",
        &json!({"createdAt": started / 1000, "contextTokensUsed": 1234}),
    );
    // F: an undated meter is not used (it must not land on today): text length instead
    put(
        &db,
        "bubbleId:cF:b1",
        &bubble(1, &"z".repeat(40), (0, 0), None, at),
    );
    put(&db, "composerData:cF", &json!({"contextTokensUsed": 50}));
    // G: a broken composer row is a warning, not an error
    put(&db, "composerData:cG", &json!("not an object"));

    let data = home.load();
    let calls = calls_of(&data, ProviderId::Cursor);
    let s = |x: &str| x.to_string();
    assert_eq!(
        keyed(&calls),
        vec![
            (s("cursor:bubble:bubbleId:cC:b2"), s("gpt-5"), 0, 21),
            (s("cursor:bubble:bubbleId:cD:b1"), s("cursor-auto"), 700, 20),
            (s("cursor:bubble:bubbleId:cF:b1"), s("cursor-auto"), 10, 0),
            (s("cursor:composer-input:cC"), s("gpt-5"), 5000, 0),
            (s("cursor:composer-input:cE"), s("cursor-auto"), 1234, 0),
        ]
    );
    let meter = calls
        .iter()
        .find(|c| c.event.key.ends_with("input:cE"))
        .unwrap();
    assert_eq!(meter.event.timestamp_ms, started);
    assert_eq!(meter.event.session_id, "cE");
    assert!(calls.iter().all(|c| c.cost_source == CostSource::Estimated));
}

#[test]
fn user_bubbles_start_turns_and_code_blocks_are_edits() {
    let home = Home::new();
    let db = state_db(&home);
    put(
        &db,
        "bubbleId:cA:b1",
        &bubble(
            1,
            "add a settings page",
            (0, 0),
            None,
            Some("2026-05-01T10:00:00.000Z"),
        ),
    );
    let mut reply = bubble(
        2,
        "here it is",
        (900, 80),
        None,
        Some("2026-05-01T10:00:05.000Z"),
    );
    reply["codeBlocks"] = json!([{"languageId": "rust"}, {"languageId": "toml"}]);
    put(&db, "bubbleId:cA:b2", &reply);
    put(
        &db,
        "bubbleId:cA:b3",
        &bubble(
            1,
            "what does this module do?",
            (0, 0),
            None,
            Some("2026-05-01T11:00:00.000Z"),
        ),
    );
    put(
        &db,
        "bubbleId:cA:b4",
        &bubble(
            2,
            "it parses",
            (500, 40),
            None,
            Some("2026-05-01T11:00:05.000Z"),
        ),
    );

    let now = chrono::DateTime::parse_from_rfc3339("2026-05-02T00:00:00Z")
        .unwrap()
        .to_utc();
    let r = report_all(&mut home.engine(), Tz::UTC, now);
    // two turns: an edit turn without retries (one-shot) and a question answered without tools
    assert_eq!(
        activities(&r),
        vec![("feature", 1, 1, 1, 1, 0), ("conversation", 1, 1, 0, 0, 0)]
    );
    assert_eq!(uses(&r.tools.core), vec![("cursor:edit", 2)]);
    // nothing of the text is kept
    let stored = format!("{:?}", home.load().calls);
    assert!(!stored.contains("settings page") && !stored.contains("here it is"));
}

#[test]
fn a_growing_context_meter_updates_its_one_record() {
    let home = Home::new();
    let db = state_db(&home);
    let at = Some("2026-05-01T10:00:00.000Z");
    put(&db, "bubbleId:cM:b1", &bubble(2, "hello", (0, 0), None, at));
    let meter = |n: u64| json!({"createdAt": 1_777_629_600_000_i64, "contextTokensUsed": n});
    put(&db, "composerData:cM", &meter(2_000));
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    put(&db, "composerData:cM", &meter(9_000));
    engine.sync(Tz::UTC, None).unwrap();
    let inputs: Vec<(String, u64)> = crate::support::calls(&engine)
        .into_iter()
        .filter(|c| c.event.key.starts_with("cursor:composer-input:"))
        .map(|c| (c.event.key, c.event.tokens.input))
        .collect();
    assert_eq!(
        inputs,
        vec![("cursor:composer-input:cM".to_string(), 9_000)]
    );
}
