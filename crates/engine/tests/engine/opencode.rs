//! OpenCode provider (file layout): tokens, reported cost, seconds timestamps, projects.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::{Home, activities, calls_of, report_all, uses};

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

/// An `opencode.db` with OpenCode's schema, in WAL mode, written through `conn`.
fn opencode_db(home: &Home) -> rusqlite::Connection {
    schema_db(home, ".local/share/opencode/opencode.db")
}

/// A database at `rel` with OpenCode's schema and three sessions, in WAL mode.
fn schema_db(home: &Home, rel: &str) -> rusqlite::Connection {
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT, parent_id TEXT, slug TEXT,
             directory TEXT, title TEXT, version TEXT, time_created INTEGER,
             time_updated INTEGER, time_archived INTEGER);
         CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER,
             time_updated INTEGER, data TEXT);
         INSERT INTO session (id, parent_id, directory, time_archived) VALUES
             ('s_root', NULL, '/home/dev/db-app', NULL),
             ('s_child', 's_root', '/home/dev/db-app', NULL),
             ('s_old', NULL, '/home/dev/old', 1700000000000);",
    )
    .unwrap();
    conn
}

fn insert(
    conn: &rusqlite::Connection,
    id: &str,
    session: &str,
    updated: i64,
    mut data: serde_json::Value,
) {
    data.as_object_mut().unwrap().remove("path"); // the project comes from the session
    conn.execute(
        "INSERT OR REPLACE INTO message (id, session_id, time_created, time_updated, data)
         VALUES (?1, ?2, ?3, ?3, ?4)",
        rusqlite::params![id, session, updated, data.to_string()],
    )
    .unwrap();
}

#[test]
fn the_sqlite_store_is_read_read_only_incrementally_with_children_rolled_up() {
    let home = Home::new();
    let writer = opencode_db(&home);
    let t = 1_777_629_600_000_i64;
    insert(
        &writer,
        "m1",
        "s_root",
        t,
        message("m1", "s_root", "claude-sonnet-4-5", "anthropic", t),
    );
    insert(
        &writer,
        "m2",
        "s_child",
        t + 1,
        message("m2", "s_child", "claude-sonnet-4-5", "anthropic", t + 1),
    );
    insert(
        &writer,
        "m3",
        "s_old",
        t + 2,
        message("m3", "s_old", "claude-sonnet-4-5", "anthropic", t + 2),
    );
    let mut engine = home.engine();
    let first = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let calls = crate::support::calls(&engine);
    let mut got: Vec<(String, String, String)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.clone(),
                c.event.session_id.clone(),
                c.event.project.clone(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "opencode:s_child:m2".into(),
                "s_root".into(),
                "/home/dev/db-app".into()
            ),
            (
                "opencode:s_old:m3".into(),
                "s_old".into(),
                "/home/dev/old".into()
            ),
            (
                "opencode:s_root:m1".into(),
                "s_root".into(),
                "/home/dev/db-app".into()
            ),
        ],
        "the child rolls into its root; an archived session's spend happened and counts"
    );
    // the writer keeps its connection open (WAL) and adds a message: only it is read
    insert(
        &writer,
        "m4",
        "s_root",
        t + 10,
        message("m4", "s_root", "claude-sonnet-4-5", "anthropic", t + 10),
    );
    let second = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!((second.files_read, second.inserted), (1, 1));
    assert_eq!(crate::support::calls(&engine).len(), 4);
    // our reads never wrote to OpenCode's database
    let count: i64 = writer
        .query_row("SELECT count(*) FROM message", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 4);
}

