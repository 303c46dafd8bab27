//! Issue 17 (hardening): what a hostile or unlucky user can do to the binary, each case named
//! after the item it guards.

use std::io::Read;
use std::process::Stdio;

use burnbar_test_support::repo;

use crate::{assert_ok, isolated};

/// `burnbar ARGS` on `home` with its index in `data`; fails the test unless it succeeds.
fn run_ok(home: &std::path::Path, data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = isolated(home, data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "burnbar {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh `$HOME` and data dir, with `settings` written to the home's settings.toml.
fn home_with_settings(
    settings: &str,
) -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/burnbar");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("settings.toml");
    std::fs::write(&file, settings).unwrap();
    (home, data, file)
}

/// Item 15: a reader that goes away (`burnbar report --format json | head -c 10`) is success,
/// for every output format, with nothing on stderr about it.
#[test]
fn issue_17_a_closed_pipe_is_success_for_every_format() {
    let home = repo().join("tests/fixtures/corpus/seed8-kolkata");
    let data = tempfile::tempdir().unwrap();
    for args in [
        &["report", "--format", "json", "--period", "all"][..],
        &["snapshot", "--period", "all"],
        &["export", "--format", "json"],
        &["export", "--format", "csv"],
        &["compare", "--format", "json"],
    ] {
        let mut child = isolated(&home, data.path())
            .args(args)
            .args(["--offline", "--prices"])
            .arg(home.join("litellm-prices.json"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // the read end is dropped here: the rest of the output meets a closed pipe
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

/// Item 15: a `settings.toml` that does not parse is an error for `report` and `export` as it is
/// for `budget`, naming the file (never silently ignored by some commands).
#[test]
fn issue_17_a_malformed_settings_file_is_an_error_for_every_command() {
    let (home, data, _) = home_with_settings("currency = [unclosed\n");
    for args in [
        &["report", "--offline"][..],
        &["export", "--format", "csv", "--offline"],
        &["budget", "list"],
    ] {
        let out = isolated(home.path(), data.path())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("settings.toml"), "{args:?}: {err}");
    }
}

/// Item 15: the index and the settings file reveal what you work on: created 0600 whatever
/// the umask, with the index's WAL alike.
#[cfg(unix)]
#[test]
fn issue_17_created_index_and_settings_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    run_ok(home.path(), data.path(), &["budget", "set", "daily", "5"]);
    run_ok(home.path(), data.path(), &["report", "--offline"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let settings = home.path().join(".config/burnbar/settings.toml");
    assert_eq!(mode(&settings), 0o600, "{}", settings.display());
    let index = data.path().join("usage.sqlite");
    assert_eq!(mode(&index), 0o600, "{}", index.display());
    let wal = data.path().join("usage.sqlite-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "{}", wal.display());
    }
}

/// Item 15: `burnbar watch` stopped by SIGTERM (a service manager, the tray's parent) exits 0
/// and closes its index cleanly: no WAL is left behind.
#[cfg(unix)]
#[test]
fn issue_17_watch_stops_cleanly_on_sigterm() {
    use std::io::BufRead;
    let data = tempfile::tempdir().unwrap();
    let mut child = isolated(&burnbar_test_support::fixture_home(), data.path())
        .args(["watch", "--offline", "--prices"])
        .arg(burnbar_test_support::prices_file())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"date\""), "{first}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    let wal = data.path().join("usage.sqlite-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the WAL was left behind"
    );
}

/// Item 15: a data directory that is a file gets a message that says so, and the report
/// still comes (from a temporary in-memory index).
#[test]
fn issue_17_a_data_dir_that_is_a_file_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("burnbar");
    std::fs::write(&file, "not a directory").unwrap();
    let out = isolated(&burnbar_test_support::fixture_home(), &file)
        .args(["report", "--offline"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("cannot create the data directory"), "{err}");
    assert!(err.contains("a file is in the way"), "{err}");
    assert!(!err.contains("File exists"), "{err}");
}

/// Item 12: `budget set` edits settings.toml in place: comments, layout and keys this build
/// does not know stay; the new budget is added.
#[test]
fn issue_17_budget_set_keeps_comments_and_unknown_keys() {
    let before = "# my settings, by hand\n\
                  currency = \"EUR\"   # paid in euros\n\
                  usd_rate = 0.92\n\
                  future_option = \"kept\"\n\
                  \n\
                  [runaway]\n\
                  # tuned after a bad night\n\
                  window_minutes = 15\n\
                  usd_in_window = 8.0\n";
    let (home, data, file) = home_with_settings(before);
    run_ok(home.path(), data.path(), &["budget", "set", "daily", "20"]);
    let after = std::fs::read_to_string(&file).unwrap();
    for kept in [
        "# my settings, by hand",
        "currency = \"EUR\"   # paid in euros",
        "future_option = \"kept\"",
        "# tuned after a bad night",
        "window_minutes = 15",
    ] {
        assert!(after.contains(kept), "lost {kept:?}:\n{after}");
    }
    assert!(after.contains("[[budgets]]"), "{after}");
    assert!(after.contains("usd = 20.0"), "{after}");
    let listed = run_ok(home.path(), data.path(), &["budget", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("daily"));
}

/// Item 2: FIFOs and devices where the tools keep small sidecar files (Copilot's
/// `workspace.yaml`, a repository's `.git` file) never hang a run, and one linked to
/// `/dev/zero` is not read until memory runs out; the logs around them are still read.
#[cfg(unix)]
#[test]
fn issue_17_fifos_and_devices_never_hang_a_run() {
    use std::time::{Duration, Instant};
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let h = home.path();
    let mkfifo = |p: &std::path::Path| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let ok = std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap();
        assert!(ok.success());
    };
    // a Claude Code call whose working directory has a FIFO for a `.git` file
    let cwd = h.join("work/app");
    mkfifo(&cwd.join(".git"));
    let line = serde_json::json!({
        "type": "assistant", "timestamp": "2026-11-20T10:00:00.000Z", "sessionId": "s1",
        "cwd": cwd, "message": {"id": "msg_1", "model": "claude-sonnet-4-5", "role": "assistant",
        "stop_reason": "end_turn", "content": [],
        "usage": {"input_tokens": 10, "output_tokens": 20}}
    });
    let log = h.join(".claude/projects/-work-app/s1.jsonl");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, format!("{line}\n")).unwrap();
    // Copilot sessions whose workspace.yaml is a FIFO, and a link to /dev/zero
    for (session, sidecar) in [("a", None), ("b", Some("/dev/zero"))] {
        let dir = h.join(".copilot/session-state").join(session);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("events.jsonl"), "{}\n").unwrap();
        match sidecar {
            None => mkfifo(&dir.join("workspace.yaml")),
            Some(target) => std::os::unix::fs::symlink(target, dir.join("workspace.yaml")).unwrap(),
        }
    }
    let mut child = isolated(h, data.path())
        .args(["report", "--format", "json", "--offline", "--period", "all"])
        .arg("--now")
        .arg(burnbar_test_support::NOW)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("burnbar hung on a FIFO or a device");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["overview"]["calls"], 1,
        "the Claude call around them is read"
    );
}

