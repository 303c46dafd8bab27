//! `burnbar statusline` (issue 19): Claude Code's status JSON in, one line out, never a
//! failure.

use std::io::Write;
use std::process::Stdio;

use burnbar_test_support::repo;

use crate::{at_now, write_jsonl};

fn statusline(home: &std::path::Path, data: &std::path::Path, stdin: &[u8]) -> (String, bool) {
    let mut child = at_now(home, data, "statusline")
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

#[test]
fn statusline_shows_the_fullest_window_when_the_sessions_own_is_idle() {
    let home = tempfile::tempdir().unwrap();
    let codex = home.path().join(".codex/sessions/2026/11/22");
    let rollout = [
        serde_json::json!({"timestamp": "2026-11-22T16:00:00.000Z", "type": "session_meta",
            "payload": {"id": "r1", "cwd": "/w", "originator": "codex_cli_rs"}}),
        serde_json::json!({"timestamp": "2026-11-22T17:30:00.000Z", "type": "event_msg",
            "payload": {"type": "token_count", "info": null, "rate_limits": {"primary":
                {"used_percent": 42.0, "window_minutes": 300, "resets_at": 1_795_377_600}}}}),
    ];
    write_jsonl(
        &codex.join("rollout-2026-11-22T16-00-00-r1.jsonl"),
        &rollout,
    );
    // the session's last call was two days ago: no 5-hour block runs for it
    let claude = home.path().join(".claude/projects/-w");
    let call = serde_json::json!({"type": "assistant", "timestamp": "2026-11-20T10:00:00.000Z",
        "sessionId": "s", "cwd": "/w", "message": {"id": "m1", "model": "claude-sonnet-4-5",
        "stop_reason": "end_turn", "content": [], "usage": {"input_tokens": 1000, "output_tokens": 10}}});
    write_jsonl(&claude.join("s.jsonl"), &[call]);
    let data = tempfile::tempdir().unwrap();
    let input = serde_json::json!({"session_id": "s", "transcript_path": claude.join("s.jsonl")});
    let (line, ok) = statusline(home.path(), data.path(), input.to_string().as_bytes());
    assert!(ok);
    assert_eq!(line, "<$0.01 session · $0.00 today · 5h 42% 2h0m\n");
}
