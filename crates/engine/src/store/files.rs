//! The `files` table: one row per log file ever read, with its identity and cursor.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, params_from_iter};
use rustc_hash::FxHashMap;

use crate::model::ProviderId;
use crate::providers::Cursor;

/// What tells one version of a log file from another: device and inode (0 where the OS has
/// none), size in bytes and modification time (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileIdentity {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ms since the epoch.
    pub mtime_ms: i64,
}

impl FileIdentity {
    /// The same file (device and inode), whatever its content.
    pub fn same_file(&self, other: &FileIdentity) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }
}

/// A log file as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Row id (0 before the first write).
    pub id: i64,
    /// Which provider reads it.
    pub provider: ProviderId,
    /// Where it is.
    pub path: PathBuf,
    /// Its identity when last read.
    pub identity: FileIdentity,
    /// Where reading resumes.
    pub cursor: Cursor,
    /// The latest call timestamp seen in it (its merge rank).
    pub latest_ms: i64,
    /// Complete lines skipped so far: malformed, NUL padding, invalid records, not admitted.
    pub skipped: [u64; 4],
    /// How the unterminated last line was skipped, as an index into `skipped` (`None`: no
    /// such line, or it was read). It is read again with what follows it, so it is replaced,
    /// never added up.
    pub tail: Option<u8>,
    /// False once the file disappeared from disk (its calls stay).
    pub present: bool,
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn as_u64(n: i64) -> u64 {
    u64::from_ne_bytes(n.to_ne_bytes())
}

/// A path as the index keeps it: text when it is valid UTF-8 (every path in practice, and
/// readable in the `sqlite3` shell), else its raw bytes as a blob. Lossless, so no two files
/// ever share a key (a text "replacement" of two different undecodable names would).
fn path_value(p: &Path) -> Value {
    match p.to_str() {
        Some(text) => Value::Text(text.to_owned()),
        #[cfg(unix)]
        None => Value::Blob(std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()).to_vec()),
        #[cfg(not(unix))]
        None => Value::Text(p.to_string_lossy().into_owned()),
    }
}

/// The path [`path_value`] stored, from column `idx` of `r`.
fn path_from(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<PathBuf> {
    match r.get_ref(idx)? {
        ValueRef::Text(t) => Ok(PathBuf::from(String::from_utf8_lossy(t).into_owned())),
        #[cfg(unix)]
        ValueRef::Blob(b) => Ok(PathBuf::from(
            <OsString as std::os::unix::ffi::OsStringExt>::from_vec(b.to_vec()),
        )),
        other => Err(rusqlite::Error::InvalidColumnType(
            idx,
            "path".into(),
            other.data_type(),
        )),
    }
}

const SELECT: &str = "SELECT id, provider, path, dev, ino, size, mtime_ms, cursor, state,
        latest_ms, malformed, nul_padding, invalid, not_admitted, present, tail FROM files";

/// The path of file `id`, if stored.
pub fn path_of(conn: &Connection, id: i64) -> rusqlite::Result<Option<PathBuf>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT path FROM files WHERE id = ?1")?
        .query_row([id], |r| path_from(r, 0))
        .optional()
}

/// Every known file, by path. (A warm run loads thousands of these: the map key is the only
/// copy of the path; `FileRecord::path` is left empty and filled in when a file is planned.)
pub fn load_all(conn: &Connection) -> rusqlite::Result<FxHashMap<OsString, FileRecord>> {
    let mut stmt = conn.prepare(SELECT)?;
    let rows = stmt.query_map([], record)?;
    rows.map(|r| {
        r.map(|mut f| {
            let key = std::mem::take(&mut f.path).into_os_string();
            (key, f)
        })
    })
    .collect()
}

/// The known records of just these paths (a watch batch), by path.
pub fn load_some(
    conn: &Connection,
    paths: &[PathBuf],
) -> rusqlite::Result<FxHashMap<OsString, FileRecord>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE path = ?1"))?;
    let mut out = FxHashMap::default();
    for p in paths {
        let mut rows = stmt.query_map([path_value(p)], record)?;
        if let Some(f) = rows.next().transpose()? {
            out.insert(f.path.clone().into_os_string(), f);
        }
    }
    Ok(out)
}

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRecord> {
    let path = path_from(r, 2)?;
    Ok(FileRecord {
        id: r.get(0)?,
        provider: ProviderId::from_code(r.get(1)?).unwrap_or(ProviderId::ClaudeCode),
        path,
        identity: FileIdentity {
            dev: as_u64(r.get(3)?),
            ino: as_u64(r.get(4)?),
            size: as_u64(r.get(5)?),
            mtime_ms: r.get(6)?,
        },
        cursor: Cursor {
            offset: as_u64(r.get(7)?),
            state: r.get(8)?,
        },
        latest_ms: r.get(9)?,
        skipped: [
            as_u64(r.get(10)?),
            as_u64(r.get(11)?),
            as_u64(r.get(12)?),
            as_u64(r.get(13)?),
        ],
        present: r.get::<_, i64>(14)? != 0,
        tail: r
            .get::<_, Option<i64>>(15)?
            .and_then(|k| u8::try_from(k).ok()),
    })
}

