//! GitHub Copilot CLI session state.
//!
//! Read from the CLI's own source: the npm package `@github/copilot` (0.0.366 to 1.0.6 were
//! checked) ships the event schema as `schemas/session-events.schema.json` and the writer in
//! its bundled `app.js` (`index.js` before 1.0): the session log skips every event marked
//! ephemeral, and the usage tracker behind `session.shutdown` starts empty in each process.
//!
//! **Where:** `~/.copilot/session-state/<sessionId>/events.jsonl` (the same on every OS), with
//! the session's working directory in the sibling `workspace.yaml` (`cwd: …`), else in
//! `session.start`'s `context.cwd`.
//!
//! **Record shape:** `{type, id, timestamp, parentId, data}` events. `session.start` and
//! `session.resume` carry `selectedModel`; `session.model_change{newModel}` changes it;
//! `assistant.message{messageId, outputTokens?}` is one model response, with the
//! `completion_tokens` of the API call that produced it (the per-call `assistant.usage`
//! events, which carry input and cache tokens, are ephemeral: never written);
//! `session.shutdown{modelMetrics{<model>: {usage{inputTokens, outputTokens, cacheReadTokens,
//! cacheWriteTokens}}}}` closes a process's run of the session with per-model totals.
//!
//! **Calls:** each `assistant.message` with a model is a call carrying its output tokens,
//! except one whose `outputTokens` is 0: the API produced nothing (an empty or aborted
//! response), so it is not counted. A sub-agent's message carries no `outputTokens` and is a
//! call with its output in the rollup.
//!
//! **Rollups:** a shutdown's totals cover *its own process only*: the tracker starts empty
//! and, on resume, replays only the events on disk, among which no `assistant.usage` is. So
//! each `session.shutdown` is a separate leg, added whole, never a running total to take a
//! difference of. `inputTokens` includes the cache reads and writes (subtracted); the output
//! already counted by the leg's messages (per model) is subtracted from the leg's output, so
//! what is left (sub-agents, responses whose usage arrived late) is counted once. Rollups are
//! supplementary: their tokens and cost count, they are not calls. A shutdown without a time
//! takes the time of the last dated event before it; with none, it is skipped and counted.
//!
//! **OpenTelemetry export:** when the user turned on the CLI's file export, its per-request
//! spans are read too (see [`otel`]) and a session that has them counts them alone.
//!
//! **Dedup keys:** `copilot:<session>:<messageId>` per turn and
//! `copilot:<session>:rollup:<model>:<shutdown event id, else its time>` per rollup. **Project:**
//! `workspace.yaml`'s `cwd`, else `session.start`'s, else the session id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod otel;

use super::jsonl;
use super::{Batch, Cursor, Provider, discover_under, is_jsonl, owned_under};
use crate::error::{Result, WarningKind};
use crate::lenient::{Count, Obj, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;

/// The Copilot CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Copilot;

/// Decoder state carried in the cursor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    /// The model in force.
    model: Option<String>,
    /// `session.start`'s working directory.
    cwd: Option<String>,
    /// Output tokens of the calls counted since the last shutdown, per model.
    #[serde(default)]
    leg_output: BTreeMap<String, u64>,
    /// The time of the latest dated event.
    #[serde(default)]
    last_ms: Option<i64>,
}

impl Provider for Copilot {
    fn id(&self) -> ProviderId {
        ProviderId::Copilot
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        // the file COPILOT_OTEL_FILE_EXPORTER_PATH names is read on every sync but not
        // watched: its directory may be anything (`/tmp`), too much to watch
        vec![
            paths.home.join(".copilot/session-state"),
            paths.home.join(".copilot/otel"),
        ]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        let mut out = discover_under(&self.roots(paths)[..1], 2, is_events);
        out.extend(discover_under(&self.roots(paths)[1..2], 2, is_jsonl));
        if let Some(f) = paths.copilot_otel_file.as_ref().filter(|f| f.is_file())
            && !out.files.contains(f)
        {
            out.files.push(f.clone());
        }
        out
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        let roots = self.roots(paths);
        owned_under(&roots[..1], path, is_events)
            || owned_under(&roots[1..2], path, is_jsonl)
            || paths.copilot_otel_file.as_deref() == Some(path)
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        if file.file_name().is_none_or(|n| n != "events.jsonl") {
            return otel::read(file, cursor, batch);
        }
        let session = file
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let workspace = file.parent().and_then(workspace_cwd);
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
                let at = Place {
                    file,
                    line: &line,
                    session: &session,
                    workspace: workspace.as_deref(),
                };
                st.apply(&e, &at, batch);
            }
        })?;
        let saved = before_tail.unwrap_or(st);
        Ok(Cursor {
            offset: end.complete_end,
            state: serde_json::to_string(&saved).ok(),
        })
    }
}

