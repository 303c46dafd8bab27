//! Zed's agent panel, from its threads database.
//!
//! Read from Zed's own source: `crates/agent/src/db.rs` (`ThreadsDatabase`: where, the
//! `threads` table, `DbThread` and its zstd-compressed JSON, the upgrade from the older
//! `SerializedThread` in `legacy_thread.rs`) and `crates/language_model` (`TokenUsage`).
//!
//! **Where:** `threads/threads.db` in Zed's data directory: `$XDG_DATA_HOME/zed`
//! (`~/.local/share/zed`) on Linux, `~/Library/Application Support/Zed` on macOS,
//! `%LOCALAPPDATA%\Zed` on Windows. Opened read-only.
//!
//! **Record shape:** `threads(id, summary, updated_at (RFC 3339), data_type ('json' |
//! 'zstd'), data, parent_id?, folder_paths?, folder_paths_order?, created_at?)`; `data` is a
//! `DbThread` (`version` "0.3.0": `title`, `messages`, `updated_at`, `cumulative_token_usage`,
//! `request_token_usage` (a map from user message id to usage), `model{provider, model}`,
//! `initial_project_snapshot{worktree_snapshots[{worktree_path}]}`) or an older
//! `SerializedThread` (`summary`, `request_token_usage` as a list) with the same
//! `cumulative_token_usage`.
//!
//! **Token fields:** `TokenUsage{input_tokens, output_tokens, cache_creation_input_tokens,
//! cache_read_input_tokens}`, Anthropic's semantics (fresh input; cache writes and reads
//! apart). `cumulative_token_usage` is the sum of every request of the thread; the per-message
//! entries hold one request each and the messages carry no times, so the sum is what is
//! counted: each thread is **one record labelled `session-total`**, dated at its `updated_at`,
//! replaced as the thread grows. A sub-agent's thread counts in its parent's session.
//!
//! **Model:** `model.model` (`provider` is Zed's provider id: `anthropic`, `zed.dev`, …), else
//! `unknown`. **Project:** the thread's first folder (`folder_paths`, one path a line), else its
//! first worktree, else `unknown`. **Dedup key:** `zed:<thread id>`. **Cursor:** none: the
//! threads are read again whenever the database (or its WAL) changes; a decompressed thread is
//! capped at 256 MiB.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Deserialize;

use super::Batch;
use super::sqlite::{SingleDb, columns, or, stamp, text};
use super::usage::AnthropicUsage;
use crate::error::{Warning, WarningKind};
use crate::lenient::{List, Obj, Str};
use crate::model::{ProviderId, UsageEvent};
use crate::paths::Paths;

/// The Zed provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Zed;

/// The most one thread's JSON may hold once decompressed.
const THREAD_CAP: u64 = 256 << 20;

impl SingleDb for Zed {
    const ID: ProviderId = ProviderId::Zed;

    fn databases(&self, paths: &Paths) -> Vec<PathBuf> {
        let data = if cfg!(target_os = "macos") {
            paths.home.join("Library/Application Support/Zed")
        } else if cfg!(windows) {
            paths.home.join("AppData/Local/Zed")
        } else {
            paths.data_home.join("zed")
        };
        vec![data.join("threads").join("threads.db")]
    }

    fn read_db(&self, conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
        read_threads(conn, file, batch)
    }
}

#[derive(Deserialize)]
struct Thread<'a> {
    #[serde(default)]
    cumulative_token_usage: Obj<AnthropicUsage>,
    #[serde(default, borrow)]
    model: Obj<Model<'a>>,
    #[serde(default, borrow)]
    initial_project_snapshot: Obj<Snapshot<'a>>,
}

#[derive(Deserialize)]
struct Model<'a> {
    #[serde(default, borrow)]
    model: Str<'a>,
}

#[derive(Deserialize)]
struct Snapshot<'a> {
    #[serde(default, borrow)]
    worktree_snapshots: List<Worktree<'a>>,
}

#[derive(Deserialize)]
struct Worktree<'a> {
    #[serde(default, borrow)]
    worktree_path: Str<'a>,
}

impl Thread<'_> {
    /// The first of the thread's folders (one path a line), else its first worktree.
    fn project(&self, folders: Option<String>) -> String {
        folders
            .and_then(|f| f.lines().next().map(str::to_string))
            .filter(|f| !f.is_empty())
            .or_else(|| {
                self.initial_project_snapshot.0.as_ref().and_then(|s| {
                    s.worktree_snapshots
                        .0
                        .iter()
                        .find_map(|w| w.worktree_path.non_empty().map(str::to_string))
                })
            })
            .unwrap_or_else(|| "unknown".to_string())
    }

    fn model(&self) -> String {
        self.model
            .0
            .as_ref()
            .and_then(|m| m.model.non_empty())
            .unwrap_or("unknown")
            .to_string()
    }
}

/// A thread's JSON, decompressed when it is stored as zstd.
fn thread_json(kind: Option<&str>, data: ValueRef<'_>) -> std::io::Result<Vec<u8>> {
    let (ValueRef::Blob(bytes) | ValueRef::Text(bytes)) = data else {
        return Err(std::io::Error::other("no data"));
    };
    if kind != Some("zstd") {
        return Ok(bytes.to_vec());
    }
    let mut source = bytes;
    let decoder = ruzstd::decoding::StreamingDecoder::new(&mut source)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    let mut out = Vec::new();
    decoder.take(THREAD_CAP + 1).read_to_end(&mut out)?;
    if out.len() as u64 > THREAD_CAP {
        return Err(std::io::Error::other("a thread larger than 256 MiB"));
    }
    Ok(out)
}

fn read_threads(conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
    let Some(cols) = columns(conn, "threads")? else {
        return Ok(());
    };
    let parent = or(&cols, "parent_id", "NULL");
    let folders = or(&cols, "folder_paths", "NULL");
    let mut stmt = conn.prepare(&format!(
        "SELECT id, updated_at, data_type, data, {parent}, {folders} FROM threads"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = text(r.get_ref(0)?) else {
            continue;
        };
        let warn = |batch: &mut Batch, kind, msg: String| {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Zed,
                file,
                kind,
                format!("thread {id}: {msg}"),
            ));
        };
        let kind = text(r.get_ref(2)?);
        let json = match thread_json(kind.as_deref(), r.get_ref(3)?) {
            Ok(j) => j,
            Err(e) => {
                warn(batch, WarningKind::MalformedLine, e.to_string());
                continue;
            }
        };
        let thread = match serde_json::from_slice::<Thread<'_>>(&json) {
            Ok(t) => t,
            Err(e) => {
                warn(batch, WarningKind::MalformedLine, e.to_string());
                continue;
            }
        };
        let Some(u) = &thread.cumulative_token_usage.0 else {
            continue;
        };
        let tokens = u.tokens();
        if tokens.is_empty() {
            continue;
        }
        let Some(ts) = stamp(r.get_ref(1)?) else {
            warn(
                batch,
                WarningKind::InvalidRecord,
                "no usable updated_at".into(),
            );
            continue;
        };
        let project = thread.project(text(r.get_ref(5)?));
        let model = thread.model();
        let session = text(r.get_ref(4)?)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| id.clone());
        batch.events.push(UsageEvent {
            session_total: true,
            ..UsageEvent::new(
                ProviderId::Zed,
                format!("zed:{id}"),
                ts,
                model,
                session,
                project,
                tokens,
            )
        });
    }
    Ok(())
}
