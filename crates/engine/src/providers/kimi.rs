//! Kimi CLI (Moonshot AI's agent), from its sessions' wire logs.
//!
//! Read from Kimi CLI's own source: `src/kimi_cli/share.py` (the share directory),
//! `src/kimi_cli/metadata.py` (`kimi.json`; a work directory's sessions under
//! `sessions/<md5 of its path>`), `src/kimi_cli/wire/file.py` (`wire.jsonl`: a metadata
//! header, then one `{timestamp, message: {type, payload}}` record per wire message),
//! `src/kimi_cli/wire/types.py` (`StatusUpdate`, `SubagentEvent`) and kosong's `TokenUsage`.
//!
//! **Where:** `$KIMI_SHARE_DIR` (else `~/.kimi`) `/sessions/<md5(work dir)>/<session id>/
//! wire.jsonl`. `kimi.json` there lists the work directories (`work_dirs[].path`), which name
//! the md5 directories.
//!
//! **Record shape:** a `StatusUpdate` message's payload may carry `token_usage` — "the token
//! usage statistics of the current step" — and the step's `message_id`; fields left `null`
//! mean "no change". A sub-agent's updates arrive wrapped in `SubagentEvent{agent_id,
//! event: {type, payload}}`. `timestamp` is epoch seconds (a float).
//!
//! **Token fields:** kosong's `TokenUsage{input_other, output, input_cache_read,
//! input_cache_creation}`: `input_other` is the fresh input, cache reads and writes apart
//! (`input` = their sum). One call per step with usage.
//!
//! **Model:** the wire does not name it: the `default_model` of `config.toml` (its
//! `[models.<name>] model`), and the call is then labelled `estimated` (the session may have
//! used another); none configured: `kimi-unknown`. **Project:** the work directory whose md5
//! names the session's directory, else the md5. **Dedup key:** `kimi:<session>:<message id>`
//! (a sub-agent's: `kimi:<session>:<agent id>:<message id>`; without an id, the timestamp).
//! **Cursor:** the byte offset (the log is append-only).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use md5::Digest;
use serde::Deserialize;

use super::jsonl;
use super::{Batch, Cursor, Listing, Provider, discover_under, owned_under};
use crate::error::Result;
use crate::lenient::{Count, List, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;

/// The Kimi CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kimi;

const WIRE: &str = "wire.jsonl";

impl Provider for Kimi {
    fn id(&self) -> ProviderId {
        ProviderId::Kimi
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.kimi_share.join("sessions")]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        discover_under(&self.roots(paths), 3, |n| n == WIRE)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, |n| n == WIRE)
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let session_dir = file.parent().unwrap_or(Path::new(""));
        let session = name_of(session_dir);
        let hash_dir = session_dir.parent().unwrap_or(Path::new(""));
        let share = hash_dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        let hash = name_of(hash_dir);
        let project = work_dirs(share).remove(&hash).unwrap_or(hash);
        let model = default_model(share);
        let (warnings, events) = (&mut batch.warnings, &mut batch.events);
        let end =
            jsonl::read_records::<Wire>(ProviderId::Kimi, file, cursor.offset, warnings, |r| {
                let (Some(ts), Some(m)) = (r.timestamp.0, r.message.0.as_ref()) else {
                    return;
                };
                let (agent, update) = match m.kind.get() {
                    Some("StatusUpdate") => (None, m.payload.0.as_ref()),
                    Some("SubagentEvent") => {
                        let Some(p) = m.payload.0.as_ref() else {
                            return;
                        };
                        let inner = p.event.0.as_ref();
                        if inner.and_then(|e| e.kind.get()) != Some("StatusUpdate") {
                            return;
                        }
                        (
                            p.agent_id.non_empty(),
                            inner.and_then(|e| e.payload.0.as_ref()),
                        )
                    }
                    _ => return,
                };
                let Some(u) = update.and_then(|p| p.token_usage.0.as_ref()) else {
                    return;
                };
                let tokens = Tokens {
                    input: u.input_other.0,
                    output: u.output.0,
                    cache_read: u.input_cache_read.0,
                    cache_write_5m: u.input_cache_creation.0,
                    ..Tokens::default()
                };
                if tokens.is_empty() {
                    return;
                }
                let id = update
                    .and_then(|p| p.message_id.non_empty())
                    .map_or_else(|| ts.to_string(), str::to_string);
                let key = match agent {
                    Some(a) => format!("kimi:{session}:{a}:{id}"),
                    None => format!("kimi:{session}:{id}"),
                };
                events.push(UsageEvent {
                    estimated: model.is_some(),
                    ..UsageEvent::new(
                        ProviderId::Kimi,
                        key,
                        ts,
                        model.clone().unwrap_or_else(|| "kimi-unknown".to_string()),
                        session.clone(),
                        project.clone(),
                        tokens,
                    )
                });
            })?;
        Ok(Cursor {
            offset: end.complete_end,
            state: None,
        })
    }
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `wire.jsonl`'s lines.
struct Wire;

