//! `yield` (issue 18) on repositories the tests make with git (the product itself only reads
//! them, through gix): every label, file overlap deciding between parallel sessions, worktrees,
//! and repositories that cannot tell (no commits, detached, shallow, corrupt, gone).

use std::path::{Path, PathBuf};
use std::process::Command;

use burnbar_engine::yields::{Buckets, Yield};
use burnbar_engine::{Filter, Span};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::support::Home;

/// Runs git in `dir`; commits are dated `at` (author and committer).
fn git(dir: &Path, at: &str, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "advice.detachedHead=false",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", at)
        .env("GIT_COMMITTER_DATE", at)
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository with one commit (`init`, at 09:00) in `dir`.
fn repo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, T0, &["init", "-q"]);
    std::fs::write(dir.join("README.md"), "hello\n").unwrap();
    git(dir, T0, &["add", "."]);
    git(dir, T0, &["commit", "-qm", "init"]);
}

const T0: &str = "2026-05-15T09:00:00Z";

/// Writes `file` (relative to `dir`) and commits it at `at`; returns the commit's sha.
fn commit(dir: &Path, file: &str, content: &str, at: &str) -> String {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    git(dir, at, &["add", file]);
    git(dir, at, &["commit", "-qm", &format!("change {file}")]);
    head(dir)
}

fn head(dir: &Path) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A Claude call of `session` in `cwd` at `ts`, editing `edits` (absolute paths).
fn call(session: &str, cwd: &Path, ts: &str, edits: &[PathBuf]) -> String {
    let tools: Vec<Value> = edits
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({"type": "tool_use", "id": format!("toolu_{session}_{ts}_{i}"), "name": "Edit",
                   "input": {"file_path": p, "old_string": "a", "new_string": "b"}})
        })
        .collect();
    let id = format!("msg_{session}_{ts}");
    json!({"parentUuid": null, "isSidechain": false, "cwd": cwd, "sessionId": session,
           "type": "assistant", "timestamp": ts, "uuid": format!("u-{id}"),
           "requestId": format!("r-{id}"),
           "message": {"model": "claude-sonnet-4-5", "id": id, "type": "message",
                       "role": "assistant", "content": tools, "stop_reason": "tool_use",
                       "usage": {"input_tokens": 100_000, "output_tokens": 1_000,
                                 "cache_read_input_tokens": 0,
                                 "cache_creation_input_tokens": 0}}})
    .to_string()
}

fn session(home: &Home, name: &str, lines: &[String]) {
    home.write(&format!(".claude/projects/-w/{name}.jsonl"), lines);
}

fn yields(home: &Home) -> Yield {
    let mut engine = home.engine();
    engine.sync(Tz::UTC, None).unwrap();
    let span = Span::of_period(
        burnbar_engine::Period::All,
        chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
    );
    engine.yields(&Filter::all(Tz::UTC), span).unwrap()
}

/// (productive, reverted, abandoned, ambiguous, no repository) session counts.
fn counts(b: &Buckets) -> [u64; 5] {
    [
        b.productive.sessions,
        b.reverted.sessions,
        b.abandoned.sessions,
        b.ambiguous.sessions,
        b.no_repository.sessions,
    ]
}

#[test]
fn every_label_from_commits_at_chosen_times() {
    let home = Home::new();
    let dir = home.path().join("work/app");
    repo(&dir);
    let f = |name: &str| dir.join(name);
    // productive: edits a.rs 10:00-10:20, commits it at 10:30 on main
    session(
        &home,
        "ship",
        &[
            call("ship", &dir, "2026-05-15T10:00:00.000Z", &[f("a.rs")]),
            call("ship", &dir, "2026-05-15T10:20:00.000Z", &[]),
        ],
    );
    commit(&dir, "a.rs", "a\n", "2026-05-15T10:30:00Z");
    // reverted: commits b.rs at 12:30, reverted the next day
    session(
        &home,
        "undo",
        &[call("undo", &dir, "2026-05-15T12:00:00.000Z", &[f("b.rs")])],
    );
    let sha = commit(&dir, "b.rs", "b\n", "2026-05-15T12:30:00Z");
    git(&dir, "2026-05-16T09:00:00Z", &["revert", "--no-edit", &sha]);
    // abandoned on a branch never merged
    session(
        &home,
        "branch",
        &[call(
            "branch",
            &dir,
            "2026-05-15T14:00:00.000Z",
            &[f("c.rs")],
        )],
    );
    git(&dir, "2026-05-15T14:00:00Z", &["checkout", "-qb", "spike"]);
    commit(&dir, "c.rs", "c\n", "2026-05-15T14:30:00Z");
    git(&dir, "2026-05-15T14:40:00Z", &["checkout", "-q", "main"]);
    // abandoned without a commit
    session(
        &home,
        "idle",
        &[call("idle", &dir, "2026-05-15T16:00:00.000Z", &[f("d.rs")])],
    );
    // no repository
    let plain = home.path().join("work/notes");
    std::fs::create_dir_all(&plain).unwrap();
    session(
        &home,
        "plain",
        &[call("plain", &plain, "2026-05-15T10:00:00.000Z", &[])],
    );
    let y = yields(&home);
    assert_eq!(y.methodology, "file-overlap-then-timestamp-window");
    assert_eq!(counts(&y.overall), [1, 1, 2, 0, 1]);
    assert_eq!(y.overall.productive_commits, 1);
    // $0.315 a call: the shipping session made two of the six
    assert!((y.overall.productive.share - 2.0 / 6.0).abs() < 1e-9);
    assert!((y.overall.productive.cost - 0.63).abs() < 1e-9);
    assert!((y.overall.cost_per_productive_commit_usd.unwrap() - 0.63).abs() < 1e-6);
    assert!((y.overall.lines_added_per_dollar.unwrap() - 1.0 / 0.63).abs() < 1e-6);
    let app = y
        .projects
        .iter()
        .find(|p| p.project.ends_with("work/app"))
        .unwrap();
    assert_eq!(counts(&app.buckets), [1, 1, 2, 0, 0]);
}

