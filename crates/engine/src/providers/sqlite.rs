//! Reading other tools' SQLite databases safely while they run.
//!
//! A database is opened read-only (`mode=ro`): we never take a write lock, never write WAL
//! frames, never checkpoint. If SQLite cannot open it that way (a read-only directory where
//! the WAL's shared-memory file cannot be created), it is opened `immutable=1`, which reads
//! the main file as it is. A database changes through its `-wal` sidecar long before the main
//! file does, so both make up its identity.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Opens `file` read-only; `immutable=1` when SQLite cannot open it that way.
pub(crate) fn open_read_only(file: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let uri = |extra: &str| format!("file:{}?mode=ro{extra}", file.to_string_lossy());
    let conn = Connection::open_with_flags(uri(""), flags)
        .and_then(|c| {
            // opening is lazy: touch the schema to find out whether reading works
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(c)
        })
        .or_else(|_| Connection::open_with_flags(uri("&immutable=1"), flags))
        .map_err(|e| Error::store(file, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(|e| Error::store(file, e))?;
    Ok(conn)
}

/// The files whose size and mtime identify a database's content: it and its `-wal`.
pub(crate) fn identity_paths(file: &Path) -> Vec<PathBuf> {
    let mut wal = file.as_os_str().to_os_string();
    wal.push("-wal");
    vec![file.to_path_buf(), PathBuf::from(wal)]
}
