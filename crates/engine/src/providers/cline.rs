//! Cline, Roo Code and Kilo Code: the VS Code extensions that share Cline's task store (Roo
//! Code is a fork of Cline, Kilo Code a fork of Roo Code), and the Cline CLI, which keeps the
//! same store in its own directory.
//!
//! Read from the tools' own source: Cline's `src/core/storage/disk.ts` (`GlobalFileNames`, the
//! task directory), `src/shared/ExtensionMessage.ts` (`ClineMessage`, `ClineApiReqInfo`),
//! `src/core/task/index.ts` (where `api_req_started` is filled in),
//! `src/core/context/context-tracking/ContextTrackerTypes.ts` (`task_metadata.json`); Roo
//! Code's `src/core/task/Task.ts` and `src/shared/cost.ts` (`calculateApiCost*`, the
//! `apiProtocol` field); Kilo Code's copy of `ExtensionMessage.ts` (`usageMissing`).
//!
//! **Where:** `<host>/User/globalStorage/<extension>/tasks/<task id>/ui_messages.json`, the
//! extension being `saoudrizwan.claude-dev` (Cline), `rooveterinaryinc.roo-cline` (Roo Code)
//! or `kilocode.kilo-code` (Kilo Code), and the host any of Code, Code - Insiders, VSCodium,
//! Cursor and Windsurf (`~/.config/<host>` on Linux, `~/Library/Application Support/<host>` on
//! macOS, `%APPDATA%\<host>` on Windows) or a remote `~/.vscode-server/data`. The Cline CLI
//! keeps the same layout under `~/.cline/data/tasks/`.
//!
//! **Record shape:** `ui_messages.json` is a JSON array of `ClineMessage`s `{ts, type: "say" |
//! "ask", say?, ask?, text?, partial?}`, rewritten whole as the task goes on. Every
//! `say: "api_req_started"` message is one API request: its `text` is a JSON
//! `ClineApiReqInfo` `{request, tokensIn, tokensOut, cacheWrites, cacheReads, cost,
//! cancelReason?, apiProtocol?, modelId?, providerId?, reasoningTokens?}`, written with only
//! `request` when the request starts and filled in when its stream ends (or is cancelled: a
//! cancelled request's partial usage was billed and counts). A message without usage is
//! skipped.
//!
//! **Token fields:** `cacheReads` and `cacheWrites` are cache reads and writes. What
//! `tokensIn` holds depends on the protocol and the version: Cline's Anthropic handler and
//! Roo Code before its `ApiCostResult` change report the *fresh* input; Roo Code and Kilo
//! Code since then write `totalInputTokens`, which for both protocols *includes* the cached
//! tokens (`calculateApiCostAnthropic` adds them, OpenAI-style usage already has them), and
//! say which protocol in `apiProtocol`. So: with `apiProtocol` present and `tokensIn` at
//! least the cache reads and writes, the cached tokens are subtracted from it; otherwise
//! `tokensIn` is the fresh input. `tokensOut` includes reasoning (`reasoningTokens` is kept as
//! information). With `apiProtocol: "openai"`, cache writes follow OpenAI's billing.
//!
//! **Cost:** priced from the tokens when the model is known; otherwise the request's own
//! `cost` (what the extension computed, or what OpenRouter and Cline's own provider billed),
//! labelled `reported`; neither, unpriced.
//!
//! **Model:** the request's `modelId` (newer Cline); else the task's model at the request's
//! time from `task_metadata.json` `model_usage[{ts, model_id, model_provider_id, mode}]`
//! (Cline records each switch); else the first `<model>…</model>` tag of the task's
//! `api_conversation_history.json` (Roo Code and Kilo Code write the model into each
//! prompt's environment details). Only the first MiB of that file is looked at; its text is
//! never kept.
//!
//! **Project:** the `Current Workspace Directory (<path>)` the extension writes into the first
//! prompt's environment details (same first MiB), else `unknown`.
//!
//! **Dedup key:** `<tool>:<task id>:<ts>` (the request message's own timestamp, which does not
//! move when messages around it are deleted). A task copied to another host or to the CLI's
//! store keeps its id and timestamps, so it counts once. **Session:** the task id. **Turns:**
//! the task's first message and each `user_feedback` begin a turn. **Cursor:** none: the
//! file is read again whenever it changes; keys make that harmless.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Batch, Cursor, Listing, PromptMark, Provider, dirs_in};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, List, Num, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// One of the Cline-family tools.
#[derive(Debug, Clone, Copy)]
pub struct ClineFamily(pub ProviderId);

