//! The `calls` table and the writer that upserts into it.

use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Row, params};
use rustc_hash::{FxHashMap, FxHashSet};

use super::codec::{decode_tools, encode_tools};
use crate::merge::{Rank, merge_copy};
use crate::model::{CostSource, ProviderId, Tokens, UsageEvent, Usd};
use crate::pricing::{PriceMemo, Pricer};
use crate::time::day_number_at;

/// A stable 64-bit id for (provider, dedup key): FNV-1a over the bytes, then the `SplitMix64`
/// finaliser for avalanche. Stable across builds and platforms (unlike `std`'s hasher); with
/// 64 bits, a collision among a million calls has a probability around 3e-8, and the stored
/// key text is compared on every conflict so one would be detected, not merged.
pub fn key_id(provider: ProviderId, key: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in provider.as_str().bytes().chain([0u8]).chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// A call as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    /// [`key_id`] of the call.
    pub id: i64,
    /// The call.
    pub event: UsageEvent,
    /// Its cost (`None` = unpriced).
    pub cost: Option<Usd>,
    /// Where the cost came from.
    pub cost_source: CostSource,
    /// Rank of the file that owns its session and project.
    pub owner: Rank,
}

const FAST: i64 = 1;
const REASONING_IN_OUTPUT: i64 = 2;
const OPENAI_CACHE: i64 = 4;
const ESTIMATED: i64 = 8;
const FINAL: i64 = 16;
pub(super) const SUPPLEMENTARY: i64 = 32;
pub(super) const SELF_CORRECTION: i64 = 64;
const SESSION_TOTAL: i64 = 128;
const REPORTED_FIRST: i64 = 256;
pub(super) const AUTHORITATIVE: i64 = 512;

fn flags(e: &UsageEvent) -> i64 {
    [
        (e.fast, FAST),
        (e.reasoning_in_output, REASONING_IN_OUTPUT),
        (e.openai_cache_semantics, OPENAI_CACHE),
        (e.estimated, ESTIMATED),
        (e.is_final, FINAL),
        (e.supplementary, SUPPLEMENTARY),
        (e.self_correction, SELF_CORRECTION),
        (e.session_total, SESSION_TOTAL),
        (e.reported_first, REPORTED_FIRST),
        (e.authoritative, AUTHORITATIVE),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, bit)| bit)
    .sum()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Interns model, project and session names to integer ids.
#[derive(Debug, Default)]
pub struct Interner {
    models: FxHashMap<String, i64>,
    projects: FxHashMap<String, i64>,
    sessions: FxHashMap<(ProviderId, String), i64>,
    /// id -> name, per table: `[models, sessions, projects]`.
    names: [FxHashMap<i64, String>; 3],
}

impl Interner {
    /// Fills in `e`'s model, session and project names from their interned ids.
    fn resolve(
        &mut self,
        conn: &Connection,
        e: &mut UsageEvent,
        ids: [i64; 3],
    ) -> rusqlite::Result<()> {
        e.model = self.name(conn, 0, ids[0])?;
        e.session_id = self.name(conn, 1, ids[1])?;
        e.project = self.name(conn, 2, ids[2])?;
        Ok(())
    }

    /// The name behind an interned id (cached). Plain one-table lookups: SQLite (built with
    /// STAT4) re-prepared a joined lookup on every execution, which cost a third of a cold scan.
    fn name(&mut self, conn: &Connection, table: usize, id: i64) -> rusqlite::Result<String> {
        if let Some(n) = self.names[table].get(&id) {
            return Ok(n.clone());
        }
        let sql = [
            "SELECT name FROM models WHERE id = ?1",
            "SELECT name FROM sessions WHERE id = ?1",
            "SELECT name FROM projects WHERE id = ?1",
        ][table];
        let n: String = conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))?;
        self.names[table].insert(id, n.clone());
        Ok(n)
    }

    fn simple(
        conn: &Connection,
        cache: &mut FxHashMap<String, i64>,
        table: &str,
        name: &str,
    ) -> rusqlite::Result<i64> {
        if let Some(id) = cache.get(name) {
            return Ok(*id);
        }
        let mut ins = conn.prepare_cached(&format!(
            "INSERT INTO {table} (name) VALUES (?1) ON CONFLICT(name) DO NOTHING"
        ))?;
        ins.execute([name])?;
        let mut sel = conn.prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?;
        let id: i64 = sel.query_row([name], |r| r.get(0))?;
        cache.insert(name.to_string(), id);
        Ok(id)
    }

    fn model(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        Interner::simple(conn, &mut self.models, "models", name)
    }

    fn project(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        Interner::simple(conn, &mut self.projects, "projects", name)
    }

    fn session(&mut self, conn: &Connection, p: ProviderId, name: &str) -> rusqlite::Result<i64> {
        if let Some(id) = self.sessions.get(&(p, name.to_string())) {
            return Ok(*id);
        }
        conn.prepare_cached(
            "INSERT INTO sessions (provider, name) VALUES (?1, ?2)
             ON CONFLICT(provider, name) DO NOTHING",
        )?
        .execute(params![p.code(), name])?;
        let id: i64 = conn
            .prepare_cached("SELECT id FROM sessions WHERE provider = ?1 AND name = ?2")?
            .query_row(params![p.code(), name], |r| r.get(0))?;
        self.sessions.insert((p, name.to_string()), id);
        Ok(id)
    }
}

