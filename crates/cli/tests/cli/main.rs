//! The `burnbar` binary on tests/fixtures/home: snapshots of what people and scripts see, and
//! the errors a user can run into.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)] // test helpers panic; tests read PATH

mod broken_index;
mod budget;
mod compare;
mod hostile;
mod index;
mod limits;
mod optimize;
mod packaging;
mod statusline;
mod team;
mod ui_fixtures;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use burnbar_test_support::{NOW, fixture_home, prices_file, repo};

/// The variables through which the caller's own setup could leak into a test run.
const CALLER_VARS: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "GEMINI_DATA_DIR",
    "OPENCODE_DATA_DIR",
    "QWEN_DATA_DIR",
    "BURNBAR_PRICES",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "TZ",
    "BURNBAR_CLAUDE_USAGE_URL",
    "BURNBAR_CODEX_USAGE_URL",
];

/// `burnbar` on the fake `home`, its index in `data` (never in the fixture tree), with none of
/// the caller's tool, XDG or zone overrides and no stdin.
fn isolated(home: &Path, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_burnbar"));
    for var in CALLER_VARS {
        c.env_remove(var);
    }
    c.env("HOME", home)
        .env("BURNBAR_DATA_DIR", data)
        .stdin(Stdio::null());
    c
}

/// `burnbar COMMAND` on `home` (index in `data`) at the fixed clock ([`NOW`], days in UTC)
/// with the frozen prices; more arguments may follow.
fn at_now(home: &Path, data: &Path, command: &str) -> Command {
    let mut c = isolated(home, data);
    c.args([command, "--timezone", "UTC", "--now", NOW, "--prices"])
        .arg(prices_file());
    c
}

/// `burnbar` on tests/fixtures/home with the frozen prices and a fixed clock.
fn burnbar(args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    isolated(&fixture_home(), data.path())
        .args(args)
        .arg("--prices")
        .arg(prices_file())
        .args(["--now", NOW])
        .output()
        .unwrap()
}

