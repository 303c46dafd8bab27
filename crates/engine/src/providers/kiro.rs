//! Kiro: the CLI's session files and the IDE's session store.
//!
//! Kiro is closed source: the formats here are read from session files as Kiro writes them and
//! as other trackers document them (several, independently, from live captures and from the
//! Kiro agent extension's bundled `session.json` schema); no source file of Kiro's own could be
//! read.
//!
//! **What is billed:** Kiro bills **credits**, not tokens: each turn's credits are its cost,
//! converted at **$0.04 a credit** (Kiro's published price of a credit beyond a plan's
//! allowance) and labelled `estimated` (a plan's included credits cost less, and the rate may
//! change). A turn with no credits (and no tokens) adds nothing, never a measured $0.
//!
//! # The CLI
//!
//! **Where:** `$KIRO_HOME` (else `~/.kiro`) `/sessions/cli/<session id>.json`: the session's
//! state, rewritten whole as it goes on (beside it a `<session id>.jsonl` log of prompts and
//! replies, and a `.lock` while it runs).
//!
//! **Record shape:** `{session_id, cwd, created_at, updated_at, title, session_state:
//! {rts_model_state: {model_info: {model_id}}, conversation_metadata: {user_turn_metadatas:
//! [{end_timestamp (RFC 3339, ns), input_token_count, output_token_count,
//! cache_read_input_token_count, cache_write_input_token_count, metering_usage: [{value,
//! unit: "credit"}], loop_id: {rand, agent_id}}]}}}`. The token counts are kept as reported;
//! builds write zeros there (accounting is server-side), which count as nothing.
//! **Calls:** one per user turn, dated at its `end_timestamp`. **Model:**
//! `model_info.model_id` (`auto`: Kiro's router), else `unknown`. **Project:** `cwd`.
//! **Dedup key:** `kiro:<session>:<loop_id.rand, else the turn's index>`.
//!
//! # The IDE (Kiro 1.x/2.x session store)
//!
//! **Where:** `$KIRO_HOME/sessions/<workspace bucket>/<session id>/`: the bucket is 16 hex
//! digits of a hash of the workspace folders (the CLI's `cli` bucket is the CLI's), the session
//! id `sess_<uuid>`. In it `session.json` (`{schemaVersion, id, title, modelId, createdAt,
//! lastModifiedAt, rootPaths | workspaceFolders, …}`) and `messages.jsonl`, appended as the
//! session goes on: `{id, timestamp, payload: {type, …}}` with `type` one of `user`,
//! `assistant`, `tool_call`, `tool_result`, `session_metadata`, `turn_end`, … and, once per
//! turn, `usage_summary` `{promptTurnSummaries: [{unit: "credit", unitPlural, usage,
//! usedTools}], elapsedTime, status, executionId, requestIds}`: the turn's whole cost in
//! credits. The IDE keeps no token counts at all. Snapshots and `sub-executions/` beside the
//! stream are not read (a turn's `usage_summary` already covers its sub-agents).
//!
//! **Calls:** one per `usage_summary` with credits, dated at its `timestamp` (else the last
//! timestamp before it in the stream). **Model:** `session.json` `modelId`, else `unknown`.
//! **Project:** the first of `rootPaths`/`workspaceFolders` (or `workspacePath`, `cwd`).
//! **Dedup key:** `kiro:<session>:<executionId, else the record's id, else its time>`: a turn
//! written twice counts once. Read incrementally (the stream is append-only).
//!
//! The IDE's older globalStorage (`kiro.kiroagent`: `.chat` files and extensionless execution
//! logs) records neither tokens nor credits and is not read.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use serde::Serialize;

use super::{Batch, Cursor, Listing, Provider, discover_under, jsonl, owned_under};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, List, Num, Obj, Stamp, Str, Strs};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// Kiro CLI's session files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kiro;

/// Dollars a Kiro credit is converted at.
pub const USD_PER_CREDIT: f64 = 0.04;

/// The credits of a turn's metering entries: those in credits (or with no unit), finite and not
/// negative, added up.
fn credits<'a>(entries: impl Iterator<Item = (Option<&'a str>, Option<f64>)>) -> f64 {
    entries
        .filter(|(unit, _)| {
            unit.is_none_or(|u| {
                u.eq_ignore_ascii_case("credit") || u.eq_ignore_ascii_case("credits")
            })
        })
        .filter_map(|(_, v)| v)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .sum()
}

/// Where a turn's event comes from and what it is filed under.
struct TurnOf<'a> {
    key: String,
    ts: i64,
    model: &'a str,
    session: &'a str,
    project: &'a str,
}

