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
