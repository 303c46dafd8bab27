//! Schema migrations: an append-only list of SQL scripts, applied in one transaction and
//! tracked in `PRAGMA user_version`. Never edit or remove a published step; add one.

use rusqlite::Connection;

/// Step `i` moves the schema from version `i` to `i + 1`.
const STEPS: &[&str] = &[
    // v1: files and their cursors, calls (metadata only: ids, times, model, session, project,
    // token counts, cost), interned names, the per-day rollup and key/value meta.
    r"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        provider INTEGER NOT NULL,
        name TEXT NOT NULL,
        UNIQUE (provider, name)
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        provider INTEGER NOT NULL,
        path TEXT NOT NULL UNIQUE,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        cursor INTEGER NOT NULL,
        state TEXT,
        latest_ms INTEGER NOT NULL,
        malformed INTEGER NOT NULL DEFAULT 0,
        nul_padding INTEGER NOT NULL DEFAULT 0,
        invalid INTEGER NOT NULL DEFAULT 0,
        not_admitted INTEGER NOT NULL DEFAULT 0,
        present INTEGER NOT NULL DEFAULT 1
    );
    -- id = a stable 64-bit hash of (provider, dedup key): the dedup key is the row id.
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        provider INTEGER NOT NULL,
        key TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        day INTEGER NOT NULL,
        model_id INTEGER NOT NULL REFERENCES models(id),
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        web_search INTEGER NOT NULL,
        flags INTEGER NOT NULL,
        reported_cost INTEGER,
        cost INTEGER,
        cost_source INTEGER NOT NULL,
        owner_latest INTEGER NOT NULL,
        owner_mtime INTEGER NOT NULL,
        owner_file INTEGER NOT NULL REFERENCES files(id)
    );
    CREATE INDEX calls_by_session ON calls (session_id);
    CREATE INDEX calls_by_owner_file ON calls (owner_file);
    CREATE INDEX calls_by_project ON calls (project_id);
    -- One row per (day, session, model, project): what reports read. Derived from calls; rebuilt
    -- when the day zone or the price table changes, per session after each ingest.
    CREATE TABLE slices (
        day INTEGER NOT NULL,
        session_id INTEGER NOT NULL,
        model_id INTEGER NOT NULL,
        project_id INTEGER NOT NULL,
        provider INTEGER NOT NULL,
        calls INTEGER NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        web_search INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        unpriced_calls INTEGER NOT NULL,
        estimated_cost INTEGER NOT NULL,
        cost_source INTEGER NOT NULL,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (day, session_id, model_id, project_id)
    ) WITHOUT ROWID;
    ",
    // v2: budget and runaway alerts already sent, so each fires once per period, across
    // restarts, re-scans and re-pricing. `threshold` is per mille of the budget.
    r"
    CREATE TABLE alerts (
        alert TEXT NOT NULL,
        threshold INTEGER NOT NULL,
        period TEXT NOT NULL,
        fired_ms INTEGER NOT NULL,
        PRIMARY KEY (alert, threshold, period)
    ) WITHOUT ROWID;
    ",
    // v3: turns. Calls keep their tool uses (names, hashed file paths, shell program names:
    // JSON) and git branch; `turns` holds where each session's turns begin and what the
    // classifier needs of each prompt (never its text); slices gain the activity category
    // and turn counts; `tool_slices` rolls up tools, shell programs, MCP servers, skills,
    // sub-agents and branches. Every log is read again to fill them (cursors reset, and the
    // price version forgotten so the rollups are rebuilt whole).
    r"
    ALTER TABLE calls ADD COLUMN tools TEXT;
    ALTER TABLE calls ADD COLUMN branch TEXT;
    CREATE TABLE turns (
        session_id INTEGER NOT NULL,
        ts_ms INTEGER NOT NULL,
        sig TEXT NOT NULL,
        PRIMARY KEY (session_id, ts_ms)
    ) WITHOUT ROWID;
    DROP TABLE slices;
    CREATE TABLE slices (
        day INTEGER NOT NULL,
        session_id INTEGER NOT NULL,
        model_id INTEGER NOT NULL,
        project_id INTEGER NOT NULL,
        category INTEGER NOT NULL,
        provider INTEGER NOT NULL,
        calls INTEGER NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        web_search INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        unpriced_calls INTEGER NOT NULL,
        estimated_cost INTEGER NOT NULL,
        cost_source INTEGER NOT NULL,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        turns INTEGER NOT NULL,
        edit_turns INTEGER NOT NULL,
        one_shot_turns INTEGER NOT NULL,
        retries INTEGER NOT NULL,
        edit_cost INTEGER NOT NULL,
        self_corrections INTEGER NOT NULL,
        tool_uses INTEGER NOT NULL,
        PRIMARY KEY (day, session_id, model_id, project_id, category)
    ) WITHOUT ROWID;
    CREATE TABLE tool_slices (
        day INTEGER NOT NULL,
        session_id INTEGER NOT NULL,
        project_id INTEGER NOT NULL,
        provider INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        name TEXT NOT NULL,
        calls INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        PRIMARY KEY (session_id, day, project_id, kind, name)
    ) WITHOUT ROWID;
    UPDATE files SET cursor = 0, state = NULL, size = 0, mtime_ms = 0;
    DELETE FROM meta WHERE key = 'price_version';
    ",
    // v4: calls are stored in arrival order (`seq`, the rowid) with their dedup-key hash `id`
    // in a unique index. With `id` as the rowid every insert landed on a random page of the
    // whole table (a cold build spent ~0.7 s of CPU in splits and dirty pages on 146k calls);
    // now the table only grows at its end and the random inserts go to a small index. Every
    // query by `id` reads the same; the rows are copied over, nothing is read again.
    r"
    CREATE TABLE calls_v4 (
        seq INTEGER PRIMARY KEY,
        id INTEGER NOT NULL,
        provider INTEGER NOT NULL,
        key TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        day INTEGER NOT NULL,
        model_id INTEGER NOT NULL REFERENCES models(id),
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        project_id INTEGER NOT NULL REFERENCES projects(id),
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        web_search INTEGER NOT NULL,
        flags INTEGER NOT NULL,
        reported_cost INTEGER,
        cost INTEGER,
        cost_source INTEGER NOT NULL,
        owner_latest INTEGER NOT NULL,
        owner_mtime INTEGER NOT NULL,
        owner_file INTEGER NOT NULL REFERENCES files(id),
        tools TEXT,
        branch TEXT
    );
    -- the columns of v3's calls, in their order, after the new seq
    INSERT INTO calls_v4 SELECT NULL, * FROM calls ORDER BY ts_ms, id;
    DROP TABLE calls;
    ALTER TABLE calls_v4 RENAME TO calls;
    CREATE UNIQUE INDEX calls_by_id ON calls (id);
    CREATE INDEX calls_by_session ON calls (session_id);
    CREATE INDEX calls_by_owner_file ON calls (owner_file);
    CREATE INDEX calls_by_project ON calls (project_id);
    ",
    // v5: the kind of skip (0..3, as the malformed..not_admitted columns) of a file's
    // unterminated last line, or NULL. Such a line is read again with whatever follows it, so
    // it counts for the file's current version only (replaced at every read) and the stored
    // counts always equal a cold read of the same bytes.
    r"
    ALTER TABLE files ADD COLUMN tail INTEGER;
    ",
    // v6: the readers of Gemini CLI (2), OpenCode (3), Pi (5) and Copilot CLI (6) now count
    // what those tools' own sources say they write (tool-use prompt tokens, sub-agent chats,
    // the session_message table, archived sessions, aborted requests, per-process shutdown
    // legs). Their logs still on disk are read again: the calls they gave are dropped first
    // (a message is no longer a call, a rollup changed its key), and the rollups rebuilt.
    // Calls whose logs are gone stay as they were: history is never lost.
    r"
    DELETE FROM calls WHERE provider IN (2, 3, 5, 6)
        AND owner_file IN (SELECT id FROM files WHERE present = 1);
    UPDATE files SET cursor = 0, state = NULL, size = 0, mtime_ms = 0, tail = NULL,
        malformed = 0, nul_padding = 0, invalid = 0, not_admitted = 0
        WHERE provider IN (2, 3, 5, 6);
    DELETE FROM meta WHERE key = 'price_version';
    ",
    // v7: tool uses carry two more facts, taken from what the logs say at read time: a shell
    // command delivered work (`git commit`, `git push`, `gh pr create|merge`), a file lay in a
    // generated directory. Every log still on disk is read again to fill them: the stored
    // tool uses of its calls are dropped first (re-reading adds the uses of each copy to the
    // stored ones), nothing else.
    r"
    UPDATE calls SET tools = NULL
        WHERE tools IS NOT NULL AND owner_file IN (SELECT id FROM files WHERE present = 1);
    UPDATE files SET cursor = 0, state = NULL, size = 0, mtime_ms = 0, tail = NULL,
        malformed = 0, nul_padding = 0, invalid = 0, not_admitted = 0;
    DELETE FROM meta WHERE key = 'price_version';
    ",
    // v8: the MCP tools each session had loaded (names only, from Claude Code's
    // `deferred_tools_delta` attachments), for `mcp-low-coverage`. Claude Code's logs are read
    // again to fill it (prompts also keep three more facts since v7's code: read again too).
    r"
    CREATE TABLE mcp_tools (
        session_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (session_id, name)
    ) WITHOUT ROWID;
    UPDATE files SET cursor = 0, state = NULL, size = 0, mtime_ms = 0, tail = NULL,
        malformed = 0, nul_padding = 0, invalid = 0, not_admitted = 0
        WHERE provider = 0;
    ",
    // v9: limits. `limit_snapshots` keeps the latest rate-limit reading a tool's server
    // reported per account (Codex's `rate_limits`: one row per Codex home and window);
    // `limit_hits` the moments a window ran out, as Claude Code wrote them into a session
    // (time, window, its reset; never the message). Codex and Claude Code logs are read again
    // to fill them. `calls_by_time` answers "a tool's calls since" (the windows, the status
    // line) without a scan of every call. `live_usage` keeps the last live answer per account
    // (opt-in; the windows or an error in words, never a credential) and when to ask next.
    r"
    CREATE TABLE limit_snapshots (
        provider INTEGER NOT NULL,
        home TEXT NOT NULL,
        kind TEXT NOT NULL,
        observed_ms INTEGER NOT NULL,
        used_percent REAL NOT NULL,
        window_minutes INTEGER,
        resets_at_ms INTEGER,
        PRIMARY KEY (provider, home, kind)
    ) WITHOUT ROWID;
    CREATE TABLE limit_hits (
        provider INTEGER NOT NULL,
        home TEXT NOT NULL,
        kind TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        resets_at_ms INTEGER,
        scope TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (provider, home, kind, at_ms)
    ) WITHOUT ROWID;
    CREATE INDEX calls_by_time ON calls (provider, ts_ms);
    CREATE TABLE live_usage (
        provider INTEGER NOT NULL,
        account TEXT NOT NULL,
        asked_ms INTEGER NOT NULL,
        next_ms INTEGER NOT NULL,
        answer TEXT NOT NULL,
        PRIMARY KEY (provider, account)
    ) WITHOUT ROWID;
    UPDATE files SET cursor = 0, state = NULL, size = 0, mtime_ms = 0, tail = NULL,
        malformed = 0, nul_padding = 0, invalid = 0, not_admitted = 0
        WHERE provider IN (0, 1);
    ",
    // v10: session totals. Tools that keep only a session's sum (Goose, Crush, Factory Droid)
    // are stored as one record labelled `session-total` (cost source 4); the rollups keep the
    // part of the cost that is such a sum, so reports can say so. The rollups are rebuilt.
    r"
    ALTER TABLE slices ADD COLUMN session_total_cost INTEGER NOT NULL DEFAULT 0;
    DELETE FROM meta WHERE key = 'price_version';
    ",
    // v11: team metrics. The rollups keep the part of the cost the tools reported, so the
    // exported cost splits exactly by source (the rollups are rebuilt); `metric_ledger` keeps
    // what each exported counter last showed, so a re-price that lowers a total never shows
    // Prometheus a reset (see `crate::metrics`).
    r"
    ALTER TABLE slices ADD COLUMN reported_cost INTEGER NOT NULL DEFAULT 0;
    DELETE FROM meta WHERE key = 'price_version';
    CREATE TABLE metric_ledger (
        series TEXT PRIMARY KEY,
        seen INTEGER NOT NULL,
        shown INTEGER NOT NULL
    ) WITHOUT ROWID;
    ",
];

