//! Gemini CLI chats.
//!
//! Read from the CLI's own source: `packages/core/src/services/chatRecordingService.ts` (what
//! is written, where, and the token fields), `chatRecordingTypes.ts` (the record types) and
//! `packages/core/src/config/storage.ts` + `projectRegistry.ts` (the project directory).
//!
//! **Where:** `~/.gemini/tmp/<project>/chats/session-<time>-<id>.json` (one JSON document per
//! session, CLI ≤ 0.38) or `.jsonl` (newer), and a sub-agent's chat in
//! `chats/<parent session id>/<session id>.jsonl`. The same path on Linux, macOS and Windows;
//! `GEMINI_DATA_DIR` replaces `~/.gemini`. `<project>` is the SHA-256 of the project directory
//! (older CLIs) or a short name from `~/.gemini/projects.json` whose directory holds the
//! project's path in a `.project_root` file (newer ones).
//!
//! **Record shape:** the JSON document is `{sessionId, projectHash, startTime, lastUpdated,
//! messages[]}`; the JSONL form has a header line carrying `sessionId` (and `kind`: `main` or
//! `subagent`), then one message per line (lines with `$set` are metadata updates and
//! ignored; `$rewindTo` lines too). A message has `id`, `timestamp`, `type` (`user` | `gemini`
//! | `info` | ...), `model` and `tokens{input, output, cached, thoughts, tool, total}`, filled
//! from the API's `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`,
//! `cachedContentTokenCount`, `thoughtsTokenCount`, `toolUsePromptTokenCount`,
//! `totalTokenCount`).
//!
//! **Token fields:** `input` *includes* `cached` (subtracted); `tool` is the prompt of tool
//! use, counted *besides* `input` (`total = input + output + thoughts + tool`), so it is added
//! to the input; `thoughts` are reasoning tokens billed at the output rate *on top of*
//! `output`.
//!
//! **Dedup key:** `gemini:<sessionId>:<message id>`. A JSON document is rewritten whole as the
//! chat grows, so it is always read from the start; keys make that harmless (as they do for a
//! legacy `.json` chat the CLI copied to `.jsonl` on resume).
//!
//! **Sessions:** a sub-agent's calls belong to the session that started it (its directory's
//! name), so they count in that session and its turns; their keys keep the sub-agent's own id.
//!
//! **Project:** the `.project_root` path when the project directory has one; otherwise the
//! directory's name: a hash, which the index resolves to a project path when a path known from
//! any tool hashes to it ([`resolve_project_hashes`]); until then the project shows as
//! unresolved.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::jsonl;
use super::{Batch, Cursor, Listing, Provider, dirs_in, walk_files};
use crate::error::{Error, Result, WarningKind};
use crate::lenient::{Count, List, Obj, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;

/// The Gemini CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gemini;

/// Timestamps before this (2001-01-01) are bogus.
const EARLIEST_MS: i64 = 978_307_200_000;

impl Provider for Gemini {
    fn id(&self) -> ProviderId {
        ProviderId::Gemini
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.gemini_dir.join("tmp")]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        // only each project's `chats`: its other directories (tool outputs, plans, logs) can
        // hold many files that are never chats
        let mut out = Listing::default();
        for root in self.roots(paths) {
            let projects = dirs_in(&root);
            out.skipped.extend(projects.skipped);
            for project in projects.files {
                let chats = project.join("chats");
                let mut found = walk_files(&chats, 2, is_chat_name);
                found.files.retain(|f| chat_kind(f).is_some());
                out.extend(found);
            }
        }
        out
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        chat_kind(path).is_some() && self.roots(paths).iter().any(|r| path.starts_with(r))
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let project = project_of(file);
        let parent = match chat_kind(file) {
            Some(Chat::SubAgent { parent }) => Some(parent),
            _ => None,
        };
        let chat = ChatFile {
            project: &project,
            parent: parent.as_deref(),
        };
        if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
        {
            return read_jsonl(file, cursor, &chat, batch);
        }
        let text = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        match serde_json::from_slice::<Document>(&text) {
            Ok(doc) => {
                let session = doc
                    .session_id
                    .non_empty()
                    .map_or_else(|| stem(file), str::to_string);
                for m in &doc.messages.0 {
                    push(m, &session, &chat, batch);
                }
            }
            // A document caught mid-rewrite: read it again when it changes.
            Err(e) => batch.warnings.push(crate::error::Warning::whole_file(
                ProviderId::Gemini,
                file,
                WarningKind::MalformedLine,
                e.to_string(),
            )),
        }
        Ok(Cursor::START)
    }

    fn is_placeholder_project(&self, project: &str) -> bool {
        is_project_hash(project)
    }

    fn resolve_projects<'a>(&self, known: &'a [String]) -> Vec<(&'a str, &'a str)> {
        if !known.iter().any(|n| is_project_hash(n)) {
            return Vec::new(); // hashing every name is the cost: only when there is a hash
        }
        let mut pairs: Vec<(&str, &str)> = resolve_project_hashes(known).into_iter().collect();
        pairs.sort_unstable();
        pairs
    }
}

