//! The rollups reports read, rebuilt per session after each ingest:
//!
//! - `slices`: calls summed per (day, session, model, project, activity category), with turn
//!   counts;
//! - `tool_slices`: tool uses per (session, day, project, kind, name): core tools, shell
//!   programs, MCP servers, skills, sub-agent types and git branches.
//!
//! The rule that makes them is [`crate::rollup::session`] (pure); this module loads a
//! session's prompts and calls, hands them over, and writes the rows it returns.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rusqlite::{Connection, params};

use super::calls::{AUTHORITATIVE, SELF_CORRECTION, SUPPLEMENTARY};
use super::codec::decode_tools;
use crate::aggregate::{Slice, Totals, TurnStats};
use crate::classify::{Category, PromptSig};
use crate::model::{CostSource, ProviderId, Tokens, Usd};
use crate::rollup::{SessionCall, SessionRollup};
pub use crate::rollup::{ToolKind, ToolSlice};
use crate::time::{date_of_day_number, day_number_at};

/// One stored call, as the rollup needs it.
struct Row {
    ts: i64,
    day: i64,
    model: i64,
    project: i64,
    provider: i64,
    flags: i64,
    tokens: [i64; 7],
    cost: Option<i64>,
    source: i64,
    /// The stored form ([`super::codec`]), decoded when used: a full rebuild holds
    /// every call at once.
    tools: Option<String>,
    branch: Option<String>,
    id: i64,
}

impl Row {
    /// The call as the rollup takes it (tool uses decoded here, one session at a time).
    fn to_call(&self) -> SessionCall {
        let k = self.tokens.map(u);
        SessionCall {
            ts_ms: self.ts,
            day: self.day,
            model: self.model,
            project: self.project,
            provider: provider_of(self.provider),
            tokens: Tokens {
                input: k[0],
                output: k[1],
                cache_read: k[2],
                cache_write_5m: k[3],
                cache_write_1h: k[4],
                reasoning: k[5],
                web_search_requests: k[6],
            },
            cost: self.cost.map(Usd),
            cost_source: CostSource::from_code(self.source),
            supplementary: self.flags & SUPPLEMENTARY != 0,
            authoritative: self.flags & AUTHORITATIVE != 0,
            self_correction: self.flags & SELF_CORRECTION != 0,
            tools: decode_tools(self.tools.as_deref()),
            branch: self.branch.clone(),
        }
    }
}

fn provider_of(code: i64) -> ProviderId {
    ProviderId::from_code(code).unwrap_or(ProviderId::ClaudeCode)
}

/// Rolls up one session's calls (sorted by time, then id).
fn roll_up(prompts: &[(i64, PromptSig)], rows: &[Row]) -> SessionRollup {
    let calls: Vec<SessionCall> = rows.iter().map(Row::to_call).collect();
    crate::rollup::session(prompts, &calls)
}

/// Rebuilds the rollup rows of the given sessions.
pub fn rebuild_sessions(
    conn: &Connection,
    sessions: impl IntoIterator<Item = i64>,
) -> rusqlite::Result<()> {
    let mut del = conn.prepare_cached("DELETE FROM slices WHERE session_id = ?1")?;
    let mut del_tools = conn.prepare_cached("DELETE FROM tool_slices WHERE session_id = ?1")?;
    for s in sessions {
        del.execute([s])?;
        del_tools.execute([s])?;
        rebuild_session(conn, s)?;
    }
    Ok(())
}

/// Rebuilds the whole rollup: one scan of the calls and one of the prompts, grouped by session
/// here (per-session queries would look every call up through the session index).
pub fn rebuild_all(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM slices", [])?;
    conn.execute("DELETE FROM tool_slices", [])?;
    let mut calls: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
    let mut stmt = conn.prepare(&format!("SELECT {ROW_COLUMNS}, session_id FROM calls"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        calls.entry(r.get(18)?).or_default().push(row(r)?);
    }
    let mut prompts: rustc_hash::FxHashMap<i64, Vec<(i64, PromptSig)>> =
        rustc_hash::FxHashMap::default();
    let mut stmt =
        conn.prepare("SELECT session_id, ts_ms, sig FROM turns ORDER BY session_id, ts_ms")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        prompts
            .entry(r.get(0)?)
            .or_default()
            .push((r.get(1)?, PromptSig::decode(r.get_ref(2)?.as_str()?)));
    }
    // sessions roll up independently: on both cores, then one writer
    let none = Vec::new();
    let rolled: Vec<(i64, SessionRollup)> = calls
        .into_par_iter()
        .map(|(session, mut rows)| {
            rows.sort_by_key(|r| (r.ts, r.id));
            let prompts = prompts.get(&session).unwrap_or(&none);
            (session, roll_up(prompts, &rows))
        })
        .collect();
    for (session, rollup) in rolled {
        write_rollup(conn, session, rollup)?;
    }
    Ok(())
}

