//! Providers: one per tool, all behind the same [`Provider`] trait.
//!
//! A provider knows where its tool keeps logs ([`Provider::roots`], [`Provider::discover`]),
//! which paths are its own ([`Provider::owns`], used to route file-watch events) and how to
//! turn a file into [`UsageEvent`]s ([`Provider::read`]). It parses and nothing else: it never
//! prices, classifies, aggregates, or reads the environment, the clock or `~` (everything
//! arrives through [`Paths`]). A malformed line becomes a [`Warning`] and reading continues; a
//! file that cannot be opened is an [`Error`](crate::Error) for that file only.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, Warning};
use crate::model::{ProviderId, UsageEvent};
use crate::paths::Paths;

pub mod aider;
pub mod amp;
pub mod claude_code;
pub mod cline;
pub mod cline_sdk;
pub mod codebuff;
pub mod codex;
pub mod copilot;
pub mod crush;
pub mod cursor;
pub mod cursor_agent;
pub mod droid;
mod fs;
pub mod gemini;
pub mod goose;
pub mod hermes;
pub mod jsonl;
pub mod kimi;
pub mod kiro;
pub mod openclaw;
pub mod opencode;
pub mod opencode_db;
pub mod pi;
pub mod qwen;
mod sqlite;
mod usage;
pub mod zed;

pub use fs::{Listing, Skipped};
pub(crate) use fs::{
    WholeFile, begin_scan, dirs_in, discover_under, is_jsonl, open_under, owned_under, walk_files,
};

/// A JSON document a tool rewrites whole (`file`, at most `cap` bytes), parsed as `T`. One
/// that does not parse (caught mid-rewrite: it is read again when it changes) is a counted
/// warning and `None`.
pub(crate) fn parse_document<'a, T: serde::Deserialize<'a>>(
    provider: ProviderId,
    file: &Path,
    bytes: &'a [u8],
    warnings: &mut Vec<Warning>,
) -> Option<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| {
            warnings.push(Warning::whole_file(
                provider,
                file,
                crate::error::WarningKind::MalformedLine,
                e.to_string(),
            ));
        })
        .ok()
}

/// A JSON array of records a tool rewrites whole: its elements that are objects, as `T`
/// (others are passed over). A document that is not an array does not parse: a counted
/// warning and `None`, as for [`parse_document`].
pub(crate) fn parse_objects<'a, T: serde::Deserialize<'a>>(
    provider: ProviderId,
    file: &Path,
    bytes: &'a [u8],
    warnings: &mut Vec<Warning>,
) -> Option<Vec<T>> {
    parse_document::<Vec<crate::lenient::Obj<T>>>(provider, file, bytes, warnings)
        .map(|all| all.into_iter().filter_map(|o| o.0).collect())
}

/// Where reading a file stopped, opaque to everything but the provider that wrote it.
///
/// For JSONL sources `offset` is the byte offset just past the last complete line, and `state`
/// is whatever decoder state the provider needs to resume there (Codex keeps its cumulative
/// counters). A file that shrank or was replaced is read again from [`Cursor::START`]; dedup
/// keys make that safe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Byte offset just past the last complete line consumed.
    pub offset: u64,
    /// Provider-specific decoder state (JSON), if any.
    pub state: Option<String>,
}

impl Cursor {
    /// The beginning of a file.
    pub const START: Cursor = Cursor {
        offset: 0,
        state: None,
    };
}

/// What one `read` produced.
#[derive(Debug, Default)]
pub struct Batch {
    /// Calls found.
    pub events: Vec<UsageEvent>,
    /// User prompts found: where turns begin (what the classifier needs of each, not its text).
    pub prompts: Vec<PromptMark>,
    /// Lines skipped, with why.
    pub warnings: Vec<Warning>,
    /// MCP tools sessions had loaded (Claude Code's `deferred_tools_delta` attachments):
    /// (session, tool name `mcp__<server>__<tool>`).
    pub mcp_tools: Vec<(String, String)>,
    /// Rate-limit windows the tool's server reported (Codex's `rate_limits`).
    pub limits: Vec<LimitMark>,
    /// Windows that ran out, as the tool wrote it into a session (Claude Code's limit
    /// messages).
    pub limit_hits: Vec<LimitHit>,
}

/// A usage window running out, as a tool wrote it into a session (metadata only: never the
/// message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitHit {
    /// Which account it concerns: the tool's home directory (a Claude config dir).
    pub home: String,
    /// `5h` or `weekly`.
    pub kind: &'static str,
    /// When the tool said so, UTC ms.
    pub at_ms: i64,
    /// When the window resets, UTC ms, when the message says.
    pub resets_at_ms: Option<i64>,
    /// A model the window is limited to (`opus`, `sonnet`), or empty for every model.
    pub scope: String,
}

/// A window kind as stored: `weekly`, else `5h`.
pub fn window_kind(s: &str) -> &'static str {
    if s == "weekly" { "weekly" } else { "5h" }
}

/// A rate-limit window as a tool's server reported it at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitMark {
    /// Which account it concerns: the tool's home directory (one per Codex home).
    pub home: String,
    /// `5h` or `weekly`.
    pub kind: &'static str,
    /// When it was reported, UTC ms.
    pub observed_ms: i64,
    /// Used, 0-100.
    pub used_percent: f64,
    /// The window's length in minutes, when reported.
    pub window_minutes: Option<i64>,
    /// When it resets, UTC ms, when reported.
    pub resets_at_ms: Option<i64>,
}