/// Issue 23, item 4: current OpenCode keeps messages in `session_message` (its
/// `session.sql.ts`: `id, session_id, type, time_created, time_updated, data`, `data` being the
/// message without `id` and `type`), and copies older `message` rows into it under the same
/// id. Both are read; a message in both counts once; a user row is a prompt, not a call.
#[test]
fn issue_23_the_session_message_table_is_read_without_double_counting() {
    let home = Home::new();
    let writer = opencode_db(&home);
    writer
        .execute_batch(
            "CREATE TABLE session_message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL,
                 type TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL,
                 data TEXT NOT NULL);",
        )
        .unwrap();
    let t = 1_777_629_600_000_i64;
    // a legacy row, and its copy in the new table
    insert(
        &writer,
        "msg_1",
        "s_root",
        t,
        message("msg_1", "s_root", "claude-sonnet-4-5", "anthropic", t),
    );
    let v2 = |model: &str, at: i64, tokens: serde_json::Value| {
        json!({"agent": "build", "model": {"id": model, "providerID": "anthropic", "variant": "default"},
            "content": [{"type": "tool", "id": "call_1", "name": "bash",
                "state": {"status": "completed", "input": {"command": "cargo test"}, "content": [],
                          "structured": {}},
                "time": {"created": at}}],
            "finish": "stop", "cost": 0.01, "tokens": tokens,
            "time": {"created": at, "completed": at + 900}})
        .to_string()
    };
    let tokens =
        json!({"input": 1200, "output": 300, "reasoning": 0, "cache": {"read": 5000, "write": 0}});
    let add = |id: &str, kind: &str, at: i64, data: String| {
        writer
            .execute(
                "INSERT INTO session_message (id, session_id, type, time_created, time_updated, data)
                 VALUES (?1, 's_root', ?2, ?3, ?3, ?4)",
                rusqlite::params![id, kind, at, data],
            )
            .unwrap();
    };
    add(
        "msg_1",
        "assistant",
        t,
        v2("claude-sonnet-4-5", t, tokens.clone()),
    );
    add(
        "msg_2",
        "user",
        t + 5,
        json!({"text": "now fix the flaky test", "time": {"created": t + 5}}).to_string(),
    );
    add(
        "msg_3",
        "assistant",
        t + 10,
        v2("claude-sonnet-4-5", t + 10, tokens),
    );
    let data = home.load();
    let mut calls: Vec<(String, u64, u64)> = calls_of(&data, ProviderId::OpenCode)
        .iter()
        .map(|c| {
            (
                c.event.key.clone(),
                c.event.tokens.input,
                c.event.tokens.cache_read,
            )
        })
        .collect();
    calls.sort();
    assert_eq!(
        calls.len(),
        2,
        "msg_1 once, msg_3; the user row is no call: {calls:?}"
    );
    assert_eq!(calls[0].0, "opencode:s_root:msg_1");
    assert_eq!(
        calls[1],
        ("opencode:s_root:msg_3".to_string(), 1200, 5000),
        "tokens from the new row's data"
    );
    let tools: Vec<String> = calls_of(&data, ProviderId::OpenCode)
        .iter()
        .find(|c| c.event.key.ends_with("msg_3"))
        .unwrap()
        .event
        .tools
        .iter()
        .map(|t| t.tool.clone())
        .collect();
    assert_eq!(tools, ["Bash"]);
}

/// Issue 23, item 5: an older database without `session.time_archived` (or `directory`) is
/// read, not failed as a whole; a message whose JSON has no `time.created` takes its row's
/// `time_created`.
#[test]
fn issue_23_an_older_opencode_schema_and_a_message_without_its_time_are_read() {
    let home = Home::new();
    let dir = home.path().join(".local/share/opencode");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("opencode.db")).unwrap();
    conn.execute_batch(
        "CREATE TABLE session (id TEXT PRIMARY KEY, parent_id TEXT, title TEXT);
         CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER,
             time_updated INTEGER, data TEXT);
         INSERT INTO session (id, parent_id) VALUES ('s1', NULL);",
    )
    .unwrap();
    let t = 1_777_629_600_000_i64;
    let mut m = message("m1", "s1", "claude-sonnet-4-5", "anthropic", t);
    m.as_object_mut().unwrap().remove("time");
    insert(&conn, "m1", "s1", t, m);
    drop(conn);
    let data = home.load();
    assert!(data.errors.is_empty(), "{:?}", data.errors);
    let calls = calls_of(&data, ProviderId::OpenCode);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].event.timestamp_ms, t, "the row's time");
}

const P: &str = ".local/share/opencode/storage/part";

fn part(message: &str, id: &str, v: serde_json::Value) -> (String, String) {
    let mut v = v;
    v["id"] = json!(id);
    v["messageID"] = json!(message);
    v["sessionID"] = json!("ses_1");
    (format!("{P}/{message}/{id}.json"), v.to_string())
}

