//! `burnbar limits` (issue 19): the JSON contract scripts read and the words people see.

use serde_json::{Value, json};

use crate::{assert_ok, at_now, write_jsonl};

/// A home with a Codex snapshot (42 % of the 5-hour window, resets 20:00) and a Claude Code
/// session that ran out of its 5-hour window at 17:10 (resets 19:00).
fn home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let codex = home.path().join(".codex/sessions/2026/11/22");
    let lines = [
        json!({"timestamp": "2026-11-22T16:00:00.000Z", "type": "session_meta",
               "payload": {"id": "r1", "timestamp": "2026-11-22T16:00:00.000Z", "cwd": "/w",
                           "originator": "codex_cli_rs", "cli_version": "0.63.0"}}),
        json!({"timestamp": "2026-11-22T17:30:00.000Z", "type": "event_msg",
               "payload": {"type": "token_count", "info": null,
                           "rate_limits": {"primary": {"used_percent": 42.0, "window_minutes": 300,
                                                       "resets_at": 1_795_377_600},
                                           "secondary": {"used_percent": 7.0,
                                                         "window_minutes": 10080,
                                                         "resets_in_seconds": 172_800}}}}),
    ];
    write_jsonl(&codex.join("rollout-2026-11-22T16-00-00-r1.jsonl"), &lines);
    let claude = home.path().join(".claude/projects/-w");
    let lines = [
        json!({"type": "assistant", "timestamp": "2026-11-22T16:05:00.000Z", "sessionId": "s",
               "cwd": "/w", "message": {"id": "m1", "model": "claude-sonnet-4-5",
               "stop_reason": "end_turn", "content": [],
               "usage": {"input_tokens": 100_000, "output_tokens": 1_000}}}),
        json!({"type": "assistant", "timestamp": "2026-11-22T17:10:00.000Z", "sessionId": "s",
               "cwd": "/w", "isApiErrorMessage": true, "error": "rate_limit",
               "message": {"id": "m2", "model": "<synthetic>", "content": [
                   {"type": "text", "text": "You've hit your limit · resets 7pm (UTC)"}],
               "usage": {"input_tokens": 0, "output_tokens": 0}}}),
    ];
    write_jsonl(&claude.join("s.jsonl"), &lines);
    home
}

fn limits(format: &str) -> String {
    let home = home();
    let data = tempfile::tempdir().unwrap();
    let out = at_now(home.path(), data.path(), "limits")
        .args(["--offline", "--format", format])
        .output()
        .unwrap();
    assert_ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn limits_json_keeps_the_documented_keys() {
    let doc: Value = serde_json::from_str(&limits("json")).unwrap();
    let windows = doc["windows"].as_array().unwrap();
    let find = |tool: &str, kind: &str| {
        windows
            .iter()
            .find(|w| w["tool"] == tool && w["kind"] == kind)
            .unwrap_or_else(|| panic!("no {tool} {kind} in {doc:#}"))
            .clone()
    };
    let five = find("codex", "5h");
    assert_eq!(five["usedPercent"], 42.0);
    assert_eq!(five["resetsAt"], "2026-11-22T20:00:00Z");
    assert_eq!(five["source"], "log");
    assert_eq!(five["observedAt"], "2026-11-22T17:30:00Z");
    let forecast = five["forecast"].as_object().unwrap();
    assert!(forecast.contains_key("hitAt") && forecast.contains_key("endPercent"));
    assert_eq!(find("codex", "weekly")["resetsAt"], "2026-11-24T17:30:00Z");
    let claude = find("claude-code", "5h");
    assert_eq!(claude["usedPercent"], 100.0);
    assert_eq!(claude["source"], "log");
    assert_eq!(claude["resetsAt"], "2026-11-22T19:00:00Z");
    let weekly = find("claude-code", "weekly");
    assert_eq!(weekly["usedPercent"], Value::Null);
    assert_eq!(weekly["source"], "estimated");
    assert_eq!(doc["hits"][0]["at"], "2026-11-22T17:10:00Z");
}

#[test]
fn limits_text_names_the_windows_resets_and_the_notice() {
    let text = limits("text");
    for want in [
        "Codex",
        "42% log · resets in 2h 0m (20:00)",
        "Claude Code",
        "100% log · resets in 1h 0m (19:00)",
        "rolling 7 days",
        "Claude Code 5h: limit hit at 17:10, resets 19:00",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
}

/// `--live` against a loopback endpoint that refuses the token and echoes it back: the user
/// reads "sign in again", and no output, log line or index byte holds the token.
#[test]
fn limits_live_says_sign_in_again_and_never_shows_the_token() {
    use burnbar_test_support::fake_http::{reply, serve};
    const TOKEN: &str = "sk-ant-oat01-CLI-SECRET";
    let home = home();
    std::fs::write(
        home.path().join(".claude/.credentials.json"),
        format!(r#"{{"claudeAiOauth":{{"accessToken":"{TOKEN}","refreshToken":"R-SECRET"}}}}"#),
    )
    .unwrap();
    let claude = serve(vec![reply(401, TOKEN)]);
    let codex = serve(vec![reply(500, "{}")]);
    let data = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        at_now(home.path(), data.path(), "limits")
            .env("BURNBAR_CLAUDE_USAGE_URL", &claude.url)
            .env("BURNBAR_CODEX_USAGE_URL", &codex.url)
            .env("RUST_LOG", "trace")
            .args(extra)
            .output()
            .unwrap()
    };
    // --offline never asks, even with --live
    let out = run(&["--live", "--offline"]);
    assert!(out.status.success());
    assert!(claude.requests().is_empty(), "--offline sent a request");
    let out = run(&["--live"]);
    assert_ok(&out);
    assert_eq!(claude.requests().len(), 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Claude Code live figures (18:00): sign in to Claude Code again"),
        "{text}"
    );
    let everything = [out.stdout, out.stderr].concat();
    assert!(
        !String::from_utf8_lossy(&everything).contains("SECRET"),
        "a token was shown"
    );
    for entry in std::fs::read_dir(data.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(6).any(|w| w == b"SECRET"),
            "a token was written"
        );
    }
}
