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
//! **Sessions:** archived sessions are skipped; child sessions roll into their root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::PromptMark;
use super::opencode::{MessageFile, Part, Parts, message_event, message_ms, root_session};
use super::{Batch, Cursor, Provider};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::ProviderId;
use crate::paths::Paths;

/// The OpenCode SQLite provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenCodeDb;

impl Provider for OpenCodeDb {
    fn id(&self) -> ProviderId {
        ProviderId::OpenCode
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.opencode_data.clone()]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        let Ok(entries) = std::fs::read_dir(&paths.opencode_data) else {
            return crate::providers::Listing::default();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(is_db))
            .collect();
        out.sort();
        out.into()
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        path.parent() == Some(paths.opencode_data.as_path())
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| is_db(n) || n.strip_suffix("-wal").is_some_and(is_db))
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
        let newest = read_messages(&conn, since, file, batch).map_err(|e| Error::store(file, e))?;
        Ok(Cursor {
            offset: u64::try_from(newest.max(since)).unwrap_or(0),
            state: None,
        })
    }
}

fn is_db(name: &str) -> bool {
    name.starts_with("opencode")
        && Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("db"))
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
    archived: bool,
}

/// Appends the calls of messages updated at or after `since`; returns the newest
/// `time_updated` seen.
fn read_messages(
    conn: &Connection,
    since: i64,
    file: &Path,
    batch: &mut Batch,
) -> rusqlite::Result<i64> {
    let mut sessions: HashMap<String, Session> = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, parent_id, directory, time_archived FROM session")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Session {
                parent: r.get::<_, Option<String>>(1)?.filter(|p| !p.is_empty()),
                directory: r.get::<_, Option<String>>(2)?,
                archived: r.get::<_, Option<i64>>(3)?.is_some_and(|t| t > 0),
            },
        ))
    })?;
    for row in rows {
        let (id, s) = row?;
        sessions.insert(id, s);
    }
    let root = |start: &str| {
        root_session(start, |id| {
            sessions
                .get(id)
                .and_then(|s| s.parent.clone())
                .filter(|p| sessions.contains_key(p))
        })
    };
    let mut newest = since;
    // older databases have no part table: their messages simply have no tool uses or prompts
    let mut parts_of = conn
        .prepare("SELECT data FROM part WHERE message_id = ?1 ORDER BY id")
        .ok();
    let mut parts = |message: &str| db_parts(parts_of.as_mut(), message);
    let mut stmt = conn.prepare(
        "SELECT id, session_id, time_updated, data FROM message WHERE time_updated >= ?1",
    )?;
    let mut rows = stmt.query([since])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let session: String = r.get(1)?;
        newest = newest.max(r.get::<_, Option<i64>>(2)?.unwrap_or(0));
        let data: String = r.get(3)?;
        let root_id = root(&session);
        let Some(root_session) = sessions.get(&root_id) else {
            continue;
        };
        if root_session.archived {
            continue;
        }
        match serde_json::from_str::<MessageFile>(&data) {
            Ok(m) => {
                let directory = sessions.get(&session).and_then(|s| s.directory.as_deref());
                if let Some(mut e) = message_event(&m, root_id.clone(), &id, directory) {
                    // the key names the message's own session, as the file layout does
                    e.key = format!("opencode:{session}:{id}");
                    e.tools = parts(&id).tools;
                    batch.events.push(e);
                } else if m.is_user()
                    && let (Some(ts), Some(text)) = (message_ms(&m), parts(&id).text)
                {
                    batch
                        .prompts
                        .push(PromptMark::new(ProviderId::OpenCode, &root_id, ts, &text));
                }
            }
            Err(e) => batch.warnings.push(Warning::whole_file(
                ProviderId::OpenCode,
                file,
                WarningKind::MalformedLine,
                format!("message {id}: {e}"),
            )),
        }
    }
    Ok(newest)
}