/// A stored call with its owner rank and interned session id.
struct Stored {
    event: UsageEvent,
    owner: Rank,
    session_id: i64,
}

/// How [`Writer::write`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    InsertIfNew,
    Update,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// A new call.
    Inserted,
    /// A known call changed (a more complete copy, an earlier timestamp, a new owner).
    Updated,
    /// A copy that changed nothing.
    Unchanged,
}

/// A call made ready to store: its id, day, cost and encoded tool uses are worked out where
/// it was read (a reader thread), so the single writer only writes.
pub struct Prepared {
    event: UsageEvent,
    rank: Rank,
    id: i64,
    derived: Derived,
}

/// What a stored row holds beyond the event's own fields.
struct Derived {
    day: i64,
    cost: Option<Usd>,
    source: CostSource,
    tools: Option<String>,
}

impl Derived {
    fn of(e: &UsageEvent, prices: &mut PriceMemo<'_>, tz: Tz) -> Self {
        let (cost, source) = prices.price(e);
        Derived {
            day: day_number_at(e.timestamp_ms, tz),
            cost,
            source,
            tools: encode_tools(&e.tools),
        }
    }
}

impl Prepared {
    /// Prepares `event`, read from a file ranked `rank`, for [`Writer::upsert`].
    pub fn new(event: UsageEvent, rank: Rank, prices: &mut PriceMemo<'_>, tz: Tz) -> Self {
        Prepared {
            id: key_id(event.provider, &event.key),
            derived: Derived::of(&event, prices, tz),
            event,
            rank,
        }
    }

    /// The call's project (canonicalised by the writer's caller before it is stored).
    pub fn project_mut(&mut self) -> &mut String {
        &mut self.event.project
    }
}

/// Upserts calls inside one transaction.
pub struct Writer<'a> {
    conn: &'a Connection,
    interner: &'a mut Interner,
    tz: Tz,
    prices: PriceMemo<'a>,
    /// Sessions whose rollup must be rebuilt.
    pub touched_sessions: FxHashSet<i64>,
    /// True when this writer met a project name it had not written before: placeholder
    /// projects ([`crate::providers::Provider::resolve_projects`]) are then resolved again.
    pub projects_changed: bool,
}

/// Every column of a call; names stay interned ids (a join here made SQLite re-prepare the
/// statement on every execution: see `Interner::name`).
const SELECT_CALL: &str = "SELECT id, provider, key, ts_ms, model_id, session_id, project_id,
        input, output, cache_read, cache_write_5m, cache_write_1h, reasoning, web_search, flags,
        reported_cost, cost, cost_source, owner_latest, owner_mtime, owner_file, tools, branch
    FROM calls";