/// Item 13: HOME spelled through a symlink, or relative, names the same files: the index does
/// not see them as new (nothing turns into history-only calls) and the totals stay.
#[cfg(unix)]
#[test]
fn issue_17_the_spelling_of_home_does_not_change_file_identity() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let real = dir.path().join("real-home");
    std::process::Command::new("cp")
        .arg("-r")
        .arg(burnbar_test_support::fixture_home())
        .arg(&real)
        .status()
        .unwrap();
    let link = dir.path().join("link-home");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let run = |home: &std::path::Path, cwd: &std::path::Path| {
        let out = isolated(home, data.path())
            .current_dir(cwd)
            .args([
                "report",
                "--format",
                "json",
                "--period",
                "all",
                "--offline",
                "--prices",
            ])
            .arg(burnbar_test_support::prices_file())
            .output()
            .unwrap();
        assert_ok(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["overview"]["calls"].clone(),
            v["overview"]["indexOnlyCalls"].clone(),
        )
    };
    let first = run(&real, dir.path());
    assert_eq!(first.1, 0);
    for (home, cwd) in [
        (link.as_path(), dir.path()),
        (std::path::Path::new("real-home"), dir.path()),
        (real.as_path(), dir.path()),
    ] {
        assert_eq!(run(home, cwd), first, "HOME={}", home.display());
    }
}