/// Prompts from user messages' text parts, tool uses from assistant messages' tool parts, and
/// OpenCode's `<server>_<tool>` MCP names as `mcp__<server>__<tool>`.
#[test]
fn parts_give_turns_tool_uses_and_normalised_mcp_names() {
    let home = Home::new();
    let t0 = 1_777_629_600_000_i64;
    let user =
        json!({"id": "msg_u1", "sessionID": "ses_1", "role": "user", "time": {"created": t0}});
    home.write(&format!("{M}/ses_1/msg_u1.json"), &[user.to_string()]);
    home.write(
        &format!("{M}/ses_1/msg_a1.json"),
        &[message(
            "msg_a1",
            "ses_1",
            "claude-sonnet-4-5",
            "anthropic",
            t0 + 5_000,
        )
        .to_string()],
    );
    home.write(
        &format!("{M}/ses_1/msg_a2.json"),
        &[message(
            "msg_a2",
            "ses_1",
            "claude-sonnet-4-5",
            "anthropic",
            t0 + 9_000,
        )
        .to_string()],
    );
    let parts = [
        part(
            "msg_u1",
            "prt_1",
            json!({"type": "text", "text": "fix the failing login test"}),
        ),
        part(
            "msg_u1",
            "prt_2",
            json!({"type": "text", "synthetic": true, "text": "let's brainstorm"}),
        ),
        part(
            "msg_a1",
            "prt_3",
            json!({"type": "tool", "tool": "edit", "callID": "c1",
            "state": {"status": "completed", "input": {"filePath": "/home/dev/go/login.go"}, "output": "ok"}}),
        ),
        part(
            "msg_a1",
            "prt_4",
            json!({"type": "tool", "tool": "github_create_issue", "callID": "c2",
            "state": {"status": "completed", "input": {"title": "x"}}}),
        ),
        part(
            "msg_a2",
            "prt_5",
            json!({"type": "tool", "tool": "bash", "callID": "c3",
            "state": {"status": "completed", "input": {"command": "go test ./... | tail -3"}}}),
        ),
        part(
            "msg_a2",
            "prt_6",
            json!({"type": "tool", "tool": "task", "callID": "c4",
            "state": {"input": {"subagent_type": "general", "prompt": "p"}}}),
        ),
        part(
            "msg_a2",
            "prt_7",
            json!({"type": "reasoning", "text": "thinking"}),
        ),
    ];
    for (path, body) in &parts {
        home.write(path, std::slice::from_ref(body));
    }
    home.write_raw(&format!("{P}/msg_a2/prt_8.json"), b"{ torn");

    let now = chrono::DateTime::from_timestamp_millis(t0 + 60_000).unwrap();
    let r = report_all(&mut home.engine(), chrono_tz::UTC, now);
    // one turn: the prompt (not the synthetic part) and both calls; a spawn makes it
    // delegation; its edit went through without a retry
    assert_eq!(activities(&r), vec![("delegation", 2, 1, 1, 1, 0)]);
    assert_eq!(uses(&r.tools.mcp), vec![("github", 1)]);
    assert_eq!(
        uses(&r.tools.core),
        vec![("Agent", 1), ("Bash", 1), ("Edit", 1)]
    );
    assert_eq!(uses(&r.tools.shell), vec![("go", 1), ("tail", 1)]);
    assert_eq!(uses(&r.tools.agents), vec![("general", 1)]);
}

#[test]
fn the_sqlite_store_reads_parts_too() {
    let home = Home::new();
    let db = opencode_db(&home);
    db.execute_batch(
        "CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT,
             time_created INTEGER, time_updated INTEGER, data TEXT);",
    )
    .unwrap();
    let t = 1_777_629_600_000_i64;
    let user = json!({"id": "u1", "sessionID": "s_root", "role": "user", "time": {"created": t}});
    insert(&db, "u1", "s_root", t, user);
    insert(
        &db,
        "a1",
        "s_child",
        t + 5,
        message("a1", "s_child", "claude-sonnet-4-5", "anthropic", t + 5),
    );
    for (id, msg, data) in [
        (
            "p1",
            "u1",
            json!({"type": "text", "text": "review the sentry errors"}),
        ),
        (
            "p2",
            "a1",
            json!({"type": "tool", "tool": "sentry_list_issues", "callID": "c1", "state": {"input": {}}}),
        ),
        (
            "p3",
            "a1",
            json!({"type": "tool", "tool": "read", "callID": "c2", "state": {"input": {"filePath": "/a.go"}}}),
        ),
    ] {
        db.execute(
            "INSERT INTO part (id, message_id, session_id, time_created, time_updated, data)
             VALUES (?1, ?2, 's_root', 0, 0, ?3)",
            rusqlite::params![id, msg, data.to_string()],
        )
        .unwrap();
    }
    let now = chrono::DateTime::from_timestamp_millis(t + 60_000).unwrap();
    let r = report_all(&mut home.engine(), chrono_tz::UTC, now);
    // the child session's call joins the root's turn, classified from the prompt and tools
    let acts: Vec<(&str, u64, u64)> = r
        .activities
        .iter()
        .map(|a| (a.category, a.figures.calls, a.figures.turns))
        .collect();
    assert_eq!(acts, vec![("exploration", 1, 1)]);
    assert_eq!(r.tools.mcp.len(), 1);
    assert_eq!(r.tools.mcp[0].name, "sentry");
}

