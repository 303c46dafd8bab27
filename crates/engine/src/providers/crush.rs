//! Crush (Charm's agent), from each project's database.
//!
//! Read from Crush's own source: `internal/projects/projects.go` (the project list),
//! `internal/config/` (`GlobalConfigData`: the global data directory; each project's data
//! directory), `internal/db/migrations/` and `internal/db/sessions.sql.go` (the `sessions` and
//! `messages` tables), `internal/agent/agent.go` (`updateSessionTokenCounters`) and
//! `internal/agent/coordinator.go` (a sub-agent's cost added to its parent).
//!
//! **Where:** `projects.json` in Crush's global data directory (`CRUSH_GLOBAL_DATA`, else
//! `$XDG_DATA_HOME/crush`, `~/.local/share/crush`) lists `{projects: [{path, data_dir,
//! last_accessed}]}`; each project's database is `<data_dir>/crush.db` (`data_dir` is usually
//! `<path>/.crush`; a relative one is taken from the project's path). Opened read-only.
//!
//! **Record shape:** `sessions(id, parent_session_id, title, message_count, prompt_tokens,
//! completion_tokens, cost, updated_at, created_at, …)`, times in epoch **seconds**;
//! `messages(session_id, role, model, provider, created_at, …)`.
//!
//! **What the fields mean:** `cost` is cumulative: each step adds its cost, and a sub-agent's
//! session adds its cost to its parent's. `prompt_tokens` and `completion_tokens` are
//! *overwritten* by each step with that step's counts: they are not the session's sums, so
//! they are not counted (they would undercount by the number of steps). So each top-level
//! session is **one record labelled `session-total`** carrying Crush's own cost, dated at its
//! `updated_at`, with no tokens; sub-agent sessions are skipped (their cost is in their
//! parent's). A session with no cost (a free or local model) has nothing to count.
//!
//! **Model:** the session's last assistant message's `model`, else `unknown`. **Project:** the
//! project path from `projects.json`. **Dedup key:** `crush:<session id>`. **Cursor:** none:
//! the sessions are read again whenever the database (or its WAL) changes.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Deserialize;

use super::Batch;
use super::sqlite::{SingleDb, columns, or, real, stamp, text};
use crate::error::{Warning, WarningKind};
use crate::lenient::{List, Str};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// The Crush provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Crush;

/// `projects.json`.
#[derive(Deserialize)]
struct ProjectList<'a> {
    #[serde(default, borrow)]
    projects: List<Project<'a>>,
}

#[derive(Deserialize)]
struct Project<'a> {
    #[serde(default, borrow)]
    path: Str<'a>,
    #[serde(default, borrow)]
    data_dir: Str<'a>,
}

impl Crush {
    /// Every project's `(database, project path)`, from `projects.json`.
    fn projects(paths: &Paths) -> Vec<(PathBuf, String)> {
        let file = paths.crush_data.join("projects.json");
        let Ok(bytes) = crate::untrusted::read_capped(&file, crate::untrusted::SIDECAR_CAP) else {
            return Vec::new();
        };
        let Ok(list) = serde_json::from_slice::<ProjectList<'_>>(&bytes) else {
            return Vec::new();
        };
        let mut out: Vec<(PathBuf, String)> = list
            .projects
            .0
            .iter()
            .filter_map(|p| {
                let path = p.path.non_empty()?;
                let data = p.data_dir.non_empty().unwrap_or(".crush");
                let dir = Path::new(path).join(data); // an absolute data_dir replaces `path`
                Some((dir.join("crush.db"), path.to_string()))
            })
            .collect();
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}

impl SingleDb for Crush {
    const ID: ProviderId = ProviderId::Crush;

    fn databases(&self, paths: &Paths) -> Vec<PathBuf> {
        Crush::projects(paths)
            .into_iter()
            .map(|(db, _)| db)
            .collect()
    }

    fn extra_roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.crush_data.clone()]
    }

    fn read_db(&self, conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
        // the project is the directory that holds the data directory
        let project = file
            .parent()
            .and_then(Path::parent)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        read_sessions(conn, file, &project, batch)
    }
}

fn read_sessions(
    conn: &Connection,
    file: &Path,
    project: &str,
    batch: &mut Batch,
) -> rusqlite::Result<()> {
    let Some(cols) = columns(conn, "sessions")? else {
        return Ok(());
    };
    let parent = or(&cols, "parent_session_id", "NULL");
    let updated = or(&cols, "updated_at", or(&cols, "created_at", "NULL"));
    let cost = or(&cols, "cost", "NULL");
    let model = match columns(conn, "messages")? {
        Some(m) if m.iter().any(|c| c == "model") => {
            let order = or(&m, "created_at", "rowid");
            format!(
                "(SELECT model FROM messages WHERE session_id = sessions.id AND role = 'assistant'
                  AND model IS NOT NULL AND model != '' ORDER BY {order} DESC LIMIT 1)"
            )
        }
        _ => "NULL".to_string(),
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT id, {parent}, {updated}, {cost}, {model} FROM sessions"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = text(r.get_ref(0)?) else {
            continue;
        };
        if text(r.get_ref(1)?).is_some_and(|p| !p.is_empty()) {
            continue; // a sub-agent: its cost is in its parent's
        }
        let Some(cost) = real(r.get_ref(3)?).filter(|c| c.is_finite() && *c > 0.0) else {
            continue;
        };
        let Some(ts) = stamp(r.get_ref(2)?) else {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Crush,
                file,
                WarningKind::InvalidRecord,
                format!("session {id}: no usable updated_at"),
            ));
            continue;
        };
        let model = text(r.get_ref(4)?).unwrap_or_else(|| "unknown".to_string());
        batch.events.push(UsageEvent {
            reported_cost: Some(Usd::from_dollars(cost)),
            session_total: true,
            ..UsageEvent::new(
                ProviderId::Crush,
                format!("crush:{id}"),
                ts,
                model,
                id,
                project.to_string(),
                Tokens::default(),
            )
        });
    }
    Ok(())
}