/// The schema version this build writes.
#[allow(clippy::cast_possible_wrap)] // a handful of steps
pub const LATEST: i64 = STEPS.len() as i64;

/// Brings the database up to [`LATEST`]. A database from a newer build is refused.
///
/// Safe against other processes doing the same at the same moment (two commands started
/// together on a machine without an index): the version is read inside a write transaction,
/// so the second one waits for the first and then finds nothing to do. Returns the version
/// found.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let user_version = |c: &Connection| -> rusqlite::Result<i64> {
        c.query_row("PRAGMA user_version", [], |r| r.get(0))
    };
    let newer = |current: i64| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "index schema v{current} is newer than this build (v{LATEST}); upgrade burnbar"
            )),
        )
    };
    // the common case, an index already current, takes no write lock
    let current = user_version(conn)?;
    if current == LATEST {
        return Ok(current);
    }
    if current > LATEST {
        return Err(newer(current));
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current = user_version(&tx)?;
    if current > LATEST {
        return Err(newer(current));
    }
    let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if current == 0 && tables > 0 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some("not a Burnbar index (a database of something else is in its place)".into()),
        ));
    }
    for (version, step) in (1i64..)
        .zip(STEPS)
        .skip(usize::try_from(current).unwrap_or(0))
    {
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies the steps from `from` up to `to` (a published step's own effect, whatever
    /// later steps do).
    fn step(conn: &Connection, from: usize, to: usize) {
        for (v, step) in (1i64..).zip(STEPS).skip(from).take(to - from) {
            conn.execute_batch(step).unwrap();
            conn.pragma_update(None, "user_version", v).unwrap();
        }
    }

    /// A database at schema `version` (the steps up to it).
    fn at(version: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for (v, step) in (1i64..).zip(STEPS.iter().take(version)) {
            conn.execute_batch(step).unwrap();
            conn.pragma_update(None, "user_version", v).unwrap();
        }
        conn
    }

    const CALL: &str = "INSERT INTO calls (id, provider, key, ts_ms, day, model_id, session_id,
        project_id, input, output, cache_read, cache_write_5m, cache_write_1h, reasoning,
        web_search, flags, reported_cost, cost, cost_source, owner_latest, owner_mtime,
        owner_file, tools, branch)
        VALUES (?1, 1, ?2, ?3, 739000, 1, 1, 1, 10, 20, 30, 0, 0, 0, 0, 16, NULL, 99, 0, 5, 6, 1,
        ?4, 'main')";

    /// A row of `calls`: (column name, value) pairs by name; `seq` left out.
    type CallRow = Vec<(String, rusqlite::types::Value)>;

    /// Every call, in id order.
    fn calls(conn: &Connection) -> Vec<CallRow> {
        let mut stmt = conn.prepare("SELECT * FROM calls ORDER BY id").unwrap();
        let names: Vec<String> = stmt.column_names().map(String::from).collect();
        stmt.query_map([], |r| {
            let mut row = (0..names.len())
                .map(|i| Ok((names[i].clone(), r.get(i)?)))
                .collect::<rusqlite::Result<CallRow>>()?;
            row.retain(|(name, _)| name != "seq");
            row.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(row)
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn v4_keeps_every_call_and_its_id_stays_the_dedup_key() {
        let conn = at(3);
        conn.execute_batch(
            "INSERT INTO models VALUES (1, 'm'); INSERT INTO projects VALUES (1, '/p');
             INSERT INTO sessions VALUES (1, 1, 's');
             INSERT INTO files (id, provider, path, dev, ino, size, mtime_ms, cursor, latest_ms)
             VALUES (1, 1, '/f', 1, 2, 3, 4, 3, 5);",
        )
        .unwrap();
        for (id, key, ts, tools) in [
            (-7_i64, "k1", 300_i64, Some("Bash#a639f2d1$npm")),
            (42, "k2", 100, None),
            (9_000_000_000, "k3", 200, Some("Read#1")),
        ] {
            conn.execute(CALL, rusqlite::params![id, key, ts, tools])
                .unwrap();
        }
        let before = calls(&conn);

        step(&conn, 3, 4);
        assert_eq!(calls(&conn), before, "every column of every call is kept");
        let cursor: i64 = conn
            .query_row("SELECT cursor FROM files", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cursor, 3, "nothing is read again");
        // a known id is still a conflict (the unique index), a new one appends
        let again = conn
            .execute(
                &format!("{CALL} ON CONFLICT(id) DO NOTHING"),
                rusqlite::params![42, "k2", 100, None::<String>],
            )
            .unwrap();
        assert_eq!(again, 0);
        conn.execute(CALL, rusqlite::params![1, "k4", 50, None::<String>])
            .unwrap();
        let last: i64 = conn
            .query_row("SELECT id FROM calls ORDER BY seq DESC LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(last, 1, "new calls go at the end of the table");
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            indexes,
            [
                "calls_by_id",
                "calls_by_owner_file",
                "calls_by_project",
                "calls_by_session"
            ]
        );
    }

    #[test]
    fn v6_reads_the_changed_tools_again_and_keeps_history_whose_logs_are_gone() {
        let conn = at(5);
        conn.execute_batch(
            "INSERT INTO models VALUES (1, 'm'); INSERT INTO projects VALUES (1, '/p');
             INSERT INTO sessions VALUES (1, 1, 's');
             INSERT INTO files (id, provider, path, dev, ino, size, mtime_ms, cursor, latest_ms,
                 present, malformed) VALUES
                 (1, 6, '/copilot/events.jsonl', 1, 2, 300, 4, 300, 5, 1, 2),
                 (2, 6, '/copilot/gone.jsonl', 1, 3, 300, 4, 300, 5, 0, 0),
                 (3, 0, '/claude/s.jsonl', 1, 4, 300, 4, 300, 5, 1, 0);
             INSERT INTO meta VALUES ('price_version', 'x');",
        )
        .unwrap();
        let call = "INSERT INTO calls (id, provider, key, ts_ms, day, model_id, session_id,
            project_id, input, output, cache_read, cache_write_5m, cache_write_1h, reasoning,
            web_search, flags, reported_cost, cost, cost_source, owner_latest, owner_mtime,
            owner_file) VALUES (?1, ?2, ?3, 1, 739000, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, NULL, 1,
            0, 5, 6, ?4)";
        for (id, provider, key, file) in [
            (1, 6, "copilot:a", 1),
            (2, 6, "copilot:gone", 2),
            (3, 0, "claude:a", 3),
        ] {
            conn.execute(call, rusqlite::params![id, provider, key, file])
                .unwrap();
        }
        step(&conn, 5, 6);
        let keys: Vec<String> = conn
            .prepare("SELECT key FROM calls ORDER BY key")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(keys, ["claude:a", "copilot:gone"]);
        let cursors: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT id, cursor, malformed FROM files ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(cursors, [(1, 0, 0), (2, 0, 0), (3, 300, 0)]);
        let price: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'price_version'",
                [],
                |r| r.get(0),
            )
            .ok();
        assert_eq!(price, None, "the rollups are rebuilt whole");
    }

    #[test]
    fn v7_reads_every_present_log_again_for_its_tool_uses() {
        let conn = at(6);
        conn.execute_batch(
            "INSERT INTO models VALUES (1, 'm'); INSERT INTO projects VALUES (1, '/p');
             INSERT INTO sessions VALUES (1, 0, 's');
             INSERT INTO files (id, provider, path, dev, ino, size, mtime_ms, cursor, latest_ms,
                 present) VALUES (1, 0, '/a.jsonl', 1, 2, 300, 4, 300, 5, 1),
                 (2, 0, '/gone.jsonl', 1, 3, 300, 4, 300, 5, 0);",
        )
        .unwrap();
        for (id, file) in [(1, 1), (2, 2)] {
            conn.execute(
                CALL,
                rusqlite::params![id, format!("k{id}"), 100, "Bash$git"],
            )
            .unwrap();
            conn.execute("UPDATE calls SET owner_file = ?1 WHERE id = ?2", [file, id])
                .unwrap();
        }
        step(&conn, 6, 7);
        let tools: Vec<(i64, Option<String>)> = conn
            .prepare("SELECT id, tools FROM calls ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(tools, [(1, None), (2, Some("Bash$git".into()))]);
        let cursors: i64 = conn
            .query_row("SELECT sum(cursor) FROM files", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cursors, 0, "every log is read again");
    }

    #[test]
    fn a_fresh_database_and_an_upgraded_one_have_the_same_schema() {
        let schema = |conn: &Connection| -> Vec<String> {
            conn.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let fresh = at(STEPS.len());
        for from in 0..STEPS.len() {
            let mut old = at(from);
            migrate(&mut old).unwrap();
            assert_eq!(schema(&old), schema(&fresh), "from v{from}");
        }
    }
}