/// Reads one row of [`SELECT_CALL`]: the call with empty names, and the interned
/// `[model, session, project]` ids.
fn call_row(r: &Row<'_>) -> rusqlite::Result<(CallRow, [i64; 3])> {
    let flags: i64 = r.get(14)?;
    let provider = ProviderId::from_code(r.get(1)?).unwrap_or(ProviderId::ClaudeCode);
    let row = CallRow {
        id: r.get(0)?,
        event: UsageEvent {
            provider,
            key: r.get(2)?,
            timestamp_ms: r.get(3)?,
            model: String::new(),
            session_id: String::new(),
            project: String::new(),
            tokens: Tokens {
                input: to_u64(r.get(7)?),
                output: to_u64(r.get(8)?),
                cache_read: to_u64(r.get(9)?),
                cache_write_5m: to_u64(r.get(10)?),
                cache_write_1h: to_u64(r.get(11)?),
                reasoning: to_u64(r.get(12)?),
                web_search_requests: to_u64(r.get(13)?),
            },
            fast: flags & FAST != 0,
            reasoning_in_output: flags & REASONING_IN_OUTPUT != 0,
            openai_cache_semantics: flags & OPENAI_CACHE != 0,
            estimated: flags & ESTIMATED != 0,
            is_final: flags & FINAL != 0,
            supplementary: flags & SUPPLEMENTARY != 0,
            session_total: flags & SESSION_TOTAL != 0,
            reported_first: flags & REPORTED_FIRST != 0,
            authoritative: flags & AUTHORITATIVE != 0,
            reported_cost: r.get::<_, Option<i64>>(15)?.map(Usd),
            tools: decode_tools(r.get::<_, Option<String>>(21)?.as_deref()),
            branch: r.get(22)?,
            self_correction: flags & SELF_CORRECTION != 0,
        },
        cost: r.get::<_, Option<i64>>(16)?.map(Usd),
        cost_source: CostSource::from_code(r.get(17)?),
        owner: (r.get(18)?, r.get(19)?, r.get(20)?),
    };
    Ok((row, [r.get(4)?, r.get(5)?, r.get(6)?]))
}

/// The timestamp of the latest stored call (UTC ms).
pub fn latest_call_ms(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT max(ts_ms) FROM calls", [], |r| r.get(0))
}

/// Every stored call, in id order.
pub fn all_calls(conn: &Connection) -> rusqlite::Result<Vec<CallRow>> {
    let mut names = Interner::default();
    let mut stmt = conn.prepare(&format!("{SELECT_CALL} ORDER BY id"))?;
    let rows: Vec<(CallRow, [i64; 3])> = stmt.query_map([], call_row)?.collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(mut row, ids)| {
            names.resolve(conn, &mut row.event, ids)?;
            Ok(row)
        })
        .collect()
}

/// The stored calls on days `from..=to` (day numbers in the index's zone), by session and
/// time: what the detectors of `optimize` read.
pub fn calls_in_days(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<CallRow>> {
    let mut names = Interner::default();
    let mut stmt = conn.prepare(&format!(
        "{SELECT_CALL} WHERE day BETWEEN ?1 AND ?2 ORDER BY session_id, ts_ms, id"
    ))?;
    let rows: Vec<(CallRow, [i64; 3])> = stmt
        .query_map([from, to], call_row)?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(mut row, ids)| {
            names.resolve(conn, &mut row.event, ids)?;
            Ok(row)
        })
        .collect()
}

