//! The metrics' persistence: the all-time sums per (tool, model, project) the exported
//! counters are made of, and the ledger of what each counter last showed
//! ([`crate::metrics`] owns the rule; this module only reads and writes).

use rusqlite::{Connection, OptionalExtension, params};

use crate::metrics::{LedgerRow, MetricSum};
use crate::model::{ProviderId, Tokens, Usd};

/// Every slice summed per (tool, model, project), over all days.
pub fn metric_sums(conn: &Connection) -> rusqlite::Result<Vec<MetricSum>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.provider, m.name, p.name, SUM(s.calls), SUM(s.input), SUM(s.output),
                SUM(s.cache_read), SUM(s.cache_write_5m), SUM(s.cache_write_1h),
                SUM(s.reasoning), SUM(s.cost), SUM(s.estimated_cost),
                SUM(s.session_total_cost), SUM(s.reported_cost), SUM(s.edit_turns),
                SUM(s.one_shot_turns)
         FROM slices s JOIN models m ON m.id = s.model_id JOIN projects p ON p.id = s.project_id
         GROUP BY s.provider, s.model_id, s.project_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let u = |i: usize| -> rusqlite::Result<u64> {
            Ok(u64::try_from(r.get::<_, i64>(i)?).unwrap_or(0))
        };
        Ok(MetricSum {
            provider: ProviderId::from_code(r.get(0)?).unwrap_or(ProviderId::ClaudeCode),
            model: r.get(1)?,
            project: r.get(2)?,
            calls: u(3)?,
            tokens: Tokens {
                input: u(4)?,
                output: u(5)?,
                cache_read: u(6)?,
                cache_write_5m: u(7)?,
                cache_write_1h: u(8)?,
                reasoning: u(9)?,
                web_search_requests: 0,
            },
            cost: Usd(r.get(10)?),
            estimated_cost: Usd(r.get(11)?),
            session_total_cost: Usd(r.get(12)?),
            reported_cost: Usd(r.get(13)?),
            edit_turns: u(14)?,
            one_shot_turns: u(15)?,
        })
    })?;
    rows.collect()
}

/// Passes every series through the ledger in one write transaction: `rows` come with the
/// series' current value in `seen`; each is replaced by what its counter shows now, by
/// `advance(previous, current)`, and stored. Another process doing the same at the same time
/// waits (the write lock), so the two agree.
pub fn pass_through_ledger(
    conn: &Connection,
    rows: &mut [LedgerRow],
    advance: impl Fn(Option<LedgerRow>, u64) -> LedgerRow,
) -> rusqlite::Result<()> {
    // the write lock before reading, so two processes never both start from one state
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = advance_all(conn, rows, advance);
    conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    result
}

fn advance_all(
    tx: &Connection,
    rows: &mut [LedgerRow],
    advance: impl Fn(Option<LedgerRow>, u64) -> LedgerRow,
) -> rusqlite::Result<()> {
    {
        let mut get =
            tx.prepare_cached("SELECT seen, shown FROM metric_ledger WHERE series = ?1")?;
        let mut put = tx.prepare_cached(
            "INSERT INTO metric_ledger (series, seen, shown) VALUES (?1, ?2, ?3)
             ON CONFLICT(series) DO UPDATE SET seen = excluded.seen, shown = excluded.shown",
        )?;
        for row in rows.iter_mut() {
            let before = get
                .query_row([&row.series], |r| {
                    Ok(LedgerRow {
                        series: row.series.clone(),
                        seen: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        shown: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    })
                })
                .optional()?;
            // nothing to remember of a series that is still zero, or did not change
            let unchanged = before
                .as_ref()
                .map_or(row.seen == 0, |b| b.seen == row.seen);
            let after = advance(before, row.seen);
            if !unchanged {
                put.execute(params![
                    row.series,
                    i64::try_from(after.seen).unwrap_or(i64::MAX),
                    i64::try_from(after.shown).unwrap_or(i64::MAX)
                ])?;
            }
            row.shown = after.shown;
        }
    }
    Ok(())
}
