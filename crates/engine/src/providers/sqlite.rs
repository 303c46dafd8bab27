//! Reading other tools' SQLite databases safely while they run.
//!
//! A database is opened read-only (`mode=ro`): we never take a write lock, never write WAL
//! frames, never checkpoint. If SQLite cannot open it that way (a read-only directory where
//! the WAL's shared-memory file cannot be created), it is opened `immutable=1`, which reads
//! the main file as it is. A database changes through its `-wal` sidecar long before the main
//! file does, so both make up its identity.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{Batch, Cursor, Listing};
use crate::error::{Error, Result};
use crate::model::ProviderId;
use crate::paths::Paths;

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

/// A table's columns, or `None` when the database has no such table. The tools' schemas move
/// over their versions, so a read names only columns it found.
pub(crate) fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Option<Vec<String>>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((!names.is_empty()).then_some(names))
}

/// `column` if `table_columns` has it, else `fallback` (an SQL expression).
pub(crate) fn or<'a>(table_columns: &[String], column: &'a str, fallback: &'a str) -> &'a str {
    if table_columns.iter().any(|c| c == column) {
        column
    } else {
        fallback
    }
}

/// A text value, whatever SQLite stored it as.
pub(crate) fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// A moment as a tool stored it: epoch seconds, ms, µs or ns, or a date-time text (ISO 8601,
/// or SQLite's `YYYY-MM-DD HH:MM:SS` in UTC), as UTC ms.
#[allow(clippy::cast_precision_loss)] // epoch values are far below 2^53 ms
pub(crate) fn stamp(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Integer(n) => crate::lenient::epoch_ms(n as f64),
        ValueRef::Real(f) => crate::lenient::epoch_ms(f),
        ValueRef::Text(b) => {
            let s = std::str::from_utf8(b).ok()?;
            crate::time::parse_timestamp_ms(s).or_else(|| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(crate::lenient::epoch_ms)
            })
        }
        _ => None,
    }
}

/// A non-negative count, whatever SQLite stored it as (`None` for NULL or a negative or
/// non-numeric value).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn count(v: ValueRef<'_>) -> Option<u64> {
    match v {
        ValueRef::Integer(n) => u64::try_from(n).ok(),
        ValueRef::Real(f) if f.is_finite() && f >= 0.0 => Some(f as u64),
        _ => None,
    }
}

/// A number, whatever SQLite stored it as.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn real(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A tool whose usage is one SQLite database at one of a few fixed places (Cursor, Goose,
/// Crush's per-project databases, Zed, Hermes Agent): everything a [`Provider`] needs but the
/// reading is here — listing, watch routing (the database or its `-wal` changed), identity
/// (both files), and a read-only connection; the database is read again whenever it changes.
///
/// [`Provider`]: super::Provider
pub(crate) trait SingleDb: Send + Sync {
    /// Which tool.
    const ID: ProviderId;

    /// Where the database may be (one or more candidates; those that exist are read).
    fn databases(&self, paths: &Paths) -> Vec<PathBuf>;

    /// Directories to watch besides the databases' own (a list the databases come from).
    fn extra_roots(&self, _paths: &Paths) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Appends the database's calls and warnings to `batch`.
    fn read_db(&self, conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()>;
}

impl<T: SingleDb> super::Provider for T {
    fn id(&self) -> ProviderId {
        T::ID
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        let mut roots = self.extra_roots(paths);
        roots.extend(
            self.databases(paths)
                .iter()
                .filter_map(|d| d.parent().map(Path::to_path_buf)),
        );
        roots
    }

    fn discover(&self, paths: &Paths) -> Listing {
        self.databases(paths)
            .into_iter()
            .filter(|f| f.is_file())
            .collect::<Vec<_>>()
            .into()
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        self.source_for(paths, path).is_some()
    }

    fn source_for(&self, paths: &Paths, changed: &Path) -> Option<PathBuf> {
        self.databases(paths).into_iter().find(|db| {
            changed == db.as_path() || identity_paths(db).get(1).is_some_and(|w| w == changed)
        })
    }

    fn identity_paths(&self, file: &Path) -> Vec<PathBuf> {
        identity_paths(file)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let conn = open_read_only(file)?;
        self.read_db(&conn, file, batch)
            .map_err(|e| Error::store(file, e))?;
        Ok(Cursor::START)
    }
}