impl TurnOf<'_> {
    /// The turn's event: `credits` converted and labelled estimated (none: the tokens alone).
    fn event(self, tokens: Tokens, credits: f64) -> UsageEvent {
        let by_credits = credits > 0.0;
        UsageEvent {
            reported_cost: by_credits.then(|| Usd::from_dollars(credits * USD_PER_CREDIT)),
            reported_first: by_credits,
            estimated: by_credits,
            ..UsageEvent::new(
                ProviderId::Kiro,
                self.key,
                self.ts,
                self.model.to_string(),
                self.session.to_string(),
                self.project.to_string(),
                tokens,
            )
        }
    }
}

fn is_session(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

impl Provider for Kiro {
    fn id(&self) -> ProviderId {
        ProviderId::Kiro
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.kiro_home.join("sessions/cli")]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        discover_under(&self.roots(paths), 1, is_session)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_session)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let bytes =
            crate::untrusted::read_capped(file, 64 << 20).map_err(|e| Error::io(file, e))?;
        let Some(session) = super::parse_document::<Session<'_>>(
            ProviderId::Kiro,
            file,
            &bytes,
            &mut batch.warnings,
        ) else {
            return Ok(Cursor::START); // caught mid-rewrite: read again when it changes
        };
        let id = session.session_id.non_empty().map_or_else(
            || {
                file.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            str::to_string,
        );
        session.calls(&id, file, batch);
        Ok(Cursor::START)
    }
}

#[derive(Deserialize)]
#[allow(clippy::struct_field_names)] // Kiro's own names
struct Session<'a> {
    #[serde(default, borrow)]
    session_id: Str<'a>,
    #[serde(default, borrow)]
    cwd: Str<'a>,
    #[serde(default, borrow)]
    session_state: Obj<State<'a>>,
}

#[derive(Deserialize)]
struct State<'a> {
    #[serde(default, borrow)]
    rts_model_state: Obj<ModelState<'a>>,
    #[serde(default)]
    conversation_metadata: Obj<Conversation>,
}

#[derive(Deserialize)]
struct ModelState<'a> {
    #[serde(default, borrow)]
    model_info: Obj<ModelInfo<'a>>,
}

#[derive(Deserialize)]
struct ModelInfo<'a> {
    #[serde(default, borrow)]
    model_id: Str<'a>,
}

#[derive(Deserialize)]
struct Conversation {
    #[serde(default)]
    user_turn_metadatas: List<Turn>,
}

#[derive(Deserialize)]
#[allow(clippy::struct_field_names)] // Kiro's own names
struct Turn {
    #[serde(default)]
    end_timestamp: Stamp,
    #[serde(default)]
    input_token_count: Count,
    #[serde(default)]
    output_token_count: Count,
    #[serde(default)]
    cache_read_input_token_count: Count,
    #[serde(default)]
    cache_write_input_token_count: Count,
    #[serde(default)]
    metering_usage: List<Metering>,
    #[serde(default)]
    loop_id: Obj<LoopId>,
}

#[derive(Deserialize)]
struct Metering {
    #[serde(default)]
    value: Num,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Deserialize)]
struct LoopId {
    #[serde(default)]
    rand: Option<serde_json::Value>,
}

impl Session<'_> {
    fn calls(&self, id: &str, file: &Path, batch: &mut Batch) {
        let state = self.session_state.0.as_ref();
        let model = state
            .and_then(|s| s.rts_model_state.0.as_ref())
            .and_then(|m| m.model_info.0.as_ref())
            .and_then(|m| m.model_id.non_empty())
            .unwrap_or("unknown");
        let project = self.cwd.non_empty().unwrap_or("unknown");
        let turns = state
            .and_then(|s| s.conversation_metadata.0.as_ref())
            .map_or(&[][..], |c| &c.user_turn_metadatas.0[..]);
        for (i, t) in turns.iter().enumerate() {
            let credits = credits(
                t.metering_usage
                    .0
                    .iter()
                    .map(|m| (m.unit.as_deref(), m.value.0)),
            );
            let tokens = Tokens {
                input: t.input_token_count.0,
                output: t.output_token_count.0,
                cache_read: t.cache_read_input_token_count.0,
                cache_write_5m: t.cache_write_input_token_count.0,
                ..Tokens::default()
            };
            if credits <= 0.0 && tokens.is_empty() {
                continue;
            }
            let Some(ts) = t.end_timestamp.0 else {
                batch.warnings.push(Warning::whole_file(
                    ProviderId::Kiro,
                    file,
                    WarningKind::InvalidRecord,
                    format!("turn {i}: no end_timestamp"),
                ));
                continue;
            };
            let turn = t
                .loop_id
                .0
                .as_ref()
                .and_then(|l| l.rand.as_ref())
                .map_or_else(
                    || i.to_string(),
                    |r| r.to_string().trim_matches('"').to_string(),
                );
            let turn = TurnOf {
                key: format!("kiro:{id}:{turn}"),
                ts,
                model,
                session: id,
                project,
            };
            batch.events.push(turn.event(tokens, credits));
        }
    }
}

