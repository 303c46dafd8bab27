//! OpenClaw's per-agent SQLite store (OpenClaw 2026.9 and later).
//!
//! Read from OpenClaw's own schema as its agent databases declare it (`session_windows`,
//! `transcript_events` in `agents/<agent>/agent/openclaw-agent.sqlite`, 2026.9.2 to 2026.9.7)
//! and its session-SQLite migration (`openclaw doctor --session-sqlite`), which imports each
//! `agents/<agent>/sessions/<session>.jsonl` transcript row by row and then archives the file.
//!
//! **Where:** `$OPENCLAW_STATE_DIR` (else `~/.openclaw`, or the older `~/.clawdbot` and
//! `~/.moltbot`) `/agents/<agent id>/agent/openclaw-agent.sqlite`, one database per agent.
//!
//! **Record shape:** `transcript_events(session_id, seq, event_json, created_at, event_zstd,
//! event_utf8_bytes, navigation_json)`, primary key `(session_id, seq)`. Each row is one record
//! of the session's transcript, exactly the JSON line the JSONL file held (pi's session
//! format: a `{"type":"session", id, cwd}` header, then `message` records with `usage`; see
//! [`super::pi`] for what the token fields mean). 2026.9.2 stores it as text in `event_json`;
//! since 2026.9.7 a record of 1 KiB or more is stored zstd-compressed in `event_zstd` (with its
//! decompressed length in `event_utf8_bytes`, at most 4 MiB) and `event_json` is NULL.
//! `created_at` is the row's insertion time in epoch ms, used only for a record without a
//! `timestamp` of its own.
//!
//! **Only transcripts are read.** The same database holds the agent's auth profiles (API keys,
//! OAuth tokens) and scratch files; no query here names another table.
//!
//! **Cursor:** rows are read in `rowid` order and the cursor is the last `rowid` read, with that
//! row's `(session_id, seq)` beside it. A later read first checks that the row is still there
//! and still the same: a session deleted at the end of the table lets SQLite hand its row ids
//! out again, and `VACUUM` renumbers them, and either way the database is read again from the
//! start (the keys make that safe). The header a session's new rows need is looked up by the
//! primary key.
//!
//! **Dedup key:** `openclaw:<session id>:<responseId, else entry id, else timestamp>`, the same as
//! the JSONL reader's, so a session the migration left in both places (OpenClaw keeps an
//! "unverified active JSONL transcript" beside its imported copy) counts once. **Project:** the
//! header's `cwd`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};

use super::pi::{Pi, Record, State, event};
use super::sqlite::{columns, identity_paths, open_read_only, or, stamp, text};
use super::{Batch, Cursor, Listing, Provider};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::ProviderId;
use crate::paths::Paths;

/// The database's name in an agent's `agent/` directory.
const DB_NAME: &str = "openclaw-agent.sqlite";

/// The largest record OpenClaw stores (its schema's `CHECK`), decompressed.
const EVENT_CAP: u64 = 4 << 20;

/// OpenClaw's SQLite transcript store.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenClawDb;

impl OpenClawDb {
    /// The agents' directory under each state directory.
    fn agent_roots(paths: &Paths) -> Vec<PathBuf> {
        paths
            .openclaw_state
            .iter()
            .map(|d| d.join("agents"))
            .collect()
    }

    /// True when `path` is `<root>/<agent>/agent/openclaw-agent.sqlite` under one of the roots.
    fn is_db(paths: &Paths, path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == DB_NAME)
            && path
                .parent()
                .filter(|p| p.file_name().is_some_and(|n| n == "agent"))
                .and_then(Path::parent)
                .and_then(Path::parent)
                .is_some_and(|root| Self::agent_roots(paths).iter().any(|r| r == root))
    }
}

impl Provider for OpenClawDb {
    fn id(&self) -> ProviderId {
        ProviderId::OpenClaw
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        Self::agent_roots(paths)
    }

    fn discover(&self, paths: &Paths) -> Listing {
        let mut out = Vec::new();
        for root in Self::agent_roots(paths) {
            // an absent tool costs the failed listing of its agents' directory
            let Ok(agents) = std::fs::read_dir(&root) else {
                continue;
            };
            for agent in agents.filter_map(std::result::Result::ok) {
                let db = agent.path().join("agent").join(DB_NAME);
                if db.is_file() {
                    out.push(db);
                }
            }
        }
        out.sort();
        out.into()
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        self.source_for(paths, path).is_some()
    }

    fn source_for(&self, paths: &Paths, changed: &Path) -> Option<PathBuf> {
        let name = changed.file_name()?.to_str()?;
        let db = changed.with_file_name(name.strip_suffix("-wal").unwrap_or(name));
        Self::is_db(paths, &db).then_some(db)
    }

    fn identity_paths(&self, file: &Path) -> Vec<PathBuf> {
        identity_paths(file)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let conn = open_read_only(file)?;
        read_events(&conn, file, cursor, batch).map_err(|e| Error::store(file, e))
    }
}

/// The row the cursor stopped at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Mark {
    session: String,
    seq: i64,
}

