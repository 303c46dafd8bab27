//! Issue 17 (hardening) at the engine's depth: each test is named after the item it guards.

use burnbar_engine::ProviderId;
use chrono_tz::Tz;

use crate::support::{Home, assistant, usage};

const P: &str = ".claude/projects/-home-dev-app";

fn line(id: &str) -> String {
    assistant(
        "2026-05-01T10:00:00.000Z",
        id,
        "claude-sonnet-4-5",
        &usage(10, 20, 0, 0, 0),
        true,
    )
}

fn append(home: &Home, rel: &str, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(home.path().join(rel))
        .unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
}

/// Item 10: a line seen while it was still being written is not counted as malformed once it
/// is complete: a warm index's diagnostics equal a cold run's over the same bytes.
#[test]
fn issue_17_a_torn_tail_is_not_counted_as_malformed_once_complete() {
    let home = Home::new();
    let rel = format!("{P}/s.jsonl");
    let whole = line("m2");
    let (head, rest) = whole.split_at(whole.len() / 2);
    home.write(&rel, &[line("m1")]);
    append(&home, &rel, head.as_bytes());
    let mut warm = home.engine();
    let first = warm.sync(Tz::UTC, None).unwrap();
    assert_eq!(
        first.warnings.len(),
        1,
        "the half line is reported while it is one"
    );
    assert!(first.warnings[0].tail);
    append(&home, &rel, format!("{rest}\n").as_bytes());
    warm.sync(Tz::UTC, None).unwrap();
    let mut cold = home.engine();
    let tz = Tz::UTC;
    let now = crate::support::ms("2026-05-02T00:00:00Z");
    let now = chrono::DateTime::from_timestamp_millis(now).unwrap();
    let warm_report = crate::support::report_all(&mut warm, tz, now);
    let cold_report = crate::support::report_all(&mut cold, tz, now);
    assert_eq!(warm_report.overview.figures.calls, 2);
    assert_eq!(
        format!("{:?}", warm_report.diagnostics.skipped),
        format!("{:?}", cold_report.diagnostics.skipped),
        "warm and cold diagnostics differ"
    );
    assert!(warm_report.diagnostics.skipped.is_empty());
}

/// Item 10, the other way round: a last line that stays torn (a crash) is still reported, once,
/// however many times the file is read again.
#[test]
fn issue_17_a_torn_last_line_that_stays_torn_is_counted_once() {
    let home = Home::new();
    let rel = format!("{P}/s.jsonl");
    home.write(&rel, &[line("m1")]);
    append(&home, &rel, b"{\"type\":\"assistant\",\"mess");
    let mut engine = home.engine();
    let tz = Tz::UTC;
    let now = chrono::DateTime::from_timestamp_millis(crate::support::ms("2026-05-02T00:00:00Z"))
        .unwrap();
    for round in 0..3 {
        // the file changes around its torn line (its mtime), so it is read again each time
        home.set_mtime(&rel, 1_800_000_000 + round);
        let r = crate::support::report_all(&mut engine, tz, now);
        let counts: Vec<u64> = r.diagnostics.skipped.iter().map(|s| s.count).collect();
        assert_eq!(counts, vec![1], "{:?}", r.diagnostics.skipped);
    }
}

/// Item 14: after an incremental read, a bad line is reported with its line number in the
/// file, not counted from where reading resumed.
#[test]
fn issue_17_warnings_after_a_resumed_read_carry_absolute_line_numbers() {
    let home = Home::new();
    let rel = format!("{P}/s.jsonl");
    let lines: Vec<String> = (0..100).map(|i| line(&format!("m{i}"))).collect();
    home.write(&rel, &lines);
    let mut engine = home.engine();
    let first = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(first.inserted, 100);
    append(&home, &rel, b"this is not json\n");
    append(&home, &rel, format!("{}\n", line("m100")).as_bytes());
    let second = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(second.inserted, 1);
    assert_eq!(second.warnings.len(), 1, "{:?}", second.warnings);
    assert_eq!(
        second.warnings[0].line, 101,
        "the bad line is line 101 of the file"
    );
    assert_eq!(second.warnings[0].provider, ProviderId::ClaudeCode);
}

