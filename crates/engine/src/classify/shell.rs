//! Shell commands: which programs a command line runs, and whether it only reads.
//!
//! A command line is split into segments on `&&`, `||`, `;`, `|` and newlines after quoted
//! strings are blanked (so `echo "a && b"` stays one segment) and ANSI escapes are removed. In
//! each segment, `VAR=value` assignments and the prefix commands `sudo doas npx bunx time nice
//! nohup stdbuf rtk` are skipped (a prefix only when the next word is a plain word, so
//! `time -p x` keeps `time`); the program is the basename of the first remaining word.

/// Commands that only look: between two edits of one file they are not a retry.
const READ_PROGRAMS: &[&str] = &[
    "rg", "grep", "egrep", "fgrep", "ag", "cat", "head", "tail", "less", "more", "ls", "find",
    "fd", "tree", "wc", "stat", "file", "du", "df", "which", "type", "pwd", "printenv", "env",
    "readlink", "realpath", "basename", "dirname", "jq", "diff",
];

/// `git` subcommands that only look.
const READ_GIT: &[&str] = &[
    "log",
    "diff",
    "status",
    "show",
    "blame",
    "grep",
    "shortlog",
    "describe",
    "rev-parse",
    "ls-files",
];

const PREFIXES: &[&str] = &[
    "sudo", "doas", "npx", "bunx", "time", "nice", "nohup", "stdbuf", "rtk",
];

/// True when a command line delivers work: `git commit`, `git push`, `gh pr create`, `gh pr
/// merge`, in any segment, and not as a dry run. (The raw command is tested here, at read
/// time; only this yes/no is kept.)
pub fn delivers(command: &str) -> bool {
    // most commands name neither tool: no need to split them again
    if !command.contains("git") && !command.contains("gh") {
        return false;
    }
    segments(command).iter().any(|s| {
        let Some((p, rest)) = program(s) else {
            return false;
        };
        let args: Vec<&str> = rest
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with('-') || *a == "--dry-run" || *a == "-n")
            .collect();
        let dry = rest.iter().any(|a| {
            a == "--dry-run" || (p == "git" && a == "-n" && args.first() == Some(&"push"))
        });
        !dry && match (p.as_str(), args.as_slice()) {
            ("git", [sub, ..]) => matches!(*sub, "commit" | "push"),
            ("gh", ["pr", action, ..]) => matches!(*action, "create" | "merge"),
            _ => false,
        }
    })
}

/// The programs a command line runs, in order (`cd`, `true` and `false` left out).
/// `ls -la | grep x && cd a && npm test` -> `[ls, grep, npm]`.
pub fn programs(command: &str) -> Vec<String> {
    segments(command)
        .iter()
        .filter_map(|s| program(s).map(|(p, _)| p))
        .filter(|p| !matches!(p.as_str(), "cd" | "true" | "false"))
        .collect()
}

/// True when every segment of the command only reads (unknown programs do not).
pub fn is_read_shaped(command: &str) -> bool {
    let segs = segments(command);
    !segs.is_empty()
        && segs.iter().all(|s| match program(s) {
            Some((p, rest)) if p == "git" => rest
                .iter()
                .find(|w| !w.starts_with('-'))
                .is_some_and(|sub| READ_GIT.contains(&sub.as_str())),
            Some((p, _)) => READ_PROGRAMS.contains(&p.as_str()),
            None => false,
        })
}

/// Non-empty segments of a command line.
fn segments(command: &str) -> Vec<String> {
    let cleaned = blank_quotes(&strip_ansi(command));
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = cleaned.chars().peekable();
    while let Some(c) = chars.next() {
        let split = match c {
            ';' | '\n' | '|' => true,
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                true
            }
            _ => false,
        };
        if split {
            if !cur.trim().is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// The program of one segment and the words after it.
fn program(segment: &str) -> Option<(String, Vec<String>)> {
    let words: Vec<&str> = segment.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let is_assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        });
        let plain_next = words
            .get(i + 1)
            .is_some_and(|n| !n.starts_with('-') && !n.contains(['"', '\'']));
        if is_assignment || (PREFIXES.contains(&w) && plain_next) {
            i += 1;
        } else {
            break;
        }
    }
    let first = words.get(i)?;
    let name = first.rsplit('/').next().unwrap_or(first).to_string();
    (!name.is_empty()).then(|| {
        (
            name,
            words[i + 1..].iter().map(|w| (*w).to_string()).collect(),
        )
    })
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Replaces the contents of quoted strings with spaces (quotes kept).
fn blank_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in s.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                    out.push(' ');
                } else if c == '\\' && q == '"' {
                    escaped = true;
                    out.push(' ');
                } else if c == q {
                    quote = None;
                    out.push(c);
                } else {
                    out.push(' ');
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod delivery_tests {
    use super::delivers;

    #[test]
    fn delivery_is_the_raw_command_not_the_program_name() {
        for cmd in [
            "git commit -m 'fix'",
            "cargo test && git commit -am wip",
            "git push origin main",
            "gh pr create --fill",
            "gh pr merge 12 --squash",
            "GIT_AUTHOR_NAME=x git commit -m y",
        ] {
            assert!(delivers(cmd), "{cmd}");
        }
        for cmd in [
            "git status",
            "git log --oneline",
            "git push --dry-run",
            "git commit --dry-run",
            "gh pr view 12",
            "echo 'git commit'",
            "ls",
        ] {
            assert!(!delivers(cmd), "{cmd}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_of_pipelines_and_chains() {
        assert_eq!(
            programs("ls -la | grep x && cd a && npm test"),
            vec!["ls", "grep", "npm"]
        );
        assert_eq!(
            programs("FOO=1 sudo /usr/bin/cargo build; true"),
            vec!["cargo"]
        );
        assert_eq!(programs("npx vitest run"), vec!["vitest"]);
        assert_eq!(
            programs("time -p make"),
            vec!["time"],
            "a prefix with options stays"
        );
        assert_eq!(
            programs("echo \"a && b | c\""),
            vec!["echo"],
            "quoted text does not split"
        );
        assert_eq!(programs("\u{1b}[32mgit\u{1b}[0m status"), vec!["git"]);
    }

    #[test]
    fn pitfall_47_read_shaped_commands() {
        assert!(is_read_shaped("rg -n TODO src | head -20"));
        assert!(is_read_shaped("git log --oneline -5 && git status"));
        assert!(is_read_shaped("cat package.json | jq .scripts"));
        assert!(!is_read_shaped("git commit -m x"));
        assert!(!is_read_shaped("cargo test"));
        assert!(!is_read_shaped("ls && npm test"), "every segment must read");
        assert!(!is_read_shaped(""));
    }
}
