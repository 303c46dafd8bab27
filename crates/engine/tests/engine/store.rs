//! The index: incremental syncs equal a cold parse, merges hold across runs, history survives
//! deleted logs, prices and zones can change, and the schema is versioned.

use std::path::Path;

use burnbar_engine::{Engine, Filter, Paths, Pricer, ProviderId};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::json;

use crate::support::{
    Home, assistant, assistant_in, codex_meta, codex_tokens, codex_turn, fixtures, pricer, usage,
};

const P: &str = ".claude/projects/-home-dev-app";
const SONNET: &str = "claude-sonnet-4-5-20250929";

/// An engine over `home` whose index lives in `data` (a real SQLite file).
fn engine_at(home: &Path, data: &Path) -> Engine {
    engine_with(home, data, pricer())
}

fn engine_with(home: &Path, data: &Path, pricer: Pricer) -> Engine {
    let mut paths = Paths::for_home(home);
    paths.data = data.to_path_buf();
    Engine::open(paths, pricer)
        .unwrap()
        .with_project_probing(false)
}

/// Everything an index says, in a comparable form: export rows plus every call.
fn snapshot(engine: &mut Engine, tz: Tz) -> (String, String) {
    engine.sync(tz, None).unwrap();
    let rows = serde_json::to_string_pretty(&engine.export(&Filter::all(tz)).unwrap()).unwrap();
    let mut calls: Vec<String> = crate::support::calls(engine)
        .into_iter()
        .map(|c| format!("{:?} {:?} {:?}", c.event, c.cost, c.cost_source))
        .collect();
    calls.sort();
    (rows, calls.join("\n"))
}

fn cold(home: &Path, tz: Tz) -> (String, String) {
    let data = tempfile::tempdir().unwrap();
    snapshot(&mut engine_at(home, data.path()), tz)
}

/// A small mixed tree: streamed Claude messages, a sub-agent, a Codex rollout.
fn lines() -> Vec<(String, Vec<String>)> {
    let u = |o| usage(3, o, 1000, 200, 50);
    let claude = vec![
        assistant("2026-05-01T09:00:00.000Z", "m1", SONNET, &u(1), false),
        assistant("2026-05-01T09:00:02.000Z", "m1", SONNET, &u(20), false),
        assistant("2026-05-01T09:00:04.000Z", "m1", SONNET, &u(300), true),
        assistant(
            "2026-05-01T23:59:59.000Z",
            "m2",
            "claude-opus-4-6",
            &u(40),
            false,
        ),
        assistant(
            "2026-05-02T00:00:03.000Z",
            "m2",
            "claude-opus-4-6",
            &u(41),
            true,
        ),
        assistant(
            "2026-05-02T10:00:00.000Z",
            "m3",
            "mystery-model",
            &u(5),
            true,
        ),
    ];
    let sub = vec![assistant_in(
        "2026-05-01T09:00:01.000Z",
        "m-sub",
        "claude-haiku-4-5-20251001",
        &u(9),
        true,
        "/home/dev/app",
        "s",
    )];
    let codex = vec![
        codex_meta(
            "2026-05-01T10:00:00.000Z",
            "cx",
            &json!("/home/dev/api"),
            &json!({}),
        ),
        codex_turn("2026-05-01T10:00:01.000Z", "gpt-5.1-codex"),
        codex_tokens(
            "2026-05-01T10:00:03.000Z",
            Some([100, 20, 10, 1]),
            Some([100, 20, 10, 1]),
        ),
        codex_tokens(
            "2026-05-01T10:00:04.000Z",
            Some([100, 20, 10, 1]),
            Some([100, 20, 10, 1]),
        ),
        codex_tokens("2026-05-01T10:00:05.000Z", None, Some([350, 120, 30, 5])),
    ];
    vec![
        (format!("{P}/s.jsonl"), claude),
        (format!("{P}/s/subagents/agent-1.jsonl"), sub),
        (
            ".codex/sessions/2026/05/01/rollout-2026-05-01T10-00-00-cx.jsonl".to_string(),
            codex,
        ),
    ]
}

