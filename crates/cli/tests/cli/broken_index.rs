//! Issue 17, items 4 and 5: an index being created by several processes at once, and an index
//! that fails after it opened (held by another writer, a full disk, a damaged page, a schema
//! that is not ours). The promise: every run still prints complete numbers, from a temporary
//! in-memory index, and says what happened.

use std::path::{Path, PathBuf};
use std::process::Output;

use burnbar_test_support::repo;

use crate::{assert_ok, isolated};

/// The home every case reads: a 12 MB two-tool corpus, so an index is big enough to damage
/// and to overflow a small disk.
fn home() -> PathBuf {
    repo().join("tests/fixtures/corpus/seed8-kolkata")
}

/// `burnbar report --format json --period all` with the corpus's own prices.
fn report(data: &Path) -> Output {
    isolated(&home(), data)
        .args(["report", "--format", "json", "--period", "all", "--offline"])
        .arg("--prices")
        .arg(home().join("litellm-prices.json"))
        .output()
        .unwrap()
}

/// The numbers of a report's JSON (everything but the diagnostics and the generation time).
fn numbers(out: &Output) -> serde_json::Value {
    assert_ok(out);
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("diagnostics");
    o.remove("generated");
    v
}

/// The numbers of a run on a healthy index.
fn healthy() -> serde_json::Value {
    let data = tempfile::tempdir().unwrap();
    numbers(&report(data.path()))
}

/// Asserts `out` is a complete report (equal to `good`) that fell back, for a reason matching
/// `reason`, and said so on stderr and in the JSON.
fn assert_fell_back(out: &Output, good: &serde_json::Value, reason: &str) {
    assert_eq!(&numbers(out), good, "complete numbers from the fallback");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let said = v["diagnostics"]["indexFallback"]["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no indexFallback in {}", v["diagnostics"]));
    assert!(
        said.contains(reason),
        "reason {said:?}, expected {reason:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("using a temporary in-memory index") && err.contains(reason),
        "stderr: {err}"
    );
}

/// Item 4: commands started within milliseconds on a machine without an index all use the
/// one they create together: none falls back, all print the same numbers.
#[test]
fn issue_17_a_fresh_index_has_no_creation_race() {
    let good = healthy();
    for _ in 0..4 {
        let data = tempfile::tempdir().unwrap();
        let children: Vec<_> = (0..6)
            .map(|_| {
                isolated(&home(), data.path())
                    .args(["report", "--format", "json", "--period", "all", "--offline"])
                    .arg("--prices")
                    .arg(home().join("litellm-prices.json"))
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("in-memory"), "a run fell back: {err}");
            assert_eq!(numbers(&out), good);
        }
    }
}

/// Item 5: another process holds the write lock beyond the busy timeout.
#[test]
fn issue_17_an_index_locked_by_another_writer_falls_back() {
    let good = healthy();
    let data = tempfile::tempdir().unwrap();
    numbers(&report(data.path())); // an index exists
    let db = rusqlite::Connection::open(data.path().join("usage.sqlite")).unwrap();
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    assert_fell_back(&report(data.path()), &good, "locked");
    db.execute_batch("ROLLBACK").unwrap();
    let again = report(data.path());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("in-memory"));
}

/// Item 5: damaged pages in an index.
#[test]
fn issue_17_a_damaged_index_falls_back() {
    let good = healthy();
    let data = tempfile::tempdir().unwrap();
    numbers(&report(data.path()));
    let file = data.path().join("usage.sqlite");
    let mut bytes = std::fs::read(&file).unwrap();
    let len = bytes.len();
    assert!(len > 64 << 10, "index of {len} bytes");
    // every page but the first (the schema): whatever a warm run reads is damaged (a page it
    // does not read cannot be noticed without a full check, which a report does not pay for)
    for page in (8192..len).step_by(8192) {
        for (i, b) in bytes[page + 100..page + 3000].iter_mut().enumerate() {
            *b = u8::try_from((i * 7 + 13) % 256).unwrap();
        }
    }
    std::fs::write(&file, &bytes).unwrap();
    assert_fell_back(&report(data.path()), &good, "damaged");
}

/// Item 5: a schema that is not ours, whether it claims our version or none.
#[test]
fn issue_17_a_foreign_schema_falls_back() {
    let good = healthy();
    for (version, table, reason) in [
        (0, "meta", "not a Burnbar index"),
        (5, "notes", "no such table"),
        (999, "meta", "newer than this build"),
    ] {
        let data = tempfile::tempdir().unwrap();
        let db = rusqlite::Connection::open(data.path().join("usage.sqlite")).unwrap();
        db.execute_batch(&format!(
            "CREATE TABLE {table} (x); PRAGMA user_version = {version};"
        ))
        .unwrap();
        drop(db);
        assert_fell_back(&report(data.path()), &good, reason);
    }
}

/// Unmounts a tmpfs however the test ends.
#[cfg(target_os = "linux")]
struct Unmount<'a>(&'a Path);

#[cfg(target_os = "linux")]
impl Drop for Unmount<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0).status();
    }
}

/// Item 5: the disk fills up during the first sync. On a tiny tmpfs where the machine allows
/// mounting one, else with the file size limit (`ulimit -f`, its signal ignored) standing in
/// for it as an injected I/O error. Either way the run prints everything, and leaves no WAL
/// behind to keep the disk full.
#[cfg(target_os = "linux")]
#[test]
fn issue_17_a_full_disk_falls_back_and_gives_the_space_back() {
    let good = healthy();
    let dir = tempfile::tempdir().unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=600k", "tmpfs"])
        .arg(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let _unmount = mounted.then(|| Unmount(dir.path()));
    let data = dir.path().join("data");
    let out = if mounted {
        report(&data)
    } else {
        eprintln!("cannot mount a tmpfs here: a file size limit stands in for a full disk");
        let mut cmd = std::process::Command::new("sh");
        for (key, value) in isolated(&home(), &data).get_envs() {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd.arg("-c")
            .arg("trap '' XFSZ; ulimit -f 400; exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_burnbar"))
            .args(["report", "--format", "json", "--period", "all", "--offline"])
            .arg("--prices")
            .arg(home().join("litellm-prices.json"));
        cmd.output().unwrap()
    };
    let reason = if mounted {
        "the disk is full"
    } else {
        "I/O error"
    };
    assert_fell_back(&out, &good, reason);
    let wal = data.join("usage.sqlite-wal");
    let wal_len = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(wal_len, 0, "a WAL is left behind");
}
