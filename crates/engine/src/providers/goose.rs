//! Goose (Block's agent), from its session database.
//!
//! Read from Goose's own source: `crates/goose/src/config/paths.rs` (where: `GOOSE_PATH_ROOT`,
//! else the `etcetera` app strategy for "Block"/"goose"), `crates/goose/src/session/
//! session_manager.rs` (the `sessions` table and how its counters are written) and
//! `crates/goose/src/agents/` (the turn that adds each reply's usage to the `accumulated_*`
//! counters).
//!
//! **Where:** `sessions/sessions.db` in Goose's data directory: `$GOOSE_PATH_ROOT/data` when
//! set; else `$XDG_DATA_HOME/goose` (`~/.local/share/goose`) on Linux and macOS, with
//! `~/Library/Application Support/Block/goose` also looked at on macOS, and
//! `%APPDATA%\Block\goose\data` on Windows. Opened read-only (see `providers/sqlite.rs`).
//!
//! **Record shape:** `sessions(id, working_dir, created_at, updated_at, input_tokens,
//! output_tokens, total_tokens, accumulated_input_tokens, accumulated_output_tokens,
//! accumulated_total_tokens, accumulated_cost?, provider_name, model_config_json, …)`.
//! `input_tokens`/`output_tokens` are the last turn's; the `accumulated_*` counters are the
//! session's sums (databases from before they existed have only the first set, read in their
//! place). `updated_at` is SQLite `CURRENT_TIMESTAMP` text (UTC) or RFC 3339.
//!
//! **Token fields:** Goose's providers report the whole prompt as input (cached tokens
//! included) and keep no cache split in the session, so the sum is priced as fresh input;
//! `accumulated_cost` (newer Goose), when present, is the tool's own figure and is used
//! instead. Only sums exist: each session is **one record labelled `session-total`**, dated at
//! the session's `updated_at` (its last activity) and never spread over invented calls. As a
//! session grows, its record is replaced (same key) and moves to its new last day.
//!
//! **Model:** `model_config_json.model_name`, else `unknown`. **Project:** `working_dir`.
//! **Dedup key:** `goose:<session id>`. **Cursor:** none: the table is read again whenever the
//! database (or its WAL) changes; a few hundred rows.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Deserialize;

use super::Batch;
use super::sqlite::{SingleDb, columns, count, or, real, stamp, text};
use crate::error::{Warning, WarningKind};
use crate::lenient::Str;
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// The Goose provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Goose;

impl SingleDb for Goose {
    const ID: ProviderId = ProviderId::Goose;

    /// Where `sessions.db` may be.
    fn databases(&self, paths: &Paths) -> Vec<PathBuf> {
        let db = |data: PathBuf| data.join("sessions").join("sessions.db");
        if let Some(root) = &paths.goose_root {
            return vec![db(root.join("data"))];
        }
        let mut out = vec![db(paths.data_home.join("goose"))];
        if cfg!(target_os = "macos") {
            out.push(db(paths
                .home
                .join("Library/Application Support/Block/goose")));
        }
        if cfg!(windows) {
            out.push(db(paths.home.join("AppData/Roaming/Block/goose/data")));
        }
        out
    }

    fn read_db(&self, conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
        read_sessions(conn, file, batch)
    }
}

/// `model_config_json` (only what is read of it).
#[derive(Deserialize)]
struct ModelConfig<'a> {
    #[serde(default, borrow)]
    model_name: Str<'a>,
}

fn read_sessions(conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
    let Some(cols) = columns(conn, "sessions")? else {
        return Ok(()); // a database Goose has not set up yet
    };
    let input = or(
        &cols,
        "accumulated_input_tokens",
        or(&cols, "input_tokens", "NULL"),
    );
    let output = or(
        &cols,
        "accumulated_output_tokens",
        or(&cols, "output_tokens", "NULL"),
    );
    let cost = or(&cols, "accumulated_cost", "NULL");
    let model = or(&cols, "model_config_json", "NULL");
    let dir = or(&cols, "working_dir", "NULL");
    let updated = or(&cols, "updated_at", or(&cols, "created_at", "NULL"));
    let mut stmt = conn.prepare(&format!(
        "SELECT id, {dir}, {updated}, {input}, {output}, {cost}, {model} FROM sessions"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = text(r.get_ref(0)?) else {
            continue;
        };
        let tokens = Tokens {
            input: count(r.get_ref(3)?).unwrap_or(0),
            output: count(r.get_ref(4)?).unwrap_or(0),
            ..Tokens::default()
        };
        let reported = real(r.get_ref(5)?)
            .filter(|c| c.is_finite() && *c > 0.0)
            .map(Usd::from_dollars);
        if tokens.is_empty() && reported.is_none() {
            continue; // a session that never called a model
        }
        let Some(ts) = stamp(r.get_ref(2)?) else {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Goose,
                file,
                WarningKind::InvalidRecord,
                format!("session {id}: no usable updated_at"),
            ));
            continue;
        };
        let model = text(r.get_ref(6)?)
            .and_then(|j| {
                serde_json::from_str::<ModelConfig<'_>>(&j)
                    .ok()
                    .and_then(|m| m.model_name.non_empty().map(str::to_string))
            })
            .unwrap_or_else(|| "unknown".to_string());
        let project = text(r.get_ref(1)?)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        batch.events.push(UsageEvent {
            reported_cost: reported,
            session_total: true,
            ..UsageEvent::new(
                ProviderId::Goose,
                format!("goose:{id}"),
                ts,
                model,
                id,
                project,
                tokens,
            )
        });
    }
    Ok(())
}