impl jsonl::Lines for Wire {
    type Record<'b> = Record<'b>;
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(default)]
    timestamp: Stamp,
    #[serde(default, borrow)]
    message: Obj<Envelope<'a>>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, rename = "type")]
    kind: Str<'a>,
    #[serde(default, borrow)]
    payload: Obj<Payload<'a>>,
}

/// A `StatusUpdate` or `SubagentEvent` payload (only what is read of either).
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(default)]
    token_usage: Obj<Usage>,
    #[serde(default, borrow)]
    message_id: Str<'a>,
    #[serde(default, borrow)]
    agent_id: Str<'a>,
    #[serde(default, borrow)]
    event: Obj<Box<Envelope<'a>>>,
}

#[derive(Deserialize)]
#[allow(clippy::struct_field_names)] // kosong's own names
struct Usage {
    #[serde(default)]
    input_other: Count,
    #[serde(default)]
    output: Count,
    #[serde(default)]
    input_cache_read: Count,
    #[serde(default)]
    input_cache_creation: Count,
}

/// `kimi.json`: md5 of each work directory's path -> the path.
fn work_dirs(share: &Path) -> HashMap<String, String> {
    #[derive(Deserialize)]
    struct Meta<'a> {
        #[serde(default, borrow)]
        work_dirs: List<WorkDir<'a>>,
    }
    #[derive(Deserialize)]
    struct WorkDir<'a> {
        #[serde(default, borrow)]
        path: Str<'a>,
    }
    let Ok(bytes) =
        crate::untrusted::read_capped(&share.join("kimi.json"), crate::untrusted::SIDECAR_CAP)
    else {
        return HashMap::new();
    };
    let Ok(meta) = serde_json::from_slice::<Meta<'_>>(&bytes) else {
        return HashMap::new();
    };
    meta.work_dirs
        .0
        .iter()
        .filter_map(|w| w.path.non_empty())
        .map(|p| (md5_hex(p), p.to_string()))
        .collect()
}

/// The model `config.toml` names as the default (`[models.<default_model>] model`).
fn default_model(share: &Path) -> Option<String> {
    let text = crate::untrusted::read_capped_string(
        &share.join("config.toml"),
        crate::untrusted::SIDECAR_CAP,
    )
    .ok()?;
    let doc: toml::Table = text.parse().ok()?;
    let name = doc.get("default_model")?.as_str()?;
    let model = doc.get("models")?.get(name)?;
    model
        .get("model")
        .and_then(toml::Value::as_str)
        .or(Some(name))
        .filter(|m| !m.is_empty())
        .map(str::to_string)
}

/// The lowercase hex MD5 of `s` (how Kimi CLI names a work directory's sessions).
fn md5_hex(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(32);
    for b in md5::Md5::digest(s.as_bytes()) {
        let _ = write!(out, "{b:02x}");
    }
    out
}
