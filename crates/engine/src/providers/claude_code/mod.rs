//! Claude Code transcripts.
//!
//! **Where:** `<config>/projects/<slug>/<session>.jsonl` for every Claude config dir
//! (`CLAUDE_CONFIG_DIR` as a comma list, else `~/.config/claude` and `~/.claude`; the same on
//! Linux, macOS and Windows). Sub-agent transcripts live beside them: `<slug>/agent-*.jsonl`
//! (1.x), `<slug>/<session>/subagents/agent-*.jsonl` (2.x) and deeper workflow dirs
//! (`subagents/workflows/<wf>/agent-*.jsonl`); we read every `*.jsonl` under `projects/`.
//!
//! **Record shape:** one JSON object per line. Calls are `"type":"assistant"` records whose
//! `message` has `id`, `model`, `stop_reason` and `usage`: `input_tokens` (fresh input),
//! `output_tokens`, `cache_read_input_tokens`, `cache_creation_input_tokens` (legacy total) and
//! `cache_creation.ephemeral_{5m,1h}_input_tokens` (the split), `server_tool_use
//! .web_search_requests`, `speed` (`"fast"`), and `iterations[]` whose `advisor_message` entries
//! are calls of another model not included in the top-level numbers. 2.1.x parents mirror
//! sub-agent messages as `"type":"progress"` records with `data.type == "agent_progress"`.
//!
//! **Dedup key:** `message.id` (`claude:<id>`) across all files. Streaming writes one line per
//! content block with the same id; early lines carry partial `output_tokens`, the last one the
//! final usage and `stop_reason`. Resumed sessions replay earlier messages into a new file,
//! and progress records copy sub-agent lines. All copies are one call: its timestamp is the
//! earliest copy's, its usage the most complete copy's (a final line beats a partial one, then
//! the larger output). `<synthetic>` messages (client-side API errors) are not calls.
//!
//! **Turns and tools:** a `"type":"user"` record with text starts a turn (tool results, which
//! carry `tool_use_id`, sub-agent prompts (`isSidechain`), `isMeta` and compaction summaries do
//! not); only the classifier's signature of the text is kept. Each call's `tool_use` content
//! blocks become tool uses: the name, a hash of `file_path`/`notebook_path`, the program names
//! of a `command`, a skill's name or a sub-agent's `subagent_type`. `gitBranch` is kept per
//! call; assistant text is only checked for owning up to a mistake (compare).
//!
//! **Limit notices:** when a usage window runs out Claude Code writes an assistant record of
//! its own (`<synthetic>` model, `isApiErrorMessage`) saying so; its time, window and reset
//! become a [`LimitHit`](super::LimitHit) ([`crate::limits::message`]), the text is dropped.
//!
//! **Project:** the record's `cwd` (the slug is lossy: `my.app` and `my-app` share one), else
//! the first `cwd` of the file, else the slug. **Session:** the record's `sessionId` (sub-agent
//! records carry their parent's), else the file name.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::jsonl::{self, RawLine};
use super::{Batch, Cursor, Provider};
use crate::error::{Result, WarningKind};
use crate::lenient::{Obj, Str};
use crate::model::{ProviderId, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;
mod parse;

use parse::{Message, Record, UserRecord};

/// The Claude Code provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaudeCode;

impl Provider for ClaudeCode {
    fn id(&self) -> ProviderId {
        ProviderId::ClaudeCode
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        paths
            .claude_dirs
            .iter()
            .map(|d| d.join("projects"))
            .collect()
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        super::discover_under(&self.roots(paths), 8, super::is_jsonl)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(super::is_jsonl)
            && self.roots(paths).iter().any(|r| path.starts_with(r))
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let ctx = FileContext::new(file);
        let first_new = batch.events.len();
        let end = jsonl::read_lines(file, cursor.offset, |line| ctx.line(file, &line, batch))?;
        ctx.fill_missing_cwd(&mut batch.events[first_new..]);
        Ok(Cursor {
            offset: end.complete_end,
            state: None,
        })
    }
}

type Finder = std::sync::LazyLock<memchr::memmem::Finder<'static>>;
/// Calls have usage.
static USAGE: Finder = Finder::new(|| memchr::memmem::Finder::new(b"\"usage\":"));
/// MCP tool inventories ride in attachments.
static DEFERRED_TOOLS: Finder =
    Finder::new(|| memchr::memmem::Finder::new(b"\"deferred_tools_delta\""));
/// Limit notices are messages Claude Code writes itself.
static SYNTHETIC: Finder = Finder::new(|| memchr::memmem::Finder::new(b"<synthetic>"));
static API_ERROR: Finder = Finder::new(|| memchr::memmem::Finder::new(b"\"isApiErrorMessage\""));
/// Prompts are user records...
static USER: Finder = Finder::new(|| memchr::memmem::Finder::new(b"\"user\""));
/// ...that are not tool results.
static TOOL_RESULT: Finder = Finder::new(|| memchr::memmem::Finder::new(b"\"tool_use_id\""));

/// Per-file facts used as fallbacks.
struct FileContext {
    /// The `<slug>` directory directly under `projects/`.
    slug: String,
    /// The file name without `.jsonl`.
    stem: String,
}

impl FileContext {
    fn new(file: &Path) -> FileContext {
        let slug = slug_of(file).unwrap_or_default();
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        FileContext { slug, stem }
    }

    /// Handles one raw line: skips what cannot be a call, parses what can.
    fn line(&self, file: &Path, line: &RawLine<'_>, batch: &mut Batch) {
        let warn =
            |kind, msg: String| jsonl::line_warning(ProviderId::ClaudeCode, file, line, kind, msg);
        let Some(bytes) = jsonl::object(ProviderId::ClaudeCode, file, line, &mut batch.warnings)
        else {
            return;
        };
        if SYNTHETIC.find(bytes).is_some() || API_ERROR.find(bytes).is_some() {
            Self::limit_notice(file, line, bytes, batch);
        }
        // Only records with a `usage` key can be calls, and user records prompts: skip the
        // rest (snapshots, summaries; most of the bytes) without parsing them.
        if USAGE.find(bytes).is_none() {
            if DEFERRED_TOOLS.find(bytes).is_some() {
                self.mcp_inventory(file, line, bytes, batch);
                return;
            }
            // tool results (most of a log's bytes) carry `tool_use_id`: not prompts
            if USER.find(bytes).is_some() && TOOL_RESULT.find(bytes).is_none() {
                self.prompt(file, line, bytes, batch);
            }
            return;
        }
        let mut scratch = Vec::new();
        let Some(rec) = parse::<Record>(file, line, bytes, &mut scratch, batch) else {
            return;
        };
        if let Err(msg) = self.events(&rec, &mut batch.events) {
            batch.warnings.push(warn(WarningKind::InvalidRecord, msg));
        }
    }

    /// A `deferred_tools_delta` attachment: the MCP tools the session has loaded (their names
    /// only; what `mcp-low-coverage` compares with the tools used).
    fn mcp_inventory(&self, file: &Path, line: &RawLine<'_>, bytes: &[u8], batch: &mut Batch) {
        let mut scratch = Vec::new();
        let Some(rec) = parse::<parse::AttachmentRecord>(file, line, bytes, &mut scratch, batch)
        else {
            return;
        };
        let Some(a) = &rec.attachment.0 else { return };
        if a.kind.get() != Some("deferred_tools_delta") {
            return;
        }
        let session = rec.session_id.non_empty().unwrap_or(&self.stem).to_string();
        for name in a.added_names.iter().filter(|n| n.starts_with("mcp__")) {
            batch.mcp_tools.push((session.clone(), name.clone()));
        }
    }

    /// A message Claude Code wrote itself that says a usage window ran out: when, which
    /// window, when it resets (the text itself is not kept).
    fn limit_notice(file: &Path, line: &RawLine<'_>, bytes: &[u8], batch: &mut Batch) {
        let mut scratch = Vec::new();
        let Some(rec) = parse::<parse::NoticeRecord>(file, line, bytes, &mut scratch, batch) else {
            return;
        };
        let Some(msg) = &rec.message.0 else { return };
        if rec.kind.get() != Some("assistant")
            || !(rec.is_api_error.0 || msg.model.get() == Some("<synthetic>"))
        {
            return;
        }
        let (Some(text), Some(at)) = (
            msg.content.0.as_deref(),
            rec.timestamp
                .get()
                .and_then(parse_timestamp_ms)
                .and_then(chrono::DateTime::from_timestamp_millis),
        ) else {
            return;
        };
        let Some(home) = config_dir_of(file) else {
            return;
        };
        let Some(said) = crate::limits::message::parse(text, at, *LOCAL_ZONE) else {
            return;
        };
        batch.limit_hits.push(super::LimitHit {
            home,
            kind: said.kind,
            at_ms: at.timestamp_millis(),
            resets_at_ms: said.resets_at.map(|r| r.timestamp_millis()),
            scope: said.scope,
        });
    }

    /// A user record with text starts a turn (tool results and sub-agent prompts do not).
    fn prompt(&self, file: &Path, line: &RawLine<'_>, bytes: &[u8], batch: &mut Batch) {
        let mut scratch = Vec::new();
        let Some(rec) = parse::<UserRecord>(file, line, bytes, &mut scratch, batch) else {
            return;
        };
        if rec.kind.get() != Some("user")
            || rec.is_sidechain.0
            || rec.is_meta.0
            || rec.is_compact_summary.0
        {
            return;
        }
        let Some(msg) = &rec.message.0 else { return };
        let Some(text) = msg.content.0.as_deref() else {
            return;
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with("<local-command-stdout>") {
            return;
        }
        let Some(ts) = rec.timestamp.get().and_then(parse_timestamp_ms) else {
            return;
        };
        let session = rec.session_id.non_empty().unwrap_or(&self.stem);
        batch.prompts.push(super::PromptMark::new(
            ProviderId::ClaudeCode,
            session,
            ts,
            text,
        ));
    }

    /// Appends the calls in one record (0, 1, or 1 + advisor calls).
    fn events(&self, rec: &Record<'_>, out: &mut Vec<UsageEvent>) -> Result<(), String> {
        let Some((timestamp, message)) = call_parts(rec) else {
            return Ok(());
        };
        let Some(msg) = &message.0 else {
            return Ok(());
        };
        let Some(usage) = &msg.usage.0 else {
            return Ok(());
        };
        let model = msg.model.non_empty().unwrap_or("unknown");
        if model == "<synthetic>" {
            return Ok(());
        }
        let Some(ts) = timestamp.get().and_then(parse_timestamp_ms) else {
            return Err(format!(
                "assistant record without a valid timestamp ({:?})",
                timestamp.get().unwrap_or("missing")
            ));
        };
        let id = match msg.id.non_empty() {
            Some(id) => Cow::Borrowed(id),
            None => Cow::Owned(format!("ts:{ts}:{model}")),
        };
        let base = UsageEvent {
            provider: ProviderId::ClaudeCode,
            key: format!("claude:{id}"),
            timestamp_ms: ts,
            model: model.to_string(),
            session_id: rec
                .session_id
                .non_empty()
                .map_or_else(|| self.stem.clone(), str::to_string),
            project: rec.cwd.non_empty().unwrap_or_default().to_string(),
            tokens: usage.tokens(),
            fast: usage.speed.get() == Some("fast"),
            reasoning_in_output: true,
            openai_cache_semantics: false,
            reported_cost: None,
            estimated: false,
            is_final: msg.stop_reason.non_empty().is_some(),
            supplementary: false,
            session_total: false,
            reported_first: false,
            authoritative: false,
            tools: msg.tool_uses(),
            branch: rec.git_branch.non_empty().map(str::to_string),
            self_correction: msg.self_correction(),
        };
        let advisors = usage
            .iterations
            .0
            .iter()
            .filter(|it| it.kind.get() == Some("advisor_message"))
            .enumerate()
            .map(|(n, it)| UsageEvent {
                key: format!("claude:{id}:advisor:{n}"),
                model: it.model.non_empty().unwrap_or("unknown").to_string(),
                tokens: it.tokens(),
                fast: false,
                tools: Vec::new(),
                self_correction: false,
                ..base.clone()
            })
            .collect::<Vec<_>>();
        out.push(base);
        out.extend(advisors);
        Ok(())
    }

    /// Events without a `cwd` take the file's first known one, else the slug.
    fn fill_missing_cwd(&self, events: &mut [UsageEvent]) {
        if events.iter().all(|e| !e.project.is_empty()) {
            return;
        }
        let fallback = events
            .iter()
            .find(|e| !e.project.is_empty())
            .map_or_else(|| self.slug.clone(), |e| e.project.clone());
        for e in events.iter_mut().filter(|e| e.project.is_empty()) {
            e.project.clone_from(&fallback);
        }
    }
}

/// The timestamp and message of a record that may be a call: an assistant record, or a
/// sub-agent's assistant message mirrored in a `progress` record.
fn call_parts<'r, 'a>(rec: &'r Record<'a>) -> Option<(&'r Str<'a>, &'r Obj<Message<'a>>)> {
    match rec.kind.get() {
        Some("assistant") => Some((&rec.timestamp, &rec.message)),
        Some("progress") => {
            let data = rec.data.0.as_ref()?;
            let inner = data.message.0.as_ref()?;
            if data.kind.get() != Some("agent_progress") || inner.kind.get() != Some("assistant") {
                return None;
            }
            let ts = if inner.timestamp.get().is_some() {
                &inner.timestamp
            } else {
                &rec.timestamp
            };
            Some((ts, &inner.message))
        }
        _ => None,
    }
}

/// [`jsonl::parse`] for this provider, its warnings into `batch`.
fn parse<'b, T: serde::Deserialize<'b>>(
    file: &Path,
    line: &RawLine<'_>,
    bytes: &'b [u8],
    scratch: &'b mut Vec<u8>,
    batch: &mut Batch,
) -> Option<T> {
    jsonl::parse(
        ProviderId::ClaudeCode,
        file,
        line,
        bytes,
        scratch,
        &mut batch.warnings,
    )
}

/// The zone of a limit notice's reset time that names none: the machine's, where Claude
/// Code printed it.
static LOCAL_ZONE: std::sync::LazyLock<chrono_tz::Tz> =
    std::sync::LazyLock::new(|| crate::clock::local_time_zone(None));

/// The Claude config dir a transcript lies under (the parent of its `projects`).
pub(crate) fn config_dir_of(file: &Path) -> Option<String> {
    file.ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "projects"))
        .and_then(Path::parent)
        .map(|d| d.to_string_lossy().into_owned())
}

/// The `<slug>` component following the last `projects` directory in `file`'s path.
fn slug_of(file: &Path) -> Option<String> {
    let comps: Vec<_> = file.components().collect();
    let i = comps.iter().rposition(|c| c.as_os_str() == "projects")?;
    let slug = comps.get(i + 1)?;
    // a file directly in projects/ has no slug
    (i + 2 < comps.len()).then(|| slug.as_os_str().to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_is_the_dir_under_projects() {
        assert_eq!(
            slug_of(Path::new(
                "/h/.claude/projects/-a-b/s/subagents/agent-1.jsonl"
            ))
            .as_deref(),
            Some("-a-b")
        );
        assert_eq!(slug_of(Path::new("/h/.claude/projects/x.jsonl")), None);
    }
}
