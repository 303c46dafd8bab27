//! OpenClaw's per-agent SQLite transcript store (2026.9+): rows are the JSONL records, some
//! zstd-compressed; read incrementally, counted once with a JSONL copy, never past the
//! transcript table.

use burnbar_engine::ProviderId;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use burnbar_test_support::Home;

const DB: &str = ".openclaw/agents/main/agent/openclaw-agent.sqlite";

/// The tables as OpenClaw 2026.9.7 declares them (the parts a reader meets), and an auth
/// profile with a key the reader must never touch.
fn store(home: &Home, rel: &str) -> Connection {
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE session_windows (
           session_id TEXT NOT NULL PRIMARY KEY, session_key TEXT NOT NULL,
           created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
         CREATE TABLE transcript_events (
           session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT,
           created_at INTEGER NOT NULL, event_zstd BLOB,
           event_utf8_bytes INTEGER CHECK (event_utf8_bytes IS NULL OR event_utf8_bytes >= 0),
           navigation_json TEXT,
           PRIMARY KEY (session_id, seq),
           FOREIGN KEY (session_id) REFERENCES session_windows(session_id) ON DELETE CASCADE,
           CHECK ((event_json IS NOT NULL AND event_zstd IS NULL)
               OR (event_json IS NULL AND event_zstd IS NOT NULL AND event_utf8_bytes IS NOT NULL))
         ) STRICT;
         CREATE TABLE auth_profile_store (store_key TEXT PRIMARY KEY, store_json TEXT NOT NULL);
         INSERT INTO auth_profile_store VALUES ('primary',
           '{\"profiles\":{\"anthropic:default\":{\"key\":\"sk-ant-NEVER-READ-THIS\"}}}');",
    )
    .unwrap();
    conn
}

fn header(id: &str, cwd: &str) -> Value {
    json!({"type": "session", "version": 3, "id": id, "timestamp": "2026-09-20T10:00:00.000Z",
           "cwd": cwd})
}

fn reply(id: &str, at: &str, response: &str, input: u64, output: u64) -> Value {
    json!({"type": "message", "id": id, "parentId": null, "timestamp": at,
           "message": {"role": "assistant", "provider": "anthropic", "model": "claude-sonnet-4-5",
               "responseId": response, "content": [{"type": "text", "text": "done"}],
               "usage": {"input": input, "output": output, "cacheRead": 100, "cacheWrite": 0,
                         "totalTokens": input + output + 100},
               "stopReason": "stop"}})
}

/// Stores a record as OpenClaw does: text, or (when `compress`) a zstd frame and its length.
fn put(conn: &Connection, session: &str, seq: i64, record: &Value, compress: bool) {
    conn.execute(
        "INSERT OR IGNORE INTO session_windows VALUES (?1, ?2, 1, 1)",
        params![session, format!("agent:main:{session}")],
    )
    .unwrap();
    let text = record.to_string();
    let created = 1_789_900_000_000_i64 + seq;
    if compress {
        let frame = ruzstd::encoding::compress_to_vec(
            text.as_bytes(),
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        conn.execute(
            "INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd,
             event_utf8_bytes, navigation_json) VALUES (?1, ?2, NULL, ?3, ?4, ?5, '{}')",
            params![session, seq, created, frame, text.len() as i64],
        )
        .unwrap();
    } else {
        conn.execute(
            "INSERT INTO transcript_events (session_id, seq, event_json, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![session, seq, text, created],
        )
        .unwrap();
    }
}