/// Where to resume: past `cursor`'s row if it is still the row it was, else from the start.
fn resume_at(conn: &Connection, cursor: &Cursor) -> rusqlite::Result<i64> {
    let Some(mark) = cursor
        .state
        .as_deref()
        .and_then(|s| serde_json::from_str::<Mark>(s).ok())
    else {
        return Ok(0);
    };
    let Ok(rowid) = i64::try_from(cursor.offset) else {
        return Ok(0);
    };
    let same = conn
        .query_row(
            "SELECT session_id, seq FROM transcript_events WHERE rowid = ?1",
            [rowid],
            |r| {
                Ok(text(r.get_ref(0)?) == Some(mark.session.clone())
                    && r.get::<_, i64>(1)? == mark.seq)
            },
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(false),
            e => Err(e),
        })?;
    Ok(if same { rowid } else { 0 })
}

fn read_events(
    conn: &Connection,
    file: &Path,
    cursor: &Cursor,
    batch: &mut Batch,
) -> rusqlite::Result<Cursor> {
    let Some(cols) = columns(conn, "transcript_events")? else {
        return Ok(Cursor::START); // a database that has no transcripts yet
    };
    let json_col = or(&cols, "event_json", "NULL");
    let zstd_col = or(&cols, "event_zstd", "NULL");
    let created_col = or(&cols, "created_at", "NULL");
    let from = resume_at(conn, cursor)?;
    let mut header = conn.prepare(&format!(
        "SELECT {json_col}, {zstd_col} FROM transcript_events WHERE session_id = ?1 \
         ORDER BY seq LIMIT 1"
    ))?;
    let mut stmt = conn.prepare(&format!(
        "SELECT rowid, session_id, seq, {json_col}, {zstd_col}, {created_col} \
         FROM transcript_events WHERE rowid > ?1 ORDER BY rowid"
    ))?;
    let mut rows = stmt.query([from])?;
    let mut sessions: HashMap<String, State> = HashMap::new();
    let mut last: Option<(i64, Mark)> = None;
    let pi = Pi(ProviderId::OpenClaw);
    while let Some(r) = rows.next()? {
        let rowid: i64 = r.get(0)?;
        let Some(session) = text(r.get_ref(1)?) else {
            continue;
        };
        let seq = r.get_ref(2)?.as_i64().unwrap_or(-1);
        last = Some((
            rowid,
            Mark {
                session: session.clone(),
                seq,
            },
        ));
        if !sessions.contains_key(&session) {
            let st = session_state(&mut header, &session)?;
            sessions.insert(session.clone(), st);
        }
        let st = &sessions[&session];
        let stored = stamp(r.get_ref(5)?);
        // a header or any other record that is not a call is `None`
        let call = record_bytes(r.get_ref(3)?, r.get_ref(4)?).and_then(|bytes| {
            serde_json::from_slice::<Record<'_>>(&bytes)
                .map(|rec| event(pi, &rec, st, stored))
                .map_err(|e| format!("not a JSON record ({e})"))
        });
        match call {
            Ok(Some(e)) => batch.events.push(e),
            Ok(None) => {}
            Err(why) => batch.warnings.push(Warning::whole_file(
                ProviderId::OpenClaw,
                file,
                WarningKind::MalformedLine,
                format!("session {session}, event {seq}: {why}"),
            )),
        }
    }
    Ok(match last {
        Some((rowid, mark)) => Cursor {
            offset: u64::try_from(rowid).unwrap_or(0),
            state: serde_json::to_string(&mark).ok(),
        },
        None if from > 0 => cursor.clone(),
        None => Cursor::START,
    })
}

/// A session's header, looked up by the primary key (its first row).
fn session_state(header: &mut rusqlite::Statement<'_>, session: &str) -> rusqlite::Result<State> {
    let mut rows = header.query([session])?;
    if let Some(r) = rows.next()?
        && let Ok(bytes) = record_bytes(r.get_ref(0)?, r.get_ref(1)?)
        && let Ok(record) = serde_json::from_slice::<Record<'_>>(&bytes)
        && let Some(st) = State::of_header(&record, session)
    {
        return Ok(st);
    }
    Ok(State::headless(session))
}

/// A row's record: its text, or its zstd frame decompressed (at most [`EVENT_CAP`] bytes).
fn record_bytes(json: ValueRef<'_>, zstd: ValueRef<'_>) -> std::result::Result<Vec<u8>, String> {
    if let ValueRef::Text(b) | ValueRef::Blob(b) = json {
        return Ok(b.to_vec());
    }
    let (ValueRef::Blob(mut frame) | ValueRef::Text(mut frame)) = zstd else {
        return Err("a row with neither event_json nor event_zstd".into());
    };
    let decoder = ruzstd::decoding::StreamingDecoder::new(&mut frame)
        .map_err(|e| format!("event_zstd is not a zstd frame ({e})"))?;
    let mut out = Vec::new();
    decoder
        .take(EVENT_CAP + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("event_zstd does not decompress ({e})"))?;
    if out.len() as u64 > EVENT_CAP {
        return Err("event_zstd decompresses to more than 4 MiB".into());
    }
    Ok(out)
}