#[test]
fn file_overlap_decides_between_parallel_sessions() {
    let home = Home::new();
    let dir = home.path().join("app");
    repo(&dir);
    // two sessions at once in one repository; the narrow one edited only x.rs
    session(
        &home,
        "wide",
        &[
            call(
                "wide",
                &dir,
                "2026-05-15T10:00:00.000Z",
                &[dir.join("y.rs")],
            ),
            call("wide", &dir, "2026-05-15T11:00:00.000Z", &[]),
        ],
    );
    session(
        &home,
        "narrow",
        &[call(
            "narrow",
            &dir,
            "2026-05-15T10:30:00.000Z",
            &[dir.join("x.rs")],
        )],
    );
    // y.rs, committed inside both windows: the narrow window would win on time alone
    commit(&dir, "y.rs", "y\n", "2026-05-15T10:40:00Z");
    let y = yields(&home);
    assert_eq!(
        counts(&y.overall),
        [1, 0, 1, 0, 0],
        "wide ships y.rs; narrow edited nothing the commit touched"
    );
    // a commit of x.rs in the same hour goes to narrow, though wide's window holds it too
    commit(&dir, "x.rs", "x\n", "2026-05-15T10:45:00Z");
    let y = yields(&home);
    assert_eq!(counts(&y.overall), [2, 0, 0, 0, 0]);
}

#[test]
fn a_linked_worktree_and_a_subdirectory_share_the_repositorys_commits() {
    let home = Home::new();
    let dir = home.path().join("app");
    repo(&dir);
    let tree = home.path().join("app-feature");
    git(
        &dir,
        T0,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            tree.to_str().unwrap(),
        ],
    );
    let sub = dir.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    session(
        &home,
        "in-tree",
        &[call(
            "in-tree",
            &tree,
            "2026-05-15T10:00:00.000Z",
            &[tree.join("w.rs")],
        )],
    );
    session(
        &home,
        "in-sub",
        &[call(
            "in-sub",
            &sub,
            "2026-05-15T12:00:00.000Z",
            &[dir.join("src/s.rs")],
        )],
    );
    commit(&tree, "w.rs", "w\n", "2026-05-15T10:30:00Z");
    git(
        &tree,
        "2026-05-15T10:31:00Z",
        &["checkout", "-q", "--detach"],
    );
    git(
        &dir,
        "2026-05-15T10:35:00Z",
        &["merge", "-q", "--ff-only", "feature"],
    );
    commit(&dir, "src/s.rs", "s\n", "2026-05-15T12:30:00Z");
    let y = yields(&home);
    assert_eq!(
        counts(&y.overall),
        [2, 0, 0, 0, 0],
        "both sessions' commits reached main"
    );
}

#[test]
fn repositories_that_cannot_tell_label_their_sessions_and_never_fail_the_report() {
    let home = Home::new();
    // a repository without commits
    let empty = home.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    git(&empty, T0, &["init", "-q"]);
    // a detached HEAD: the commit is on main all the same
    let detached = home.path().join("detached");
    repo(&detached);
    git(&detached, T0, &["checkout", "-q", "--detach"]);
    commit(&detached, "d.rs", "d\n", "2026-05-15T10:30:00Z");
    git(
        &detached,
        "2026-05-15T10:31:00Z",
        &["branch", "-f", "main", "HEAD"],
    );
    // a shallow clone
    let shallow = home.path().join("shallow");
    let url = format!("file://{}", detached.display());
    git(
        home.path(),
        T0,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    // a corrupt .git, and a directory that is gone
    let corrupt = home.path().join("corrupt");
    std::fs::create_dir_all(corrupt.join(".git")).unwrap();
    std::fs::write(corrupt.join(".git/HEAD"), "garbage").unwrap();
    let gone = home.path().join("gone");
    for (name, dir, edit) in [
        ("s-empty", &empty, "e.rs"),
        ("s-detached", &detached, "d.rs"),
        ("s-shallow", &shallow, "z.rs"),
        ("s-corrupt", &corrupt, "c.rs"),
        ("s-gone", &gone, "g.rs"),
    ] {
        session(
            &home,
            name,
            &[call(
                name,
                dir,
                "2026-05-15T10:00:00.000Z",
                &[dir.join(edit)],
            )],
        );
    }
    let y = yields(&home);
    // detached ships; empty and shallow (nothing of theirs) are abandoned; corrupt and gone
    // have no readable repository
    assert_eq!(counts(&y.overall), [1, 0, 2, 0, 2]);
}
