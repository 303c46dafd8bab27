//! Qwen Code chats (a Gemini CLI fork).
//!
//! **Where:** `QWEN_DATA_DIR`, else `~/.qwen`, then `projects/<project>/chats/*.jsonl` (the
//! same on Linux, macOS and Windows).
//!
//! **Record shape:** one JSON object per line: `{uuid, sessionId, timestamp, type:
//! "user"|"assistant", model, cwd, message{…}, usageMetadata{promptTokenCount,
//! candidatesTokenCount, thoughtsTokenCount, cachedContentTokenCount, totalTokenCount}}`.
//!
//! **Token fields:** Gemini API semantics: `promptTokenCount` *includes* the cached tokens
//! (subtracted here, unlike CodeBurn, which bills them twice); thoughts are billed at the output
//! rate on top of `candidatesTokenCount`.
//!
//! **Dedup key:** `qwen:<sessionId>:<uuid>`. **Project:** the record's `cwd`, else the
//! `<project>` directory name. A model-less record is priced as unknown (unpriced).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::jsonl;
use super::{Batch, Cursor, Provider, discover_under, is_jsonl, owned_under};
use crate::error::Result;
use crate::lenient::{Count, Obj, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;

/// The Qwen Code provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Qwen;

impl Provider for Qwen {
    fn id(&self) -> ProviderId {
        ProviderId::Qwen
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.qwen_dir.join("projects")]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        discover_under(&self.roots(paths), 3, is_jsonl)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_jsonl)
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let project_dir = file
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let end = jsonl::read_lines(file, cursor.offset, |line| {
            let Some(bytes) = jsonl::object(ProviderId::Qwen, file, &line, &mut batch.warnings)
            else {
                return;
            };
            if memchr::memmem::find(bytes, b"\"usageMetadata\"").is_none() {
                return;
            }
            let mut scratch = Vec::new();
            let Some(r) = jsonl::parse::<Record>(
                ProviderId::Qwen,
                file,
                &line,
                bytes,
                &mut scratch,
                &mut batch.warnings,
            ) else {
                return;
            };
            if let Some(e) = event(&r, &project_dir) {
                batch.events.push(e);
            }
        })?;
        Ok(Cursor {
            offset: end.complete_end,
            state: None,
        })
    }
}

fn event(r: &Record<'_>, project_dir: &str) -> Option<UsageEvent> {
    if r.kind.get() != Some("assistant") {
        return None;
    }
    let u = r.usage.0.as_ref()?;
    let ts = r.timestamp.get().and_then(parse_timestamp_ms)?;
    let session = r.session_id.non_empty()?;
    let id = r
        .uuid
        .non_empty()
        .map_or_else(|| format!("at:{ts}"), str::to_string);
    let prompt = u.prompt_token_count.0;
    let cached = u.cached_content_token_count.0.min(prompt);
    Some(UsageEvent {
        reasoning_in_output: false,
        openai_cache_semantics: true,
        ..UsageEvent::new(
            ProviderId::Qwen,
            format!("qwen:{session}:{id}"),
            ts,
            r.model.non_empty().unwrap_or("unknown").to_string(),
            session.to_string(),
            r.cwd.non_empty().unwrap_or(project_dir).to_string(),
            Tokens {
                input: prompt - cached,
                output: u.candidates_token_count.0,
                cache_read: cached,
                reasoning: u.thoughts_token_count.0,
                ..Tokens::default()
            },
        )
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    #[serde(borrow)]
    uuid: Str<'a>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Str<'a>,
    #[serde(borrow)]
    timestamp: Str<'a>,
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    model: Str<'a>,
    #[serde(borrow)]
    cwd: Str<'a>,
    #[serde(rename = "usageMetadata")]
    usage: Obj<UsageMetadata>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // the API's own field names
struct UsageMetadata {
    prompt_token_count: Count,
    candidates_token_count: Count,
    thoughts_token_count: Count,
    cached_content_token_count: Count,
}
