//! OpenCode, SQLite store (`opencode*.db`, newer OpenCode builds).
//!
//! **Where:** the OpenCode data dir (`OPENCODE_DATA_DIR`, else `$XDG_DATA_HOME/opencode`, else
//! `~/.local/share/opencode`), files `opencode*.db` directly in it.
//!
//! **Record shape:** tables `session(id, parent_id, directory, time_archived, …)` and
//! `message(id, session_id, time_created, time_updated, data)`, where `data` is the same JSON
//! as a file-layout message (see [`super::opencode`]): role, modelID, providerID, cost,
//! tokens, time, path.
//!
//! **Access:** opened read-only (`mode=ro`), never locked for writing, so reading while
//! OpenCode runs is safe; if SQLite cannot open it that way (a read-only directory without the
//! WAL's shared-memory file), it is opened `immutable=1`. The database changes through its
//! `-wal` sidecar first, so both files make up its identity.
//!
//! **Cursor:** the largest `time_updated` seen; each read takes messages updated since then
//! (messages are rewritten while they stream). Keys are `opencode:<session>:<message>`, the
//! same as the file layout, so a message seen in both counts once.
//!
//! **Newer schema:** current OpenCode (`packages/opencode/src/session/session.sql.ts`) adds a
//! `session_message(id, session_id, type, time_created, time_updated, data)` table, whose
//! assistant rows hold `model{id, providerID}`, `tokens`, `cost` and `time` (see
//! [`super::opencode`]'s `SessionMessageData`), and copies older `message` rows into it under
//! the same ids. Both tables are read; a message in both has one key and counts once. Columns
//! are looked up before they are read (`pragma_table_info`), so an older database without, say,
//! `session.time_archived` reads like any other. A message without `time.created` in its JSON
//! takes its row's `time_created`.
//!
//! **Sessions:** child sessions roll into their root. Archived sessions count: archiving hides
//! a session in OpenCode's list; the spend in it happened.
//!
//! **Kilo CLI** (Kilo Code's terminal agent, a fork of OpenCode) keeps the same schema in
//! `$XDG_DATA_HOME/kilo/kilo*.db` (`~/.local/share/kilo/kilo.db`); the same reader reads it as
//! its own tool, with keys `kilo:<session>:<message>`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::PromptMark;
use super::opencode::{
    MessageFile, Part, Parts, SessionMessageData, message_event, message_ms, root_session,
    session_message_event,
};
use super::sqlite::{columns, or, text};
use super::{Batch, Cursor, Provider};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::ProviderId;
use crate::paths::Paths;

/// An SQLite store in OpenCode's schema: OpenCode's own, or Kilo CLI's.
#[derive(Debug, Clone, Copy)]
pub struct OpenCodeDb(pub ProviderId);

impl Default for OpenCodeDb {
    fn default() -> Self {
        OpenCodeDb(ProviderId::OpenCode)
    }
}

impl OpenCodeDb {
    /// The directory its databases are in.
    fn dir(self, paths: &Paths) -> PathBuf {
        match self.0 {
            ProviderId::Kilo => paths.data_home.join("kilo"),
            _ => paths.opencode_data.clone(),
        }
    }

    /// What its database names and its keys begin with.
    fn prefix(self) -> &'static str {
        match self.0 {
            ProviderId::Kilo => "kilo",
            _ => "opencode",
        }
    }

    fn is_db(self, name: &str) -> bool {
        name.starts_with(self.prefix())
            && Path::new(name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("db"))
    }

    /// Relabels what the shared reader produced (as OpenCode's) as this tool's, from `from` on.
    fn relabel(self, batch: &mut Batch, from: (usize, usize, usize)) {
        if self.0 == ProviderId::OpenCode {
            return;
        }
        for e in &mut batch.events[from.0..] {
            e.provider = self.0;
            if let Some(rest) = e.key.strip_prefix("opencode:") {
                e.key = format!("{}:{rest}", self.prefix());
            }
        }
        for p in &mut batch.prompts[from.1..] {
            p.provider = self.0;
        }
        for w in &mut batch.warnings[from.2..] {
            w.provider = self.0;
        }
    }
}