/// What a chat's place says about its calls.
struct ChatFile<'a> {
    /// The project (a path, or a hash to resolve).
    project: &'a str,
    /// For a sub-agent's chat, the session that started it.
    parent: Option<&'a str>,
}

/// The JSONL form, read from the cursor; the session id travels in the cursor state.
fn read_jsonl(
    file: &Path,
    cursor: &Cursor,
    chat: &ChatFile<'_>,
    batch: &mut Batch,
) -> Result<Cursor> {
    let mut session = cursor
        .state
        .as_deref()
        .and_then(|s| serde_json::from_str::<JsonlState>(s).ok())
        .map(|s| s.session)
        .filter(|_| cursor.offset > 0);
    let from = if session.is_some() { cursor.offset } else { 0 };
    let end = jsonl::read_lines(file, from, |line| {
        let mut scratch = Vec::new();
        let Some(m) = jsonl::record::<Message>(
            ProviderId::Gemini,
            file,
            &line,
            &mut scratch,
            &mut batch.warnings,
        ) else {
            return;
        };
        if m.set.0.is_some() {
            // a `$set` metadata update
        } else if m.kind.get().is_none() && m.session_id.non_empty().is_some() {
            session = m.session_id.non_empty().map(str::to_string);
        } else {
            let s = session.clone().unwrap_or_else(|| stem(file));
            push(&m, &s, chat, batch);
        }
    })?;
    Ok(Cursor {
        offset: end.complete_end,
        state: session.and_then(|session| serde_json::to_string(&JsonlState { session }).ok()),
    })
}

#[derive(Serialize, Deserialize)]
struct JsonlState {
    session: String,
}

fn push(m: &Message<'_>, session: &str, chat: &ChatFile<'_>, batch: &mut Batch) {
    if m.kind.get() != Some("gemini") {
        return;
    }
    let (Some(tokens), Some(model)) = (&m.tokens.0, m.model.non_empty()) else {
        return;
    };
    let Some(ts) = m
        .timestamp
        .get()
        .and_then(parse_timestamp_ms)
        .filter(|t| *t >= EARLIEST_MS)
    else {
        return;
    };
    let id =
        m.id.non_empty()
            .map_or_else(|| format!("at:{ts}"), str::to_string);
    batch.events.push(UsageEvent {
        reasoning_in_output: false,
        openai_cache_semantics: true,
        ..UsageEvent::new(
            ProviderId::Gemini,
            format!("gemini:{session}:{id}"),
            ts,
            model.to_string(),
            chat.parent.unwrap_or(session).to_string(),
            chat.project.to_string(),
            Tokens {
                input: tokens
                    .input
                    .0
                    .saturating_sub(tokens.cached.0)
                    .saturating_add(tokens.tool.0),
                output: tokens.output.0,
                cache_read: tokens.cached.0.min(tokens.input.0),
                reasoning: tokens.thoughts.0,
                ..Tokens::default()
            },
        )
    });
}