/// The prompts of the sessions with calls on days `from..=to`: (tool, session, time, facts).
pub fn prompts_in_days(
    conn: &Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<(ProviderId, String, i64, crate::classify::PromptSig)>> {
    let mut stmt = conn.prepare(
        "SELECT s.provider, s.name, t.ts_ms, t.sig FROM turns t
         JOIN sessions s ON s.id = t.session_id
         WHERE t.session_id IN (SELECT DISTINCT session_id FROM calls WHERE day BETWEEN ?1 AND ?2)
         ORDER BY t.session_id, t.ts_ms",
    )?;
    let rows = stmt.query_map([from, to], |r| {
        Ok((
            ProviderId::from_code(r.get(0)?).unwrap_or(ProviderId::ClaudeCode),
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            crate::classify::PromptSig::decode(&r.get::<_, String>(3)?),
        ))
    })?;
    rows.collect()
}

/// The MCP tools loaded by the sessions with calls on days `from..=to`: (tool, session, name).
pub fn mcp_tools_in_days(
    conn: &Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<(ProviderId, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT s.provider, s.name, m.name FROM mcp_tools m
         JOIN sessions s ON s.id = m.session_id
         WHERE m.session_id IN (SELECT DISTINCT session_id FROM calls WHERE day BETWEEN ?1 AND ?2)",
    )?;
    let rows = stmt.query_map([from, to], |r| {
        Ok((
            ProviderId::from_code(r.get(0)?).unwrap_or(ProviderId::ClaudeCode),
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.collect()
}

/// Keeps `m` as its window's latest snapshot (an older one never replaces a newer); true when
/// it is newer than the one stored.
pub fn save_limit(
    conn: &Connection,
    provider: ProviderId,
    m: &crate::providers::LimitMark,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "INSERT INTO limit_snapshots (provider, home, kind, observed_ms, used_percent,
             window_minutes, resets_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (provider, home, kind) DO UPDATE SET observed_ms = excluded.observed_ms,
             used_percent = excluded.used_percent, window_minutes = excluded.window_minutes,
             resets_at_ms = excluded.resets_at_ms
         WHERE excluded.observed_ms > limit_snapshots.observed_ms",
    )?
    .execute(params![
        provider.code(),
        m.home,
        m.kind,
        m.observed_ms,
        m.used_percent,
        m.window_minutes,
        m.resets_at_ms
    ])
    .map(|n| n > 0)
}

/// Every window's latest snapshot: (tool, its reading).
pub fn limits(
    conn: &Connection,
) -> rusqlite::Result<Vec<(ProviderId, crate::providers::LimitMark)>> {
    let mut stmt = conn.prepare(
        "SELECT provider, home, kind, observed_ms, used_percent, window_minutes, resets_at_ms
         FROM limit_snapshots ORDER BY provider, home, kind",
    )?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(2)?;
        Ok((
            ProviderId::from_code(r.get(0)?).unwrap_or(ProviderId::Codex),
            crate::providers::LimitMark {
                home: r.get(1)?,
                kind: crate::providers::window_kind(&kind),
                observed_ms: r.get(3)?,
                used_percent: r.get(4)?,
                window_minutes: r.get(5)?,
                resets_at_ms: r.get(6)?,
            },
        ))
    })?;
    rows.collect()
}

/// The last live answer for an account: (asked, next allowed, the answer as JSON).
pub fn live_usage(
    conn: &Connection,
    provider: ProviderId,
    account: &str,
) -> rusqlite::Result<Option<(i64, i64, String)>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT asked_ms, next_ms, answer FROM live_usage WHERE provider = ?1 AND account = ?2",
    )?
    .query_row(params![provider.code(), account], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .optional()
}

/// Keeps a live answer for an account.
pub fn save_live_usage(
    conn: &Connection,
    provider: ProviderId,
    account: &str,
    asked_ms: i64,
    next_ms: i64,
    answer: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO live_usage (provider, account, asked_ms, next_ms, answer)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (provider, account) DO UPDATE SET asked_ms = excluded.asked_ms,
             next_ms = excluded.next_ms, answer = excluded.answer",
    )?
    .execute(params![provider.code(), account, asked_ms, next_ms, answer])?;
    Ok(())
}

/// One session's cost and its calls with no known price.
pub fn session_cost(
    conn: &Connection,
    provider: ProviderId,
    session: &str,
) -> rusqlite::Result<(Usd, u64)> {
    conn.prepare_cached(
        "SELECT coalesce(sum(c.cost), 0), count(*) - count(c.cost)
         FROM sessions s JOIN calls c ON c.session_id = s.id
         WHERE s.provider = ?1 AND s.name = ?2",
    )?
    .query_row(params![provider.code(), session], |r| {
        Ok((
            Usd(r.get(0)?),
            u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
        ))
    })
}

/// `provider`'s calls at or after `since_ms` as usage windows count them: (owning file,
/// call).
pub fn spend_since(
    conn: &Connection,
    provider: ProviderId,
    since_ms: i64,
) -> rusqlite::Result<Vec<(i64, crate::limits::Spend)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT owner_file, ts_ms, input + output + cache_read + cache_write_5m + cache_write_1h,
             coalesce(cost, 0)
         FROM calls WHERE provider = ?1 AND ts_ms >= ?2 AND flags & ?3 = 0",
    )?;
    let rows = stmt.query_map(params![provider.code(), since_ms, SUPPLEMENTARY], |r| {
        Ok((
            r.get(0)?,
            crate::limits::Spend {
                at_ms: r.get(1)?,
                tokens: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                cost: Usd(r.get(3)?),
            },
        ))
    })?;
    rows.collect()
}

