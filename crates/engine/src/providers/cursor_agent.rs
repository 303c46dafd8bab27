//! cursor-agent (the Cursor CLI and background agents), from its transcripts.
//!
//! cursor-agent is closed source: the format here is read from transcripts as the CLI writes
//! them and as other trackers document them; no source file of its own could be read.
//!
//! **Where:** `~/.cursor/projects/<project slug>/agent-transcripts/` (the same under the home
//! on every OS): `<conversation id>.jsonl` or `<conversation id>/<conversation id>.jsonl`
//! (Composer 2), sub-agents in `<conversation id>/subagents/*.jsonl`, and the older
//! `<conversation id>.txt`. The conversation summaries in
//! `~/.cursor/ai-tracking/ai-code-tracking.db` (`conversation_summaries(conversationId, model,
//! title, updatedAt)`) name each conversation's model and last activity.
//!
//! **Record shape:** JSONL lines `{"role": "user" | "assistant", "message": {"content":
//! [{"type": "text", "text"} | {"type": "tool_use", "name", "input"}]}}`; the `.txt` form
//! marks turns with lines `user:` and `A:` (or `assistant:`).
//!
//! **Tokens: none on disk, so every call is `estimated`** from text length (4 characters a
//! token): an assistant message is a call whose output is its own text (tool inputs
//! included) and whose input is the conversation so far (the agent sends the whole context on
//! each request; counting only the newest user message would undercount by orders of
//! magnitude). Neither is exact; the label says so.
//!
//! **Dates:** transcripts carry no times. Lines read on a later sync (appended since) are
//! dated at the file's modification time then, which is within a watch tick of when they were
//! written; lines found on a first read are dated at the conversation's `updatedAt` (else the
//! file's modification time), so a long conversation seen first after the fact lands on its
//! last day (as it must: nothing in the file says otherwise). A call keeps the earliest date
//! it was given.
//!
//! **Model:** the summary's `model` (`default` or none: Cursor's auto mode, priced as
//! `cursor-auto`). **Project:** the directory's slug (the path with separators turned into
//! `-`: lossy), resolved to a project path any tool has named whose slug it is. **Dedup key:**
//! `cursor-agent:<conversation>:<line number>`. **Session:** the conversation (a sub-agent's
//! calls count in its parent's). **Cursor:** the byte offset, the text length so far and the
//! line count.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::jsonl;
use super::{Batch, Cursor, Listing, PromptMark, Provider, dirs_in, walk_files};
use crate::error::Result;
use crate::lenient::{List, Obj, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;

/// The cursor-agent provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct CursorAgent;

/// Characters a token, for estimates.
const CHARS_PER_TOKEN: u64 = 4;

impl CursorAgent {
    fn projects_dir(paths: &Paths) -> PathBuf {
        paths.home.join(".cursor/projects")
    }
}

fn is_transcript(name: &str) -> bool {
    let ext = Path::new(name).extension().and_then(|e| e.to_str());
    matches!(ext, Some("jsonl" | "txt"))
}

impl Provider for CursorAgent {
    fn id(&self) -> ProviderId {
        ProviderId::CursorAgent
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![CursorAgent::projects_dir(paths)]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        let mut out = Listing::default();
        let projects = dirs_in(&CursorAgent::projects_dir(paths));
        out.skipped.extend(projects.skipped);
        for p in projects.files {
            out.extend(walk_files(&p.join("agent-transcripts"), 3, is_transcript));
        }
        out
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_transcript)
            && place(&CursorAgent::projects_dir(paths), path).is_some()
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let root = file
            .ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "projects"))
            .unwrap_or(Path::new("/"));
        let Some(place) = place(root, file) else {
            return Ok(Cursor::START);
        };
        let state = cursor
            .state
            .as_deref()
            .and_then(|s| serde_json::from_str::<State>(s).ok())
            .filter(|_| cursor.offset > 0)
            .unwrap_or_default();
        let resumed = cursor.offset > 0;
        let cursor_dir = root.parent().unwrap_or(root);
        let summary = summaries(cursor_dir).remove(&place.conversation);
        let mtime = std::fs::metadata(file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        let ts = if resumed {
            mtime
        } else {
            summary.as_ref().and_then(|s| s.updated_ms).or(mtime)
        };
        let Some(ts) = ts else {
            return Ok(Cursor::START);
        };
        let model = summary
            .and_then(|s| s.model)
            .filter(|m| !m.is_empty() && m != "default")
            .unwrap_or_else(|| super::cursor::AUTO_MODEL.to_string());
        let mut read = Read {
            place: &place,
            model: &model,
            ts,
            state,
            batch,
        };
        let from = if resumed { cursor.offset } else { 0 };
        let txt = file.extension().is_some_and(|e| e == "txt");
        let end = jsonl::read_lines(file, from, |line| {
            if !line.terminated {
                return; // read again when it is whole
            }
            read.state.lines += 1;
            if txt {
                if !line.oversized {
                    read.txt_line(line.bytes);
                }
                return;
            }
            let mut scratch = Vec::new();
            // a line that is not a JSON object is counted; one of another shape adds nothing
            if let Some(l) = jsonl::record::<Line<'_>>(
                ProviderId::CursorAgent,
                file,
                &line,
                &mut scratch,
                &mut read.batch.warnings,
            ) {
                read.json_line(&l);
            }
        })?;
        if txt {
            read.end_txt_turn(); // the older form is no longer written: its last turn is whole
        }
        Ok(Cursor {
            offset: end.complete_end,
            state: serde_json::to_string(&read.state).ok(),
        })
    }

    fn is_placeholder_project(&self, project: &str) -> bool {
        project.starts_with(SLUG_PREFIX)
    }

    fn resolve_projects<'a>(&self, known: &'a [String]) -> Vec<(&'a str, &'a str)> {
        let slugs: Vec<&str> = known
            .iter()
            .filter_map(|k| k.strip_prefix(SLUG_PREFIX))
            .collect();
        if slugs.is_empty() {
            return Vec::new();
        }
        let mut by_slug: HashMap<String, &str> = HashMap::new();
        for k in known.iter().filter(|k| !k.starts_with(SLUG_PREFIX)) {
            by_slug.entry(slug(k)).or_insert(k.as_str());
        }
        let mut out: Vec<(&str, &str)> = known
            .iter()
            .filter_map(|k| {
                let s = k.strip_prefix(SLUG_PREFIX)?;
                Some((k.as_str(), *by_slug.get(s)?))
            })
            .collect();
        out.sort_unstable();
        out
    }
}