/// Where a chat file sits.
#[derive(Debug, PartialEq, Eq)]
enum Chat {
    /// `chats/session-*.json[l]`: a session of its own.
    Main,
    /// `chats/<parent>/<id>.jsonl`: a sub-agent started by session `parent`.
    SubAgent { parent: String },
}

/// What `file` is, by its place: `None` for anything that is not a chat.
fn chat_kind(file: &Path) -> Option<Chat> {
    let name = file.file_name()?.to_string_lossy();
    let dir = file.parent()?;
    if dir.file_name()? == "chats" {
        return is_session_name(&name).then_some(Chat::Main);
    }
    let is_jsonl = Path::new(name.as_ref())
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    (is_jsonl && dir.parent()?.file_name()? == "chats").then(|| Chat::SubAgent {
        parent: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })
}

/// A name a chat may have (where it sits decides: [`chat_kind`]).
fn is_chat_name(name: &str) -> bool {
    is_session_name(name)
        || Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

fn is_session_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("session-")
        && (Path::new(&lower)
            .extension()
            .is_some_and(|e| e == "json" || e == "jsonl"))
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The project of a chat in `tmp/<project>/chats/[<parent>/]<file>`: the path in the
/// project directory's `.project_root` when there is one (a newer CLI names the directory
/// after the project and keeps its path there), else the directory's name (a hash).
fn project_of(file: &Path) -> String {
    let Some(dir) = file
        .ancestors()
        .skip(1)
        .take(2)
        .find(|d| d.file_name().is_some_and(|n| n == "chats"))
        .and_then(Path::parent)
    else {
        return "unknown".to_string();
    };
    let marked = crate::untrusted::read_capped_string(
        &dir.join(".project_root"),
        crate::untrusted::SIDECAR_CAP,
    )
    .ok()
    .map(|text| text.trim().to_string())
    .filter(|path| !path.is_empty());
    marked.unwrap_or_else(|| {
        dir.file_name().map_or_else(
            || "unknown".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    })
}

/// The hex SHA-256 of a project path, as the Gemini CLI names its project directories.
pub fn project_hash(path: &str) -> String {
    use std::fmt::Write;
    Sha256::digest(path.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// True for a 64-hex-digit project name: a Gemini hash not (yet) resolved to a path.
pub fn is_project_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// For each unresolved hash among `names`, the known project path that hashes to it.
pub fn resolve_project_hashes(names: &[String]) -> HashMap<&str, &str> {
    let hashed: HashMap<String, &str> = names
        .iter()
        .filter(|n| !is_project_hash(n))
        .map(|n| (project_hash(n), n.as_str()))
        .collect();
    names
        .iter()
        .filter(|n| is_project_hash(n))
        .filter_map(|h| hashed.get(h.as_str()).map(|p| (h.as_str(), *p)))
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Document<'a> {
    #[serde(rename = "sessionId", borrow)]
    session_id: Str<'a>,
    #[serde(borrow)]
    messages: List<Message<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Str<'a>,
    #[serde(borrow)]
    timestamp: Str<'a>,
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    model: Str<'a>,
    tokens: Obj<GeminiTokens>,
    #[serde(rename = "$set")]
    set: Obj<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GeminiTokens {
    input: Count,
    output: Count,
    cached: Count,
    thoughts: Count,
    tool: Count,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_hashes_resolve_to_known_paths() {
        let known = "/home/dev/work/api".to_string();
        let hash = project_hash(&known);
        assert!(is_project_hash(&hash));
        let names = vec![known.clone(), hash.clone(), "f".repeat(64)];
        let map = resolve_project_hashes(&names);
        assert_eq!(map.get(hash.as_str()), Some(&known.as_str()));
        assert_eq!(map.len(), 1, "an unknown hash stays unresolved");
    }
}