/// Records a window running out (a limit message); the same hit read again is kept once.
/// True when it was new.
pub fn save_limit_hit(
    conn: &Connection,
    provider: ProviderId,
    h: &crate::providers::LimitHit,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "INSERT INTO limit_hits (provider, home, kind, at_ms, resets_at_ms, scope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET resets_at_ms = excluded.resets_at_ms
         WHERE limit_hits.resets_at_ms IS NULL AND excluded.resets_at_ms IS NOT NULL",
    )?
    .execute(params![
        provider.code(),
        h.home,
        h.kind,
        h.at_ms,
        h.resets_at_ms,
        h.scope
    ])
    .map(|n| n > 0)
}

/// The windows that ran out at or after `since_ms`, oldest first: (tool, the hit).
pub fn limit_hits(
    conn: &Connection,
    since_ms: i64,
) -> rusqlite::Result<Vec<(ProviderId, crate::providers::LimitHit)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT provider, home, kind, at_ms, resets_at_ms, scope FROM limit_hits
         WHERE at_ms >= ?1 ORDER BY at_ms, provider, home, kind",
    )?;
    let rows = stmt.query_map([since_ms], |r| {
        let kind: String = r.get(2)?;
        Ok((
            ProviderId::from_code(r.get(0)?).unwrap_or(ProviderId::ClaudeCode),
            crate::providers::LimitHit {
                home: r.get(1)?,
                kind: crate::providers::window_kind(&kind),
                at_ms: r.get(3)?,
                resets_at_ms: r.get(4)?,
                scope: r.get(5)?,
            },
        ))
    })?;
    rows.collect()
}

impl<'a> Writer<'a> {
    /// A writer on `conn` (inside the caller's transaction).
    pub fn new(
        conn: &'a Connection,
        interner: &'a mut Interner,
        pricer: &'a Pricer,
        tz: Tz,
    ) -> Self {
        Writer {
            conn,
            interner,
            tz,
            prices: PriceMemo::new(pricer),
            touched_sessions: FxHashSet::default(),
            projects_changed: false,
        }
    }

    /// Inserts a call, or merges it into the stored copy.
    pub fn upsert(&mut self, call: Prepared) -> rusqlite::Result<Upsert> {
        let Prepared {
            event: e,
            rank,
            id,
            derived,
        } = call;
        // The common case (a new call) costs one INSERT; only a conflict reads the stored row.
        if self.write(id, &e, &derived, rank, Write::InsertIfNew)? {
            return Ok(Upsert::Inserted);
        }
        let Some(row) = self.stored(id)? else {
            return Ok(Upsert::Unchanged);
        };
        if row.event.key != e.key {
            // a 64-bit hash collision: keep the first call, never merge two different ones
            tracing::warn!(key = %e.key, other = %row.event.key, "call id collision; skipped");
            return Ok(Upsert::Unchanged);
        }
        let old_session = row.session_id;
        let (mut merged, mut owner) = (row.event, row.owner);
        if !merge_copy(&mut merged, &mut owner, e, rank) {
            return Ok(Upsert::Unchanged);
        }
        self.touched_sessions.insert(old_session);
        let derived = Derived::of(&merged, &mut self.prices, self.tz);
        self.write(id, &merged, &derived, owner, Write::Update)?;
        Ok(Upsert::Updated)
    }

