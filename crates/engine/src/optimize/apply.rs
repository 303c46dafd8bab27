//! `optimize --apply`: a finding whose fix is a file edit, applied with a backup and a journal,
//! and undone exactly (`optimize undo`). Never the tools' logs: only the user's own
//! instruction and settings files.
//!
//! What can be applied: a rule for `CLAUDE.md` (appended to the user's `~/.claude/CLAUDE.md`,
//! which Claude Code reads in every project), a settings fragment for
//! `~/.claude/settings.json` (merged key by key into the file's JSON), and the removal of
//! unused MCP servers from the one file that configures them. Other fixes are commands to
//! run, shown as such.
//!
//! The journal (`<data>/burnbar/applied.json`) lists each application: the finding, the file,
//! its backup (`<data>/burnbar/applied/<n>`, or none when the file did not exist), when, and
//! the finding's numbers then, so a later `optimize` can say whether the fix worked.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Finding;
use crate::paths::Paths;

/// A planned edit: the file and its content before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The finding it fixes.
    pub id: String,
    /// The file.
    pub path: PathBuf,
    /// Its content now (`None`: it does not exist).
    pub before: Option<String>,
    /// Its content after.
    pub after: String,
}

/// Why a fix cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// No finding with this id in the period.
    #[error("no finding {0:?} in this period (run `burnbar optimize` to list them)")]
    NoSuchFinding(String),
    /// The fix is not a file edit.
    #[error("{id}'s fix is not a file edit; do it by hand: {text}")]
    NotAnEdit {
        /// The finding.
        id: String,
        /// The fix.
        text: String,
    },
    /// The settings file is not JSON (Burnbar will not rewrite what it cannot read).
    #[error("{} is not valid JSON ({msg}); fix it first", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// The parse error.
        msg: String,
    },
    /// The fix is already in place.
    #[error("{id}'s fix is already in {}", path.display())]
    AlreadyApplied {
        /// The finding.
        id: String,
        /// The file.
        path: PathBuf,
    },
    /// Nothing to undo.
    #[error("nothing to undo{}", id.as_deref().map(|i| format!(" for {i}")).unwrap_or_default())]
    NothingToUndo {
        /// The finding asked for.
        id: Option<String>,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ApplyError + '_ {
    move |source| ApplyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The user's Claude Code directory (the first configured one that exists, else `~/.claude`).
fn claude_dir(paths: &Paths) -> PathBuf {
    paths
        .claude_dirs
        .iter()
        .find(|d| d.is_dir())
        .cloned()
        .unwrap_or_else(|| paths.home.join(".claude"))
}

fn read_opt(path: &Path) -> Result<Option<String>, ApplyError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// The edit that applies `finding`'s fix.
pub fn plan(finding: &Finding, paths: &Paths) -> Result<Plan, ApplyError> {
    if finding.id == "unused-mcp" {
        return plan_mcp_removal(finding);
    }
    let dest = finding.fix.destination.as_deref().unwrap_or("");
    match (finding.fix.kind, dest) {
        ("paste", "CLAUDE.md") => {
            let path = claude_dir(paths).join("CLAUDE.md");
            let before = read_opt(&path)?;
            let rule = format!("- {}", finding.fix.text.trim());
            let old = before.clone().unwrap_or_default();
            if old.lines().any(|l| l.trim() == rule) {
                return Err(ApplyError::AlreadyApplied {
                    id: finding.id.to_string(),
                    path,
                });
            }
            let mut after = old;
            if !after.is_empty() && !after.ends_with('\n') {
                after.push('\n');
            }
            if !after.is_empty() {
                after.push('\n');
            }
            let _ = write!(after, "<!-- burnbar optimize: {} -->\n{rule}\n", finding.id);
            Ok(Plan {
                id: finding.id.to_string(),
                path,
                before,
                after,
            })
        }
        ("file-content", d) if d.ends_with("settings.json") => {
            let path = claude_dir(paths).join("settings.json");
            let before = read_opt(&path)?;
            let mut doc: serde_json::Value = match &before {
                Some(text) if !text.trim().is_empty() => {
                    serde_json::from_str(text).map_err(|e| ApplyError::NotJson {
                        path: path.clone(),
                        msg: e.to_string(),
                    })?
                }
                _ => serde_json::json!({}),
            };
            let fragment: serde_json::Value =
                serde_json::from_str(&finding.fix.text).map_err(|e| ApplyError::NotJson {
                    path: PathBuf::from("(the fix)"),
                    msg: e.to_string(),
                })?;
            let old = doc.clone();
            merge(&mut doc, &fragment);
            if doc == old {
                return Err(ApplyError::AlreadyApplied {
                    id: finding.id.to_string(),
                    path,
                });
            }
            let mut after = serde_json::to_string_pretty(&doc).unwrap_or_default();
            after.push('\n');
            Ok(Plan {
                id: finding.id.to_string(),
                path,
                before,
                after,
            })
        }
        _ => Err(ApplyError::NotAnEdit {
            id: finding.id.to_string(),
            text: finding.fix.text.clone(),
        }),
    }
}

/// `unused-mcp`: the unused servers removed from the one file that configures them at the
/// top level (`mcpServers` of `~/.claude.json` or a project's `.mcp.json`, `[mcp_servers.*]`
/// of Codex's `config.toml`, kept as written). Servers in several files, or configured for
/// one project inside `~/.claude.json`, are left to the commands the finding shows.
fn plan_mcp_removal(finding: &Finding) -> Result<Plan, ApplyError> {
    let not_an_edit = || ApplyError::NotAnEdit {
        id: finding.id.to_string(),
        text: finding.fix.text.clone(),
    };
    // the evidence names each server as `name (file)`
    let servers: Vec<(&str, &str)> = finding
        .evidence
        .items
        .iter()
        .filter_map(|item| {
            let (name, rest) = item.split_once(" (")?;
            Some((name, rest.strip_suffix(')')?))
        })
        .collect();
    let Some((_, file)) = servers.first() else {
        return Err(not_an_edit());
    };
    if servers.iter().any(|(_, f)| f != file) {
        return Err(not_an_edit());
    }
    let path = PathBuf::from(file);
    let before = read_opt(&path)?.ok_or_else(not_an_edit)?;
    let after = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        let mut doc: toml_edit::DocumentMut =
            before
                .parse()
                .map_err(|e: toml_edit::TomlError| ApplyError::NotJson {
                    path: path.clone(),
                    msg: e.to_string(),
                })?;
        let table = doc
            .get_mut("mcp_servers")
            .and_then(toml_edit::Item::as_table_like_mut)
            .ok_or_else(not_an_edit)?;
        for (name, _) in &servers {
            table.remove(name).ok_or_else(not_an_edit)?;
        }
        doc.to_string()
    } else {
        let mut doc: serde_json::Value =
            serde_json::from_str(&before).map_err(|e| ApplyError::NotJson {
                path: path.clone(),
                msg: e.to_string(),
            })?;
        let map = doc
            .get_mut("mcpServers")
            .and_then(serde_json::Value::as_object_mut)
            .ok_or_else(not_an_edit)?;
        for (name, _) in &servers {
            map.remove(*name).ok_or_else(not_an_edit)?;
        }
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    };
    Ok(Plan {
        id: finding.id.to_string(),
        path,
        before: Some(before),
        after,
    })
}

