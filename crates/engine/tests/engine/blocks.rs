//! Claude Code's 5-hour blocks (issue 19): the block rules at their edges, gaps, the active
//! block's pace, and blocks per config dir.

use burnbar_engine::blocks::Block;
use burnbar_engine::{DayRange, Filter};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::support::{Home, assistant_in, usage};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Writes calls at `times` (one session) under `dir` (a Claude config dir, relative to home).
fn calls(home: &Home, dir: &str, times: &[&str]) {
    let u = usage(1_000, 100, 0, 0, 0);
    let lines: Vec<String> = times
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            assistant_in(
                ts,
                &format!("m-{dir}-{i}"),
                "claude-sonnet-4-5",
                &u,
                true,
                "/w",
                "s",
            )
        })
        .collect();
    home.write(&format!("{dir}/projects/-w/s.jsonl"), &lines);
}

fn blocks(home: &Home, now: &str) -> Vec<Block> {
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    let filter = Filter {
        range: DayRange::default(),
        ..Filter::all(Tz::UTC)
    };
    engine.blocks(&filter, t(now)).unwrap()
}

/// (start, end, calls, gap) of each block.
fn shape(b: &[Block]) -> Vec<(String, String, u64, bool)> {
    b.iter()
        .map(|b| {
            (
                b.start.format("%d %H:%M").to_string(),
                b.end.format("%d %H:%M").to_string(),
                b.calls,
                b.is_gap,
            )
        })
        .collect()
}

fn s(start: &str, end: &str, calls: u64, gap: bool) -> (String, String, u64, bool) {
    (start.into(), end.into(), calls, gap)
}

#[test]
fn a_block_starts_at_its_first_calls_hour_and_a_call_at_its_end_starts_the_next() {
    let home = Home::new();
    calls(
        &home,
        ".claude",
        &[
            "2026-05-15T10:37:00.000Z",
            "2026-05-15T14:59:59.000Z",
            "2026-05-15T15:00:00.000Z", // exactly at the end: a new block, no gap
        ],
    );
    assert_eq!(
        shape(&blocks(&home, "2026-05-16T12:00:00Z")),
        [
            s("15 10:00", "15 15:00", 2, false),
            s("15 15:00", "15 20:00", 1, false)
        ]
    );
}

#[test]
fn five_idle_hours_start_a_new_block_and_the_time_between_is_a_gap() {
    let home = Home::new();
    calls(
        &home,
        ".claude",
        &[
            "2026-05-15T10:00:00.000Z",
            "2026-05-15T14:30:00.000Z", // 4.5 h later: same block
            "2026-05-15T23:10:00.000Z", // after the end: a gap, then a block at 23:00
            "2026-05-16T03:59:00.000Z", // 4 h 49 m later: same block
            "2026-05-16T08:59:00.000Z", // 5 h after the previous call: a new block
        ],
    );
    assert_eq!(
        shape(&blocks(&home, "2026-05-17T12:00:00Z")),
        [
            s("15 10:00", "15 15:00", 2, false),
            s("15 15:00", "15 23:00", 0, true),
            s("15 23:00", "16 04:00", 2, false),
            s("16 04:00", "16 08:00", 0, true),
            s("16 08:00", "16 13:00", 1, false),
        ]
    );
}

#[test]
fn the_active_block_has_its_pace_and_where_it_ends() {
    let home = Home::new();
    calls(
        &home,
        ".claude",
        &["2026-05-15T10:30:00.000Z", "2026-05-15T11:00:00.000Z"],
    );
    // an hour after the first call: 2,200 tokens over 60 minutes
    let b = blocks(&home, "2026-05-15T11:30:00Z");
    assert_eq!(b.len(), 1);
    let a = &b[0];
    assert!(a.active);
    let r = a.burn_rate.unwrap();
    assert!((r.tokens_per_minute - 2_200.0 / 60.0).abs() < 1e-9);
    let p = a.projection.unwrap();
    assert_eq!(p.minutes_left, 210, "until 15:00");
    assert_eq!(
        p.tokens,
        2_200 + 7_699,
        "36.67 a minute for 210 minutes, rounded down"
    );
    // five hours after the last call, or past its end, nothing is active
    assert!(!blocks(&home, "2026-05-15T16:00:00Z")[0].active);
}