/// The file each task keeps its messages in.
const UI_MESSAGES: &str = "ui_messages.json";
/// The model when nothing names it: priced by the request's own cost, if any.
const UNKNOWN_MODEL: &str = "unknown";
/// The project when no prompt names one.
const UNKNOWN_PROJECT: &str = "unknown";
/// The most of `ui_messages.json` read (a long task is tens of MB).
const MESSAGES_CAP: u64 = 512 << 20;
/// How much of `api_conversation_history.json` is searched for the model and workspace.
const HISTORY_HEAD: u64 = 1 << 20;

impl ClineFamily {
    /// The tool's extension id (its `globalStorage` directory).
    fn extension(self) -> &'static str {
        match self.0 {
            ProviderId::RooCode => "rooveterinaryinc.roo-cline",
            ProviderId::KiloCode => "kilocode.kilo-code",
            _ => "saoudrizwan.claude-dev",
        }
    }

    /// The key prefix.
    fn tag(self) -> &'static str {
        self.0.as_str()
    }
}

impl Provider for ClineFamily {
    fn id(&self) -> ProviderId {
        self.0
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = paths
            .vscode_user_dirs
            .iter()
            .map(|u| u.join("globalStorage").join(self.extension()).join("tasks"))
            .collect();
        if self.0 == ProviderId::Cline {
            roots.push(paths.cline_data.join("tasks"));
        }
        roots
    }

    fn discover(&self, paths: &Paths) -> Listing {
        let mut out = Listing::default();
        for root in self.roots(paths) {
            let tasks = dirs_in(&root);
            out.skipped.extend(tasks.skipped);
            out.files.extend(
                tasks
                    .files
                    .into_iter()
                    .map(|t| t.join(UI_MESSAGES))
                    .filter(|f| f.is_file()),
            );
        }
        out
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == UI_MESSAGES)
            && path
                .parent()
                .and_then(Path::parent)
                .is_some_and(|tasks| self.roots(paths).iter().any(|r| r == tasks))
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let bytes =
            crate::untrusted::read_capped(file, MESSAGES_CAP).map_err(|e| Error::io(file, e))?;
        let Some(messages) =
            super::parse_objects::<Message<'_>>(self.0, file, &bytes, &mut batch.warnings)
        else {
            return Ok(Cursor::START);
        };
        let dir = file.parent().unwrap_or(Path::new(""));
        let task = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ctx = TaskContext::load(dir);
        for (i, m) in messages.iter().enumerate() {
            self.message(file, &task, &ctx, i, m, batch);
        }
        Ok(Cursor::START)
    }
}

impl ClineFamily {
    fn message(
        self,
        file: &Path,
        task: &str,
        ctx: &TaskContext,
        index: usize,
        m: &Message<'_>,
        batch: &mut Batch,
    ) {
        if m.kind.get() != Some("say") {
            return;
        }
        let say = m.say.get();
        let prompt = (index == 0 && say == Some("text")) || say == Some("user_feedback");
        if prompt {
            if let Some(ts) = m.ts.0 {
                let text = m.text.get().unwrap_or_default();
                batch.prompts.push(PromptMark::new(self.0, task, ts, text));
            }
            return;
        }
        if say != Some("api_req_started") {
            return;
        }
        let Ok(info) = serde_json::from_str::<ReqInfo<'_>>(m.text.get().unwrap_or("{}")) else {
            batch.warnings.push(Warning::whole_file(
                self.0,
                file,
                WarningKind::MalformedLine,
                format!("message {index}: api_req_started text is not JSON"),
            ));
            return;
        };
        let (fresh_in, out) = (info.tokens_in.0, info.tokens_out.0);
        let (reads, writes) = (info.cache_reads.0, info.cache_writes.0);
        if [fresh_in, out, reads, writes].iter().all(|n| *n == 0) {
            return; // started, no usage yet (or none ever)
        }
        let Some(ts) = m.ts.0 else {
            batch.warnings.push(Warning::whole_file(
                self.0,
                file,
                WarningKind::InvalidRecord,
                format!("message {index}: api_req_started without a timestamp"),
            ));
            return;
        };
        let protocol = info.api_protocol.get();
        let cached = reads.saturating_add(writes);
        let input = if protocol.is_some() && fresh_in >= cached && fresh_in != Count::INVALID.0 {
            fresh_in - cached
        } else {
            fresh_in
        };
        let model = info
            .model_id
            .non_empty()
            .map(str::to_string)
            .or_else(|| ctx.model_at(ts));
        let reported = info
            .cost
            .0
            .filter(|c| c.is_finite() && *c >= 0.0)
            .map(Usd::from_dollars);
        let tokens = Tokens {
            input,
            output: out,
            cache_read: reads,
            cache_write_5m: writes,
            reasoning: info.reasoning_tokens.0,
            ..Tokens::default()
        };
        batch.events.push(UsageEvent {
            openai_cache_semantics: protocol == Some("openai"),
            reported_cost: reported,
            ..UsageEvent::new(
                self.0,
                format!("{}:{task}:{ts}", self.tag()),
                ts,
                model.unwrap_or_else(|| UNKNOWN_MODEL.to_string()),
                task.to_string(),
                ctx.project
                    .clone()
                    .unwrap_or_else(|| UNKNOWN_PROJECT.to_string()),
                tokens,
            )
        });
    }
}

