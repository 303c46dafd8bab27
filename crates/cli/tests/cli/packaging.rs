//! What the packages ship from the CLI itself (issue 24): the version line, completions, the
//! man page.

use std::process::Command;

fn burnbar(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burnbar"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn version_names_the_release_the_commit_and_the_build_date() {
    let o = burnbar(&["--version"]);
    assert!(o.status.success());
    let line = String::from_utf8(o.stdout).unwrap();
    let rest = line
        .trim()
        .strip_prefix(concat!("burnbar ", env!("CARGO_PKG_VERSION"), " ("))
        .unwrap_or_else(|| panic!("{line}"));
    let (commit, date) = rest
        .strip_suffix(')')
        .and_then(|r| r.split_once(", built "))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{date}"
    );
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    for (shell, marker) in [
        ("bash", "_burnbar()"),
        ("zsh", "#compdef burnbar"),
        ("fish", "complete -c burnbar"),
    ] {
        let o = burnbar(&["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains(marker), "{shell}");
        for command in ["report", "optimize", "serve", "push", "budget"] {
            assert!(text.contains(command), "{shell} completes {command}");
        }
    }
    assert!(!burnbar(&["completions", "tcsh"]).status.success());
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let o = burnbar(&["man"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains(".TH burnbar 1"));
    assert!(text.contains(env!("CARGO_PKG_VERSION")));
    for command in ["report", "export", "serve", "push", "completions"] {
        assert!(text.contains(command), "{command}");
    }
}