#[test]
fn blocks_are_per_claude_config_dir() {
    let home = Home::new();
    calls(&home, ".claude", &["2026-05-15T10:30:00.000Z"]);
    calls(&home, ".config/claude", &["2026-05-15T12:10:00.000Z"]);
    let b = blocks(&home, "2026-05-16T12:00:00Z");
    let mut got: Vec<(bool, String)> = b
        .iter()
        .map(|b| {
            (
                b.config_dir.ends_with("/.claude"),
                b.start.format("%H:%M").to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [(false, "12:00".to_string()), (true, "10:00".to_string())],
        "two blocks, one per dir, not one spanning both"
    );
}

// ---------------------------------------------------------------- the rules as properties

mod properties {
    use burnbar_engine::blocks::{BLOCK, blocks};
    use burnbar_engine::store::CallRow;
    use burnbar_engine::{CostSource, ProviderId, Tokens, UsageEvent, Usd};
    use chrono::{DateTime, Duration, Timelike, Utc};
    use proptest::prelude::*;

    /// A Claude call at `ms` in config dir `dir` (the dir rides in the session name).
    fn call(ms: i64, dir: usize) -> CallRow {
        CallRow {
            id: ms,
            event: UsageEvent::new(
                ProviderId::ClaudeCode,
                format!("k{ms}-{dir}"),
                ms,
                "claude-sonnet-4-5".into(),
                format!("dir{dir}"),
                "/w".into(),
                Tokens {
                    input: 10,
                    ..Tokens::default()
                },
            ),
            cost: Some(Usd(1_000)),
            cost_source: CostSource::Computed,
            owner: (0, 0, 0),
        }
    }

    /// Offsets from a base that lands near midnight and the spring DST change of Europe
    /// (blocks are UTC: local clocks must not matter), with steps that hit the 5-hour edges
    /// exactly.
    fn arb_calls() -> impl Strategy<Value = Vec<(i64, usize)>> {
        let step = prop_oneof![
            Just(0i64),
            Just(5 * 3_600_000),     // exactly 5 h after the previous call
            Just(5 * 3_600_000 - 1), // just under
            (0i64..90).prop_map(|m| m * 60_000), // busy, whole minutes
            (180i64..420).prop_map(|m| m * 60_000), // around the idle limit
        ];
        prop::collection::vec((step, 0usize..2), 1..40).prop_map(|steps| {
            let mut at = 1_774_738_800_000i64; // 2026-03-28T23:00:00Z, on the hour
            steps
                .into_iter()
                .map(|(d, dir)| {
                    at += d;
                    (at, dir)
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn blocks_follow_the_rules_per_config_dir(calls in arb_calls()) {
            let rows: Vec<CallRow> = calls.iter().map(|&(ms, d)| call(ms, d)).collect();
            let now = DateTime::from_timestamp_millis(calls.last().unwrap().0).unwrap() + Duration::days(2);
            let out = blocks(&rows, |c| c.event.session_id.clone(), now);
            for dir in 0..2 {
                let name = format!("dir{dir}");
                let mine: Vec<_> = out.iter().filter(|b| b.config_dir == name).collect();
                let mut times: Vec<DateTime<Utc>> = calls
                    .iter()
                    .filter(|c| c.1 == dir)
                    .map(|c| DateTime::from_timestamp_millis(c.0).unwrap())
                    .collect();
                times.sort();
                // every call in exactly one block, none in a gap
                prop_assert_eq!(mine.iter().map(|b| b.calls).sum::<u64>(), times.len() as u64);
                prop_assert!(mine.iter().filter(|b| b.is_gap).all(|b| b.calls == 0));
                // blocks: on the hour, 5 h long, in order, never overlapping; gaps fill the
                // idle time between two blocks exactly
                for b in mine.iter().filter(|b| !b.is_gap) {
                    prop_assert_eq!((b.start.minute(), b.start.second()), (0, 0));
                    prop_assert_eq!(b.end - b.start, BLOCK);
                    prop_assert!(b.calls > 0);
                    let last = b.last_call.unwrap();
                    prop_assert!(b.start <= last && last < b.end, "a call at or after the end is the next block's");
                }
                for pair in mine.windows(2) {
                    prop_assert!(pair[0].end <= pair[1].start);
                    if !pair[0].is_gap && !pair[1].is_gap {
                        prop_assert_eq!(pair[0].end, pair[1].start, "idle time between two blocks is a gap");
                    }
                }
                // the reference rule: a call starts a block at or after the block's end, or
                // 5 h or more after the previous call
                let mut expected = 0u64;
                let mut end: Option<DateTime<Utc>> = None;
                let mut prev: Option<DateTime<Utc>> = None;
                for &t in &times {
                    if end.is_none_or(|e| t >= e) || prev.is_some_and(|p| t - p >= BLOCK) {
                        expected += 1;
                        end = Some(t.with_minute(0).unwrap().with_second(0).unwrap().with_nanosecond(0).unwrap() + BLOCK);
                    }
                    prev = Some(t);
                }
                prop_assert_eq!(mine.iter().filter(|b| !b.is_gap).count() as u64, expected);
            }
        }
    }
}
