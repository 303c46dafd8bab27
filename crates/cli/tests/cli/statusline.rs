//! `burnbar statusline` (issue 19): Claude Code's status JSON in, one line out, never a
//! failure.

use std::io::Write;
use std::process::Stdio;

use burnbar_test_support::{prices_file, repo};

use crate::isolated;

fn statusline(home: &std::path::Path, data: &std::path::Path, stdin: &[u8]) -> (String, bool) {
    let mut child = isolated(home, data)
        .args([
            "statusline",
            "--timezone",
            "UTC",
            "--now",
            "2026-11-22T18:00:00Z",
            "--prices",
        ])
        .arg(prices_file())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.success())
}

#[test]
fn statusline_names_session_today_and_the_five_hour_window() {
    let home = repo().join("tests/fixtures/limits-home");
    let data = tempfile::tempdir().unwrap();
    let transcript =
        home.join(".claude/projects/-home-dev-api/5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b.jsonl");
    let input = serde_json::json!({
        "hook_event_name": "Status",
        "session_id": "5f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b",
        "transcript_path": transcript,
        "cwd": "/home/dev/api",
        "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet 4.5"},
        "workspace": {"current_dir": "/home/dev/api", "project_dir": "/home/dev/api"},
        "version": "2.1.90"
    });
    let (line, ok) = statusline(&home, data.path(), input.to_string().as_bytes());
    assert!(ok);
    // six calls in the session, two of them today; the block 16:00-21:00 holds half of what
    // the window held when it ran out on the 20th
    assert_eq!(line, "$1.98 session · $0.66 today · 5h ~50% 3h0m\n");
}

#[test]
fn statusline_prints_what_it_has_on_bad_input_or_a_broken_index() {
    let home = repo().join("tests/fixtures/limits-home");
    let data = tempfile::tempdir().unwrap();
    let (line, ok) = statusline(&home, data.path(), b"{not json");
    assert!(ok, "never fails the status bar");
    assert!(line.starts_with("$0.66 today · 5h "), "{line}");
    // the data dir is a file: no index can be opened there
    let file = data.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let (line, ok) = statusline(&home, &file, b"{}");
    assert!(ok, "never fails the status bar");
    assert!(line.ends_with('\n'), "{line:?}");
}