#[test]
fn openclaw_store_rows_are_its_transcripts_compressed_or_not() {
    let home = Home::new();
    let conn = store(&home, DB);
    put(&conn, "s1", 0, &header("s1", "/home/dev/bot"), false);
    put(
        &conn,
        "s1",
        1,
        &json!({"type": "message", "id": "u1", "timestamp":
        "2026-09-20T10:00:01.000Z", "message": {"role": "user", "content": "hello"}}),
        false,
    );
    put(
        &conn,
        "s1",
        2,
        &reply("a1", "2026-09-20T10:00:05.000Z", "msg_1", 1_000, 200),
        true,
    );
    put(
        &conn,
        "s1",
        3,
        &reply("a2", "2026-09-20T10:01:05.000Z", "msg_2", 2_000, 300),
        false,
    );
    // a record without its own timestamp is dated by its row
    let mut undated = reply("a3", "", "msg_3", 10, 1);
    undated.as_object_mut().unwrap().remove("timestamp");
    put(&conn, "s1", 4, &undated, true);
    drop(conn);

    let data = home.load();
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    let mut calls = data.calls_of(ProviderId::OpenClaw);
    calls.sort_by_key(|c| c.event.key.clone());
    let got: Vec<(&str, u64, u64, u64, &str)> = calls
        .iter()
        .map(|c| {
            let t = &c.event.tokens;
            (
                c.event.key.as_str(),
                t.input,
                t.output,
                t.cache_read,
                c.event.project.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("openclaw:s1:msg_1", 1_000, 200, 100, "/home/dev/bot"),
            ("openclaw:s1:msg_2", 2_000, 300, 100, "/home/dev/bot"),
            ("openclaw:s1:msg_3", 10, 1, 100, "/home/dev/bot"),
        ]
    );
    assert_eq!(
        calls[2].event.timestamp_ms, 1_789_900_000_004,
        "the row's created_at"
    );
    assert!(
        calls.iter().all(|c| c.cost.is_some()),
        "priced from the tables"
    );
}

#[test]
fn a_session_in_the_store_and_in_its_old_jsonl_counts_once() {
    let home = Home::new();
    let records = [
        header("s1", "/home/dev/bot"),
        reply("a1", "2026-09-20T10:00:05.000Z", "msg_1", 1_000, 200),
        reply("a2", "2026-09-20T10:01:05.000Z", "msg_2", 2_000, 300),
    ];
    // the migration imported the file and left it in place ("unverified active JSONL")
    home.write(
        ".openclaw/agents/main/sessions/s1.jsonl",
        &records.iter().map(Value::to_string).collect::<Vec<_>>(),
    );
    let conn = store(&home, DB);
    for (seq, r) in records.iter().enumerate() {
        put(&conn, "s1", seq as i64, r, seq == 1);
    }
    drop(conn);
    let data = home.load();
    let calls = data.calls_of(ProviderId::OpenClaw);
    assert_eq!(calls.len(), 2, "each reply once");
    assert_eq!(
        calls.iter().map(|c| c.event.tokens.input).sum::<u64>(),
        3_000
    );
}

/// Reply `n` of `session` at row `seq`: response `r<n>`, `100 n` tokens in and `10 n` out.
fn put_reply(conn: &Connection, session: &str, seq: i64, n: u64, compress: bool) {
    let at = format!("2026-09-20T10:{n:02}:05.000Z");
    let record = reply(&format!("e{n}"), &at, &format!("r{n}"), 100 * n, 10 * n);
    put(conn, session, seq, &record, compress);
}

#[test]
fn the_store_is_read_from_where_it_stopped_and_again_when_row_ids_are_reused() {
    let home = Home::new();
    let conn = store(&home, DB);
    put(&conn, "s1", 0, &header("s1", "/home/dev/a"), false);
    put_reply(&conn, "s1", 1, 1, false);
    put(&conn, "s2", 0, &header("s2", "/home/dev/b"), false);
    put_reply(&conn, "s2", 1, 2, true);
    let mut engine = home.engine();
    let first = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(first.inserted, 2);
    // one entry for the tool, its root once, whichever reader found the files
    let src: Vec<_> = first
        .sources
        .iter()
        .filter(|s| s.provider == ProviderId::OpenClaw)
        .collect();
    assert_eq!(src.len(), 1);
    let mut roots = src[0].roots.clone();
    roots.dedup();
    assert_eq!(roots, src[0].roots, "no root twice");
    assert_eq!((src[0].files, src[0].roots_found), (1, 1));
    let again = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(
        (again.files_read, again.inserted),
        (0, 0),
        "nothing changed"
    );

    // s1 goes on: only its new row is read, and it still knows s1's project
    put_reply(&conn, "s1", 2, 3, false);
    let grown = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!((grown.files_read, grown.inserted), (1, 1));
    let calls = crate::support::calls(&engine);
    let r3 = calls
        .iter()
        .find(|c| c.event.key == "openclaw:s1:r3")
        .unwrap();
    assert_eq!(r3.event.project, "/home/dev/a");

    // the newest session is deleted (its rows had the largest row ids), and a new one takes
    // those ids: the cursor's row is gone, so the store is read again, and nothing is missed
    conn.execute("PRAGMA foreign_keys = ON", []).unwrap();
    conn.execute("DELETE FROM session_windows WHERE session_id = 's1'", [])
        .unwrap();
    conn.execute("DELETE FROM transcript_events WHERE session_id = 's1'", [])
        .unwrap();
    // (the reply first: it takes the cursor's row id)
    put_reply(&conn, "s3", 1, 4, false);
    put(&conn, "s3", 0, &header("s3", "/home/dev/c"), false);
    put_reply(&conn, "s3", 2, 5, false);
    put_reply(&conn, "s3", 3, 6, false);
    let reused = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(reused.inserted, 3, "r4, r5 and r6, whatever their row ids");
    let keys: std::collections::BTreeSet<String> = crate::support::calls(&engine)
        .iter()
        .filter(|c| c.event.provider == ProviderId::OpenClaw)
        .map(|c| c.event.key.clone())
        .collect();
    for k in ["r1", "r2", "r3", "r4", "r5", "r6"] {
        assert!(
            keys.iter().any(|key| key.ends_with(&format!(":{k}"))),
            "{k} in {keys:?}: spend that happened stays counted"
        );
    }
}

#[test]
fn bad_rows_are_counted_warnings_and_the_rest_is_read() {
    let home = Home::new();
    let conn = store(&home, DB);
    put(&conn, "s1", 0, &header("s1", "/home/dev/a"), false);
    conn.execute(
        "INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES
         ('s1', 1, '{\"type\":\"message\",\"message\":{\"role\":', 1789900000001)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd,
         event_utf8_bytes) VALUES ('s1', 2, NULL, 1789900000002, X'0102030405', 10)",
        [],
    )
    .unwrap();
    put(
        &conn,
        "s1",
        3,
        &reply("a1", "2026-09-20T10:00:05.000Z", "r1", 100, 10),
        true,
    );
    drop(conn);
    let data = home.load();
    assert_eq!(data.calls_of(ProviderId::OpenClaw).len(), 1);
    let warned: Vec<String> = data
        .warnings
        .iter()
        .filter(|w| w.provider == ProviderId::OpenClaw)
        .map(|w| w.msg.clone())
        .collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(
        warned[0].contains("event 1") && warned[1].contains("event 2"),
        "{warned:?}"
    );
}