    /// Records a prompt (where a turn of its session begins); a new or changed one marks the
    /// session for a rebuild.
    pub fn prompt(&mut self, m: &crate::providers::PromptMark) -> rusqlite::Result<()> {
        let session = self
            .interner
            .session(self.conn, m.provider, &m.session_id)?;
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO turns (session_id, ts_ms, sig) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO UPDATE SET sig = excluded.sig WHERE sig != excluded.sig",
            )?
            .execute(params![session, m.timestamp_ms, m.sig.encode()])?;
        if changed > 0 {
            self.touched_sessions.insert(session);
        }
        Ok(())
    }

    /// Records that `session` had MCP tool `tool` loaded (metadata: the name only).
    pub fn mcp_tool(
        &mut self,
        provider: ProviderId,
        session: &str,
        tool: &str,
    ) -> rusqlite::Result<()> {
        let session = self.interner.session(self.conn, provider, session)?;
        self.conn
            .prepare_cached(
                "INSERT INTO mcp_tools (session_id, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?
            .execute(params![session, tool])?;
        Ok(())
    }

    /// The stored call `id`, with the interned id of its session.
    fn stored(&mut self, id: i64) -> rusqlite::Result<Option<Stored>> {
        let row = self
            .conn
            .prepare_cached(&format!("{SELECT_CALL} WHERE id = ?1"))?
            .query_row([id], call_row)
            .optional()?;
        let Some((mut row, ids)) = row else {
            return Ok(None);
        };
        self.interner.resolve(self.conn, &mut row.event, ids)?;
        Ok(Some(Stored {
            event: row.event,
            owner: row.owner,
            session_id: ids[1],
        }))
    }

    /// Writes a call; with [`Write::InsertIfNew`], returns false (writing nothing) when the id
    /// is already stored.
    fn write(
        &mut self,
        id: i64,
        e: &UsageEvent,
        derived: &Derived,
        owner: Rank,
        how: Write,
    ) -> rusqlite::Result<bool> {
        let model = self.interner.model(self.conn, &e.model)?;
        let session = self
            .interner
            .session(self.conn, e.provider, &e.session_id)?;
        let known = self.interner.projects.len();
        let project = self.interner.project(self.conn, &e.project)?;
        if self.interner.projects.len() > known {
            self.projects_changed = true;
        }
        let t = &e.tokens;
        let sql = if how == Write::InsertIfNew {
            "INSERT INTO calls (provider, key, ts_ms, day, model_id, session_id, project_id,
                input, output, cache_read, cache_write_5m, cache_write_1h, reasoning, web_search,
                flags, reported_cost, cost, cost_source, owner_latest, owner_mtime, owner_file, id,
                tools, branch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20, ?21, ?22, ?23, ?24)
             ON CONFLICT(id) DO NOTHING"
        } else {
            "UPDATE calls SET provider = ?1, key = ?2, ts_ms = ?3, day = ?4, model_id = ?5,
                session_id = ?6, project_id = ?7, input = ?8, output = ?9, cache_read = ?10,
                cache_write_5m = ?11, cache_write_1h = ?12, reasoning = ?13, web_search = ?14,
                flags = ?15, reported_cost = ?16, cost = ?17, cost_source = ?18,
                owner_latest = ?19, owner_mtime = ?20, owner_file = ?21, tools = ?23,
                branch = ?24
             WHERE id = ?22"
        };
        let written = self.conn.prepare_cached(sql)?.execute(params![
            e.provider.code(),
            e.key,
            e.timestamp_ms,
            derived.day,
            model,
            session,
            project,
            to_i64(t.input),
            to_i64(t.output),
            to_i64(t.cache_read),
            to_i64(t.cache_write_5m),
            to_i64(t.cache_write_1h),
            to_i64(t.reasoning),
            to_i64(t.web_search_requests),
            flags(e),
            e.reported_cost.map(Usd::micros),
            derived.cost.map(Usd::micros),
            derived.source.code(),
            owner.0,
            owner.1,
            owner.2,
            id,
            derived.tools,
            e.branch,
        ])?;
        if written > 0 {
            self.touched_sessions.insert(session);
        }
        Ok(written > 0)
    }
}

/// Recomputes every call's cost with `pricer` (the price table changed). Returns how many
/// calls changed cost.
pub fn reprice_all(conn: &Connection, pricer: &Pricer) -> rusqlite::Result<usize> {
    let rows = all_calls(conn)?;
    let costs = pricer.price_all(rows.iter().map(|r| &r.event));
    let mut stmt =
        conn.prepare_cached("UPDATE calls SET cost = ?1, cost_source = ?2 WHERE id = ?3")?;
    let mut changed = 0;
    for (row, (cost, source)) in rows.iter().zip(costs) {
        if (cost, source) != (row.cost, row.cost_source) {
            stmt.execute(params![cost.map(Usd::micros), source.code(), row.id])?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Every project's id and name.
pub fn projects(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare_cached("SELECT id, name FROM projects")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Files every call of project `from` under project `to` (a placeholder resolved). Returns
/// the sessions whose rollup must be rebuilt.
pub fn move_project_calls(
    conn: &Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<FxHashSet<i64>> {
    let touched = conn
        .prepare_cached("SELECT DISTINCT session_id FROM calls WHERE project_id = ?1")?
        .query_map([from], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("UPDATE calls SET project_id = ?1 WHERE project_id = ?2")?
        .execute([to, from])?;
    Ok(touched)
}