/// A home holding [`lines`], and an empty data dir for the index.
fn seeded() -> (Home, tempfile::TempDir) {
    let home = Home::new();
    for (rel, l) in lines() {
        home.write(&rel, &l);
    }
    (home, tempfile::tempdir().unwrap())
}

fn full_text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn incremental_syncs_of_growing_files_equal_a_cold_parse(
        cuts in prop::collection::vec(1usize..700, 1..10),
        replace_at in 0usize..6,
    ) {
        let home = Home::new();
        let data = tempfile::tempdir().unwrap();
        let mut engine = engine_at(home.path(), data.path());
        let files = lines();
        let texts: Vec<String> = files.iter().map(|(_, l)| full_text(l)).collect();
        let mut written = vec![0usize; files.len()];
        let mut sizes = cuts.iter().cycle();
        let mut round = 0;
        while written.iter().zip(&texts).any(|(w, t)| w < &t.len()) {
            for (i, (rel, _)) in files.iter().enumerate() {
                let n = (*sizes.next().unwrap()).min(texts[i].len() - written[i]);
                written[i] += n;
                let bytes = &texts[i].as_bytes()[..written[i]];
                if round == replace_at {
                    // rotation: the same content under a new inode
                    let tmp = home.path().join("tmp-replace");
                    let dest = home.path().join(rel);
                    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                    std::fs::write(&tmp, bytes).unwrap();
                    std::fs::rename(&tmp, dest).unwrap();
                } else {
                    home.write_raw(rel, bytes);
                }
            }
            engine.sync(Tz::UTC, None).unwrap();
            round += 1;
        }
        prop_assert_eq!(snapshot(&mut engine, Tz::UTC), cold(home.path(), Tz::UTC));
    }
}

#[test]
fn a_warm_sync_reads_nothing_and_an_append_reads_only_the_tail() {
    let (home, data) = seeded();
    let mut engine = engine_at(home.path(), data.path());
    let first = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(first.files_read, 3);
    let warm = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!((warm.files_read, warm.bytes_read, warm.inserted), (0, 0, 0));
    let path = home.path().join(format!("{P}/s.jsonl"));
    let before = std::fs::metadata(&path).unwrap().len();
    let extra = assistant(
        "2026-05-03T10:00:00.000Z",
        "m9",
        SONNET,
        &usage(1, 1, 0, 0, 0),
        true,
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{extra}\n").as_bytes()).unwrap();
    let append = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(append.files_read, 1);
    assert_eq!(
        append.bytes_read,
        extra.len() as u64 + 1,
        "only the appended bytes"
    );
    assert_eq!(append.inserted, 1);
    assert!(std::fs::metadata(&path).unwrap().len() > before);
}

#[test]
fn the_last_streamed_line_wins_when_it_arrives_in_a_later_run() {
    let home = Home::new();
    let data = tempfile::tempdir().unwrap();
    let mut engine = engine_at(home.path(), data.path());
    let rel = format!("{P}/s.jsonl");
    let first = assistant(
        "2026-05-01T09:00:00.000Z",
        "m1",
        SONNET,
        &usage(3, 1, 0, 0, 0),
        false,
    );
    home.write(&rel, std::slice::from_ref(&first));
    engine.sync(Tz::UTC, None).unwrap();
    let last = assistant(
        "2026-05-01T09:00:09.000Z",
        "m1",
        SONNET,
        &usage(3, 777, 0, 0, 0),
        true,
    );
    home.write(&rel, &[first, last]);
    let report = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(report.updated, 1);
    let calls = crate::support::calls(&engine);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].event.tokens.output, 777, "the final usage");
    assert_eq!(
        calls[0].event.timestamp_ms,
        crate::support::ms("2026-05-01T09:00:00.000Z"),
        "the first timestamp"
    );
    assert_eq!(calls[0].cost.unwrap().micros(), 3 * 3 + 777 * 15);
}