#[test]
fn an_older_store_without_compression_columns_and_a_store_without_transcripts() {
    let home = Home::new();
    // 2026.9.2: event_json NOT NULL, no event_zstd
    let path = home
        .path()
        .join(".openclaw/agents/ops/agent/openclaw-agent.sqlite");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE transcript_events (session_id TEXT NOT NULL, seq INTEGER NOT NULL,
           event_json TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (session_id, seq));",
    )
    .unwrap();
    for (seq, r) in [
        header("o1", "/srv/ops"),
        reply("a", "2026-09-02T08:00:00Z", "r1", 50, 5),
    ]
    .iter()
    .enumerate()
    {
        conn.execute(
            "INSERT INTO transcript_events VALUES ('o1', ?1, ?2, 0)",
            params![seq as i64, r.to_string()],
        )
        .unwrap();
    }
    drop(conn);
    // an agent whose database has no transcripts yet
    let main = home.path().join(".openclaw/agents/main/agent");
    std::fs::create_dir_all(&main).unwrap();
    Connection::open(main.join("openclaw-agent.sqlite"))
        .unwrap()
        .execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);")
        .unwrap();
    let data = home.load();
    assert!(data.errors.is_empty(), "{:?}", data.errors);
    let calls = data.calls_of(ProviderId::OpenClaw);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].event.key.as_str(), calls[0].event.project.as_str()),
        ("openclaw:o1:r1", "/srv/ops")
    );
}

#[test]
fn the_store_is_opened_read_only_and_its_credentials_never_reach_the_index() {
    let home = Home::new();
    let conn = store(&home, DB);
    put(&conn, "s1", 0, &header("s1", "/home/dev/a"), false);
    put(
        &conn,
        "s1",
        1,
        &reply("a1", "2026-09-20T10:00:05.000Z", "r1", 100, 10),
        false,
    );
    drop(conn);
    let db = home.path().join(DB);
    let before = std::fs::read(&db).unwrap();
    let paths = burnbar_engine::Paths::for_home(home.path());
    let data_dir = paths.data.clone();
    let mut engine = burnbar_engine::Engine::open(paths, burnbar_test_support::pricer()).unwrap();
    let sync = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(sync.inserted, 1);
    drop(engine);
    assert_eq!(std::fs::read(&db).unwrap(), before, "not a byte written");
    let wal = db.with_file_name("openclaw-agent.sqlite-wal");
    assert!(!wal.exists(), "no WAL created beside it");
    let mut stored = Vec::new();
    for f in std::fs::read_dir(&data_dir).unwrap().flatten() {
        stored.extend(std::fs::read(f.path()).unwrap());
    }
    assert!(!stored.is_empty());
    let needle = b"NEVER-READ-THIS";
    assert!(
        !stored.windows(needle.len()).any(|w| w == needle),
        "the auth profile's key is not in the index"
    );
}

/// A frame the way OpenClaw writes it (zstd level 1 with a content size and an XXH64 checksum:
/// `tests/fixtures/format/openclaw-event.json.zst`, made with the zstd CLI, not by the reader's
/// own library) decodes to its record.
#[test]
fn a_checksummed_zstd_frame_decodes() {
    let home = Home::new();
    let conn = store(&home, DB);
    put(&conn, "s1", 0, &header("s1", "/home/dev/z"), false);
    let frame =
        std::fs::read(burnbar_test_support::fixtures().join("format/openclaw-event.json.zst"))
            .unwrap();
    conn.execute(
        "INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd,
         event_utf8_bytes, navigation_json) VALUES ('s1', 1, NULL, 1789900000001, ?1, 1737, '{}')",
        params![frame],
    )
    .unwrap();
    drop(conn);
    let data = home.load();
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    let calls = data.calls_of(ProviderId::OpenClaw);
    let got: Vec<(&str, u64, u64, u64)> = calls
        .iter()
        .map(|c| {
            let t = &c.event.tokens;
            (c.event.key.as_str(), t.input, t.output, t.cache_read)
        })
        .collect();
    assert_eq!(got, [("openclaw:s1:msg_zstd_cli", 1_234, 56, 7_890)]);
}
