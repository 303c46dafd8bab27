//! The engine's error type. Per-line problems are not errors: they are [`Warning`]s, counted and
//! reported while reading carries on (a malformed line never stops a scan).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::ProviderId;

/// Everything that can fail in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path we tried.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The directory for Burnbar's own data (the index) could not be created.
    #[error("cannot create the data directory {}: {}", path.display(), data_dir_reason(source))]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A price table could not be parsed.
    #[error("invalid price table {}: {msg}", path.display())]
    Prices {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        msg: String,
    },
    /// The index could not be opened or used.
    #[error("index {}: {source}", path.display())]
    Store {
        /// The index file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// An index query failed.
    #[error("index: {0}")]
    Sql(#[from] rusqlite::Error),
    /// `compare` named a model that has no calls in the period.
    #[error("no calls of a model matching {asked:?} in this period (models with calls: {known})")]
    NoSuchModel {
        /// What was asked.
        asked: String,
        /// The models that do have calls, comma-separated.
        known: String,
    },
    /// `compare` over a period without calls.
    #[error("no calls in this period")]
    NothingToCompare,
    /// The file watcher could not be set up.
    #[error("file watcher: {0}")]
    Watch(#[from] notify::Error),
    /// A thread could not be started.
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        /// The thread's name.
        name: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The index buckets days in another zone than the one a query asked for.
    #[error("the index counts days in {index}; sync with {asked} before reporting in it")]
    ZoneMismatch {
        /// The zone of the index's day numbers.
        index: String,
        /// The zone asked for.
        asked: String,
    },
    /// An unknown IANA time zone name.
    #[error("unknown time zone {0:?} (expected an IANA name such as Europe/Berlin)")]
    TimeZone(String),
    /// An invalid date or date range.
    #[error("{0}")]
    Date(String),
    /// The settings file could not be parsed or saved.
    #[error("settings {}: {msg}", path.display())]
    Settings {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        msg: String,
    },
    /// The settings file parsed but holds a value Burnbar cannot use.
    #[error("settings {}: {source}", path.display())]
    InvalidSettings {
        /// The file.
        path: PathBuf,
        /// Which value, and why.
        source: crate::settings::Invalid,
    },
}

impl Error {
    /// Wraps an SQLite error with the index path.
    pub fn store(path: &Path, source: rusqlite::Error) -> Error {
        Error::Store {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Error {
    /// True when the index itself failed (locked beyond the busy timeout, disk full, a damaged
    /// page, a schema that is not ours): what falling back to an in-memory index can route
    /// around. A log that cannot be read is never this: it is a [`FileError`].
    pub fn is_index_failure(&self) -> bool {
        matches!(self, Error::Store { .. } | Error::Sql(_))
    }

    /// True when the index failed because another process held its lock.
    pub fn is_index_busy(&self) -> bool {
        self.sqlite().is_some_and(crate::store::is_busy)
    }

    fn sqlite(&self) -> Option<&rusqlite::Error> {
        match self {
            Error::Store { source, .. } | Error::Sql(source) => Some(source),
            _ => None,
        }
    }
}

/// The on-disk index failed, and the run went on from a temporary in-memory one: the numbers
/// are complete (every log was read again), but history kept only by the index (calls whose
/// logs are gone) is missing, and nothing is saved for the next run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IndexFallback {
    /// The index that failed.
    #[serde(serialize_with = "crate::paths::lossy::path")]
    pub path: PathBuf,
    /// What happened, in words.
    pub reason: String,
}

impl IndexFallback {
    /// The fallback from `path` for `error`.
    pub fn new(path: &Path, error: &Error) -> IndexFallback {
        use rusqlite::ErrorCode::{
            DatabaseBusy, DatabaseCorrupt, DatabaseLocked, DiskFull, NotADatabase, ReadOnly,
        };
        let code = error.sqlite().and_then(rusqlite::Error::sqlite_error_code);
        let detail = error
            .sqlite()
            .map_or_else(|| error.to_string(), ToString::to_string);
        let reason = match code {
            Some(DiskFull) => "the disk is full".to_string(),
            Some(DatabaseBusy | DatabaseLocked) => {
                "another process kept it locked for more than 5 s".to_string()
            }
            Some(DatabaseCorrupt | NotADatabase) => {
                format!("it is damaged ({detail}); move it aside and the next run builds a new one")
            }
            Some(ReadOnly) => "it is read-only".to_string(),
            _ => detail,
        };
        IndexFallback {
            path: path.to_path_buf(),
            reason,
        }
    }
}

impl std::fmt::Display for IndexFallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "index {}: {}; using a temporary in-memory index",
            self.path.display(),
            self.reason
        )
    }
}

/// Why a data directory could not be created, in words (a file in its place reads as "File
/// exists" from the OS, which says nothing useful).
fn data_dir_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::{AlreadyExists, NotADirectory};
    match e.kind() {
        AlreadyExists | NotADirectory => {
            "a file is in the way (it or a parent is not a directory)".into()
        }
        _ => e.to_string(),
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of non-fatal problem a warning reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A line that is not a complete JSON object (torn write, garbage, merge marker).
    MalformedLine,
    /// A line made only of NUL bytes (pre-allocated or crash-padded file).
    NulPadding,
    /// A record that parsed but lacks something a call needs (e.g. a timestamp).
    InvalidRecord,
    /// A file whose content is not the tool's format (e.g. no Codex `session_meta`).
    NotAdmitted,
}

impl WarningKind {
    /// A short human phrase.
    pub fn describe(self) -> &'static str {
        match self {
            WarningKind::MalformedLine => "malformed lines",
            WarningKind::NulPadding => "NUL-padded lines",
            WarningKind::InvalidRecord => "records without a usable timestamp",
            WarningKind::NotAdmitted => "files not in the tool's format",
        }
    }
}

/// A non-fatal, per-line problem: the line was skipped and reading continued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The provider that was reading.
    pub provider: ProviderId,
    /// The file.
    pub path: PathBuf,
    /// 1-based line number, when known (0 for whole-file warnings).
    pub line: u64,
    /// What kind of problem.
    pub kind: WarningKind,
    /// Detail for `--verbose`.
    pub msg: String,
    /// The line is the file's unterminated last line: it is read again with whatever is
    /// appended to it, so it is not added to the file's running counts.
    pub tail: bool,
}

impl Warning {
    /// A problem with a whole file (a JSON document or database row that did not parse).
    pub fn whole_file(
        provider: ProviderId,
        path: &Path,
        kind: WarningKind,
        msg: impl Into<String>,
    ) -> Warning {
        Warning {
            provider,
            path: path.to_path_buf(),
            line: 0,
            kind,
            msg: msg.into(),
            tail: false,
        }
    }
}

/// A file we could not read: the run goes on without it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FileError {
    /// Which provider.
    pub provider: ProviderId,
    /// The file.
    #[serde(serialize_with = "crate::paths::lossy::path")]
    pub path: PathBuf,
    /// The error, naming the file.
    pub message: String,
}