/// Merges `patch` into `doc`, object by object (other keys stay).
fn merge(doc: &mut serde_json::Value, patch: &serde_json::Value) {
    match (doc, patch) {
        (serde_json::Value::Object(d), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match d.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        d.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (doc, patch) => *doc = patch.clone(),
    }
}

/// The plan as a unified-style diff: the lines removed and added.
pub fn diff(plan: &Plan) -> String {
    let before: Vec<&str> = plan.before.as_deref().unwrap_or("").lines().collect();
    let after: Vec<&str> = plan.after.lines().collect();
    // the common head and tail, then what changed between them
    let head = before
        .iter()
        .zip(&after)
        .take_while(|(a, b)| a == b)
        .count();
    let tail = before[head..]
        .iter()
        .rev()
        .zip(after[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = format!(
        "--- {}\n+++ {}\n",
        if plan.before.is_some() {
            plan.path.display().to_string()
        } else {
            "/dev/null".into()
        },
        plan.path.display()
    );
    for l in &before[head..before.len() - tail] {
        let _ = writeln!(out, "-{l}");
    }
    for l in &after[head..after.len() - tail] {
        let _ = writeln!(out, "+{l}");
    }
    out
}

/// One application, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The finding.
    pub id: String,
    /// The file edited.
    pub path: PathBuf,
    /// The copy of its content before (`None`: the file did not exist).
    pub backup: Option<PathBuf>,
    /// When, UTC ms.
    pub applied_ms: i64,
    /// The finding's tokens saved per day over its period then.
    pub tokens_per_day: f64,
    /// Undone since (UTC ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_ms: Option<i64>,
}

/// The journal file.
pub fn journal_path(paths: &Paths) -> PathBuf {
    paths.data.join("applied.json")
}

/// The journal (empty when there is none or it does not parse).
pub fn journal(paths: &Paths) -> Vec<Applied> {
    std::fs::read_to_string(journal_path(paths))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn save_journal(paths: &Paths, entries: &[Applied]) -> Result<(), ApplyError> {
    let path = journal_path(paths);
    std::fs::create_dir_all(&paths.data).map_err(io(&paths.data))?;
    let text = serde_json::to_string_pretty(entries).unwrap_or_default();
    write_atomic(&path, text.as_bytes())
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ApplyError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = path.with_extension(format!(
        "{}.burnbar-tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Applies `plan` (backup first, then the edit, then the journal entry).
pub fn apply(
    plan: &Plan,
    paths: &Paths,
    now_ms: i64,
    tokens_per_day: f64,
) -> Result<Applied, ApplyError> {
    let mut entries = journal(paths);
    let backup = match &plan.before {
        Some(content) => {
            let dir = paths.data.join("applied");
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            let file = dir.join(format!("{}-{now_ms}", entries.len() + 1));
            // the exact bytes on disk, not the text read (undo restores byte for byte)
            let bytes = std::fs::read(&plan.path).map_err(io(&plan.path))?;
            debug_assert_eq!(bytes, content.as_bytes());
            std::fs::write(&file, bytes).map_err(io(&file))?;
            Some(file)
        }
        None => None,
    };
    write_atomic(&plan.path, plan.after.as_bytes())?;
    let entry = Applied {
        id: plan.id.clone(),
        path: plan.path.clone(),
        backup,
        applied_ms: now_ms,
        tokens_per_day,
        undone_ms: None,
    };
    entries.push(entry.clone());
    save_journal(paths, &entries)?;
    Ok(entry)
}

/// Undoes the latest application (of `id`, when given): the file gets its old bytes back, or
/// goes away if the fix created it.
pub fn undo(paths: &Paths, id: Option<&str>, now_ms: i64) -> Result<Applied, ApplyError> {
    let mut entries = journal(paths);
    let Some(i) = entries
        .iter()
        .rposition(|e| e.undone_ms.is_none() && id.is_none_or(|id| e.id == id))
    else {
        return Err(ApplyError::NothingToUndo {
            id: id.map(str::to_string),
        });
    };
    let e = &mut entries[i];
    match &e.backup {
        Some(backup) => {
            let bytes = std::fs::read(backup).map_err(io(backup))?;
            write_atomic(&e.path, &bytes)?;
        }
        None => match std::fs::remove_file(&e.path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(io(&e.path)(err)),
        },
    }
    e.undone_ms = Some(now_ms);
    let done = e.clone();
    save_journal(paths, &entries)?;
    Ok(done)
}

/// How an applied fix is doing, from its detector's numbers since.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Measured {
    /// The finding.
    pub id: String,
    /// The file edited.
    pub path: PathBuf,
    /// When it was applied (RFC 3339).
    pub applied: String,
    /// `worked` (70 % less or more), `partial` (20 % less or more), `no-effect`, or
    /// `too-early` (under 3 days).
    pub status: &'static str,
    /// Tokens the finding stood for per day, then and since.
    pub tokens_per_day_before: f64,
    /// Since.
    pub tokens_per_day_since: Option<f64>,
}

/// The status of an applied fix whose finding now stands for `since_per_day` tokens a day
/// (`None`: too early to say).
pub fn status(before_per_day: f64, since_per_day: Option<f64>) -> &'static str {
    let Some(since) = since_per_day else {
        return "too-early";
    };
    if before_per_day <= 0.0 {
        return "no-effect";
    }
    // (a hair of tolerance: 80 of 100 is a 20 % reduction, whatever the float says)
    let reduction = 1.0 - since / before_per_day + 1e-9;
    if reduction >= 0.7 {
        "worked"
    } else if reduction >= 0.2 {
        "partial"
    } else {
        "no-effect"
    }
}

#[cfg(test)]
mod tests {
    use super::status;

    #[test]
    fn a_fix_is_judged_by_how_much_its_finding_shrank() {
        assert_eq!(status(100.0, None), "too-early");
        assert_eq!(status(100.0, Some(30.0)), "worked");
        assert_eq!(status(100.0, Some(0.0)), "worked");
        assert_eq!(status(100.0, Some(31.0)), "partial");
        assert_eq!(status(100.0, Some(80.0)), "partial");
        assert_eq!(status(100.0, Some(81.0)), "no-effect");
        assert_eq!(status(100.0, Some(150.0)), "no-effect");
    }
}