/// Item 3: a call dated 9999-12-31 or 0001-01-01 (or a day ahead of now, or before any of the
/// tools existed) is bad input: skipped and counted, so `--period all` still spans the real
/// history, not millennia of empty days.
#[test]
fn issue_17_far_dated_calls_are_skipped_and_counted() {
    let home = Home::new();
    let rel = format!("{P}/s.jsonl");
    let at =
        |ts: &str, id: &str| assistant(ts, id, "claude-sonnet-4-5", &usage(10, 20, 0, 0, 0), true);
    home.write(
        &rel,
        &[
            at("2026-05-01T10:00:00.000Z", "ok1"),
            at("2026-06-01T23:00:00.000Z", "ok2"),
            at("9999-12-31T23:59:59.000Z", "far"),
            at("0001-01-01T00:00:00.000Z", "ancient"),
            at("2019-12-31T23:00:00.000Z", "early"),
            at("2026-06-03T00:00:00.000Z", "tomorrow-and-more"),
        ],
    );
    let now: chrono::DateTime<chrono::Utc> = "2026-06-01T12:00:00Z".parse().unwrap();
    let mut engine = home
        .engine()
        .with_clock(std::sync::Arc::new(burnbar_engine::FixedClock(now)));
    let r = crate::support::report_all(&mut engine, Tz::UTC, now);
    assert_eq!(r.overview.figures.calls, 2, "the two plausible calls");
    let skipped: Vec<(String, u64)> = r
        .diagnostics
        .skipped
        .iter()
        .map(|s| (format!("{:?}", s.kind), s.count))
        .collect();
    assert_eq!(skipped, vec![("InvalidRecord".to_string(), 4)]);
    assert!(
        r.daily.len() <= 32,
        "all time is May 1 to June 1, not millennia: {} days",
        r.daily.len()
    );
}

/// Item 9: an absurd token count (u64::MAX), a negative one, a string or a boolean makes that
/// call corrupt: skipped and counted, while the other calls' totals stay exact (no saturated
/// or negative spend, no total below its parts).
#[test]
fn issue_17_absurd_token_counts_are_skipped_and_never_swallow_other_calls() {
    let home = Home::new();
    let rel = format!("{P}/s.jsonl");
    let with_input = |id: &str, input: serde_json::Value| {
        let mut u = usage(10, 20, 0, 0, 0);
        u["input_tokens"] = input;
        assistant(
            "2026-05-01T10:00:00.000Z",
            id,
            "claude-sonnet-4-5",
            &u,
            true,
        )
    };
    home.write(
        &rel,
        &[
            line("good"),
            with_input("max", serde_json::json!(18_446_744_073_709_551_615_u64)),
            with_input("negative", serde_json::json!(-5)),
            with_input("string", serde_json::json!("12")),
            with_input("bool", serde_json::json!(true)),
        ],
    );
    let mut engine = home.engine();
    let now = chrono::DateTime::from_timestamp_millis(crate::support::ms("2026-05-02T00:00:00Z"))
        .unwrap();
    let r = crate::support::report_all(&mut engine, Tz::UTC, now);
    let f = &r.overview.figures;
    assert_eq!(f.calls, 1, "only the good call");
    assert_eq!((f.tokens.input, f.tokens.output), (10, 20));
    assert!(f.tokens.total >= f.tokens.input);
    let clean = Home::new();
    clean.write(&rel, &[line("good")]);
    let mut alone = clean.engine();
    let expected = crate::support::report_all(&mut alone, Tz::UTC, now);
    assert_eq!(
        f.cost, expected.overview.figures.cost,
        "exactly the good call's cost"
    );
    let skipped: u64 = r.diagnostics.skipped.iter().map(|s| s.count).sum();
    assert_eq!(skipped, 4);
}

