//! Tools that keep only a session's sums (Goose, Crush, Factory Droid): one record per
//! session, labelled `session-total`, dated at the session's last activity, in the stores as
//! the tools write them.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

/// Goose's `sessions.db`, with the columns of a current Goose (schema 13).
fn goose_db(home: &Home) -> rusqlite::Connection {
    let dir = home.path().join(".local/share/goose/sessions");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("sessions.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',
             description TEXT NOT NULL DEFAULT '', user_set_name BOOLEAN DEFAULT FALSE,
             session_type TEXT NOT NULL DEFAULT 'user', working_dir TEXT NOT NULL,
             created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
             updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, extension_data TEXT DEFAULT '{}',
             total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
             accumulated_total_tokens INTEGER, accumulated_input_tokens INTEGER,
             accumulated_output_tokens INTEGER, accumulated_cost REAL, schedule_id TEXT,
             recipe_json TEXT, user_recipe_values_json TEXT, provider_name TEXT,
             model_config_json TEXT, goose_mode TEXT NOT NULL DEFAULT 'auto',
             archived_at TIMESTAMP, project_id TEXT);
         CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT,
             session_id TEXT NOT NULL REFERENCES sessions(id), role TEXT NOT NULL,
             content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL,
             timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, tokens INTEGER, metadata_json TEXT);",
    )
    .unwrap();
    conn
}

#[test]
fn a_goose_session_is_one_record_at_its_last_update_replaced_as_it_grows() {
    let home = Home::new();
    let db = goose_db(&home);
    db.execute_batch(
        r#"INSERT INTO sessions (id, working_dir, created_at, updated_at, input_tokens,
               output_tokens, accumulated_input_tokens, accumulated_output_tokens,
               provider_name, model_config_json)
           VALUES ('20260501_1', '/home/dev/goose-app', '2026-05-01 09:00:00',
               '2026-05-02 10:30:00', 900, 40, 12000, 800, 'anthropic',
               '{"model_name":"claude-sonnet-4-5","context_limit":null,"temperature":null}'),
             ('20260501_2', '/home/dev/other', '2026-05-01 09:00:00', '2026-05-01T11:00:00Z',
               10, 5, 100, 50, 'openai', '{"model_name":"gpt-5"}'),
             ('20260501_3', '/home/dev/idle', '2026-05-01 09:00:00', '2026-05-01 09:00:00',
               NULL, NULL, NULL, NULL, NULL, NULL);
           INSERT INTO sessions (id, working_dir, updated_at, accumulated_input_tokens,
               accumulated_output_tokens, accumulated_cost, model_config_json)
           VALUES ('20260501_4', '/home/dev/priced', '2026-05-03 08:00:00', 5000, 500, 0.42,
               '{"model_name":"claude-sonnet-4-5"}'),
             ('20260501_5', '/home/dev/undated', 'someday', 10, 10, NULL, NULL);"#,
    )
    .unwrap();
    let data = home.load();
    assert!(data.errors.is_empty(), "{:?}", data.errors);
    let calls = calls_of(&data, ProviderId::Goose);
    let got: Vec<(&str, &str, &str, u64, u64)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.model.as_str(),
                c.event.project.as_str(),
                c.event.tokens.input,
                c.event.tokens.output,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "goose:20260501_1",
                "claude-sonnet-4-5",
                "/home/dev/goose-app",
                12_000,
                800
            ),
            ("goose:20260501_2", "gpt-5", "/home/dev/other", 100, 50),
            (
                "goose:20260501_4",
                "claude-sonnet-4-5",
                "/home/dev/priced",
                5_000,
                500
            ),
        ],
        "the accumulated counters, not the last turn's; a session without usage is nothing"
    );
    assert!(
        calls
            .iter()
            .all(|c| c.cost_source == CostSource::SessionTotal)
    );
    assert_eq!(
        calls[0].event.timestamp_ms, 1_777_717_800_000,
        "dated at updated_at (UTC)"
    );
    // priced from the table: 12000 x 3 + 800 x 15 micro-USD
    assert_eq!(calls[0].cost.unwrap().micros(), 36_000 + 12_000);
    assert_eq!(
        calls[2].cost.unwrap().micros(),
        420_000,
        "Goose's own cost when it kept one"
    );
    assert_eq!(
        data.warnings.len(),
        1,
        "the undated session: {:?}",
        data.warnings
    );

    // the session goes on: its one record takes the new sums and moves to its new last day
    let mut engine = home.engine();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    db.execute_batch(
        "UPDATE sessions SET accumulated_input_tokens = 20000, updated_at = '2026-05-04 09:00:00'
         WHERE id = '20260501_1'",
    )
    .unwrap();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let now: Vec<(i64, u64)> = crate::support::calls(&engine)
        .iter()
        .filter(|c| c.event.key == "goose:20260501_1")
        .map(|c| (c.event.timestamp_ms, c.event.tokens.input))
        .collect();
    assert_eq!(now, [(1_777_885_200_000, 20_000)]);
}