/// Where an event was read.
struct Place<'a> {
    file: &'a Path,
    line: &'a jsonl::RawLine<'a>,
    session: &'a str,
    /// `workspace.yaml`'s `cwd`.
    workspace: Option<&'a str>,
}

impl State {
    fn project(&self, at: &Place<'_>) -> String {
        at.workspace
            .or(self.cwd.as_deref())
            .unwrap_or(at.session)
            .to_string()
    }

    fn apply(&mut self, e: &Event<'_>, at: &Place<'_>, batch: &mut Batch) {
        let Some(data) = &e.data.0 else { return };
        let own_ts = e.timestamp.get().and_then(parse_timestamp_ms);
        if let Some(t) = own_ts {
            self.last_ms = Some(self.last_ms.map_or(t, |l| l.max(t)));
        }
        match e.kind.get() {
            Some("session.start" | "session.resume") => {
                if let Some(m) = data.selected_model.non_empty() {
                    self.model = Some(m.to_string());
                }
                if let Some(cwd) = data.context.0.as_ref().and_then(|c| c.cwd.non_empty()) {
                    self.cwd = Some(cwd.to_string());
                }
            }
            Some("session.model_change") => {
                if let Some(m) = data.new_model.non_empty() {
                    self.model = Some(m.to_string());
                }
            }
            Some("assistant.message") => self.message(data, own_ts, at, batch),
            Some("session.shutdown") => {
                let id = e.id.non_empty();
                self.shutdown(data, own_ts.or(self.last_ms), id, at, batch);
            }
            _ => {}
        }
    }
}

impl State {
    /// One response: a call with its output tokens (none when the API produced nothing).
    fn message(&mut self, data: &Data<'_>, ts: Option<i64>, at: &Place<'_>, batch: &mut Batch) {
        let model = data
            .model
            .non_empty()
            .map(str::to_string)
            .or(self.model.clone());
        let (Some(model), Some(ts), Some(id)) = (model, ts, data.message_id.non_empty()) else {
            return;
        };
        let output = match data.output_tokens {
            // the API call behind it produced nothing: not a call
            Some(Count(0)) => return,
            Some(Count(n)) => n,
            None => 0,
        };
        *self.leg_output.entry(model.clone()).or_default() += output;
        let tokens = Tokens {
            output,
            ..Tokens::default()
        };
        let key = format!("copilot:{}:{id}", at.session);
        let project = self.project(at);
        batch
            .events
            .push(call(key, ts, model, at.session, &project, tokens, false));
    }

    /// The end of a process's run: its per-model totals, as supplementary usage.
    fn shutdown(
        &mut self,
        data: &Data<'_>,
        ts: Option<i64>,
        id: Option<&str>,
        at: &Place<'_>,
        batch: &mut Batch,
    ) {
        let Some(ts) = ts else {
            batch.warnings.push(jsonl::line_warning(
                ProviderId::Copilot,
                at.file,
                at.line,
                WarningKind::InvalidRecord,
                "a session.shutdown without a time, and no dated event before it",
            ));
            return;
        };
        let leg = id.map_or_else(|| ts.to_string(), str::to_string);
        let counted = std::mem::take(&mut self.leg_output);
        let project = self.project(at);
        for (model, metrics) in &data.model_metrics.0 {
            let Some(u) = metrics.usage.0.as_ref() else {
                continue;
            };
            let (read, write) = (u.cache_read_tokens.0, u.cache_write_tokens.0);
            let tokens = Tokens {
                input: u.input_tokens.0.saturating_sub(read.saturating_add(write)),
                output: u
                    .output_tokens
                    .0
                    .saturating_sub(counted.get(model).copied().unwrap_or(0)),
                cache_read: read,
                cache_write_5m: write,
                ..Tokens::default()
            };
            if tokens == Tokens::default() {
                continue;
            }
            let key = format!("copilot:{}:rollup:{model}:{leg}", at.session);
            batch.events.push(call(
                key,
                ts,
                model.clone(),
                at.session,
                &project,
                tokens,
                true,
            ));
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

/// The `cwd` a session directory's `workspace.yaml` names.
fn workspace_cwd(dir: &Path) -> Option<String> {
    let yaml = crate::untrusted::read_capped_string(
        &dir.join("workspace.yaml"),
        crate::untrusted::SIDECAR_CAP,
    )
    .ok()?;
    yaml.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("cwd:")
                .map(|v| v.trim().trim_matches('"').to_string())
        })
        .filter(|c| !c.is_empty())
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
    id: Str<'a>,
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
    output_tokens: Option<Count>,
    #[serde(borrow)]
    selected_model: Str<'a>,
    #[serde(borrow)]
    context: Obj<Context<'a>>,
    model_metrics: ModelMetrics,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Context<'a> {
    #[serde(borrow)]
    cwd: Str<'a>,
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
    output_tokens: Count,
    cache_read_tokens: Count,
    cache_write_tokens: Count,
}
