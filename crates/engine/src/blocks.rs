//! Claude Code's 5-hour blocks, reconstructed from the calls, as people know them from
//! ccusage's `blocks`: a block starts at its first call's time floored to the hour (UTC) and
//! lasts 5 hours; a call at or after the block's end, or 5 hours or more after the previous
//! call, starts a new block. Blocks span every project and session of one Claude config dir.
//! Between two blocks with idle time between them, a gap.
//!
//! For the active block (now before its end and within 5 hours of its last call): the burn
//! rate over its calls so far (from its first call to now) and the projection at its end.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;

use crate::model::{ProviderId, Tokens, Usd};
use crate::store::CallRow;

/// A block's length.
pub const BLOCK: Duration = Duration::hours(5);

/// A 5-hour block (or a gap between two).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    /// The Claude config dir its calls were logged under.
    pub config_dir: String,
    /// Start (a whole hour, UTC).
    pub start: DateTime<Utc>,
    /// End: start + 5 h (for a gap, the next block's start).
    pub end: DateTime<Utc>,
    /// The last call in it (none for a gap).
    pub last_call: Option<DateTime<Utc>>,
    /// Now falls in it and within 5 hours of its last call.
    pub active: bool,
    /// Idle time between two blocks.
    pub is_gap: bool,
    /// Calls.
    pub calls: u64,
    /// Tokens by type.
    pub tokens: TokenCounts,
    /// Cost of the priced calls, USD.
    pub cost: f64,
    /// The models used.
    pub models: Vec<String>,
    /// For the active block: the pace so far.
    pub burn_rate: Option<BurnRate>,
    /// For the active block: where that pace ends at the block's end.
    pub projection: Option<Projection>,
    #[serde(skip)]
    first_call: Option<DateTime<Utc>>,
}

impl Block {
    /// A block of `dir` from `start` to `end` with nothing in it yet.
    fn empty(dir: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Block {
        Block {
            config_dir: dir.to_string(),
            start,
            end,
            last_call: None,
            active: false,
            is_gap: false,
            calls: 0,
            tokens: TokenCounts::default(),
            cost: 0.0,
            models: Vec::new(),
            burn_rate: None,
            projection: None,
            first_call: None,
        }
    }
}

/// Token counts of a block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCounts {
    /// Fresh input.
    pub input: u64,
    /// Output.
    pub output: u64,
    /// Cache reads.
    pub cache_read: u64,
    /// Cache writes (5 minutes and 1 hour).
    pub cache_write: u64,
    /// All of them.
    pub total: u64,
}

impl TokenCounts {
    fn of(t: &Tokens) -> TokenCounts {
        let mut c = TokenCounts {
            input: t.input,
            output: t.output,
            cache_read: t.cache_read,
            cache_write: t.cache_write(),
            total: 0,
        };
        c.total = c.input + c.output + c.cache_read + c.cache_write;
        c
    }

    fn add(&mut self, t: &TokenCounts) {
        self.input += t.input;
        self.output += t.output;
        self.cache_read += t.cache_read;
        self.cache_write += t.cache_write;
        self.total += t.total;
    }
}

/// The pace of the active block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BurnRate {
    /// Tokens a minute.
    pub tokens_per_minute: f64,
    /// USD an hour.
    pub usd_per_hour: f64,
}

/// The active block at its end, at the pace so far.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Projection {
    /// Tokens by the end.
    pub tokens: u64,
    /// Cost by the end, USD.
    pub cost: f64,
    /// Minutes left.
    pub minutes_left: i64,
}

/// One call as blocks see it.
struct Call<'a> {
    at: DateTime<Utc>,
    tokens: TokenCounts,
    cost: Usd,
    model: &'a str,
}

/// The blocks of Claude Code's `calls` (other tools' are ignored), per config dir (`dir_of`
/// names a call's), oldest first, gaps included; `now` decides which is active.
pub fn blocks(
    calls: &[CallRow],
    dir_of: impl Fn(&CallRow) -> String,
    now: DateTime<Utc>,
) -> Vec<Block> {
    let mut by_dir: std::collections::BTreeMap<String, Vec<Call<'_>>> =
        std::collections::BTreeMap::new();
    for c in calls
        .iter()
        .filter(|c| c.event.provider == ProviderId::ClaudeCode && !c.event.supplementary)
    {
        let Some(at) = DateTime::from_timestamp_millis(c.event.timestamp_ms) else {
            continue;
        };
        by_dir.entry(dir_of(c)).or_default().push(Call {
            at,
            tokens: TokenCounts::of(&c.event.tokens),
            cost: c.cost.unwrap_or(Usd::ZERO),
            model: &c.event.model,
        });
    }
    build(by_dir, now)
}

