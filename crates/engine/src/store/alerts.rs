//! Alerts already sent (`alerts`), and the recent per-session spend the runaway alert reads.

use rusqlite::{Connection, params};

use crate::budget::SessionSpend;
use crate::model::{ProviderId, Usd};

/// Records that `alert` fired at `threshold` in `period`; false when it already had.
pub fn claim(
    conn: &Connection,
    alert: &str,
    threshold: u32,
    period: &str,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO alerts (alert, threshold, period, fired_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?;
    Ok(stmt.execute(params![alert, threshold, period, now_ms])? == 1)
}

/// The periods `alert` has fired in (any threshold).
pub fn periods(conn: &Connection, alert: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT DISTINCT period FROM alerts WHERE alert = ?1")?
        .query_map([alert], |r| r.get(0))?
        .collect()
}

/// Sessions with calls at or after `since_ms`: their spend since then and in total.
pub fn active_sessions(conn: &Connection, since_ms: i64) -> rusqlite::Result<Vec<SessionSpend>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.session_id, c.provider, s.name, p.name, m.name, coalesce(sum(c.cost), 0)
         FROM calls c JOIN sessions s ON s.id = c.session_id JOIN projects p ON p.id = c.project_id
              JOIN models m ON m.id = c.model_id
         WHERE c.ts_ms >= ?1
         GROUP BY c.session_id, c.model_id
         ORDER BY c.session_id, 6 DESC, m.name",
    )?;
    let rows = stmt
        .query_map([since_ms], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut total =
        conn.prepare_cached("SELECT coalesce(sum(cost), 0) FROM calls WHERE session_id = ?1")?;
    let mut out: Vec<(i64, SessionSpend)> = Vec::new();
    for (sid, provider, session, project, model, cost) in rows {
        match out.last_mut() {
            // rows of one session come together, the costliest model first
            Some((last, s)) if *last == sid => s.window_cost += Usd(cost),
            _ => {
                let total_cost: i64 = total.query_row([sid], |r| r.get(0))?;
                out.push((
                    sid,
                    SessionSpend {
                        provider: ProviderId::from_code(provider).unwrap_or(ProviderId::ClaudeCode),
                        session,
                        project,
                        model,
                        window_cost: Usd(cost),
                        total_cost: Usd(total_cost),
                    },
                ));
            }
        }
    }
    Ok(out.into_iter().map(|(_, s)| s).collect())
}