/// Crush's per-project `crush.db` (its `internal/db/migrations`), listed in `projects.json`.
fn crush_project(home: &Home, project: &str) -> rusqlite::Connection {
    let dir = home.path().join(project).join(".crush");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("crush.db")).unwrap();
    conn.execute_batch(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, parent_session_id TEXT, title TEXT NOT NULL,
             message_count INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
             completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0.0,
             updated_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
             summary_message_id TEXT);
         CREATE TABLE messages (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, role TEXT NOT NULL,
             parts TEXT NOT NULL DEFAULT '[]', model TEXT, created_at INTEGER NOT NULL,
             updated_at INTEGER NOT NULL, finished_at INTEGER, provider TEXT);",
    )
    .unwrap();
    conn
}

#[test]
fn a_crush_session_is_its_own_cumulative_cost_with_sub_agents_in_their_parent() {
    let home = Home::new();
    let app = home.path().join("code/app");
    home.write_raw(
        ".local/share/crush/projects.json",
        json!({"projects": [
            {"path": app.to_string_lossy(), "data_dir": app.join(".crush").to_string_lossy(),
             "last_accessed": "2026-05-01T10:00:00Z"},
            {"path": home.path().join("code/gone").to_string_lossy(), "data_dir": ".crush",
             "last_accessed": "2026-04-01T10:00:00Z"}]})
        .to_string()
        .as_bytes(),
    );
    let db = crush_project(&home, "code/app");
    db.execute_batch(
        "INSERT INTO sessions (id, parent_session_id, title, message_count, prompt_tokens,
             completion_tokens, cost, updated_at, created_at) VALUES
           ('s1', NULL, 'fix login', 12, 41000, 900, 0.75, 1777629600, 1777620000),
           ('s1-task', 's1', 'sub-agent', 4, 9000, 300, 0.20, 1777629000, 1777625000),
           ('s2', NULL, 'local model', 3, 500, 20, 0.0, 1777629600, 1777629000),
           ('s3', NULL, 'bad time', 3, 500, 20, 0.5, 'later', 1777629000);
         INSERT INTO messages (id, session_id, role, model, created_at, updated_at) VALUES
           ('m1', 's1', 'user', NULL, 1777620000, 1777620000),
           ('m2', 's1', 'assistant', 'claude-sonnet-4-5', 1777620010, 1777620010),
           ('m3', 's1', 'assistant', 'claude-opus-4-6', 1777629500, 1777629500);",
    )
    .unwrap();
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Crush);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    assert_eq!(c.event.key, "crush:s1");
    assert_eq!(
        c.event.model, "claude-opus-4-6",
        "the last assistant message's model"
    );
    assert_eq!(c.event.project, app.to_string_lossy());
    assert_eq!(c.event.timestamp_ms, 1_777_629_600_000, "seconds");
    assert_eq!(
        c.event.tokens.prompt() + c.event.tokens.output,
        0,
        "Crush's token columns are the last step's, not sums"
    );
    assert_eq!(
        (c.cost.unwrap().micros(), c.cost_source),
        (750_000, CostSource::SessionTotal)
    );
    assert_eq!(data.warnings.len(), 1, "{:?}", data.warnings);
}