/// How a project slug is stored until a known path resolves it.
const SLUG_PREFIX: &str = "cursor-project:";

/// A path as cursor-agent names its project directory: every run of characters that are not
/// letters or digits becomes one `-`, none at the ends.
fn slug(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Where a transcript sits: its project slug and conversation.
struct Place {
    project: String,
    conversation: String,
}

fn place(projects_dir: &Path, file: &Path) -> Option<Place> {
    let rel = file.strip_prefix(projects_dir).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    // <slug>/agent-transcripts/<conv>.jsonl | <conv>/<conv>.jsonl | <conv>/subagents/<x>.jsonl
    if parts.len() < 3 || parts[1] != "agent-transcripts" {
        return None;
    }
    let conversation = if parts.len() == 3 {
        Path::new(&parts[2])
            .file_stem()?
            .to_string_lossy()
            .into_owned()
    } else {
        parts[2].clone()
    };
    Some(Place {
        project: format!("{SLUG_PREFIX}{}", parts[0]),
        conversation,
    })
}

/// What a read carries from line to line (and, through the cursor, from read to read).
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Characters of the conversation so far.
    chars: u64,
    /// Lines read so far.
    lines: u64,
    /// The `.txt` form: the role of the turn being read, and its characters.
    role: Option<String>,
    pending: u64,
}

struct Read<'a> {
    place: &'a Place,
    model: &'a str,
    ts: i64,
    state: State,
    batch: &'a mut Batch,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default, borrow)]
    role: Str<'a>,
    #[serde(default, borrow)]
    message: Obj<Message<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default, borrow)]
    content: List<Block<'a>>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(default, borrow)]
    text: Str<'a>,
    #[serde(default, borrow)]
    name: Str<'a>,
    #[serde(default)]
    input: Option<serde_json::Value>,
}

