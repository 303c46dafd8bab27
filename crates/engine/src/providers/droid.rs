//! Factory Droid, from its session files.
//!
//! Droid is closed source: the format here is read from files the CLI writes, as other
//! trackers document them (no source file of Droid's own could be read).
//!
//! **Where:** `$FACTORY_DIR` (else `~/.factory`) `/sessions/`, one directory per working
//! directory (or the files directly in `sessions/`): `<session id>.jsonl`, the transcript, and
//! `<session id>.settings.json`, the session's settings and token sums. The same on every OS.
//!
//! **Record shape:** the transcript's first line is `{"type": "session_start", "id", "cwd",
//! …}`; then `{"type": "message", "id", "timestamp" (ISO), "message": {role, content}}`.
//! `settings.json` holds `model` (e.g. `claude-sonnet-4-5-20250929`, or a custom model as
//! `custom:GLM-5.1-[Proxy]-0`) and `tokenUsage{inputTokens, outputTokens, cacheCreationTokens,
//! cacheReadTokens, thinkingTokens}`: the **session's** sums, rewritten as it goes on.
//!
//! **Token fields:** Anthropic's semantics (fresh input; cache writes and reads apart);
//! `thinkingTokens` is kept as reasoning, counted inside output (not billed twice). Only sums
//! exist: each session is **one record labelled `session-total`** dated at the transcript's
//! last timestamp (its last activity; found in the file's last 64 KiB), never spread over
//! invented calls (CodeBurn divides it evenly over the assistant messages, which dates spend
//! that was never made at those times).
//!
//! **Model:** `model`, a custom model with its `custom:` prefix, bracketed tags and trailing
//! `-<n>` index removed. **Project:** the transcript's `cwd`. Sessions whose `cwd` is the
//! Factory directory itself (Droid's own housekeeping) are skipped. **Dedup key:**
//! `droid:<session id>`. **Source file:** the settings file (it changes when tokens do); read
//! whole each time it changes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Batch, Cursor, Listing, Provider, discover_under, owned_under};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;

/// The Factory Droid provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Droid;

const SETTINGS: &str = ".settings.json";
/// How much of a transcript's end is searched for its last timestamp.
const TAIL: u64 = 64 << 10;

impl Provider for Droid {
    fn id(&self) -> ProviderId {
        ProviderId::Droid
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.factory_dir.join("sessions")]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        discover_under(&self.roots(paths), 2, |n| n.ends_with(SETTINGS))
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, |n| n.ends_with(SETTINGS))
    }

    fn source_for(&self, paths: &Paths, changed: &Path) -> Option<PathBuf> {
        if self.owns(paths, changed) {
            return Some(changed.to_path_buf());
        }
        // the transcript moved on: its settings file dates the session
        let name = changed.file_name()?.to_str()?;
        let stem = name.strip_suffix(".jsonl")?;
        let settings = changed.with_file_name(format!("{stem}{SETTINGS}"));
        self.owns(paths, &settings).then_some(settings)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let bytes = crate::untrusted::read_capped(file, crate::untrusted::SIDECAR_CAP)
            .map_err(|e| Error::io(file, e))?;
        let warn = |batch: &mut Batch, kind, msg: String| {
            batch
                .warnings
                .push(Warning::whole_file(ProviderId::Droid, file, kind, msg));
        };
        let settings = match serde_json::from_slice::<Settings<'_>>(&bytes) {
            Ok(s) => s,
            Err(e) => {
                warn(batch, WarningKind::MalformedLine, e.to_string());
                return Ok(Cursor::START);
            }
        };
        let Some(usage) = settings.token_usage.0 else {
            return Ok(Cursor::START); // a session that never called a model
        };
        let tokens = Tokens {
            input: usage.input_tokens.0,
            output: usage.output_tokens.0,
            cache_read: usage.cache_read_tokens.0,
            cache_write_5m: usage.cache_creation_tokens.0,
            reasoning: usage.thinking_tokens.0,
            ..Tokens::default()
        };
        if tokens.is_empty() {
            return Ok(Cursor::START);
        }
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let stem = name
            .as_deref()
            .and_then(|n| n.strip_suffix(SETTINGS))
            .unwrap_or_default()
            .to_string();
        let transcript = Transcript::of(&file.with_file_name(format!("{stem}.jsonl")));
        let Some(ts) = transcript.last_ms else {
            warn(
                batch,
                WarningKind::InvalidRecord,
                "no dated message in the session's transcript".to_string(),
            );
            return Ok(Cursor::START);
        };
        let factory = file
            .ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "sessions"))
            .and_then(Path::parent);
        if let (Some(cwd), Some(factory)) = (&transcript.cwd, factory)
            && Path::new(cwd) == factory
        {
            return Ok(Cursor::START);
        }
        let session = transcript.id.clone().unwrap_or(stem);
        batch.events.push(UsageEvent {
            session_total: true,
            ..UsageEvent::new(
                ProviderId::Droid,
                format!("droid:{session}"),
                ts,
                settings
                    .model
                    .non_empty()
                    .map_or_else(|| "unknown".to_string(), model_name),
                session,
                transcript.cwd.unwrap_or_else(|| "unknown".to_string()),
                tokens,
            )
        });
        Ok(Cursor::START)
    }
}