/// A record's values in the order [`save`] and [`update`] bind them (`?1`..`?14`).
fn values(f: &FileRecord) -> [Value; 14] {
    [
        f.provider.code().into(),
        as_i64(f.identity.dev).into(),
        as_i64(f.identity.ino).into(),
        as_i64(f.identity.size).into(),
        f.identity.mtime_ms.into(),
        as_i64(f.cursor.offset).into(),
        f.cursor.state.clone().map_or(Value::Null, Value::Text),
        f.latest_ms.into(),
        as_i64(f.skipped[0]).into(),
        as_i64(f.skipped[1]).into(),
        as_i64(f.skipped[2]).into(),
        as_i64(f.skipped[3]).into(),
        i64::from(f.present).into(),
        f.tail.map_or(Value::Null, |k| Value::Integer(i64::from(k))),
    ]
}

/// Writes a file record; returns its id (assigned on first write).
pub fn save(conn: &Connection, f: &FileRecord) -> rusqlite::Result<i64> {
    let path = path_value(&f.path);
    conn.prepare_cached(
        "INSERT INTO files (provider, dev, ino, size, mtime_ms, cursor, state, latest_ms,
            malformed, nul_padding, invalid, not_admitted, present, tail, path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT(path) DO UPDATE SET provider = excluded.provider, dev = excluded.dev,
            ino = excluded.ino, size = excluded.size, mtime_ms = excluded.mtime_ms,
            cursor = excluded.cursor, state = excluded.state, latest_ms = excluded.latest_ms,
            malformed = excluded.malformed, nul_padding = excluded.nul_padding,
            invalid = excluded.invalid, not_admitted = excluded.not_admitted,
            present = excluded.present, tail = excluded.tail
         RETURNING id",
    )?
    .query_row(params_from_iter(values(f).into_iter().chain([path])), |r| {
        r.get(0)
    })
}

/// The id the next new file record gets: ids are handed out in memory before reading (so a
/// first scan's readers need not wait for thousands of inserts) and written by [`insert`].
pub fn next_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM files", [], |r| {
        r.get(0)
    })
}

/// Writes the record of a file the index does not know yet, under its id from [`next_id`].
pub fn insert(conn: &Connection, f: &FileRecord) -> rusqlite::Result<()> {
    let path = path_value(&f.path);
    conn.prepare_cached(
        "INSERT INTO files (provider, dev, ino, size, mtime_ms, cursor, state, latest_ms,
            malformed, nul_padding, invalid, not_admitted, present, tail, path, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params_from_iter(
        values(f).into_iter().chain([path, Value::Integer(f.id)]),
    ))?;
    Ok(())
}

/// Updates a stored file's record in place (by its id: `f.id` must come from [`save`] or
/// [`load_all`]); cheaper than [`save`], which looks the path up.
pub fn update(conn: &Connection, f: &FileRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE files SET provider = ?1, dev = ?2, ino = ?3, size = ?4, mtime_ms = ?5,
            cursor = ?6, state = ?7, latest_ms = ?8, malformed = ?9, nul_padding = ?10,
            invalid = ?11, not_admitted = ?12, present = ?13, tail = ?14
         WHERE id = ?15",
    )?
    .execute(params_from_iter(
        values(f).into_iter().chain([Value::Integer(f.id)]),
    ))?;
    Ok(())
}

/// Marks a file as gone from disk (its calls stay in the index).
pub fn mark_missing(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE files SET present = 0 WHERE path = ?1")?
        .execute([path_value(path)])?;
    Ok(())
}

/// Calls whose owning log file is gone: they exist only in the index now.
pub fn index_only_calls(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM calls WHERE owner_file IN (SELECT id FROM files WHERE present = 0)",
        [],
        |r| r.get::<_, i64>(0).map(as_u64),
    )
}

/// Skipped lines so far, by provider and kind: (provider, kind, lines, files).
pub fn skipped_summary(
    conn: &Connection,
) -> rusqlite::Result<Vec<(ProviderId, crate::error::WarningKind, u64, u64)>> {
    use crate::error::WarningKind as K;
    let mut out = Vec::new();
    for (slot, (column, kind)) in [
        ("malformed", K::MalformedLine),
        ("nul_padding", K::NulPadding),
        ("invalid", K::InvalidRecord),
        ("not_admitted", K::NotAdmitted),
    ]
    .into_iter()
    .enumerate()
    {
        // complete lines skipped, plus an unterminated last line of the file's current version
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT provider, sum({column} + (tail IS {slot})), count(*) FROM files
             WHERE {column} > 0 OR tail IS {slot}
             GROUP BY provider ORDER BY provider"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                ProviderId::from_code(r.get(0)?).unwrap_or(ProviderId::ClaudeCode),
                kind,
                as_u64(r.get(1)?),
                as_u64(r.get(2)?),
            ))
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    out.sort_by_key(|(p, k, _, _)| (*p, *k));
    Ok(out)
}
