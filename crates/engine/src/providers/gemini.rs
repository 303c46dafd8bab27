//! Gemini CLI chats.
//!
//! **Where:** `~/.gemini/tmp/<project>/chats/session-*.json` (one JSON document per session,
//! CLI ≤ 0.38) or `session-*.jsonl` (newer). The same path on Linux, macOS and Windows;
//! `GEMINI_DATA_DIR` replaces `~/.gemini`. `<project>` is the SHA-256 of the project directory.
//!
//! **Record shape:** the JSON document is `{sessionId, projectHash, startTime, lastUpdated,
//! messages[]}`; the JSONL form has a header line carrying `sessionId`, then one message per
//! line (lines with `$set` are metadata updates and ignored). A message has `id`, `timestamp`,
//! `type` (`user` | `gemini` | `info`), `model` and `tokens{input, output, cached, thoughts,
//! tool, total}`.
//!
//! **Token fields:** `input` *includes* `cached` (subtracted); `thoughts` are reasoning tokens
//! billed at the output rate *on top of* `output`.
//!
//! **Dedup key:** `gemini:<sessionId>:<message id>`. A JSON document is rewritten whole as the
//! chat grows, so it is always read from the start; keys make that harmless.
//!
//! **Project:** no working directory is recorded, only its hash: calls carry the hash, and the
//! index resolves it to a project path when a path known from any tool hashes to it
//! ([`resolve_project_hashes`]); until then the project shows as unresolved.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::jsonl;
use super::{Batch, Cursor, Provider, discover_under, owned_under};
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

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        discover_under(&self.roots(paths), 3, is_session_name)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_session_name)
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let project = project_hash_of(file);
        if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
        {
            return read_jsonl(file, cursor, &project, batch);
        }
        let text = std::fs::read(file).map_err(|e| Error::io(file, e))?;
        match serde_json::from_slice::<Document>(&text) {
            Ok(doc) => {
                let session = doc
                    .session_id
                    .non_empty()
                    .map_or_else(|| stem(file), str::to_string);
                for m in &doc.messages.0 {
                    push(m, &session, &project, batch);
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

/// The JSONL form, read from the cursor; the session id travels in the cursor state.
fn read_jsonl(file: &Path, cursor: &Cursor, project: &str, batch: &mut Batch) -> Result<Cursor> {
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
            push(&m, &s, project, batch);
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

fn push(m: &Message<'_>, session: &str, project: &str, batch: &mut Batch) {
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
            session.to_string(),
            project.to_string(),
            Tokens {
                input: tokens.input.0.saturating_sub(tokens.cached.0),
                output: tokens.output.0,
                cache_read: tokens.cached.0.min(tokens.input.0),
                reasoning: tokens.thoughts.0,
                ..Tokens::default()
            },
        )
    });
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

/// The `<project>` directory of `tmp/<project>/chats/<file>`.
fn project_hash_of(file: &Path) -> String {
    file.parent()
        .filter(|p| p.file_name().is_some_and(|n| n == "chats"))
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map_or_else(
            || "unknown".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
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
