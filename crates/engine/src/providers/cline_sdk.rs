//! Cline 3 and later: the session store its SDK writes for the CLI, the desktop app, Kanban
//! and the SDK build of the VS Code extension.
//!
//! Read from Cline's own source: `sdk/packages/core/docs/messages-contract-v1.md` (the
//! `messages.json` contract, produced by `buildMessagesFilePayload` in
//! `services/session-data.ts`), `sdk/packages/core/src/session/models/session-manifest.ts` (the
//! manifest beside it), `sdk/packages/shared/src/storage/paths.ts` (where) and
//! `sdk/packages/llms/src/providers/ai-sdk.ts` (`normalizeUsage`, what the token fields hold).
//!
//! **Where:** `$CLINE_SESSION_DATA_DIR`, else `$CLINE_DATA_DIR/sessions`, else
//! `$CLINE_DIR/data/sessions`, else `~/.cline/data/sessions`: a directory per session,
//! `<session id>/<session id>.messages.json` for the lead agent, beside the manifest
//! `<session id>.json`; a sub-agent's or teammate's messages are `<agent>.messages.json` in the
//! same directory, or one level down (`<session id>/<agent name>/<sub id>.messages.json`).
//! (`sessions.db` beside them is an index without usage; `*.hooks.jsonl` is debug telemetry.)
//!
//! **Record shape:** `{version: 1, updated_at, agent, sessionId, messages: [{id, role, content,
//! ts (epoch ms), modelInfo: {id, provider}, metrics: {inputTokens, outputTokens,
//! cacheReadTokens, cacheWriteTokens, cost}}]}`, rewritten whole as the session goes on. The
//! last assistant message of each completed model turn carries that turn's `metrics`: one call.
//! A turn that failed before any output has no message and bills nothing here.
//!
//! **Token fields:** `inputTokens` is the AI SDK's total input, **including** cache reads and
//! writes (`normalizeUsage` takes `inputTokens.total`, and Cline's own pricing bills
//! `inputTokens - cacheReadTokens - cacheWriteTokens` at the input rate): the cached tokens are
//! taken out of it. A figure smaller than its cached parts (a provider path that reported fresh
//! input) is kept as the fresh input. `outputTokens` includes reasoning.
//!
//! **Cost:** priced from the tokens when the model is known, else the turn's own `cost`
//! (Cline's estimate, or what its gateway or OpenRouter billed), labelled `reported`.
//!
//! **Model:** `modelInfo.id`, else the manifest's `model`. **Project:** the manifest's
//! `workspace_root`, else its `cwd` (the prompt it also holds is never read). **Session:** the
//! session directory's id, so sub-agents' calls count in their session. **Dedup key:**
//! `cline:<sessionId>:<message id>` (ids are stable nanoids). A message without `ts` is skipped
//! with a warning rather than dated at some other moment.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Batch, Cursor, Listing, Provider, discover_under, owned_under};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, List, Num, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// The Cline SDK's session store.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClineSdk;

const SUFFIX: &str = ".messages.json";
/// The most of a messages file read (a long session's transcript is tens of MB).
const MESSAGES_CAP: u64 = 512 << 20;

fn is_messages(name: &str) -> bool {
    name.ends_with(SUFFIX) && name.len() > SUFFIX.len()
}

impl Provider for ClineSdk {
    fn id(&self) -> ProviderId {
        ProviderId::Cline
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.cline_sessions.clone()]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        let mut found = discover_under(&self.roots(paths), 3, is_messages);
        // only files inside a session's directory
        found
            .files
            .retain(|f| in_session_dir(&paths.cline_sessions, f));
        found
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_messages)
            && in_session_dir(&paths.cline_sessions, path)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let bytes =
            crate::untrusted::read_capped(file, MESSAGES_CAP).map_err(|e| Error::io(file, e))?;
        let Some(doc) = super::parse_document::<MessagesFile<'_>>(
            ProviderId::Cline,
            file,
            &bytes,
            &mut batch.warnings,
        ) else {
            return Ok(Cursor::START); // caught mid-rewrite: read again when it changes
        };
        let session_dir = session_dir_of(file);
        let session = session_dir
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| doc.session_id.non_empty().map(str::to_string))
            .unwrap_or_default();
        let manifest = Manifest::of(session_dir.as_deref(), &session);
        let ctx = Ctx {
            file,
            file_session: doc.session_id.non_empty().unwrap_or(&session),
            session: &session,
            manifest: &manifest,
        };
        for m in &doc.messages.0 {
            match ctx.call(m) {
                Some(Ok(e)) => batch.events.push(e),
                Some(Err(w)) => batch.warnings.push(w),
                None => {}
            }
        }
        Ok(Cursor::START)
    }
}

/// What the calls of one messages file share.
struct Ctx<'a> {
    file: &'a Path,
    /// The `sessionId` the file names (its keys'): a sub-agent's own.
    file_session: &'a str,
    /// The session its calls count in: the session directory's.
    session: &'a str,
    manifest: &'a Manifest,
}

