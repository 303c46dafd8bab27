//! The index from the outside: a process killed mid-ingest leaves it consistent, and
//! `burnbar watch` reports appends while they happen.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{assert_ok, repo};

fn export(home: &Path, data: &Path, tz: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args(["export", "--format", "csv", "--timezone", tz, "--offline"])
        .arg("--prices")
        .arg(home.join("litellm-prices.json"))
        .env_clear()
        .env("HOME", home)
        .env("BURNBAR_DATA_DIR", data)
        .output()
        .unwrap()
}

#[test]
fn a_kill_during_ingest_leaves_the_index_consistent_and_the_next_run_exact() {
    let home = repo().join("tests/fixtures/corpus/seed8-kolkata");
    let tz = "Asia/Kolkata";
    let reference = tempfile::tempdir().unwrap();
    let want = export(&home, reference.path(), tz);
    assert!(want.status.success());
    let data = tempfile::tempdir().unwrap();
    let mut interrupted = 0;
    for delay_ms in [3u64, 15, 40, 90, 150] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_burnbar"))
            .args(["export", "--timezone", tz, "--offline"])
            .arg("--prices")
            .arg(home.join("litellm-prices.json"))
            .env_clear()
            .env("HOME", &home)
            .env("BURNBAR_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        // every state the kill left behind must open and sync to the exact answer
        let got = export(&home, data.path(), tz);
        assert_ok(&got);
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "after a kill at {delay_ms} ms"
        );
        // start the next round from an interrupted cold scan again
        for f in std::fs::read_dir(data.path()).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
    }
    assert!(
        interrupted > 0,
        "no run was interrupted mid-ingest; the test proved nothing"
    );
}

#[test]
fn watch_prints_updated_totals_within_a_second_of_an_append() {
    let home = tempfile::tempdir().unwrap();
    let fixture = burnbar_test_support::fixture_home();
    copy_dir(&fixture, home.path());
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args([
            "watch",
            "--timezone",
            "UTC",
            "--now",
            burnbar_test_support::NOW,
        ])
        .arg("--prices")
        .arg(burnbar_test_support::prices_file())
        .env_clear()
        .env("HOME", home.path())
        .env("BURNBAR_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, String)>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a first snapshot");
    let v: serde_json::Value = serde_json::from_str(&first.1).unwrap();
    assert_eq!(v["calls"], 3, "{}", first.1);
    std::thread::sleep(Duration::from_millis(300)); // let the watcher settle
    let session = home
        .path()
        .join(".claude/projects/-home-dev-api-server/0a1b2c3d-0000-4000-8000-000000000002.jsonl");
    let line = serde_json::json!({
        "type": "assistant", "cwd": "/home/dev/api-server", "sessionId": "live",
        "timestamp": "2026-11-22T17:59:00.000Z",
        "message": {"id": "msg_live", "model": "claude-opus-4-6", "stop_reason": "end_turn",
                    "usage": {"input_tokens": 10, "output_tokens": 2000}}
    });
    let appended = Instant::now();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&session)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()).unwrap();
    drop(f);
    let (at, text) = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("an updated snapshot");
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["calls"], 4, "{text}");
    assert_eq!(v["lastCall"], "2026-11-22T17:59:00+00:00");
    let took = at - appended;
    assert!(took < Duration::from_secs(1), "the update took {took:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}
