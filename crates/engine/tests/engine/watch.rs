//! The watch loop on a real file system: a root that appears later is picked up, appends are
//! synced, and dropping the handle stops the loop.

use std::sync::mpsc;
use std::time::Duration;

use burnbar_engine::watch::{self, WatchEvent, WatchOptions};
use burnbar_engine::{Engine, Paths};
use chrono_tz::Tz;

use crate::support::{Home, assistant, pricer, usage};

/// A watch loop over `home` (its index in a temporary data dir) that sends the number of
/// stored calls after every sync; keep the returned data dir alive as long as the loop.
fn counting_watch(
    home: &Home,
    opts: WatchOptions,
) -> (watch::WatchHandle, mpsc::Receiver<usize>, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut paths = Paths::for_home(home.path());
    paths.data = data.path().to_path_buf();
    let engine = Engine::open(paths, pricer()).unwrap();
    let (tx, rx) = mpsc::channel::<usize>();
    let handle = watch::spawn(engine, opts, move |engine, event| {
        if let WatchEvent::Synced(_) = event {
            let _ = tx.send(crate::support::calls(engine).len());
        }
    })
    .unwrap();
    (handle, rx, data)
}

#[test]
fn a_root_created_after_start_is_watched_and_its_appends_are_synced() {
    let home = Home::new();
    let mut opts = WatchOptions::new(Tz::UTC);
    opts.missing_roots_every = Duration::from_millis(100);
    let (handle, rx, _data) = counting_watch(&home, opts);
    let wait = Duration::from_secs(10);
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        0,
        "the first sync always reports"
    );
    // ~/.claude/projects does not exist yet: create it with a transcript
    let rel = ".claude/projects/-w/s.jsonl";
    crate::support::one_claude_call(&home, Some(rel));
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        1,
        "the new root was found and read"
    );
    // now an append, delivered by the watcher
    let path = home.path().join(rel);
    let line = assistant(
        "2026-05-01T10:01:00.000Z",
        "m2",
        "claude-opus-4-6",
        &usage(1, 2, 0, 0, 0),
        true,
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()).unwrap();
    drop(f);
    assert_eq!(rx.recv_timeout(wait).unwrap(), 2);
    // no writes, no syncs: reading our own files must not wake the loop
    assert!(
        rx.recv_timeout(Duration::from_millis(1500)).is_err(),
        "an idle watch reported a change"
    );
    drop(handle);
    assert!(
        matches!(
            rx.recv_timeout(Duration::from_secs(2)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        ),
        "dropping the handle stops the loop (and drops its callback)"
    );
}

/// Issue 22: between log writes the loop sleeps. After its first sync and one append, an idle
/// tree for 2 s must not wake the loop's thread at all (no periodic tick; the safety nets are
/// minutes and seconds away), and the next append still arrives.
#[test]
fn issue_22_an_idle_watch_loop_does_not_wake() {
    let home = Home::new();
    let rel = ".claude/projects/-w/s.jsonl";
    let u = usage(1, 2, 0, 0, 0);
    let line = |id: &str| assistant("2026-05-01T10:00:00.000Z", id, "claude-opus-4-6", &u, true);
    home.write(rel, &[line("m1")]);
    let mut opts = WatchOptions::new(Tz::UTC);
    // every other tool's root is missing: their check must not become a tick either
    opts.missing_roots_every = Duration::from_secs(60);
    let (handle, rx, _data) = counting_watch(&home, opts);
    let wait = Duration::from_secs(10);
    assert_eq!(rx.recv_timeout(wait).unwrap(), 1, "the first sync");
    let append = |id: &str| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(home.path().join(rel))
            .unwrap();
        std::io::Write::write_all(&mut f, format!("{}\n", line(id)).as_bytes()).unwrap();
    };
    append("m2");
    assert_eq!(rx.recv_timeout(wait).unwrap(), 2, "an append is synced");
    // let the events of our own reads settle, then count
    std::thread::sleep(Duration::from_millis(500));
    let before = handle.wakeups();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        handle.wakeups(),
        before,
        "the loop woke while nothing was written"
    );
    append("m3");
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        3,
        "and still sees the next append"
    );
}

/// Issue 17, item 6: after `rm -rf ~/.claude` and recreating it with a new transcript, the
/// watch sees it at once (not at the next safety-net check), and later appends too.
#[test]
fn issue_17_a_root_deleted_and_recreated_is_watched_again() {
    let home = Home::new();
    let u = usage(1, 2, 0, 0, 0);
    let line = |id: &str| assistant("2026-05-01T10:00:00.000Z", id, "claude-opus-4-6", &u, true);
    home.write(".claude/projects/-w/s.jsonl", &[line("m1")]);
    let mut opts = WatchOptions::new(Tz::UTC);
    // the periodic check is out of reach of this test: only events can bring the root back
    opts.missing_roots_every = Duration::from_secs(600);
    let (_handle, rx, _data) = counting_watch(&home, opts);
    let wait = Duration::from_secs(10);
    assert_eq!(rx.recv_timeout(wait).unwrap(), 1, "the first sync");
    std::fs::remove_dir_all(home.path().join(".claude")).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    home.write(".claude/projects/-w/t.jsonl", &[line("m2")]);
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        2,
        "the recreated root is read (the deleted file's call stays in the index)"
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(home.path().join(".claude/projects/-w/t.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{}\n", line("m3")).as_bytes()).unwrap();
    drop(f);
    assert_eq!(rx.recv_timeout(wait).unwrap(), 3, "and it is watched again");
}

/// Issue 17, items 4 and 5: a watch loop (and so the tray) started while the on-disk index
/// fails runs on a temporary in-memory index only until the index works again: the loop goes
/// back to it by itself, without any log being written, and fills it.
#[test]
fn issue_17_a_watch_on_a_failed_index_goes_back_to_it() {
    let home = Home::new();
    crate::support::one_claude_call(&home, None);
    let data = tempfile::tempdir().unwrap();
    let index = data.path().join("usage.sqlite");
    // something else's database where the index belongs
    let foreign = rusqlite::Connection::open(&index).unwrap();
    foreign.execute_batch("CREATE TABLE notes (x)").unwrap();
    drop(foreign);
    let mut paths = Paths::for_home(home.path());
    paths.data = data.path().to_path_buf();
    let engine = Engine::open_or_fallback(paths, pricer()).unwrap();
    let reason = engine.fallback().map(|f| f.reason.clone());
    assert!(
        reason
            .as_deref()
            .is_some_and(|r| r.contains("not a Burnbar index")),
        "{reason:?}"
    );
    let mut opts = WatchOptions::new(Tz::UTC);
    opts.missing_roots_every = Duration::from_millis(100);
    let (tx, rx) = mpsc::channel::<(bool, usize)>();
    let _handle = watch::spawn(engine, opts, move |engine, event| {
        if let WatchEvent::Synced(_) = event {
            let _ = tx.send((
                engine.fallback().is_some(),
                crate::support::calls(engine).len(),
            ));
        }
    })
    .unwrap();
    let wait = Duration::from_secs(10);
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        (true, 1),
        "the numbers, from the fallback"
    );
    // the user moves the foreign file away
    std::fs::remove_file(&index).unwrap();
    assert_eq!(
        rx.recv_timeout(wait).unwrap(),
        (false, 1),
        "back on the index, filled"
    );
    let stored: i64 = rusqlite::Connection::open(&index)
        .unwrap()
        .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 1, "the on-disk index holds the call");
}