/// Message and part files are opened relative to the storage directory, whose descriptor
/// each reader thread keeps for one scan: a storage directory replaced between two syncs (a
/// restore, a reinstall) is read afresh, not through the old one.
#[test]
fn a_replaced_storage_directory_is_read_afresh_on_the_next_sync() {
    let home = Home::new();
    let t0 = 1_777_629_600_000_i64;
    // enough files that every reader thread opens the storage directory
    let write = |prefix: &str| {
        for i in 0..64 {
            let id = format!("msg_{prefix}{i:02}");
            let m = message(&id, "ses_1", "claude-sonnet-4-5", "anthropic", t0 + i);
            home.write(&format!("{M}/ses_1/{id}.json"), &[m.to_string()]);
            let (path, body) = part(
                &id,
                "prt_1",
                json!({"type": "tool", "tool": "bash", "callID": "c1",
                       "state": {"input": {"command": "cargo test"}}}),
            );
            home.write(&path, &[body]);
        }
    };
    let mut engine = home.engine();
    let calls = |engine: &mut burnbar_engine::Engine, prefix: &str| {
        engine.sync(chrono_tz::Tz::UTC, None).unwrap();
        let stored = crate::support::calls(engine);
        let calls: Vec<_> = stored
            .iter()
            .filter(|c| c.event.provider == ProviderId::OpenCode)
            .collect();
        let with_tools = calls
            .iter()
            .filter(|c| {
                c.event
                    .key
                    .starts_with(&format!("opencode:ses_1:msg_{prefix}"))
            })
            .filter(|c| c.event.tools.len() == 1)
            .count();
        (calls.len(), with_tools)
    };
    write("a");
    assert_eq!(calls(&mut engine, "a"), (64, 64));

    let storage = home.path().join(".local/share/opencode/storage");
    std::fs::rename(&storage, storage.with_file_name("storage.old")).unwrap();
    write("b");
    // the a-calls stay (their files are gone); every b-message is read with its part
    assert_eq!(calls(&mut engine, "b"), (128, 64));
}

/// Kilo CLI, OpenCode's fork, keeps OpenCode's schema in `~/.local/share/kilo/kilo.db`: read
/// by the same reader as its own tool, with its own keys, beside OpenCode's own database.
#[test]
fn kilo_clis_database_is_read_as_its_own_tool() {
    let home = Home::new();
    let t = 1_777_629_600_000_i64;
    let kilo = schema_db(&home, ".local/share/kilo/kilo.db");
    insert(
        &kilo,
        "m1",
        "s_root",
        t,
        message("m1", "s_root", "claude-sonnet-4-5", "anthropic", t),
    );
    insert(
        &kilo,
        "m2",
        "s_child",
        t + 1,
        message("m2", "s_child", "claude-sonnet-4-5", "anthropic", t + 1),
    );
    let open = opencode_db(&home);
    insert(
        &open,
        "m1",
        "s_root",
        t,
        message("m1", "s_root", "claude-sonnet-4-5", "anthropic", t),
    );
    let data = home.load();
    let mut keys: Vec<(ProviderId, String, String)> = data
        .calls
        .iter()
        .map(|c| {
            (
                c.event.provider,
                c.event.key.clone(),
                c.event.session_id.clone(),
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            (
                ProviderId::OpenCode,
                "opencode:s_root:m1".to_string(),
                "s_root".to_string()
            ),
            (
                ProviderId::Kilo,
                "kilo:s_child:m2".to_string(),
                "s_root".to_string()
            ),
            (
                ProviderId::Kilo,
                "kilo:s_root:m1".to_string(),
                "s_root".to_string()
            ),
        ]
    );
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
}