#[test]
fn a_droid_session_is_its_settings_sums_at_the_transcripts_last_message() {
    let home = Home::new();
    let dir = ".factory/sessions/-home-dev-api";
    home.write(
        &format!("{dir}/5f1c.jsonl"),
        &[
            json!({"type": "session_start", "id": "5f1c", "title": "api work",
                   "cwd": "/home/dev/api", "owner": "me"})
            .to_string(),
            json!({"type": "message", "id": "m1", "timestamp": "2026-05-01T10:00:00.000Z",
                   "message": {"role": "user", "content": [{"type": "text", "text": "add tests"}]}})
            .to_string(),
            json!({"type": "message", "id": "m2", "timestamp": "2026-05-01T10:20:00.000Z",
                   "message": {"role": "assistant", "content": [{"type": "tool_use",
                   "name": "Execute", "input": {"command": "cargo test"}}]}})
            .to_string(),
            "{\"type\": \"message\", \"torn".to_string(),
        ],
    );
    home.write_raw(
        &format!("{dir}/5f1c.settings.json"),
        json!({"model": "claude-sonnet-4-5-20250929", "reasoningEffort": "none",
               "autonomyMode": "auto-low",
               "tokenUsage": {"inputTokens": 2000, "outputTokens": 3000,
                              "cacheCreationTokens": 10_000, "cacheReadTokens": 200_000,
                              "thinkingTokens": 500}})
        .to_string()
        .as_bytes(),
    );
    // a custom model, and a settings file that is not JSON
    home.write(
        &format!("{dir}/77aa.jsonl"),
        &[
            json!({"type": "session_start", "id": "77aa", "cwd": "/home/dev/api"}).to_string(),
            json!({"type": "message", "id": "m1", "timestamp": "2026-05-02T08:00:00Z"}).to_string(),
        ],
    );
    home.write_raw(
        &format!("{dir}/77aa.settings.json"),
        json!({"model": "custom:GLM-5.1-[Proxy]-0",
               "tokenUsage": {"inputTokens": 10, "outputTokens": 10}})
        .to_string()
        .as_bytes(),
    );
    home.write_raw(&format!("{dir}/broken.settings.json"), b"{\"model\": ");
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Droid);
    assert_eq!(calls.len(), 2);
    let c = &calls[0];
    assert_eq!(
        (
            c.event.key.as_str(),
            c.event.project.as_str(),
            c.event.session_id.as_str()
        ),
        ("droid:5f1c", "/home/dev/api", "5f1c")
    );
    assert_eq!(
        c.event.timestamp_ms, 1_777_630_800_000,
        "the last message's time"
    );
    let t = c.event.tokens;
    assert_eq!(
        (
            t.input,
            t.output,
            t.cache_write_5m,
            t.cache_read,
            t.reasoning
        ),
        (2_000, 3_000, 10_000, 200_000, 500)
    );
    assert_eq!(c.cost_source, CostSource::SessionTotal);
    // 2000 x 3 + 3000 x 15 + 10000 x 3.75 + 200000 x 0.3 micro-USD: the base rates, though
    // the sum's prompt is over 200k (the long-context tier is per request)
    assert_eq!(c.cost.unwrap().micros(), 6_000 + 45_000 + 37_500 + 60_000);
    assert_eq!(calls[1].event.model, "GLM-5.1");
    assert_eq!(calls[1].cost_source, CostSource::Unpriced);
    assert_eq!(data.warnings.len(), 1, "{:?}", data.warnings);
}

#[test]
fn a_report_says_how_much_of_its_cost_is_session_sums() {
    let home = Home::new();
    let db = goose_db(&home);
    db.execute_batch(
        r#"INSERT INTO sessions (id, working_dir, updated_at, accumulated_input_tokens,
               accumulated_output_tokens, model_config_json)
           VALUES ('g1', '/home/dev/g', '2026-11-22 10:00:00', 1000, 100,
               '{"model_name":"claude-sonnet-4-5"}');"#,
    )
    .unwrap();
    crate::support::one_claude_call(&home, None);
    let now = "2026-11-22T18:00:00Z".parse().unwrap();
    let report = crate::support::report_all(&mut home.engine(), chrono_tz::Tz::UTC, now);
    let o = &report.overview.figures;
    assert_eq!(o.session_total_cost.micros(), 3_000 + 1_500);
    assert!(o.cost.micros() > o.session_total_cost.micros());
    let goose = report
        .providers
        .iter()
        .find(|p| p.id == ProviderId::Goose)
        .expect("a Goose row");
    assert_eq!(goose.figures.session_total_cost, goose.figures.cost);
}

