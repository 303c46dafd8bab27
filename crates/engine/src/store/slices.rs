//! The `slices` rollup: calls summed per (day, session, model, project). Reports read it.

use rusqlite::{Connection, params};

use super::calls::day_date;
use crate::aggregate::{Slice, Totals};
use crate::model::{CostSource, ProviderId, Tokens, Usd};

const AGGREGATE: &str =
    "SELECT day, session_id, model_id, project_id, provider, sum((flags & 32) = 0),
        sum(input), sum(output), sum(cache_read), sum(cache_write_5m), sum(cache_write_1h),
        sum(reasoning), sum(web_search), coalesce(sum(cost), 0),
        sum(cost IS NULL AND (flags & 32) = 0),
        coalesce(sum(CASE WHEN cost_source = 2 THEN cost END), 0), max(cost_source),
        min(ts_ms), max(ts_ms)
    FROM calls";

const INSERT: &str = "INSERT INTO slices (day, session_id, model_id, project_id, provider, calls,
        input, output, cache_read, cache_write_5m, cache_write_1h, reasoning, web_search, cost,
        unpriced_calls, estimated_cost, cost_source, first_ms, last_ms) ";

/// Rebuilds the rollup rows of the given sessions.
pub fn rebuild_sessions(
    conn: &Connection,
    sessions: impl IntoIterator<Item = i64>,
) -> rusqlite::Result<()> {
    let mut del = conn.prepare_cached("DELETE FROM slices WHERE session_id = ?1")?;
    let mut ins = conn.prepare_cached(&format!(
        "{INSERT}{AGGREGATE} WHERE session_id = ?1 GROUP BY day, model_id, project_id"
    ))?;
    for s in sessions {
        del.execute([s])?;
        ins.execute([s])?;
    }
    Ok(())
}

/// Rebuilds the whole rollup.
pub fn rebuild_all(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM slices", [])?;
    conn.execute(
        &format!("{INSERT}{AGGREGATE} GROUP BY day, session_id, model_id, project_id"),
        [],
    )?;
    Ok(())
}

fn u(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Rollup rows for days in `[from, to]` (day numbers, inclusive).
pub fn query(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<Slice>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.day, s.provider, m.name, p.name, ss.name, s.calls, s.input, s.output,
                s.cache_read, s.cache_write_5m, s.cache_write_1h, s.reasoning, s.web_search,
                s.cost, s.unpriced_calls, s.estimated_cost, s.cost_source, s.first_ms, s.last_ms
         FROM slices s JOIN models m ON m.id = s.model_id JOIN projects p ON p.id = s.project_id
              JOIN sessions ss ON ss.id = s.session_id
         WHERE s.day BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok(Slice {
            day: day_date(r.get(0)?),
            provider: ProviderId::from_code(r.get(1)?).unwrap_or(ProviderId::ClaudeCode),
            model: r.get(2)?,
            project: r.get(3)?,
            session: r.get(4)?,
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
                cost_source: Some(CostSource::from_code(r.get(16)?)),
            },
            first_ms: r.get(17)?,
            last_ms: r.get(18)?,
        })
    })?;
    rows.collect()
}

/// Re-buckets every call into days of `tz` (the report zone changed).
pub fn reday_all(conn: &Connection, tz: chrono_tz::Tz) -> rusqlite::Result<()> {
    let mut read = conn.prepare("SELECT id, ts_ms FROM calls")?;
    let rows: Vec<(i64, i64)> = read
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut write = conn.prepare_cached("UPDATE calls SET day = ?1 WHERE id = ?2")?;
    for (id, ts) in rows {
        write.execute(params![super::calls::day_number(ts, tz), id])?;
    }
    Ok(())
}