/// Writes `lines` as JSON lines to `path`, creating its directory.
fn write_jsonl(path: &Path, lines: &[serde_json::Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = lines
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect::<String>();
    std::fs::write(path, text).unwrap();
}

/// Fails the test, with the command's stderr, unless `out` is a success.
fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "burnbar failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stdout with machine-specific paths replaced.
fn stdout(o: &Output) -> String {
    assert_ok(o);
    redact(&String::from_utf8_lossy(&o.stdout))
}

fn redact(s: &str) -> String {
    s.replace(repo().to_str().unwrap(), "<repo>")
}

#[test]
fn report_text_for_the_week() {
    let o = burnbar(&["report", "--period", "week", "--timezone", "UTC"]);
    insta::assert_snapshot!("report_week_text", stdout(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("skipped 2 unreadable log lines in 2 files"),
        "{err}"
    );
}

#[test]
fn report_is_the_default_command() {
    let a = burnbar(&["--period", "week", "--timezone", "UTC"]);
    let b = burnbar(&["report", "--period", "week", "--timezone", "UTC"]);
    assert_eq!(stdout(&a), stdout(&b));
}

#[test]
fn report_json_is_the_popover_payload() {
    let o = burnbar(&[
        "report",
        "--period",
        "week",
        "--timezone",
        "UTC",
        "--format",
        "json",
    ]);
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "burnbar.report.v1");
    assert_eq!(v["overview"]["calls"], 14);
    assert_eq!(v["daily"].as_array().unwrap().len(), 7);
    insta::assert_snapshot!("report_week_json", text);
}

#[test]
fn report_today_in_another_time_zone() {
    // 18:00 UTC on the 22nd is 03:00 on the 23rd in Tokyo (UTC+9), so "today" there is the
    // 23rd and holds nothing yet.
    let tokyo = burnbar(&[
        "report",
        "--period",
        "today",
        "--timezone",
        "Asia/Tokyo",
        "-f",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&tokyo)).unwrap();
    assert_eq!(v["period"]["from"], "2026-11-23");
    assert_eq!(v["overview"]["calls"], 0);
    let utc = burnbar(&[
        "report",
        "--period",
        "today",
        "--timezone",
        "UTC",
        "-f",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&utc)).unwrap();
    assert_eq!(v["overview"]["calls"], 3);
}

#[test]
fn export_csv_has_one_row_per_day_tool_model_and_project() {
    let o = burnbar(&["export", "--timezone", "UTC"]);
    insta::assert_snapshot!("export_all_csv", stdout(&o));
}

#[test]
fn export_json_rows_match_the_csv() {
    let csv = stdout(&burnbar(&["export", "--timezone", "UTC"]));
    let json = stdout(&burnbar(&[
        "export",
        "--timezone",
        "UTC",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len() + 1, csv.lines().count());
    let unpriced = rows
        .iter()
        .find(|r| r["model"] == "claude-mystery-5")
        .unwrap();
    assert!(unpriced["cost_usd"].is_null());
    assert_eq!(unpriced["cost_source"], "unpriced");
}

#[test]
fn export_writes_a_file_with_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spend.csv");
    let o = burnbar(&["export", "--timezone", "UTC", "-o", file.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("date,provider,model,project,calls,"));
}

#[test]
fn filters_narrow_every_figure() {
    let o = burnbar(&[
        "export",
        "--timezone",
        "UTC",
        "--provider",
        "codex",
        "--from",
        "2026-11-21",
        "--to",
        "2026-11-21",
    ]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("2026-11-21,codex,gpt-5.1-codex,/home/dev/api-server,3,"));
    let o = burnbar(&[
        "report",
        "-f",
        "json",
        "--period",
        "all",
        "--project",
        "WEB",
        "--tz",
        "UTC",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["overview"]["calls"], 2);
}

fn error_of(args: &[&str]) -> (i32, String) {
    let o = burnbar(args);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn pitfall_32_impossible_dates_are_errors_not_rollovers() {
    let (code, err) = error_of(&["report", "--from", "2026-02-31"]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid date \"2026-02-31\""), "{err}");
    let (code, err) = error_of(&["report", "--from", "2026-03-02", "--to", "2026-03-01"]);
    assert_eq!(code, 1);
    assert!(err.contains("is after --to"), "{err}");
}

#[test]
fn unknown_values_are_errors_not_silent_fallbacks() {
    let (code, err) = error_of(&["report", "--period", "weekly"]);
    assert_eq!(code, 2, "usage error");
    assert!(err.contains("invalid value 'weekly'"), "{err}");
    let (code, err) = error_of(&["report", "--provider", "cursorx"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown --provider \"cursorx\""), "{err}");
    assert!(
        err.contains("cursor-agent, aider, zed"),
        "every id is listed: {err}"
    );
    let (code, err) = error_of(&["report", "--timezone", "Mars/Olympus"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown time zone"), "{err}");
    let (code, err) = error_of(&["export", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'xml'"), "{err}");
}

#[test]
fn a_bad_price_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("prices.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args(["report", "--prices", bad.to_str().unwrap()])
        .env_clear()
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(bad.to_str().unwrap()), "{err}");
}

#[test]
fn an_empty_home_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args(["report", "--offline", "--period", "all"])
        .env_clear()
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("No calls in this period."), "{out}");
    assert!(out.contains(".claude/projects (not found)"), "{out}");
    assert!(out.contains(".codex/sessions (not found)"), "{out}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args(["export", "--period", "all"])
        .args(["--prices", prices_file().to_str().unwrap()])
        .env_clear()
        .env("BURNBAR_DATA_DIR", data.path())
        .env("HOME", fixture_home())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn help_explains_the_commands_and_options() {
    let o = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in ["report", "export", "Examples:"] {
        assert!(help.contains(needle), "{help}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args(["report", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "--period",
        "--timezone",
        "--provider",
        "--prices",
        "--offline",
        "30days",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn an_unusable_index_falls_back_to_memory_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("index-is-a-file");
    std::fs::write(&bad, "not a directory").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args([
            "report", "-f", "json", "--period", "all", "--tz", "UTC", "--prices",
        ])
        .arg(prices_file())
        .env_clear()
        .env("HOME", fixture_home())
        .env("BURNBAR_DATA_DIR", &bad)
        .output()
        .unwrap();
    assert_ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("temporary in-memory index"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["overview"]["calls"], 14);
}