#[test]
fn a_torn_tail_is_not_consumed_until_it_is_complete() {
    let home = Home::new();
    let data = tempfile::tempdir().unwrap();
    let mut engine = engine_at(home.path(), data.path());
    let rel = format!("{P}/s.jsonl");
    let line = assistant(
        "2026-05-01T09:00:00.000Z",
        "m1",
        SONNET,
        &usage(3, 5, 0, 0, 0),
        true,
    );
    home.write_raw(&rel, &line.as_bytes()[..line.len() / 2]);
    let r = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(r.inserted, 0);
    home.write_raw(&rel, format!("{line}\n").as_bytes());
    let r = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(r.inserted, 1, "the completed line is read whole");
    assert_eq!(crate::support::calls(&engine).len(), 1);
}

#[test]
fn calls_stay_when_their_logs_are_deleted_and_the_report_says_so() {
    let (home, data) = seeded();
    let mut engine = engine_at(home.path(), data.path());
    engine.sync(Tz::UTC, None).unwrap();
    let before = crate::support::calls(&engine).len();
    std::fs::remove_file(home.path().join(format!("{P}/s.jsonl"))).unwrap();
    let sync = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(
        crate::support::calls(&engine).len(),
        before,
        "history is never lost"
    );
    let span = burnbar_engine::Span::of_period(burnbar_engine::Period::All, chrono::NaiveDate::MIN);
    let report = engine
        .report(
            &Filter::all(Tz::UTC),
            span,
            chrono::DateTime::UNIX_EPOCH,
            &sync,
        )
        .unwrap();
    assert_eq!(
        report.overview.index_only_calls, 3,
        "m1, m2 and m3 exist only in the index"
    );
    assert_eq!(report.overview.figures.calls as usize, before);
}

#[test]
fn costs_are_recomputed_when_the_price_table_changes() {
    let home = Home::new();
    let data = tempfile::tempdir().unwrap();
    home.write(
        &format!("{P}/s.jsonl"),
        &[assistant(
            "2026-05-01T09:00:00.000Z",
            "m1",
            "mystery-model",
            &usage(1000, 0, 0, 0, 0),
            true,
        )],
    );
    let mut engine = engine_at(home.path(), data.path());
    engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(
        crate::support::calls(&engine)[0].cost,
        None,
        "unpriced at first"
    );
    drop(engine);
    let table = burnbar_engine::pricing::PriceTable::from_litellm_json(
        r#"{"mystery-model":{"input_cost_per_token":2e-6,"output_cost_per_token":4e-6}}"#,
    )
    .unwrap();
    let mut engine = engine_with(
        home.path(),
        data.path(),
        Pricer::new(table, burnbar_engine::PriceSource::Embedded),
    );
    let sync = engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(sync.repriced, 1);
    assert_eq!(
        crate::support::calls(&engine)[0].cost.unwrap().micros(),
        2000
    );
    let rows = engine.export(&Filter::all(Tz::UTC)).unwrap();
    assert_eq!(
        rows[0].cost_usd.unwrap().micros(),
        2000,
        "the rollup follows"
    );
}

#[test]
fn changing_the_time_zone_re_buckets_days_exactly() {
    let (home, data) = seeded();
    let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
    let mut engine = engine_at(home.path(), data.path());
    engine.sync(Tz::UTC, None).unwrap();
    assert_eq!(snapshot(&mut engine, kolkata), cold(home.path(), kolkata));
    assert_eq!(snapshot(&mut engine, Tz::UTC), cold(home.path(), Tz::UTC));
}

#[test]
fn two_engines_can_share_one_index_file() {
    let (home, data) = seeded();
    let mut a = engine_at(home.path(), data.path());
    let mut b = engine_at(home.path(), data.path());
    a.sync(Tz::UTC, None).unwrap();
    let r = b.sync(Tz::UTC, None).unwrap();
    assert_eq!(r.files_read, 0, "b sees a's cursors");
    assert_eq!(crate::support::calls(&a), crate::support::calls(&b));
}

#[test]
fn a_fresh_index_is_at_the_latest_schema_and_a_newer_one_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("usage.sqlite");
    let store = burnbar_engine::store::Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        burnbar_engine::store::SCHEMA_VERSION
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(
        None,
        "user_version",
        burnbar_engine::store::SCHEMA_VERSION + 1,
    )
    .unwrap();
    drop(conn);
    let err = burnbar_engine::store::Store::open(&path).unwrap_err();
    assert!(err.to_string().contains("newer than this build"), "{err}");
}