/// The active block of one config dir's `calls` (counted by their totals), if any.
pub fn active(dir: &str, calls: &[crate::limits::Spend], now: DateTime<Utc>) -> Option<Block> {
    let calls = calls
        .iter()
        .filter_map(|c| {
            Some(Call {
                at: DateTime::from_timestamp_millis(c.at_ms)?,
                tokens: TokenCounts {
                    total: c.tokens,
                    ..TokenCounts::default()
                },
                cost: c.cost,
                model: "",
            })
        })
        .collect();
    let by_dir = std::iter::once((dir.to_string(), calls)).collect();
    build(by_dir, now).pop().filter(|b| b.active)
}

fn build(
    by_dir: std::collections::BTreeMap<String, Vec<Call<'_>>>,
    now: DateTime<Utc>,
) -> Vec<Block> {
    let mut out = Vec::new();
    for (dir, mut calls) in by_dir {
        calls.sort_by_key(|c| c.at);
        let mut current: Option<Block> = None;
        let mut last_at: Option<DateTime<Utc>> = None;
        for c in &calls {
            let starts_new = match (&current, last_at) {
                (Some(b), Some(prev)) => c.at >= b.end || c.at - prev >= BLOCK,
                _ => true,
            };
            if starts_new {
                if let Some(done) = current.take() {
                    close(&mut out, done, c.at, &dir);
                }
                let start = c.at.duration_trunc(Duration::hours(1)).unwrap_or(c.at);
                current = Some(Block {
                    first_call: Some(c.at),
                    ..Block::empty(&dir, start, start + BLOCK)
                });
            }
            let Some(b) = current.as_mut() else {
                continue; // (never: a block was just opened)
            };
            b.calls += 1;
            b.tokens.add(&c.tokens);
            b.cost += c.cost.as_f64();
            b.last_call = Some(c.at);
            if !c.model.is_empty() && !b.models.iter().any(|m| m == c.model) {
                b.models.push(c.model.to_string());
            }
            last_at = Some(c.at);
        }
        if let Some(mut b) = current {
            activate(&mut b, now);
            out.push(b);
        }
    }
    out
}

/// Finishes `done` and, if the next block starts after it ends, adds the gap between.
fn close(out: &mut Vec<Block>, done: Block, next_call: DateTime<Utc>, dir: &str) {
    let next_start = next_call
        .duration_trunc(Duration::hours(1))
        .unwrap_or(next_call);
    let gap_from = done.end;
    out.push(done);
    if next_start > gap_from {
        out.push(Block {
            is_gap: true,
            ..Block::empty(dir, gap_from, next_start)
        });
    }
}

/// Marks the last block active when `now` is inside it and within 5 h of its last call, with
/// its pace and projection.
fn activate(b: &mut Block, now: DateTime<Utc>) {
    let Some(last) = b.last_call else { return };
    if now >= b.end || now - last >= BLOCK || now < b.start {
        return;
    }
    b.active = true;
    let since = b.first_call.unwrap_or(b.start);
    #[allow(clippy::cast_precision_loss)]
    let first_minutes = (now - since).num_seconds().max(60) as f64 / 60.0;
    let tokens_per_minute = b.tokens.total as f64 / first_minutes;
    let usd_per_hour = b.cost / first_minutes * 60.0;
    let minutes_left = (b.end - now).num_minutes().max(0);
    b.burn_rate = Some(BurnRate {
        tokens_per_minute,
        usd_per_hour,
    });
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let more = (tokens_per_minute * minutes_left as f64) as u64;
    b.projection = Some(Projection {
        tokens: b.tokens.total + more,
        cost: b.cost + usd_per_hour * minutes_left as f64 / 60.0,
        minutes_left,
    });
}