/// The calls of tests/fixtures/home, all time, as a plain run counts them.
fn fixture_calls() -> serde_json::Value {
    let data = tempfile::tempdir().unwrap();
    let prices = burnbar_test_support::prices_file();
    let out = run_ok(
        &burnbar_test_support::fixture_home(),
        data.path(),
        &[
            "report",
            "--format",
            "json",
            "--period",
            "all",
            "--offline",
            "--prices",
            prices.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["overview"]["calls"].clone()
}

/// Item 1: with a `HOME` whose name is not UTF-8, the JSON outputs are complete (paths are
/// shown with the undecodable bytes replaced), and a second run over the same index works.
#[cfg(unix)]
#[test]
fn issue_17_a_home_that_is_not_utf8_prints_complete_json() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let home = dir.path().join(std::ffi::OsStr::from_bytes(b"home\xff"));
    std::process::Command::new("cp")
        .arg("-r")
        .arg(burnbar_test_support::fixture_home())
        .arg(&home)
        .status()
        .unwrap();
    let prices = burnbar_test_support::prices_file();
    for _ in 0..2 {
        for args in [
            &["report", "--format", "json", "--period", "all"][..],
            &["snapshot", "--period", "all"],
        ] {
            let out = run_ok(
                &home,
                data.path(),
                &[args, &["--offline", "--prices", prices.to_str().unwrap()]].concat(),
            );
            let v: serde_json::Value =
                serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("in-memory"), "{err}");
            let report = if args[0] == "snapshot" {
                &v["report"]
            } else {
                &v
            };
            assert_eq!(report["overview"]["calls"], fixture_calls(), "{args:?}");
            let root = report["sources"][0]["roots"][0].as_str().unwrap();
            assert!(root.contains("home\u{fffd}"), "{root}");
        }
    }
}

/// Item 11: a directory the search cannot list is named in the diagnostics (and on stderr),
/// and everything else is still read. Root reads any directory, so as root the binary runs as
/// `nobody` (through `setpriv`, from a copy `nobody` may run).
#[cfg(target_os = "linux")]
#[test]
fn issue_17_a_directory_that_cannot_be_listed_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let open = |p: &std::path::Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let dir = tempfile::tempdir().unwrap();
    open(dir.path(), 0o755);
    let home = dir.path().join("home");
    std::process::Command::new("cp")
        .args(["-r", "--no-preserve=mode"])
        .arg(burnbar_test_support::fixture_home())
        .arg(&home)
        .status()
        .unwrap();
    let locked = home.join(".claude/projects/-home-dev-locked");
    std::fs::create_dir_all(&locked).unwrap();
    open(&locked, 0o000);
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    open(&data, 0o777);
    let prices = dir.path().join("prices.json");
    std::fs::copy(burnbar_test_support::prices_file(), &prices).unwrap();
    let is_root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    let mut cmd = if is_root {
        let bin = dir.path().join("burnbar");
        std::fs::copy(env!("CARGO_BIN_EXE_burnbar"), &bin).unwrap();
        open(&bin, 0o755);
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin);
        for (key, value) in isolated(&home, &data).get_envs() {
            match value {
                Some(v) => c.env(key, v),
                None => c.env_remove(key),
            };
        }
        c
    } else {
        isolated(&home, &data)
    };
    let out = cmd
        .args(["report", "--format", "json", "--period", "all", "--offline"])
        .arg("--prices")
        .arg(&prices)
        .output()
        .unwrap();
    open(&locked, 0o755); // so the temporary directory can be removed
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["overview"]["calls"], fixture_calls(), "the rest is read");
    let errors = v["diagnostics"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], locked.to_str().unwrap());
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot list"),
        "{errors:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-home-dev-locked"), "{err}");
}