#[test]
fn a_new_index_gets_the_larger_page_size_and_an_old_one_keeps_its_own() {
    let data = tempfile::tempdir().unwrap();
    let page_size = |path: &Path| -> i64 {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    let new = data.path().join("new.sqlite");
    drop(burnbar_engine::store::Store::open(&new).unwrap());
    assert_eq!(page_size(&new), burnbar_engine::store::PAGE_SIZE);
    assert_ne!(
        burnbar_engine::store::PAGE_SIZE,
        4096,
        "the test needs two sizes"
    );
    // an index written before, with 4 KiB pages and WAL on (a database of someone else's
    // tables would be refused: it is not an index)
    let old = data.path().join("old.sqlite");
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.pragma_update(None, "page_size", 4096).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    drop(conn);
    assert!(
        std::fs::metadata(&old).unwrap().len() > 0,
        "its header is written"
    );
    drop(burnbar_engine::store::Store::open(&old).unwrap());
    assert_eq!(page_size(&old), 4096);
    // and both work as indexes
    let (home, _) = seeded();
    for dir in ["a", "b"] {
        let mut paths = Paths::for_home(home.path());
        paths.data = data.path().join(dir);
        std::fs::create_dir_all(&paths.data).unwrap();
        if dir == "b" {
            std::fs::copy(&old, paths.data.join(burnbar_engine::store::FILE_NAME)).unwrap();
        }
        let mut engine = Engine::open(paths, pricer())
            .unwrap()
            .with_project_probing(false);
        assert!(engine.sync(Tz::UTC, None).unwrap().inserted > 0);
    }
}

#[test]
fn the_committed_corpus_through_an_on_disk_index_twice_is_stable() {
    let dir = fixtures().join("corpus/seed21-newyork-dst");
    let data = tempfile::tempdir().unwrap();
    let tz: Tz = "America/New_York".parse().unwrap();
    let prices = Pricer::pinned(&dir.join("litellm-prices.json")).unwrap();
    let mut engine = engine_with(&dir, data.path(), prices);
    let first = snapshot(&mut engine, tz);
    let sync = engine.sync(tz, None).unwrap();
    assert_eq!(sync.files_read, 0);
    assert_eq!(snapshot(&mut engine, tz), first);
    assert!(
        crate::support::calls(&engine)
            .iter()
            .all(|c| c.event.provider == ProviderId::ClaudeCode
                || c.event.provider == ProviderId::Codex)
    );
}

#[test]
fn reporting_in_a_zone_the_index_was_not_synced_in_is_an_error_not_a_shifted_answer() {
    let (home, data) = seeded();
    let mut engine = engine_at(home.path(), data.path());
    engine.sync(Tz::UTC, None).unwrap();
    let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
    let err = engine.export(&Filter::all(tokyo)).unwrap_err();
    assert!(err.to_string().contains("sync with Asia/Tokyo"), "{err}");
    engine.sync(tokyo, None).unwrap();
    assert!(engine.export(&Filter::all(tokyo)).is_ok());
}

/// A full sync that finds nothing new writes nothing (no WAL frame): back-to-back warm runs
/// and the tray's safety rescans leave the index as it was.
#[test]
fn a_sync_that_changes_nothing_writes_nothing() {
    let home = crate::support::Home::new();
    crate::support::one_claude_call(&home, None);
    let mut paths = burnbar_engine::Paths::for_home(home.path());
    paths.data = home.path().join("data");
    let mut engine = burnbar_engine::Engine::open(paths, burnbar_test_support::pricer()).unwrap();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    // the database and its WAL (the `-shm` index changes with every read: not a write)
    let bytes = || {
        let mut files: Vec<_> = std::fs::read_dir(home.path().join("data"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with("-shm"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| (p.clone(), std::fs::read(p).unwrap()))
            .collect::<Vec<_>>()
    };
    let before = bytes();
    assert!(!engine.sync(chrono_tz::Tz::UTC, None).unwrap().changed());
    assert!(bytes() == before, "the index files changed");
}