/// Zed's `threads.db` as `crates/agent/src/db.rs` creates and migrates it.
fn zed_db(home: &Home) -> rusqlite::Connection {
    let dir = home.path().join(".local/share/zed/threads");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("threads.db")).unwrap();
    conn.execute_batch(
        "CREATE TABLE threads (id TEXT PRIMARY KEY, summary TEXT NOT NULL,
             updated_at TEXT NOT NULL, data_type TEXT NOT NULL, data BLOB NOT NULL);
         ALTER TABLE threads ADD COLUMN parent_id TEXT;
         ALTER TABLE threads ADD COLUMN folder_paths TEXT;
         ALTER TABLE threads ADD COLUMN folder_paths_order TEXT;
         ALTER TABLE threads ADD COLUMN created_at TEXT;",
    )
    .unwrap();
    conn
}

fn zed_thread(model: &str, usage: [u64; 4]) -> serde_json::Value {
    json!({
        "title": "refactor", "version": "0.3.0", "updated_at": "2026-05-01T10:00:00Z",
        "messages": [{"User": {"id": "u1", "content": [{"Text": "refactor the parser"}]}},
                     {"Agent": {"content": [{"Text": "done"}], "tool_results": {}}}],
        "cumulative_token_usage": {"input_tokens": usage[0], "output_tokens": usage[1],
            "cache_creation_input_tokens": usage[2], "cache_read_input_tokens": usage[3]},
        "request_token_usage": {"u1": {"input_tokens": 10, "output_tokens": 5}},
        "model": {"provider": "anthropic", "model": model},
        "initial_project_snapshot": {"worktree_snapshots": [
            {"worktree_path": "/home/dev/zed-proj", "git_state": null}]}
    })
}

#[test]
fn a_zed_thread_is_its_cumulative_usage_decompressed_from_zstd() {
    let home = Home::new();
    let db = zed_db(&home);
    let zstd = |v: &serde_json::Value| {
        ruzstd::encoding::compress_to_vec(
            v.to_string().as_bytes(),
            ruzstd::encoding::CompressionLevel::Fastest,
        )
    };
    let insert =
        |id: &str, parent: Option<&str>, kind: &str, data: Vec<u8>, folders: Option<&str>| {
            db.execute(
                "INSERT INTO threads (id, parent_id, folder_paths, summary, updated_at, data_type,
                 data, created_at) VALUES (?1, ?2, ?3, 'x', '2026-05-02T09:30:00+00:00', ?4, ?5,
                 '2026-05-01T10:00:00+00:00')",
                rusqlite::params![id, parent, folders, kind, data],
            )
            .unwrap();
        };
    insert(
        "t1",
        None,
        "zstd",
        zstd(&zed_thread(
            "claude-sonnet-4-5",
            [1_000, 2_000, 3_000, 40_000],
        )),
        Some("/home/dev/zed-app\n/home/dev/lib"),
    );
    insert(
        "t1-sub",
        Some("t1"),
        "json",
        zed_thread("claude-sonnet-4-5", [100, 10, 0, 0])
            .to_string()
            .into_bytes(),
        None,
    );
    insert("t-bad", None, "zstd", b"not zstd at all".to_vec(), None);
    insert(
        "t-empty",
        None,
        "json",
        json!({"title": "new", "messages": []})
            .to_string()
            .into_bytes(),
        None,
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Zed);
    let got: Vec<(&str, &str, &str, u64, u64)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.session_id.as_str(),
                c.event.project.as_str(),
                c.event.tokens.cache_read,
                c.event.tokens.input,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("zed:t1", "t1", "/home/dev/zed-app", 40_000, 1_000),
            ("zed:t1-sub", "t1", "/home/dev/zed-proj", 0, 100),
        ],
        "the first folder, else the first worktree; a sub-agent in its parent's session"
    );
    assert_eq!(calls[0].event.timestamp_ms, 1_777_714_200_000);
    assert_eq!(calls[0].cost_source, CostSource::SessionTotal);
    // 1000 x 3 + 2000 x 15 + 3000 x 3.75 + 40000 x 0.3 micro-USD
    assert_eq!(
        calls[0].cost.unwrap().micros(),
        3_000 + 30_000 + 11_250 + 12_000
    );
    assert_eq!(
        data.warnings.len(),
        1,
        "the thread that is not zstd: {:?}",
        data.warnings
    );
}