impl Read<'_> {
    fn json_line(&mut self, l: &Line<'_>) {
        let mut chars = 0u64;
        let mut first_text = String::new();
        for b in l.message.0.iter().flat_map(|m| m.content.0.iter()) {
            if let Some(t) = b.text.get() {
                chars += t.chars().count() as u64;
                if first_text.is_empty() {
                    first_text = t.to_string();
                }
            }
            chars += b.name.get().map_or(0, |n| n.len() as u64);
            chars += b.input.as_ref().map_or(0, |v| v.to_string().len() as u64);
        }
        match l.role.get() {
            Some("user") => {
                self.state.chars += chars;
                self.prompt(&first_text);
            }
            Some("assistant") => self.call(chars),
            _ => {}
        }
    }

    /// The older `.txt` transcript: a turn runs from its marker line to the next.
    fn txt_line(&mut self, bytes: &[u8]) {
        let line = String::from_utf8_lossy(bytes);
        let marker = match line.trim_end() {
            "user:" => Some("user"),
            "A:" | "assistant:" => Some("assistant"),
            _ => None,
        };
        match marker {
            Some(role) => {
                self.end_txt_turn();
                self.state.role = Some(role.to_string());
                if role == "user" {
                    self.prompt("");
                }
            }
            None => self.state.pending += line.chars().count() as u64 + 1,
        }
    }

    fn end_txt_turn(&mut self) {
        let chars = std::mem::take(&mut self.state.pending);
        match self.state.role.take().as_deref() {
            Some("assistant") => self.call(chars),
            Some(_) => self.state.chars += chars,
            None => {}
        }
    }

    fn prompt(&mut self, text: &str) {
        self.batch.prompts.push(PromptMark::new(
            ProviderId::CursorAgent,
            &self.place.conversation,
            self.ts,
            text,
        ));
    }

    fn call(&mut self, chars: u64) {
        let tokens = Tokens {
            input: self.state.chars.div_ceil(CHARS_PER_TOKEN),
            output: chars.div_ceil(CHARS_PER_TOKEN),
            ..Tokens::default()
        };
        self.state.chars += chars;
        if tokens.output == 0 {
            return;
        }
        let (place, n) = (self.place, self.state.lines);
        self.batch.events.push(UsageEvent {
            estimated: true,
            ..UsageEvent::new(
                ProviderId::CursorAgent,
                format!("cursor-agent:{}:{n}", place.conversation),
                self.ts,
                self.model.to_string(),
                place.conversation.clone(),
                place.project.clone(),
                tokens,
            )
        });
    }
}

/// A conversation's summary.
struct Summary {
    model: Option<String>,
    updated_ms: Option<i64>,
}

/// Every conversation's summary from `ai-code-tracking.db` (none when it cannot be read).
fn summaries(cursor_dir: &Path) -> HashMap<String, Summary> {
    let mut out = HashMap::new();
    let db = cursor_dir.join("ai-tracking/ai-code-tracking.db");
    if !db.is_file() {
        return out;
    }
    let Ok(conn) = super::sqlite::open_read_only(&db) else {
        return out;
    };
    let Ok(Some(cols)) = super::sqlite::columns(&conn, "conversation_summaries") else {
        return out;
    };
    let model = super::sqlite::or(&cols, "model", "NULL");
    let updated = super::sqlite::or(&cols, "updatedAt", "NULL");
    let Ok(mut stmt) = conn.prepare(&format!(
        "SELECT conversationId, {model}, {updated} FROM conversation_summaries"
    )) else {
        return out;
    };
    let Ok(mut rows) = stmt.query([]) else {
        return out;
    };
    while let Ok(Some(r)) = rows.next() {
        let (Ok(id), Ok(m), Ok(u)) = (r.get_ref(0), r.get_ref(1), r.get_ref(2)) else {
            continue;
        };
        if let Some(id) = super::sqlite::text(id) {
            out.insert(
                id,
                Summary {
                    model: super::sqlite::text(m),
                    updated_ms: super::sqlite::stamp(u),
                },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn a_path_slugs_as_cursor_names_project_directories() {
        assert_eq!(slug("/Users/me/code/my.app"), "Users-me-code-my-app");
        assert_eq!(slug("/home/dev/app/"), "home-dev-app");
    }
}