/// A model id as priced: `custom:GLM-5.1-[Proxy]-0` -> `GLM-5.1`.
fn model_name(raw: &str) -> String {
    let Some(custom) = raw.strip_prefix("custom:") else {
        return raw.to_string();
    };
    let mut out = String::new();
    let mut depth = 0usize;
    for c in custom.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let mut s = out.trim().trim_end_matches('-').to_string();
    if let Some((head, n)) = s.rsplit_once('-')
        && !n.is_empty()
        && n.chars().all(|c| c.is_ascii_digit())
    {
        s = head.trim_end_matches('-').to_string();
    }
    s
}

/// `<session>.settings.json` (only what is read of it).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings<'a> {
    #[serde(default, borrow)]
    model: Str<'a>,
    #[serde(default)]
    token_usage: Obj<TokenUsage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // the tool's own names
struct TokenUsage {
    #[serde(default)]
    input_tokens: Count,
    #[serde(default)]
    output_tokens: Count,
    #[serde(default)]
    cache_creation_tokens: Count,
    #[serde(default)]
    cache_read_tokens: Count,
    #[serde(default)]
    thinking_tokens: Count,
}

/// What the transcript says about its session.
#[derive(Default)]
struct Transcript {
    id: Option<String>,
    cwd: Option<String>,
    last_ms: Option<i64>,
}

/// A transcript line (only what is read of it).
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default, rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(default, borrow)]
    id: Str<'a>,
    #[serde(default, borrow)]
    cwd: Str<'a>,
    #[serde(default)]
    timestamp: Stamp,
}

impl Transcript {
    fn of(path: &Path) -> Transcript {
        let mut t = Transcript::default();
        let Ok(head) = crate::untrusted::read_head(path, TAIL) else {
            return t;
        };
        if let Some(first) = head.split(|b| *b == b'\n').next()
            && let Ok(l) = serde_json::from_slice::<Line<'_>>(first)
            && l.kind.get() == Some("session_start")
        {
            t.id = l.id.non_empty().map(str::to_string);
            t.cwd = l.cwd.non_empty().map(str::to_string);
        }
        let tail = tail_of(path).unwrap_or(head);
        t.last_ms = tail
            .split(|b| *b == b'\n')
            .filter_map(|l| serde_json::from_slice::<Line<'_>>(l).ok())
            .filter_map(|l| l.timestamp.0)
            .max();
        t
    }
}

/// The last [`TAIL`] bytes of a regular file (whole lines only matter: a torn first line
/// does not parse and is passed over).
fn tail_of(path: &Path) -> Option<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = crate::untrusted::open_regular(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
    let mut out = Vec::new();
    f.take(TAIL).read_to_end(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::model_name;

    #[test]
    fn custom_model_names_lose_their_tags_and_index() {
        assert_eq!(model_name("custom:GLM-5.1-[Proxy]-0"), "GLM-5.1");
        assert_eq!(model_name("custom:kimi-k2-[Fireworks]-12"), "kimi-k2");
        assert_eq!(
            model_name("claude-sonnet-4-5-20250929"),
            "claude-sonnet-4-5-20250929"
        );
    }
}