impl Provider for OpenCodeDb {
    fn id(&self) -> ProviderId {
        self.0
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![self.dir(paths)]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        let Ok(entries) = std::fs::read_dir(self.dir(paths)) else {
            return crate::providers::Listing::default();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| self.is_db(n))
            })
            .collect();
        out.sort();
        out.into()
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        path.parent() == Some(self.dir(paths).as_path())
            && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                self.is_db(n) || n.strip_suffix("-wal").is_some_and(|d| self.is_db(d))
            })
    }

    fn source_for(&self, paths: &Paths, changed: &Path) -> Option<PathBuf> {
        if !self.owns(paths, changed) {
            return None;
        }
        let name = changed.file_name()?.to_str()?;
        Some(changed.with_file_name(name.strip_suffix("-wal").unwrap_or(name)))
    }

    fn identity_paths(&self, file: &Path) -> Vec<PathBuf> {
        super::sqlite::identity_paths(file)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let conn = super::sqlite::open_read_only(file)?;
        let since = i64::try_from(cursor.offset).unwrap_or(0);
        let from = (
            batch.events.len(),
            batch.prompts.len(),
            batch.warnings.len(),
        );
        let newest = read_messages(&conn, since, file, batch).map_err(|e| Error::store(file, e))?;
        self.relabel(batch, from);
        Ok(Cursor {
            offset: u64::try_from(newest.max(since)).unwrap_or(0),
            state: None,
        })
    }
}

/// A message's parts from the `part` table (none when the table or the row cannot be read).
fn db_parts(stmt: Option<&mut rusqlite::Statement<'_>>, message: &str) -> Parts {
    let mut out = Parts::default();
    let Some(stmt) = stmt else {
        return out;
    };
    let Ok(mut rows) = stmt.query([message]) else {
        return out;
    };
    while let Ok(Some(r)) = rows.next() {
        if let Ok(ValueRef::Text(b) | ValueRef::Blob(b)) = r.get_ref(0)
            && let Ok(part) = serde_json::from_slice::<Part>(b)
        {
            part.add_to(&mut out);
        }
    }
    out
}

struct Session {
    parent: Option<String>,
    directory: Option<String>,
}

/// Appends the calls of messages updated at or after `since`, from the `message` table and
/// the newer `session_message` table (a message in both has the same id, hence the same key,
/// and counts once); returns the newest update time seen.
fn read_messages(
    conn: &Connection,
    since: i64,
    file: &Path,
    batch: &mut Batch,
) -> rusqlite::Result<i64> {
    let read = Read {
        conn,
        sessions: read_sessions(conn)?,
        since,
        file,
    };
    let mut newest = since;
    if let Some(cols) = columns(conn, "message")? {
        read.message_table(&cols, &mut newest, batch)?;
    }
    if let Some(cols) = columns(conn, "session_message")? {
        read.session_message_table(&cols, &mut newest, batch)?;
    }
    Ok(newest)
}

/// What reading a database's message tables needs.
struct Read<'a> {
    conn: &'a Connection,
    /// Every session's parent and directory.
    sessions: HashMap<String, Session>,
    /// Rows updated at or after this are read.
    since: i64,
    /// The database (for warnings).
    file: &'a Path,
}

/// The session a session's calls count in: its root (a child session rolls up into it).
fn root_of(sessions: &HashMap<String, Session>, start: &str) -> String {
    root_session(start, |id| {
        sessions
            .get(id)
            .and_then(|s| s.parent.clone())
            .filter(|p| sessions.contains_key(p))
    })
}

fn directory_of<'a>(sessions: &'a HashMap<String, Session>, session: &str) -> Option<&'a str> {
    sessions.get(session).and_then(|s| s.directory.as_deref())
}