/// A user prompt: a turn of `session` begins at `timestamp_ms`. Calls of the session from then
/// until the next prompt (sub-agent calls included) belong to that turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptMark {
    /// Which tool.
    pub provider: ProviderId,
    /// The session, as the tool's calls name it.
    pub session_id: String,
    /// When the prompt was sent, UTC ms.
    pub timestamp_ms: i64,
    /// What the classifier needs of the prompt's text.
    pub sig: crate::classify::PromptSig,
}

impl PromptMark {
    /// A mark for a prompt's text (used here, then dropped).
    pub fn new(provider: ProviderId, session_id: &str, timestamp_ms: i64, text: &str) -> Self {
        PromptMark {
            provider,
            session_id: session_id.to_string(),
            timestamp_ms,
            sig: crate::classify::PromptSig::of(text),
        }
    }
}

/// What was looked at for one provider.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// Which provider.
    pub provider: ProviderId,
    /// Its roots, as searched.
    #[serde(serialize_with = "crate::paths::lossy::paths")]
    pub roots: Vec<PathBuf>,
    /// How many of the roots exist.
    pub roots_found: usize,
    /// Log files found.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// One tool's log reader.
pub trait Provider: Send + Sync {
    /// Which tool.
    fn id(&self) -> ProviderId;

    /// The directories that hold this tool's logs (existing or not): scanned and watched.
    fn roots(&self, paths: &Paths) -> Vec<PathBuf>;

    /// Every log file to read, in a deterministic order, each listed once, and what the
    /// search had to leave out (a directory it cannot list, a path too long to open).
    fn discover(&self, paths: &Paths) -> Listing;

    /// True when `path` is a file this provider reads (routes file-watch events).
    fn owns(&self, paths: &Paths, path: &Path) -> bool;

    /// Files this tool keeps inside projects other tools named (`projects`: the project paths
    /// the index knows), found by a full scan only (project directories are not watched):
    /// Aider's chat history in a repository. None by default.
    fn discover_in_projects(&self, _paths: &Paths, _projects: &[String]) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Reads `file` from `cursor`, appending calls and warnings to `batch`; returns the cursor
    /// to resume from next time.
    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor>;

    /// The source file a changed path belongs to (a watch event): itself for log files; an
    /// SQLite provider maps its `-wal` sidecar to the database.
    fn source_for(&self, paths: &Paths, changed: &Path) -> Option<PathBuf> {
        self.owns(paths, changed).then(|| changed.to_path_buf())
    }

    /// The files whose size and mtime make up `file`'s identity (an SQLite database changes
    /// through its `-wal` sidecar long before the database file itself does).
    fn identity_paths(&self, file: &Path) -> Vec<PathBuf> {
        vec![file.to_path_buf()]
    }

    /// True when the cursor is a byte offset into an append-only file, so a file that grew
    /// resumes from it and one that shrank restarts; false for cursors the provider
    /// interprets itself (a database's last-seen update time), which are handed back whenever
    /// the source changed.
    fn offset_cursor(&self) -> bool {
        true
    }

    /// True when `project` is a placeholder this tool records where it could not name the
    /// project's path (Gemini CLI names projects by a SHA-256 of their path). Calls filed under
    /// one are moved to the real project once [`Provider::resolve_projects`] finds it.
    fn is_placeholder_project(&self, _project: &str) -> bool {
        false
    }

    /// For each of this tool's placeholders among the `known` project names, the known name it
    /// stands for, as `(placeholder, project)`.
    fn resolve_projects<'a>(&self, _known: &'a [String]) -> Vec<(&'a str, &'a str)> {
        Vec::new()
    }
}

/// Every provider we ship.
pub fn all() -> Vec<Box<dyn Provider>> {
    vec![
        Box::new(claude_code::ClaudeCode),
        Box::new(codex::Codex),
        Box::new(gemini::Gemini),
        Box::new(opencode::OpenCode::default()),
        Box::new(opencode_db::OpenCodeDb::default()),
        Box::new(opencode_db::OpenCodeDb(ProviderId::Kilo)),
        Box::new(qwen::Qwen),
        Box::new(pi::Pi::default()),
        Box::new(copilot::Copilot),
        Box::new(cursor::CursorIde),
        Box::new(cline::ClineFamily(ProviderId::Cline)),
        Box::new(cline::ClineFamily(ProviderId::RooCode)),
        Box::new(cline::ClineFamily(ProviderId::KiloCode)),
        Box::new(cline_sdk::ClineSdk),
        Box::new(goose::Goose),
        Box::new(crush::Crush),
        Box::new(droid::Droid),
        Box::new(amp::Amp),
        Box::new(cursor_agent::CursorAgent),
        Box::new(aider::Aider),
        Box::new(zed::Zed),
        Box::new(kimi::Kimi),
        Box::new(hermes::Hermes),
        Box::new(pi::Pi(ProviderId::OpenClaw)),
        Box::new(openclaw::OpenClawDb),
        Box::new(kiro::Kiro),
        Box::new(kiro::KiroIde),
        Box::new(codebuff::Codebuff),
    ]
}