/// One `ClineMessage` (only what is read of it).
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default)]
    ts: Stamp,
    #[serde(default, rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(default, borrow)]
    say: Str<'a>,
    #[serde(default, borrow)]
    text: Str<'a>,
}

/// `ClineApiReqInfo`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReqInfo<'a> {
    #[serde(default)]
    tokens_in: Count,
    #[serde(default)]
    tokens_out: Count,
    #[serde(default)]
    cache_writes: Count,
    #[serde(default)]
    cache_reads: Count,
    #[serde(default)]
    reasoning_tokens: Count,
    #[serde(default)]
    cost: Num,
    #[serde(default, borrow)]
    api_protocol: Str<'a>,
    #[serde(default, borrow)]
    model_id: Str<'a>,
}

/// What the task's other files say about its requests.
#[derive(Debug, Default)]
struct TaskContext {
    /// `(since ms, model)` from `task_metadata.json`, by time.
    models: Vec<(i64, String)>,
    /// The first `<model>` tag of the conversation.
    first_model: Option<String>,
    /// The workspace the first prompt names.
    project: Option<String>,
}

impl TaskContext {
    fn load(dir: &Path) -> TaskContext {
        let mut ctx = TaskContext::default();
        if let Ok(bytes) = crate::untrusted::read_capped(&dir.join("task_metadata.json"), 16 << 20)
            && let Ok(meta) = serde_json::from_slice::<Metadata<'_>>(&bytes)
        {
            ctx.models = meta
                .model_usage
                .0
                .iter()
                .filter_map(|u| Some((u.ts.0?, u.model_id.non_empty()?.to_string())))
                .collect();
            ctx.models.sort();
        }
        if let Ok(head) =
            crate::untrusted::read_head(&dir.join("api_conversation_history.json"), HISTORY_HEAD)
        {
            ctx.first_model = between(&head, b"<model>", b"</model>").filter(|m| m.len() < 200);
            ctx.project = between(&head, b"Current Workspace Directory (", b")")
                .filter(|p| !p.is_empty() && p.len() < 4096);
        }
        ctx
    }

    /// The model in use at `ts`.
    fn model_at(&self, ts: i64) -> Option<String> {
        self.models
            .iter()
            .rev()
            .find(|(since, _)| *since <= ts)
            .or(self.models.first())
            .map(|(_, m)| m.clone())
            .or_else(|| self.first_model.clone())
    }
}

/// `task_metadata.json` (only what is read of it).
#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(default, borrow)]
    model_usage: List<ModelUse<'a>>,
}

#[derive(Deserialize)]
struct ModelUse<'a> {
    #[serde(default)]
    ts: Stamp,
    #[serde(default, borrow)]
    model_id: Str<'a>,
}

/// The text between the first `open` and the `close` after it, as it reads inside a JSON
/// string (escapes decoded), trimmed.
fn between(hay: &[u8], open: &[u8], close: &[u8]) -> Option<String> {
    let start = find(hay, open)? + open.len();
    let len = find(&hay[start..], close)?;
    let raw = std::str::from_utf8(&hay[start..start + len]).ok()?;
    let decoded: String = serde_json::from_str(&format!("\"{raw}\"")).ok()?;
    let t = decoded.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_read_with_its_json_escapes_decoded() {
        let hay = br##"{"text":"# Current Workspace Directory (C:\\Users\\me\\app) Files\n<model>anthropic/claude-sonnet-4</model>"}"##;
        assert_eq!(
            between(hay, b"Current Workspace Directory (", b")").as_deref(),
            Some(r"C:\Users\me\app")
        );
        assert_eq!(
            between(hay, b"<model>", b"</model>").as_deref(),
            Some("anthropic/claude-sonnet-4")
        );
        assert_eq!(between(hay, b"<nothing>", b"</nothing>"), None);
    }

    #[test]
    fn the_model_at_a_time_is_the_last_switch_before_it() {
        let ctx = TaskContext {
            models: vec![(100, "a".into()), (200, "b".into())],
            ..TaskContext::default()
        };
        assert_eq!(ctx.model_at(150).as_deref(), Some("a"));
        assert_eq!(ctx.model_at(250).as_deref(), Some("b"));
        assert_eq!(ctx.model_at(50).as_deref(), Some("a"));
    }
}