impl Read<'_> {
    /// The `message` table: `data` is the message as the file layout stores it.
    fn message_table(
        &self,
        cols: &[String],
        newest: &mut i64,
        batch: &mut Batch,
    ) -> rusqlite::Result<()> {
        let (conn, sessions, since) = (self.conn, &self.sessions, self.since);
        // older databases have no part table: their messages simply have no tool uses or prompts
        let mut parts_of = conn
            .prepare("SELECT data FROM part WHERE message_id = ?1 ORDER BY id")
            .ok();
        let mut parts = |message: &str| db_parts(parts_of.as_mut(), message);
        let (created, updated) = times(cols);
        let mut stmt = conn.prepare(&format!(
            "SELECT id, session_id, {created}, {updated}, data FROM message WHERE {updated} >= ?1"
        ))?;
        let mut rows = stmt.query([since])?;
        while let Some(r) = rows.next()? {
            let Some(row) = Row::of(r, newest)? else {
                continue;
            };
            let root_id = root_of(sessions, &row.session);
            let Some(m) = row.parse::<MessageFile>(self.file, batch) else {
                continue;
            };
            let directory = directory_of(sessions, &row.session);
            if let Some(mut e) = message_event(&m, root_id.clone(), &row.id, directory, row.created)
            {
                // the key names the message's own session, as the file layout does
                e.key = format!("opencode:{}:{}", row.session, row.id);
                e.tools = parts(&row.id).tools;
                batch.events.push(e);
            } else if m.is_user()
                && let (Some(ts), Some(text)) =
                    (message_ms(&m).or(row.created), parts(&row.id).text)
            {
                batch
                    .prompts
                    .push(PromptMark::new(ProviderId::OpenCode, &root_id, ts, &text));
            }
        }
        Ok(())
    }

    /// The `session_message` table: assistant rows are calls, user rows prompts.
    fn session_message_table(
        &self,
        cols: &[String],
        newest: &mut i64,
        batch: &mut Batch,
    ) -> rusqlite::Result<()> {
        let (conn, sessions, since) = (self.conn, &self.sessions, self.since);
        let (created, updated) = times(cols);
        let kind = or(cols, "type", "'assistant'");
        let mut stmt = conn.prepare(&format!(
            "SELECT id, session_id, {created}, {updated}, data, {kind} FROM session_message
         WHERE {updated} >= ?1 AND {kind} IN ('assistant', 'user')"
        ))?;
        let mut rows = stmt.query([since])?;
        while let Some(r) = rows.next()? {
            let Some(row) = Row::of(r, newest)? else {
                continue;
            };
            let is_user = r.get::<_, Option<String>>(5)?.as_deref() == Some("user");
            let root_id = root_of(sessions, &row.session);
            let Some(d) = row.parse::<SessionMessageData>(self.file, batch) else {
                continue;
            };
            if is_user {
                if let Some((ts, text)) = d.prompt(row.created) {
                    batch
                        .prompts
                        .push(PromptMark::new(ProviderId::OpenCode, &root_id, ts, text));
                }
            } else if let Some(mut e) = session_message_event(
                &d,
                root_id,
                &row.id,
                directory_of(sessions, &row.session),
                row.created,
            ) {
                e.key = format!("opencode:{}:{}", row.session, row.id);
                e.tools = d.tools();
                batch.events.push(e);
            }
        }
        Ok(())
    }
}

/// Every session's parent and directory. Archived sessions are read like any other: archiving
/// hides a session in OpenCode's list, and the spend in it happened.
fn read_sessions(conn: &Connection) -> rusqlite::Result<HashMap<String, Session>> {
    let mut sessions = HashMap::new();
    let Some(cols) = columns(conn, "session")? else {
        return Ok(sessions);
    };
    let parent = or(&cols, "parent_id", "NULL");
    let directory = or(&cols, "directory", "NULL");
    let mut stmt = conn.prepare(&format!("SELECT id, {parent}, {directory} FROM session"))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Session {
                parent: text(r.get_ref(1)?).filter(|p| !p.is_empty()),
                directory: text(r.get_ref(2)?),
            },
        ))
    })?;
    for row in rows {
        let (id, s) = row?;
        sessions.insert(id, s);
    }
    Ok(sessions)
}

/// The creation and update time columns of a message table (an update time is what the
/// cursor follows; without one every row is read each time, and keys keep that harmless).
fn times(cols: &[String]) -> (&'static str, &'static str) {
    let created = if cols.iter().any(|c| c == "time_created") {
        "time_created"
    } else {
        "NULL"
    };
    let updated = if cols.iter().any(|c| c == "time_updated") {
        "time_updated"
    } else if created == "NULL" {
        "0"
    } else {
        "time_created"
    };
    (created, updated)
}

/// The columns every message table shares: `id, session_id, created, updated, data`.
struct Row {
    id: String,
    session: String,
    created: Option<i64>,
    data: String,
}

impl Row {
    /// The row, raising `newest` to its update time; `None` for a row without an id, a
    /// session or data.
    fn of(r: &rusqlite::Row<'_>, newest: &mut i64) -> rusqlite::Result<Option<Row>> {
        let updated = match r.get_ref(3)? {
            ValueRef::Integer(t) => t,
            _ => 0,
        };
        *newest = (*newest).max(updated);
        let created = match r.get_ref(2)? {
            ValueRef::Integer(t) if t > 0 => Some(t),
            _ => None,
        };
        let (Some(id), Some(session), Some(data)) = (
            text(r.get_ref(0)?),
            text(r.get_ref(1)?),
            text(r.get_ref(4)?),
        ) else {
            return Ok(None);
        };
        Ok(Some(Row {
            id,
            session,
            created,
            data,
        }))
    }

    /// `data` as a `T`; a row that is not one is a counted warning.
    fn parse<'d, T: serde::Deserialize<'d>>(&'d self, file: &Path, batch: &mut Batch) -> Option<T> {
        match serde_json::from_str::<T>(&self.data) {
            Ok(v) => Some(v),
            Err(e) => {
                batch.warnings.push(self.malformed(file, &e));
                None
            }
        }
    }

    fn malformed(&self, file: &Path, e: &serde_json::Error) -> Warning {
        Warning::whole_file(
            ProviderId::OpenCode,
            file,
            WarningKind::MalformedLine,
            format!("message {}: {e}", self.id),
        )
    }
}
