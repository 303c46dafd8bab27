//! GitHub Copilot CLI session state.
//!
//! **Where:** `~/.copilot/session-state/<sessionId>/events.jsonl` (the same on every OS), with
//! the session's working directory in the sibling `workspace.yaml` (`cwd: …`).
//!
//! **Record shape:** `{type, timestamp, data}` events. `session.model_change{newModel}` sets
//! the model; `assistant.message{messageId, model?, outputTokens}` is one call carrying its
//! output tokens; `session.shutdown{modelMetrics{<model>: {usage{inputTokens, outputTokens,
//! cacheReadTokens, cacheWriteTokens, reasoningTokens}}}}` closes a leg of the session with
//! per-model totals; `session.compaction_complete{success: true}` restarts them.
//!
//! **Token fields:** per-turn records have output only; the input side comes from the shutdown
//! rollups, which are *cumulative* across resumed legs: each leg contributes its delta against
//! the previous leg (a leg smaller than its predecessor, or the first after a compaction,
//! starts a new epoch and counts at face value). `inputTokens` includes the cache reads and
//! writes (subtracted); output is already counted per turn and reasoning is inside it, so a
//! rollup adds input and cache tokens only. Rollups are supplementary: their tokens and cost
//! count, they are not calls.
//!
//! **Dedup keys:** `copilot:<session>:<messageId>` per turn and
//! `copilot:<session>:rollup:<model>:<leg timestamp>` per rollup (keyed by time, not index, so
//! a re-read never shifts them). **Project:** `workspace.yaml`'s `cwd`, else the session id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::jsonl;
use super::{Batch, Cursor, Provider, discover_under, owned_under};
use crate::error::Result;
use crate::lenient::{Count, Obj, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;

/// The Copilot CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Copilot;

/// `[input (cache-inclusive), cache read, cache write]` of a rollup.
type Rollup = [u64; 3];

/// Decoder state carried in the cursor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    model: Option<String>,
    /// The previous leg's cumulative totals per model.
    previous: BTreeMap<String, Rollup>,
}

impl Provider for Copilot {
    fn id(&self) -> ProviderId {
        ProviderId::Copilot
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.home.join(".copilot/session-state")]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        discover_under(&self.roots(paths), 2, is_events)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_events)
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let session = file
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let project = file
            .parent()
            .and_then(|dir| {
                let yaml = dir.join("workspace.yaml");
                crate::untrusted::read_capped_string(&yaml, crate::untrusted::SIDECAR_CAP).ok()
            })
            .and_then(|yaml| {
                yaml.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix("cwd:")
                        .map(|v| v.trim().trim_matches('"').to_string())
                })
            })
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| session.clone());
        let mut state = cursor
            .state
            .as_deref()
            .filter(|_| cursor.offset > 0)
            .and_then(|s| serde_json::from_str::<State>(s).ok());
        let from = if state.is_some() { cursor.offset } else { 0 };
        let mut st = state.take().unwrap_or_default();
        let mut before_tail = None;
        let end = jsonl::read_lines(file, from, |line| {
            if !line.terminated {
                before_tail = Some(st.clone());
            }
            let Some(bytes) = jsonl::object(ProviderId::Copilot, file, &line, &mut batch.warnings)
            else {
                return;
            };
            let mut scratch = Vec::new();
            if let Some(e) = jsonl::parse::<Event>(
                ProviderId::Copilot,
                file,
                &line,
                bytes,
                &mut scratch,
                &mut batch.warnings,
            ) {
                st.apply(&e, &session, &project, batch);
            }
        })?;
        let saved = before_tail.unwrap_or(st);
        Ok(Cursor {
            offset: end.complete_end,
            state: serde_json::to_string(&saved).ok(),
        })
    }
}

impl State {
    fn apply(&mut self, e: &Event<'_>, session: &str, project: &str, batch: &mut Batch) {
        let Some(data) = &e.data.0 else { return };
        let ts = e.timestamp.get().and_then(parse_timestamp_ms);
        match e.kind.get() {
            Some("session.model_change") => {
                if let Some(m) = data.new_model.non_empty() {
                    self.model = Some(m.to_string());
                }
            }
            Some("session.compaction_complete") if data.success == Some(true) => {
                self.previous.clear();
            }
            Some("assistant.message") => {
                let model = data
                    .model
                    .non_empty()
                    .map(str::to_string)
                    .or(self.model.clone());
                let (Some(model), Some(ts), Some(id)) = (model, ts, data.message_id.non_empty())
                else {
                    return;
                };
                let tokens = Tokens {
                    output: data.output_tokens.0,
                    ..Tokens::default()
                };
                batch.events.push(call(
                    format!("copilot:{session}:{id}"),
                    ts,
                    model,
                    session,
                    project,
                    tokens,
                    false,
                ));
            }
            Some("session.shutdown") => {
                let Some(ts) = ts else { return };
                for (model, metrics) in &data.model_metrics.0 {
                    let Some(u) = metrics.usage.0.as_ref() else {
                        continue;
                    };
                    let now: Rollup = [
                        u.input_tokens.0,
                        u.cache_read_tokens.0,
                        u.cache_write_tokens.0,
                    ];
                    let prev = self.previous.get(model).copied().unwrap_or_default();
                    let new_epoch = now.iter().zip(prev).any(|(n, p)| *n < p);
                    let delta: Rollup = if new_epoch {
                        now
                    } else {
                        std::array::from_fn(|i| now[i] - prev[i])
                    };
                    self.previous.insert(model.clone(), now);
                    let [input, read, write] = delta;
                    if input + read + write == 0 {
                        continue;
                    }
                    let tokens = Tokens {
                        input: input.saturating_sub(read + write),
                        cache_read: read,
                        cache_write_5m: write,
                        ..Tokens::default()
                    };
                    let key = format!("copilot:{session}:rollup:{model}:{ts}");
                    batch
                        .events
                        .push(call(key, ts, model.clone(), session, project, tokens, true));
                }
            }
            _ => {}
        }
    }
}

fn call(
    key: String,
    ts: i64,
    model: String,
    session: &str,
    project: &str,
    tokens: Tokens,
    supplementary: bool,
) -> UsageEvent {
    UsageEvent {
        supplementary,
        ..UsageEvent::new(
            ProviderId::Copilot,
            key,
            ts,
            model,
            session.to_string(),
            project.to_string(),
            tokens,
        )
    }
}

fn is_events(name: &str) -> bool {
    name == "events.jsonl"
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    timestamp: Str<'a>,
    #[serde(borrow)]
    data: Obj<Data<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Data<'a> {
    #[serde(borrow)]
    new_model: Str<'a>,
    #[serde(borrow)]
    model: Str<'a>,
    #[serde(borrow)]
    message_id: Str<'a>,
    output_tokens: Count,
    success: Option<bool>,
    model_metrics: ModelMetrics,
}

/// `modelMetrics`: model name -> metrics; a non-object reads as empty.
#[derive(Default)]
struct ModelMetrics(BTreeMap<String, Metrics>);

impl<'de> Deserialize<'de> for ModelMetrics {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let map = v
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), Metrics::deserialize(v).ok()?)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ModelMetrics(map))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metrics {
    usage: Obj<CopilotUsage>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // the tool's own field names
struct CopilotUsage {
    input_tokens: Count,
    cache_read_tokens: Count,
    cache_write_tokens: Count,
}
