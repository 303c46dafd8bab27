//! Copilot CLI's OpenTelemetry file export: per-request usage, when the user turned it on.
//!
//! Read from the formats as written: the CLI's exporter (`COPILOT_OTEL_ENABLED`,
//! `COPILOT_OTEL_EXPORTER_TYPE=file`, `COPILOT_OTEL_FILE_EXPORTER_PATH`) appends one JSON
//! object a line — spans (`"type": "span"`), metrics and logs — in the shape of VS Code Copilot
//! Chat's `src/platform/otel/node/fileExporters.ts` (`serializeSpan`: `traceId`, `spanId`,
//! `parentSpanId`, `name`, `startTime`/`endTime` as `[seconds, nanoseconds]`, `attributes`),
//! with the GenAI attribute names of its `src/platform/otel/common/genAiAttributes.ts`. The
//! CLI itself is closed source: its writer was not read.
//!
//! **Where:** `~/.copilot/otel/**/*.jsonl` (watched) and the file
//! `COPILOT_OTEL_FILE_EXPORTER_PATH` names (read on every sync; its directory is not watched).
//!
//! **Calls:** each span whose `gen_ai.operation.name` is `chat` is one model request. Agent
//! spans (`invoke_agent`) carry a turn's sums and tool spans none: neither counts, nor do
//! metric and log records (another view of the same requests). **Tokens:**
//! `gen_ai.usage.input_tokens` is the whole prompt (the GenAI conventions count cached input
//! in it; cache reads and writes are subtracted), `gen_ai.usage.output_tokens` the reply
//! (reasoning, `gen_ai.usage.reasoning_tokens`, inside it). **Model:**
//! `gen_ai.response.model`, else `gen_ai.request.model`. **Time:** the span's end.
//!
//! **Session and counting once:** `gen_ai.conversation.id` names the session (the CLI's
//! session id, as `session-state/<id>/` does; else `copilot_chat.session_id`, else the trace).
//! These records are marked authoritative: a session that has them counts them alone, and the
//! session log's per-message output and shutdown rollups keep only their turns and tool uses
//! (see `rollup::session`). **Project:** the session's `workspace.yaml` `cwd` when it is on
//! this machine, else `unknown`. **Dedup key:** `copilot:otel:<traceId>:<spanId>`.
//! **Cursor:** the byte offset (the file is append-only).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::super::jsonl;
use super::super::{Batch, Cursor};
use crate::error::Result;
use crate::lenient::{Count, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};

/// Reads an export file from `cursor`.
pub(super) fn read(file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
    let session_state = file
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == ".copilot"))
        .map(|c| c.join("session-state"));
    let mut projects: HashMap<String, String> = HashMap::new();
    let (warnings, events) = (&mut batch.warnings, &mut batch.events);
    let end =
        jsonl::read_records::<Export>(ProviderId::Copilot, file, cursor.offset, warnings, |r| {
            if r.kind.get().is_some_and(|k| k != "span") {
                return; // a metric or log record
            }
            let Some(a) = &r.attributes.0 else { return };
            if a.operation.get() != Some("chat") {
                return;
            }
            let input = a.input.0;
            let (read, write) = (a.cache_read.0, a.cache_write.0);
            let tokens = Tokens {
                input: input.saturating_sub(read.saturating_add(write)),
                output: a.output.0,
                cache_read: read,
                cache_write_5m: write,
                reasoning: a.reasoning.0,
                ..Tokens::default()
            };
            if tokens.is_empty() {
                return;
            }
            let (Some(trace), Some(span)) = (r.trace_id.non_empty(), r.span_id.non_empty()) else {
                return;
            };
            let Some(ts) = r.end_time.0.or(r.start_time.0) else {
                return;
            };
            let session = a
                .conversation
                .non_empty()
                .or_else(|| a.session.non_empty())
                .unwrap_or(trace)
                .to_string();
            let project = projects
                .entry(session.clone())
                .or_insert_with(|| {
                    session_state
                        .as_deref()
                        .and_then(|d| super::workspace_cwd(&d.join(&session)))
                        .unwrap_or_else(|| "unknown".to_string())
                })
                .clone();
            let model = a
                .response_model
                .non_empty()
                .or_else(|| a.request_model.non_empty())
                .unwrap_or("unknown");
            events.push(UsageEvent {
                openai_cache_semantics: !model.starts_with("claude"),
                authoritative: true,
                ..UsageEvent::new(
                    ProviderId::Copilot,
                    format!("copilot:otel:{trace}:{span}"),
                    ts,
                    model.to_string(),
                    session,
                    project,
                    tokens,
                )
            });
        })?;
    Ok(Cursor {
        offset: end.complete_end,
        state: None,
    })
}

/// The export's lines.
struct Export;

impl jsonl::Lines for Export {
    type Record<'b> = Record<'b>;
}

/// A record of the export (only what is read of a span).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(default, borrow, rename = "type")]
    kind: Str<'a>,
    #[serde(default, borrow)]
    trace_id: Str<'a>,
    #[serde(default, borrow)]
    span_id: Str<'a>,
    #[serde(default)]
    start_time: Stamp,
    #[serde(default)]
    end_time: Stamp,
    #[serde(default, borrow)]
    attributes: Obj<Attributes<'a>>,
}

/// The GenAI attributes of a span.
#[derive(Deserialize)]
struct Attributes<'a> {
    #[serde(default, borrow, rename = "gen_ai.operation.name")]
    operation: Str<'a>,
    #[serde(default, borrow, rename = "gen_ai.request.model")]
    request_model: Str<'a>,
    #[serde(default, borrow, rename = "gen_ai.response.model")]
    response_model: Str<'a>,
    #[serde(default, borrow, rename = "gen_ai.conversation.id")]
    conversation: Str<'a>,
    #[serde(default, borrow, rename = "copilot_chat.session_id")]
    session: Str<'a>,
    #[serde(default, rename = "gen_ai.usage.input_tokens")]
    input: Count,
    #[serde(default, rename = "gen_ai.usage.output_tokens")]
    output: Count,
    #[serde(default, rename = "gen_ai.usage.cache_read.input_tokens")]
    cache_read: Count,
    #[serde(default, rename = "gen_ai.usage.cache_creation.input_tokens")]
    cache_write: Count,
    #[serde(default, rename = "gen_ai.usage.reasoning_tokens")]
    reasoning: Count,
}
