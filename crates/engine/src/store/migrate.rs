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
];

/// The schema version this build writes.
#[allow(clippy::cast_possible_wrap)] // a handful of steps
pub const LATEST: i64 = STEPS.len() as i64;

/// Brings the database up to [`LATEST`]. A database from a newer build is refused.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > LATEST {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "index schema v{current} is newer than this build (v{LATEST}); upgrade burnbar"
            )),
        ));
    }
    let tx = conn.transaction()?;
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