/// Item 7: half an emoji (`"\ud83d x"`, as Node's JSON.stringify writes a lone surrogate) in
/// an assistant's text must not drop the line: the call and its usage are kept, exactly.
#[test]
fn issue_17_a_lone_surrogate_escape_keeps_the_call() {
    let home = Home::new();
    let rel = format!("{P}/s.jsonl");
    let clean = line("m1");
    // the text block "ok" becomes half an emoji and a space
    let torn = line("m2").replace(r#""text":"ok""#, r#""text":"\ud83d x""#);
    assert!(torn.contains(r"\ud83d x"), "{torn}");
    home.write(&rel, &[clean, torn]);
    let data = home.load();
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    let keys: Vec<&str> = data.calls.iter().map(|c| c.event.key.as_str()).collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let tokens: u64 = data.calls.iter().map(|c| c.event.tokens.output).sum();
    assert_eq!(tokens, 40);
}

/// A hostile line and whether it is counted as skipped (a lone surrogate in a text is
/// repaired, so that call counts as a valid one).
fn hostile(kind: u8, n: usize) -> (String, bool) {
    let valid_with = |input: serde_json::Value| {
        let mut u = usage(10, 20, 0, 0, 0);
        u["input_tokens"] = input;
        assistant(
            "2026-05-01T10:00:00.000Z",
            &format!("h{n}"),
            "claude-sonnet-4-5",
            &u,
            true,
        )
    };
    match kind % 7 {
        0 => ("not json at all <<<<<<< HEAD".to_string(), true),
        1 => ("\0\0\0\0".to_string(), true),
        2 => (
            assistant(
                "9999-12-31T23:59:59.000Z",
                &format!("h{n}"),
                "claude-sonnet-4-5",
                &usage(10, 20, 0, 0, 0),
                true,
            ),
            true,
        ),
        3 => (valid_with(serde_json::json!(u64::MAX)), true),
        4 => (valid_with(serde_json::json!(-3)), true),
        5 => (r#"{"type":"assistant","message":"#.to_string(), true),
        _ => (
            line(&format!("h{n}")).replace(r#""text":"ok""#, r#""text":"\udc00!""#),
            false,
        ),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any mix of valid calls and hostile lines gives exactly the valid calls' totals, with
    /// every hostile line counted as skipped.
    #[test]
    fn issue_17_hostile_lines_never_change_the_valid_calls_totals(
        mix in proptest::collection::vec(proptest::option::of(0u8..7), 1..40),
    ) {
        let home = Home::new();
        let rel = format!("{P}/s.jsonl");
        let (mut lines, mut valid, mut skipped) = (Vec::new(), 0u64, 0u64);
        for (n, slot) in mix.iter().enumerate() {
            match slot {
                None => {
                    lines.push(line(&format!("v{n}")));
                    valid += 1;
                }
                Some(kind) => {
                    let (text, counted) = hostile(*kind, n);
                    lines.push(text);
                    if counted {
                        skipped += 1;
                    } else {
                        valid += 1;
                    }
                }
            }
        }
        home.write(&rel, &lines);
        let mut engine = home.engine();
        let now = chrono::DateTime::from_timestamp_millis(
            crate::support::ms("2026-05-02T00:00:00Z"),
        )
        .unwrap();
        let r = crate::support::report_all(&mut engine, Tz::UTC, now);
        let f = &r.overview.figures;
        proptest::prop_assert_eq!(f.calls, valid);
        proptest::prop_assert_eq!((f.tokens.input, f.tokens.output), (10 * valid, 20 * valid));
        let counted: u64 = r.diagnostics.skipped.iter().map(|s| s.count).sum();
        proptest::prop_assert_eq!(counted, skipped);
    }
}

/// An engine over `home` with its index on disk in `data`.
fn on_disk(home: &Home, data: &std::path::Path) -> burnbar_engine::Engine {
    let mut paths = burnbar_engine::Paths::for_home(home.path());
    paths.data = data.to_path_buf();
    burnbar_engine::Engine::open(paths, crate::support::pricer())
        .unwrap()
        .with_project_probing(false)
}

/// Item 1: two project directories whose names are not UTF-8 and differ only in the
/// undecodable byte are both read, and stay two files in the index: a second run neither
/// fails nor reads them again.
#[cfg(unix)]
#[test]
fn issue_17_paths_that_are_not_utf8_are_read_and_kept_apart() {
    use std::os::unix::ffi::OsStrExt;
    let home = Home::new();
    let projects = home.path().join(".claude/projects");
    for (name, id) in [(&b"bad\xff"[..], "m1"), (&b"bad\xfe"[..], "m2")] {
        let dir = projects.join(std::ffi::OsStr::from_bytes(name));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.jsonl"), format!("{}\n", line(id))).unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let mut engine = on_disk(&home, data.path());
    let first = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(first.inserted, 2, "both files read");
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    drop(engine);
    let mut engine = on_disk(&home, data.path());
    let second = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(
        (second.files_read, second.inserted),
        (0, 0),
        "known, unchanged"
    );
    assert_eq!(crate::support::calls(&engine).len(), 2);
}

/// Item 11: a project directory that is a link (to a directory elsewhere) is read, as is a
/// second link to it only once; a link loop ends.
#[cfg(unix)]
#[test]
fn issue_17_linked_project_directories_are_read_once() {
    let home = Home::new();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(
        elsewhere.path().join("s.jsonl"),
        format!("{}\n{}\n", line("m1"), line("m2")),
    )
    .unwrap();
    let projects = home.path().join(".claude/projects");
    std::fs::create_dir_all(&projects).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), projects.join("-home-dev-app")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), projects.join("-home-dev-app-copy")).unwrap();
    std::os::unix::fs::symlink(&projects, elsewhere.path().join("loop")).unwrap();
    let data = home.load();
    let calls = data.calls_of(ProviderId::ClaudeCode);
    assert_eq!(calls.len(), 2);
    assert!(
        calls.iter().all(|c| c.event.project == "/home/dev/app"),
        "the link's name is the project"
    );
    let claude = data
        .sources
        .iter()
        .find(|s| s.provider == ProviderId::ClaudeCode)
        .unwrap();
    assert_eq!(claude.files, 1, "one file, once");
}