/// The columns [`row`] reads.
const ROW_COLUMNS: &str = "ts_ms, day, model_id, project_id, provider, flags, input, output,
    cache_read, cache_write_5m, cache_write_1h, reasoning, web_search, cost, cost_source, tools,
    branch, id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        ts: r.get(0)?,
        day: r.get(1)?,
        model: r.get(2)?,
        project: r.get(3)?,
        provider: r.get(4)?,
        flags: r.get(5)?,
        tokens: [
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
            r.get(12)?,
        ],
        cost: r.get(13)?,
        source: r.get(14)?,
        tools: r.get(15)?,
        branch: r.get(16)?,
        id: r.get(17)?,
    })
}

fn rebuild_session(conn: &Connection, session: i64) -> rusqlite::Result<()> {
    let (prompts, rows) = load_session(conn, session)?;
    if rows.is_empty() {
        return Ok(());
    }
    write_rollup(conn, session, roll_up(&prompts, &rows))
}

/// A session's prompts and calls, each in time order.
#[allow(clippy::type_complexity)]
fn load_session(
    conn: &Connection,
    session: i64,
) -> rusqlite::Result<(Vec<(i64, PromptSig)>, Vec<Row>)> {
    let prompts: Vec<(i64, PromptSig)> = conn
        .prepare_cached("SELECT ts_ms, sig FROM turns WHERE session_id = ?1 ORDER BY ts_ms")?
        .query_map([session], |r| {
            Ok((r.get(0)?, PromptSig::decode(&r.get::<_, String>(1)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let rows: Vec<Row> = conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM calls WHERE session_id = ?1 ORDER BY ts_ms, id"
        ))?
        .query_map([session], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((prompts, rows))
}

fn write_rollup(conn: &Connection, session: i64, r: SessionRollup) -> rusqlite::Result<()> {
    write_slices(conn, session, r.slices)?;
    write_tools(conn, session, r.tools)
}

fn write_slices(
    conn: &Connection,
    session: i64,
    slices: BTreeMap<crate::rollup::SliceKey, crate::rollup::SliceSums>,
) -> rusqlite::Result<()> {
    let mut ins = conn.prepare_cached(
        "INSERT INTO slices (day, session_id, model_id, project_id, category, provider, calls,
            input, output, cache_read, cache_write_5m, cache_write_1h, reasoning, web_search,
            cost, unpriced_calls, estimated_cost, cost_source, first_ms, last_ms, turns,
            edit_turns, one_shot_turns, retries, edit_cost, self_corrections, tool_uses,
            session_total_cost, reported_cost)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
    )?;
    for ((day, model, project, category), sums) in slices {
        let t = &sums.totals;
        let k = &t.tokens;
        ins.execute(params![
            day,
            session,
            model,
            project,
            category.code(),
            sums.provider.code(),
            i(t.calls),
            i(k.input),
            i(k.output),
            i(k.cache_read),
            i(k.cache_write_5m),
            i(k.cache_write_1h),
            i(k.reasoning),
            i(k.web_search_requests),
            t.cost.micros(),
            i(t.unpriced_calls),
            t.estimated_cost.micros(),
            t.cost_source.map_or(0, CostSource::code),
            sums.first_ms,
            sums.last_ms,
            i(t.turns.turns),
            i(t.turns.edit_turns),
            i(t.turns.one_shot_turns),
            i(t.turns.retries),
            t.turns.edit_cost.micros(),
            i(t.turns.self_corrections),
            i(t.turns.tool_uses),
            t.session_total_cost.micros(),
            t.reported_cost.micros(),
        ])?;
    }
    Ok(())
}

fn write_tools(
    conn: &Connection,
    session: i64,
    tools: BTreeMap<crate::rollup::ToolKey, crate::rollup::ToolSums>,
) -> rusqlite::Result<()> {
    let mut ins = conn.prepare_cached(
        "INSERT INTO tool_slices (day, session_id, project_id, provider, kind, name, calls,
            cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for ((day, project, kind, name), sums) in tools {
        ins.execute(params![
            day,
            session,
            project,
            sums.provider.code(),
            kind.code(),
            name,
            i(sums.uses),
            sums.cost.micros()
        ])?;
    }
    Ok(())
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn u(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Rollup rows for days in `[from, to]` (day numbers, inclusive).
pub fn query(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<Slice>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.day, s.provider, m.name, p.name, ss.name, s.calls, s.input, s.output,
                s.cache_read, s.cache_write_5m, s.cache_write_1h, s.reasoning, s.web_search,
                s.cost, s.unpriced_calls, s.estimated_cost, s.cost_source, s.first_ms, s.last_ms,
                s.category, s.turns, s.edit_turns, s.one_shot_turns, s.retries, s.edit_cost,
                s.self_corrections, s.tool_uses, s.session_total_cost, s.reported_cost
         FROM slices s JOIN models m ON m.id = s.model_id JOIN projects p ON p.id = s.project_id
              JOIN sessions ss ON ss.id = s.session_id
         WHERE s.day BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok(Slice {
            day: date_of_day_number(r.get(0)?),
            provider: provider_of(r.get(1)?),
            model: r.get(2)?,
            project: r.get(3)?,
            session: r.get(4)?,
            category: Category::from_code(r.get(19)?),
            totals: Totals {
                calls: u(r.get(5)?),
                tokens: Tokens {
                    input: u(r.get(6)?),
                    output: u(r.get(7)?),
                    cache_read: u(r.get(8)?),
                    cache_write_5m: u(r.get(9)?),
                    cache_write_1h: u(r.get(10)?),
                    reasoning: u(r.get(11)?),
                    web_search_requests: u(r.get(12)?),
                },
                cost: Usd(r.get(13)?),
                unpriced_calls: u(r.get(14)?),
                estimated_cost: Usd(r.get(15)?),
                session_total_cost: Usd(r.get(27)?),
                reported_cost: Usd(r.get(28)?),
                cost_source: Some(CostSource::from_code(r.get(16)?)),
                turns: TurnStats {
                    turns: u(r.get(20)?),
                    edit_turns: u(r.get(21)?),
                    one_shot_turns: u(r.get(22)?),
                    retries: u(r.get(23)?),
                    edit_cost: Usd(r.get(24)?),
                    self_corrections: u(r.get(25)?),
                    tool_uses: u(r.get(26)?),
                },
            },
            first_ms: r.get(17)?,
            last_ms: r.get(18)?,
        })
    })?;
    rows.collect()
}

/// Tool uses summed over the days in `[from, to]`, per tool, project, kind and name. (Summed
/// here rather than by a SQL `GROUP BY`, whose sort costs ten times the scan.)
pub fn query_tools(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<ToolSlice>> {
    let mut stmt = conn.prepare_cached(
        "SELECT provider, project_id, kind, name, calls, cost FROM tool_slices
         WHERE day BETWEEN ?1 AND ?2",
    )?;
    let mut names: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    let mut sums: rustc_hash::FxHashMap<(i64, i64, i64, usize), (i64, i64)> =
        rustc_hash::FxHashMap::default();
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let name = r.get_ref(3)?.as_str()?;
        let n = match names.get(name) {
            Some(n) => *n,
            None => {
                let n = names.len();
                names.insert(name.to_string(), n);
                n
            }
        };
        let slot = sums
            .entry((r.get(0)?, r.get(1)?, r.get(2)?, n))
            .or_insert((0, 0));
        slot.0 += r.get::<_, i64>(4)?;
        slot.1 += r.get::<_, i64>(5)?;
    }
    let mut by_index = vec![String::new(); names.len()];
    for (name, n) in names {
        by_index[n] = name;
    }
    let mut project = conn.prepare_cached("SELECT name FROM projects WHERE id = ?1")?;
    let mut projects: rustc_hash::FxHashMap<i64, String> = rustc_hash::FxHashMap::default();
    let mut out = Vec::with_capacity(sums.len());
    for ((provider, project_id, kind, n), (uses, cost)) in sums {
        let name = match projects.entry(project_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.get().clone(),
            std::collections::hash_map::Entry::Vacant(v) => v
                .insert(project.query_row([project_id], |r| r.get::<_, String>(0))?)
                .clone(),
        };
        out.push(ToolSlice {
            provider: provider_of(provider),
            project: name,
            kind: ToolKind::from_code(kind),
            name: by_index[n].clone(),
            uses: u(uses),
            cost: Usd(cost),
        });
    }
    Ok(out)
}

/// Re-buckets every call into days of `tz` (the report zone changed).
pub fn reday_all(conn: &Connection, tz: chrono_tz::Tz) -> rusqlite::Result<()> {
    let mut read = conn.prepare("SELECT id, ts_ms FROM calls")?;
    let rows: Vec<(i64, i64)> = read
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut write = conn.prepare_cached("UPDATE calls SET day = ?1 WHERE id = ?2")?;
    for (id, ts) in rows {
        write.execute(params![day_number_at(ts, tz), id])?;
    }
    Ok(())
}