impl Ctx<'_> {
    /// The call a message is: `None` for a message without usage, a warning for one that
    /// cannot be dated.
    fn call(&self, m: &Message<'_>) -> Option<std::result::Result<UsageEvent, Warning>> {
        if m.role.get() != Some("assistant") {
            return None;
        }
        // an earlier message of a turn has no metrics: the turn's last one carries its usage
        let metrics = m.metrics.0.as_ref()?;
        let (cache_read, cache_write) = (metrics.cache_read_tokens.0, metrics.cache_write_tokens.0);
        let total_in = metrics.input_tokens.0;
        let cached = cache_read.saturating_add(cache_write);
        let tokens = Tokens {
            input: if total_in >= cached {
                total_in - cached
            } else {
                total_in
            },
            output: metrics.output_tokens.0,
            cache_read,
            cache_write_5m: cache_write,
            ..Tokens::default()
        };
        let reported = metrics
            .cost
            .0
            .filter(|c| c.is_finite() && *c > 0.0)
            .map(Usd::from_dollars);
        if tokens.is_empty() && reported.is_none() {
            return None;
        }
        let id = m.id.non_empty().unwrap_or_default();
        let Some(ts) = m.ts.0 else {
            return Some(Err(Warning::whole_file(
                ProviderId::Cline,
                self.file,
                WarningKind::InvalidRecord,
                format!("message {id}: no ts"),
            )));
        };
        let info = m.model_info.0.as_ref();
        let model = info
            .and_then(|i| i.id.non_empty())
            .or(self.manifest.model.as_deref())
            .unwrap_or("unknown");
        let provider = info
            .and_then(|i| i.provider.get())
            .or(self.manifest.provider.as_deref())
            .unwrap_or_default();
        let key = if id.is_empty() {
            format!("cline:{}:at:{ts}", self.file_session)
        } else {
            format!("cline:{}:{id}", self.file_session)
        };
        Some(Ok(UsageEvent {
            openai_cache_semantics: provider.contains("openai"),
            reported_cost: reported,
            ..UsageEvent::new(
                ProviderId::Cline,
                key,
                ts,
                model.to_string(),
                self.session.to_string(),
                self.manifest.project.clone(),
                tokens,
            )
        }))
    }
}

/// True when `path` lies in a session's directory under `root`: `<root>/<session>/…`, at most
/// two levels below it.
fn in_session_dir(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root)
        .is_ok_and(|rel| (2..=3).contains(&rel.components().count()))
}

/// The session directory of a messages file, from the file alone: its own directory when that
/// is a session's (it holds the session's manifest or lead transcript, named after it), else
/// the one above (a sub-agent's directory inside the session's).
fn session_dir_of(file: &Path) -> Option<PathBuf> {
    let parent = file.parent()?;
    let name = parent.file_name()?.to_string_lossy().into_owned();
    let is_session = |d: &Path, n: &str| {
        d.join(format!("{n}.json")).is_file() || d.join(format!("{n}{SUFFIX}")).is_file()
    };
    if is_session(parent, &name) {
        return Some(parent.to_path_buf());
    }
    let up = parent.parent()?;
    let up_name = up.file_name()?.to_string_lossy().into_owned();
    Some(if is_session(up, &up_name) { up } else { parent }.to_path_buf())
}

/// What the manifest says of a session.
struct Manifest {
    model: Option<String>,
    provider: Option<String>,
    project: String,
}

impl Manifest {
    /// The manifest `<session>.json` in `dir`; an absent or unreadable one names nothing.
    fn of(dir: Option<&Path>, session: &str) -> Manifest {
        let bytes = dir
            .and_then(|d| {
                crate::untrusted::read_capped(&d.join(format!("{session}.json")), 4 << 20).ok()
            })
            .unwrap_or_default();
        let m = serde_json::from_slice::<ManifestFile<'_>>(&bytes).unwrap_or_default();
        Manifest {
            model: m.model.non_empty().map(str::to_string),
            provider: m.provider.non_empty().map(str::to_string),
            project: m
                .workspace_root
                .non_empty()
                .or_else(|| m.cwd.non_empty())
                .unwrap_or("unknown")
                .to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManifestFile<'a> {
    #[serde(borrow)]
    model: Str<'a>,
    #[serde(borrow)]
    provider: Str<'a>,
    #[serde(borrow)]
    workspace_root: Str<'a>,
    #[serde(borrow)]
    cwd: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct MessagesFile<'a> {
    #[serde(borrow)]
    session_id: Str<'a>,
    #[serde(borrow)]
    messages: List<Message<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Message<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    role: Str<'a>,
    ts: Stamp,
    #[serde(borrow)]
    model_info: Obj<ModelInfo<'a>>,
    metrics: Obj<Metrics>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModelInfo<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    provider: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // Cline's own names
struct Metrics {
    input_tokens: Count,
    output_tokens: Count,
    cache_read_tokens: Count,
    cache_write_tokens: Count,
    cost: Num,
}