/// The Kiro IDE's session store: `<bucket>/<session>/messages.jsonl` beside `session.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KiroIde;

/// The stream's name in a session directory.
const STREAM: &str = "messages.jsonl";

impl KiroIde {
    fn roots(paths: &Paths) -> Vec<PathBuf> {
        vec![paths.kiro_home.join("sessions")]
    }

    /// True for `<root>/<bucket>/<session>/messages.jsonl` with a bucket other than the CLI's.
    fn is_stream(paths: &Paths, path: &Path) -> bool {
        let Some(bucket) = path.parent().and_then(Path::parent) else {
            return false;
        };
        path.file_name().is_some_and(|n| n == STREAM)
            && bucket.file_name().is_some_and(|n| n != "cli")
            && Self::roots(paths)
                .iter()
                .any(|r| bucket.parent() == Some(r.as_path()))
    }
}

impl Provider for KiroIde {
    fn id(&self) -> ProviderId {
        ProviderId::Kiro
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        Self::roots(paths)
    }

    fn discover(&self, paths: &Paths) -> Listing {
        let mut found = discover_under(&Self::roots(paths), 3, |n| n == STREAM);
        found.files.retain(|f| Self::is_stream(paths, f));
        found
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        Self::is_stream(paths, path)
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let dir = file.parent().unwrap_or(file);
        let meta = SessionMeta::of(dir);
        let mut last_ts = cursor
            .state
            .as_deref()
            .filter(|_| cursor.offset > 0)
            .and_then(|s| serde_json::from_str::<StreamState>(s).ok())
            .and_then(|s| s.last_ts);
        let (warnings, events) = (&mut batch.warnings, &mut batch.events);
        let end =
            jsonl::read_records::<Stream>(ProviderId::Kiro, file, cursor.offset, warnings, |r| {
                let ts = r.timestamp.0.or(last_ts);
                if r.timestamp.0.is_some() {
                    last_ts = r.timestamp.0;
                }
                let Some(p) = r.payload.0.as_ref() else {
                    return;
                };
                if p.kind.get() != Some("usage_summary") {
                    return;
                }
                let credits = credits(p.turns.0.iter().map(|t| (t.unit.as_deref(), t.usage.0)));
                let Some(ts) = ts.filter(|_| credits > 0.0) else {
                    return; // nothing billed, or nothing to date it by (nothing before it either)
                };
                let turn = p
                    .execution_id
                    .non_empty()
                    .or_else(|| r.id.non_empty())
                    .map_or_else(|| format!("at:{ts}"), str::to_string);
                let turn = TurnOf {
                    key: format!("kiro:{}:{turn}", meta.id),
                    ts,
                    model: &meta.model,
                    session: &meta.id,
                    project: &meta.project,
                };
                events.push(turn.event(Tokens::default(), credits));
            })?;
        Ok(Cursor {
            offset: end.complete_end,
            state: serde_json::to_string(&StreamState { last_ts }).ok(),
        })
    }
}

/// What a later read of the stream needs of the part already read.
#[derive(Serialize, Deserialize)]
struct StreamState {
    last_ts: Option<i64>,
}

/// What `session.json` says of the session (its id, model and workspace).
struct SessionMeta {
    id: String,
    model: String,
    project: String,
}

impl SessionMeta {
    fn of(dir: &Path) -> SessionMeta {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes =
            crate::untrusted::read_capped(&dir.join("session.json"), 4 << 20).unwrap_or_default();
        let j = serde_json::from_slice::<IdeSession<'_>>(&bytes).unwrap_or_default();
        let project = j
            .root_paths
            .0
            .iter()
            .chain(j.workspace_folders.0.iter())
            .map(|p| p.trim())
            .find(|p| !p.is_empty())
            .or_else(|| j.workspace_path.non_empty())
            .or_else(|| j.cwd.non_empty())
            .unwrap_or("unknown");
        SessionMeta {
            id: j.id.non_empty().unwrap_or(&name).to_string(),
            model: j.model_id.non_empty().unwrap_or("unknown").to_string(),
            project: project.to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct IdeSession<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    model_id: Str<'a>,
    #[serde(borrow)]
    root_paths: Strs<'a>,
    #[serde(borrow)]
    workspace_folders: Strs<'a>,
    #[serde(borrow)]
    workspace_path: Str<'a>,
    #[serde(borrow)]
    cwd: Str<'a>,
}

/// The IDE's stream lines.
struct Stream;

impl jsonl::Lines for Stream {
    type Record<'b> = StreamRecord<'b>;
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StreamRecord<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    timestamp: Stamp,
    #[serde(borrow)]
    payload: Obj<Payload<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(rename = "promptTurnSummaries")]
    turns: List<TurnSummary>,
    #[serde(borrow)]
    execution_id: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TurnSummary {
    unit: Option<String>,
    usage: Num,
}
