//! The index: one SQLite file (`<data>/burnbar/usage.sqlite`) holding every call ever seen as
//! metadata (never prompt or code text), the read cursor of every log file, and a per-day
//! rollup that reports read.
//!
//! Invariants:
//! - WAL journal, `busy_timeout` 5 s, foreign keys on. One writer at a time (an ingest runs in
//!   one `BEGIN IMMEDIATE` transaction, so a second process waits its turn), any number of
//!   readers. A crash mid-ingest rolls back whole: cursors never move past calls not stored.
//! - A call's `id` is a stable hash of its (provider, dedup key), unique in the table, so
//!   re-reading a file is a no-op and copies of one call merge into one row by the same rule as
//!   in memory ([`crate::merge`]). Rows are stored in arrival order (`seq`), so inserts append.
//! - `slices` is derived: it is rebuilt for the sessions an ingest touched, and entirely when
//!   the report time zone or the price table changes. Calls stay when their log files are
//!   deleted: history is never lost.

mod alerts;
mod calls;
mod codec;
mod files;
mod ledger;
mod migrate;
mod slices;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

pub use alerts::{active_sessions, claim as claim_alert, periods as alert_periods};
pub use calls::{
    CallRow, Upsert, all_calls, calls_in_days, key_id, latest_call_ms, limit_hits, limits,
    live_usage, mcp_tools_in_days, move_project_calls, projects, prompts_in_days, reprice_all,
    save_limit, save_limit_hit, save_live_usage, session_cost, spend_since,
};
pub(crate) use calls::{Interner, Prepared, Writer};
pub use files::{
    FileIdentity, FileRecord, index_only_calls, insert as insert_file, load_all as load_files,
    load_some as load_some_files, mark_missing, next_id as next_file_id, path_of as file_path,
    save as save_file, skipped_summary, update as update_file,
};
pub use ledger::{metric_sums, pass_through_ledger};
pub use migrate::LATEST as SCHEMA_VERSION;
pub use slices::{
    ToolKind, ToolSlice, query as query_slices, query_tools, rebuild_all as rebuild_all_slices,
    rebuild_sessions as rebuild_session_slices, reday_all,
};

/// The index file name inside the data dir.
pub const FILE_NAME: &str = "usage.sqlite";

/// The page size of a new index, in bytes.
pub const PAGE_SIZE: i64 = 8192;

/// SQLite's page cache per connection, in KiB.
pub(crate) const CACHE_KIB: i64 = 32 << 10;

/// The page cache while one transaction writes a large index (a first scan of a big history):
/// room for all of ~1.5 GB of logs' index, so SQLite need not spill dirty pages to the WAL
/// mid-transaction and read them back.
pub(crate) const BULK_CACHE_KIB: i64 = 64 << 10;

/// Sets the connection's page cache size; lowering it frees the excess pages.
pub(crate) fn set_cache_kib(conn: &Connection, kib: i64) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -kib)
}

/// How long opening an index keeps retrying while another process holds it busy.
const OPEN_RETRY_FOR: Duration = Duration::from_secs(10);

/// True for the errors a retry can cure: another connection holds the lock.
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// An open index.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the index at `path` and migrates it.
    ///
    /// A new index file is created readable by its owner only (0600 on Unix, whatever the
    /// umask): it reveals what you work on. SQLite gives its WAL and shared-memory files the
    /// database file's permissions.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        crate::settings::create_private(path).map_err(|e| Error::io(path, e))?;
        // Several processes may open a new index at the same moment (a command and the tray
        // started together): the schema is created under the write lock, and what still
        // collides (a journal-mode switch racing a creation) is retried for a while.
        let deadline = std::time::Instant::now() + OPEN_RETRY_FOR;
        let mut pause = Duration::from_millis(5);
        loop {
            let attempt = Connection::open(path).and_then(Store::init);
            match attempt {
                Err(e) if is_busy(&e) && std::time::Instant::now() + pause < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                other => return other.map_err(|e| Error::store(path, e)),
            }
        }
    }

    /// A private in-memory index (tests, one-off runs).
    pub fn open_in_memory() -> Result<Store> {
        let conn =
            Connection::open_in_memory().map_err(|e| Error::store(Path::new(":memory:"), e))?;
        Store::init(conn).map_err(|e| Error::store(Path::new(":memory:"), e))
    }

    fn init(mut conn: Connection) -> rusqlite::Result<Store> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(64);
        set_cache_kib(&conn, CACHE_KIB)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // a new index gets 8 KiB pages (an existing one keeps its own): a four-tool 1.1 GB
        // first scan measured ~5 % faster than with 4 KiB (fewer page splits and WAL frames;
        // medians of 7, interleaved, twice), with the same index size and warm runs
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if migrate::migrate(&mut conn)? < migrate::LATEST {
            // move what the migration wrote into the database file now: a first sync that
            // then fails (a full disk) leaves a WAL of nothing but its own rolled-back pages,
            // which closing the index deletes
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(Store { conn })
    }

    /// The connection (the store's modules own the SQL).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// A `meta` value.
    pub(crate) fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    /// Sets a `meta` value.
    pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Every stored call with its cost, in id order.
    pub fn calls(&self) -> Result<Vec<CallRow>> {
        Ok(calls::all_calls(&self.conn)?)
    }

    /// Schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}
