//! Hermes Agent (Nous Research), from its state database.
//!
//! Read from Hermes' own source: `hermes_constants.py` (`get_hermes_home`: `HERMES_HOME`, else
//! `~/.hermes`), `hermes_state.py` (`state.db` there, WAL mode) and `hermes_state_usage.py`
//! (how each API call's usage is added to its session's counters: `input_tokens`,
//! `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `reasoning_tokens`,
//! `estimated_cost_usd`, `actual_cost_usd`, `api_call_count`, `model`, `billing_provider`).
//!
//! **Where:** `$HERMES_HOME/state.db`, else `~/.hermes/state.db`. Opened read-only.
//!
//! **Token fields:** the session's sums, Anthropic's semantics (fresh input; cache reads and
//! writes apart; reasoning informational). Only sums are kept per session (a day's sums in
//! newer builds' `session_daily_usage`, keyed by the writer's local date, are not used: a
//! local date without its zone cannot be placed exactly), so each session is **one record
//! labelled `session-total`** dated at its last activity (`ended_at`, else the newest
//! message, else `started_at`; epoch seconds). `actual_cost_usd` — what the provider billed,
//! when Hermes learnt it — is used when present; else the tokens are priced from the table.
//!
//! **Model:** `model`, else `unknown`. **Project:** the session's `cwd` when the schema has
//! one, else its `source` (`cli`, `telegram`, …) as `hermes:<source>`. **Dedup key:**
//! `hermes:<session id>`. **Cursor:** none: the sessions are read again whenever the database
//! (or its WAL) changes.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::Batch;
use super::sqlite::{SingleDb, columns, count, or, real, stamp, text};
use crate::error::{Warning, WarningKind};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// The Hermes Agent provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hermes;

impl SingleDb for Hermes {
    const ID: ProviderId = ProviderId::Hermes;

    fn databases(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.hermes_home.join("state.db")]
    }

    fn read_db(&self, conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
        read_sessions(conn, file, batch)
    }
}

/// The query over `sessions` for the columns this database has (`None` without the table).
fn select(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let Some(cols) = columns(conn, "sessions")? else {
        return Ok(None);
    };
    let c = |name: &'static str| or(&cols, name, "NULL");
    let newest_message = match columns(conn, "messages")? {
        Some(m) if m.iter().any(|c| c == "timestamp") && m.iter().any(|c| c == "session_id") => {
            "(SELECT MAX(timestamp) FROM messages WHERE session_id = sessions.id)"
        }
        _ => "NULL",
    };
    let last = format!(
        "COALESCE({}, {newest_message}, {})",
        c("ended_at"),
        c("started_at")
    );
    let has = |name: &str| cols.iter().any(|n| n == name);
    let project = if has("cwd") {
        "cwd"
    } else if has("source") {
        "'hermes:' || source"
    } else {
        "NULL"
    };
    Ok(Some(format!(
        "SELECT id, {last}, {}, {}, {}, {}, {}, {}, {}, {project} FROM sessions",
        c("input_tokens"),
        c("output_tokens"),
        c("cache_read_tokens"),
        c("cache_write_tokens"),
        c("reasoning_tokens"),
        c("actual_cost_usd"),
        c("model"),
    )))
}

fn read_sessions(conn: &Connection, file: &Path, batch: &mut Batch) -> rusqlite::Result<()> {
    let Some(sql) = select(conn)? else {
        return Ok(());
    };
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = text(r.get_ref(0)?) else {
            continue;
        };
        let n = |i: usize| r.get_ref(i).ok().and_then(count).unwrap_or(0);
        let tokens = Tokens {
            input: n(2),
            output: n(3),
            cache_read: n(4),
            cache_write_5m: n(5),
            reasoning: n(6),
            ..Tokens::default()
        };
        let actual = real(r.get_ref(7)?)
            .filter(|c| c.is_finite() && *c > 0.0)
            .map(Usd::from_dollars);
        if tokens.is_empty() && actual.is_none() {
            continue;
        }
        let Some(ts) = stamp(r.get_ref(1)?) else {
            batch.warnings.push(Warning::whole_file(
                ProviderId::Hermes,
                file,
                WarningKind::InvalidRecord,
                format!("session {id}: no usable time"),
            ));
            continue;
        };
        batch.events.push(UsageEvent {
            reported_cost: actual,
            session_total: true,
            ..UsageEvent::new(
                ProviderId::Hermes,
                format!("hermes:{id}"),
                ts,
                text(r.get_ref(8)?)
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "unknown".to_string()),
                id,
                text(r.get_ref(9)?)
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| "unknown".to_string()),
                tokens,
            )
        });
    }
    Ok(())
}