#[test]
fn a_hermes_session_is_its_counters_at_its_last_message_with_the_billed_cost_first() {
    let home = Home::new();
    let dir = home.path().join(".hermes");
    std::fs::create_dir_all(&dir).unwrap();
    let db = rusqlite::Connection::open(dir.join("state.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, source TEXT NOT NULL, user_id TEXT,
             model TEXT, model_config TEXT, system_prompt TEXT, parent_session_id TEXT,
             started_at REAL NOT NULL, ended_at REAL, end_reason TEXT,
             message_count INTEGER DEFAULT 0, tool_call_count INTEGER DEFAULT 0,
             input_tokens INTEGER DEFAULT 0, output_tokens INTEGER DEFAULT 0,
             cache_read_tokens INTEGER DEFAULT 0, cache_write_tokens INTEGER DEFAULT 0,
             reasoning_tokens INTEGER DEFAULT 0, billing_provider TEXT, billing_base_url TEXT,
             billing_mode TEXT, estimated_cost_usd REAL, actual_cost_usd REAL,
             cost_status TEXT, cost_source TEXT, pricing_version TEXT, title TEXT,
             api_call_count INTEGER DEFAULT 0);
         CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL,
             role TEXT NOT NULL, content TEXT, tool_call_id TEXT, tool_calls TEXT,
             tool_name TEXT, timestamp REAL NOT NULL, token_count INTEGER);
         INSERT INTO sessions (id, source, model, started_at, ended_at, input_tokens,
             output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
             billing_provider, estimated_cost_usd, actual_cost_usd, api_call_count) VALUES
           ('h1', 'cli', 'claude-sonnet-4-5', 1777629000.5, NULL, 1000, 200, 5000, 100, 40,
             'anthropic', 0.02, NULL, 3),
           ('h2', 'telegram', 'anthropic/claude-sonnet-4-5', 1777629000, 1777632600, 10, 10, 0, 0,
             0, 'openrouter', 0.001, 0.5, 1),
           ('h3', 'cli', NULL, 1777629000, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0),
           ('h4', 'cli', 'gpt-5', 'yesterday', NULL, 10, 10, 0, 0, 0, NULL, NULL, NULL, 1);
         INSERT INTO messages (session_id, role, content, timestamp) VALUES
           ('h1', 'user', 'hi', 1777629001.0), ('h1', 'assistant', 'hello', 1777629300.25);",
    )
    .unwrap();
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Hermes);
    let got: Vec<(&str, i64, &str, Option<i64>)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.timestamp_ms,
                c.event.project.as_str(),
                c.cost.map(|u| u.micros()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // 1000 x 3 + 200 x 15 + 5000 x 0.3 + 100 x 3.75 micro-USD, dated at the last message
            (
                "hermes:h1",
                1_777_629_300_250,
                "hermes:cli",
                Some(3_000 + 3_000 + 1_500 + 375)
            ),
            // what OpenRouter billed, at the session's end
            (
                "hermes:h2",
                1_777_632_600_000,
                "hermes:telegram",
                Some(500_000)
            ),
        ]
    );
    assert!(
        calls
            .iter()
            .all(|c| c.cost_source == CostSource::SessionTotal)
    );
    assert_eq!(calls[0].event.tokens.reasoning, 40);
    assert_eq!(
        data.warnings.len(),
        1,
        "the session without a time: {:?}",
        data.warnings
    );
}
