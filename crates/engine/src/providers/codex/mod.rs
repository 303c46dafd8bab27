//! OpenAI Codex CLI rollouts.
//!
//! **Where:** `$CODEX_HOME` else `~/.codex` (Linux, macOS and Windows alike):
//! `sessions/YYYY/MM/DD/rollout-*.jsonl` and `archived_sessions/rollout-*.jsonl`. The same
//! rollout can exist in both; files are de-duplicated by basename and the active copy wins.
//!
//! **Record shape:** `{"timestamp", "type", "payload"}` per line. A rollout is admitted on
//! structure alone: its first record is `session_meta` with an object payload (never gated on
//! `originator`; third-party clients write their own). We read `session_meta.payload`
//! (`id`, else `session_id`, else the file name; `cwd`; `model`; `forked_from_id`; only its
//! top-level fields: nested `base_instructions.provenance.model` is not the model),
//! `turn_context.payload.{model, cwd}` and `event_msg` records with `payload.type ==
//! "token_count"` and `payload.info.{last_token_usage, total_token_usage}`.
//!
//! **Token fields:** OpenAI semantics. `input_tokens` *includes* `cached_input_tokens`
//! (subtracted), `output_tokens` *includes* `reasoning_output_tokens` (never added again),
//! `total_tokens = input + output`. Per call we take `last_token_usage`, else the delta of the
//! cumulative `total_token_usage` against the previous event. A `token_count` whose cumulative
//! total did not grow is a repeat, not a call (the previous total starts as "none", so a first
//! event with total 0 still counts); `info: null` (rate-limit-only events) is no call.
//!
//! **Rate limits:** `token_count` payloads (with or without `info`) carry the server's
//! `rate_limits.{primary, secondary}`: `used_percent`, `window_minutes` (300 is the 5-hour
//! window, 10080 the weekly one) and the reset as `resets_at` (epoch seconds) or, in older
//! versions, `resets_in_seconds` from the event's time. Each becomes a
//! [`LimitMark`](super::LimitMark) of the Codex home the rollout lies under.
//!
//! **Dedup key:** `codex:<root>:<cumulative total>:<input>:<cached>:<output>:<reasoning>` where
//! `root` is `forked_from_id` for a forked session, else the session id. A fork replays its
//! parent's history with a timestamp within 5 s of its own `session_meta`; those events are
//! skipped, and keying by the parent's id makes any replay that slips through collide with the
//! parent's own events.
//!
//! **Turns and tools:** an `event_msg` `user_message` starts a turn (injected context such as
//! `<environment_context>` does not); only the classifier's signature of its text is kept.
//! `response_item` `function_call`s (`arguments` is a JSON string: `command` as an argv array,
//! `bash -lc <script>` unwrapped, or `cmd`) and `custom_tool_call`s become tool uses of the
//! next `token_count` call, under the classifier's names: `shell`/`exec_command` -> `Bash`
//! (program names only), `apply_patch` -> one `Edit` per `*** Update/Add/Delete File:`,
//! `read_file` -> `Read`, `spawn_agent` -> `Agent`, `update_plan` -> `TodoWrite`;
//! `mcp_tool_call_end` -> `mcp__<server>__<tool>`. Pending tool uses ride in the cursor state.
//!
//! **Model:** the event's own `info.model`, else the latest `turn_context.model`, else the
//! session's; a rollout that never names one is priced as `gpt-5` and marked estimated.
//! **Project:** the session `cwd` (else the turn context's, else `unknown`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::jsonl::{self, RawLine};
use super::{Batch, Cursor, PromptMark, Provider};
use crate::error::{Error, Result, WarningKind};
use crate::model::{ProviderId, Tokens, ToolUse, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;
mod parse;

use parse::{CodexUsage, Payload, Record, tool_uses};

/// The model assumed when a rollout never names one (Codex's own default at the time).
const DEFAULT_MODEL: &str = "gpt-5";
/// The project of a rollout that records no usable `cwd`.
const UNKNOWN_PROJECT: &str = "unknown";
/// Fork replays are clustered within this many ms after the fork's `session_meta`.
const FORK_REPLAY_WINDOW_MS: i64 = 5_000;

/// The Codex provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Codex;

impl Provider for Codex {
    fn id(&self) -> ProviderId {
        ProviderId::Codex
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![
            paths.codex_home.join("sessions"),
            paths.codex_home.join("archived_sessions"),
        ]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        // a rollout moved to archived_sessions is the same rollout: the first copy found
        // (under sessions/) is read
        let mut found = super::discover_under(&self.roots(paths), 5, is_rollout_name);
        let mut seen = std::collections::HashSet::new();
        found
            .files
            .retain(|f| seen.insert(f.file_name().map(std::ffi::OsStr::to_os_string)));
        found
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_rollout_name)
            && self.roots(paths).iter().any(|r| path.starts_with(r))
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        // Resuming mid-file needs the decoder state saved with the cursor; without it (or when
        // the file shrank under the cursor) decode from the start.
        let len = std::fs::metadata(file)
            .map_err(|e| Error::io(file, e))?
            .len();
        let state = cursor
            .state
            .as_deref()
            .filter(|_| cursor.offset > 0 && cursor.offset <= len)
            .and_then(|s| serde_json::from_str::<State>(s).ok());
        let from = if state.is_some() { cursor.offset } else { 0 };
        let mut decoder = Decoder {
            file,
            state,
            batch,
            rejected: false,
        };
        // The cursor must carry the state as of the last *complete* line; only the final line
        // of a read can be incomplete, so snapshot just before it.
        let mut before_tail = None;
        let end = jsonl::read_lines(file, from, |line| {
            if decoder.rejected {
                return;
            }
            if !line.terminated {
                before_tail = Some(decoder.state.clone());
            }
            decoder.line(&line);
        })?;
        let saved = before_tail.unwrap_or(decoder.state);
        Ok(Cursor {
            offset: end.complete_end,
            state: saved.and_then(|s| serde_json::to_string(&s).ok()),
        })
    }
}

/// Cumulative figures identify a call (a fork's replay of its parent collides with the
/// parent's own event); without them, the time and the delta do.
fn dedup_key(root: &str, total: Option<Usage5>, delta: Usage5, ts: i64) -> String {
    if let Some([input, cached, output, reasoning, sum]) = total {
        format!("codex:{root}:{sum}:{input}:{cached}:{output}:{reasoning}")
    } else {
        let [input, cached, output, reasoning, _] = delta;
        format!("codex:{root}:at:{ts}:{input}:{cached}:{output}:{reasoning}")
    }
}

fn is_rollout_name(name: &str) -> bool {
    name.starts_with("rollout-") && super::is_jsonl(name)
}

/// The record kinds read; everything else (reasoning, messages, tool output: most of the
/// bytes) is skipped without parsing.
static WANTED: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::new([
        "\"token_count\"",
        "\"turn_context\"",
        "\"session_meta\"",
        "\"function_call\"",
        "\"custom_tool_call\"",
        "\"mcp_tool_call_end\"",
        "\"user_message\"",
    ])
    .expect("record kinds build")
});

/// Decoder state carried across lines (and across runs, in the cursor).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
struct State {
    session_id: String,
    /// Dedup root: `forked_from_id` for forks, else the session id.
    root_id: String,
    cwd: String,
    session_model: Option<String>,
    turn_model: Option<String>,
    /// Events before this instant are a fork's replay of its parent.
    fork_cutoff_ms: Option<i64>,
    /// The previous cumulative usage, once one was seen.
    prev_total: Option<Usage5>,
    /// Tool calls since the last token count: they belong to the next call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending_tools: Vec<ToolUse>,
}

/// `[input, cached, output, reasoning, total]`.
pub(super) type Usage5 = [u64; 5];

/// The Codex home a rollout lies under: the directory holding its `sessions` or
/// `archived_sessions`.
fn codex_home(file: &Path) -> Option<String> {
    file.ancestors()
        .find(|a| {
            a.file_name()
                .is_some_and(|n| n == "sessions" || n == "archived_sessions")
        })
        .and_then(Path::parent)
        .map(|h| h.to_string_lossy().into_owned())
}

struct Decoder<'a> {
    file: &'a Path,
    state: Option<State>,
    batch: &'a mut Batch,
    /// The first record was not a `session_meta`: stop reading this file.
    rejected: bool,
}

impl Decoder<'_> {
    fn admitted(&self) -> bool {
        self.state.is_some()
    }

    fn warn(&mut self, line: &RawLine<'_>, kind: WarningKind, msg: impl Into<String>) {
        self.batch.warnings.push(jsonl::line_warning(
            ProviderId::Codex,
            self.file,
            line,
            kind,
            msg,
        ));
    }

    fn line(&mut self, line: &RawLine<'_>) {
        let Some(bytes) =
            jsonl::object(ProviderId::Codex, self.file, line, &mut self.batch.warnings)
        else {
            return;
        };
        let admitted = self.admitted();
        if admitted && !WANTED.is_match(bytes) {
            return; // reasoning, messages, tool output: neither usage nor a turn's shape
        }
        let mut scratch = Vec::new();
        let Some(rec) = jsonl::parse::<Record>(
            ProviderId::Codex,
            self.file,
            line,
            bytes,
            &mut scratch,
            &mut self.batch.warnings,
        ) else {
            return;
        };
        match (rec.kind.get(), &rec.payload.0) {
            (Some("session_meta"), Some(p)) => self.session_meta(&rec, p),
            _ if !admitted => {
                self.rejected = true;
                self.warn(
                    line,
                    WarningKind::NotAdmitted,
                    "first record is not a session_meta: not a Codex rollout",
                );
            }
            (Some("turn_context"), Some(p)) => {
                let st = self.state.get_or_insert_with(State::default);
                if let Some(m) = p.model.non_empty() {
                    st.turn_model = Some(m.to_string());
                }
                if st.cwd.is_empty()
                    && let Some(c) = p.cwd.non_empty()
                {
                    st.cwd = c.to_string();
                }
            }
            (Some("event_msg"), Some(p)) if p.kind.get() == Some("token_count") => {
                if let Err(msg) = self.token_count(&rec, p) {
                    self.warn(line, WarningKind::InvalidRecord, msg);
                }
            }
            (Some("event_msg"), Some(p)) if p.kind.get() == Some("user_message") => {
                self.user_message(&rec, p);
            }
            (Some("event_msg"), Some(p)) if p.kind.get() == Some("mcp_tool_call_end") => {
                if let Some(inv) = &p.invocation.0
                    && let (Some(server), Some(tool)) =
                        (inv.server.non_empty(), inv.tool.non_empty())
                {
                    self.tool(&rec, ToolUse::named("", &format!("mcp__{server}__{tool}")));
                }
            }
            (Some("response_item"), Some(p))
                if matches!(p.kind.get(), Some("function_call" | "custom_tool_call")) =>
            {
                for t in tool_uses(p) {
                    self.tool(&rec, t);
                }
            }
            _ => {}
        }
    }

    /// True while reading a fork's replay of its parent (skipped).
    fn in_fork_replay(&self, rec: &Record<'_>) -> bool {
        let cut = self.state.as_ref().and_then(|s| s.fork_cutoff_ms);
        let ts = rec.timestamp.get().and_then(parse_timestamp_ms);
        matches!((cut, ts), (Some(c), Some(t)) if t < c)
    }

    fn tool(&mut self, rec: &Record<'_>, t: ToolUse) {
        if self.in_fork_replay(rec) {
            return;
        }
        if let Some(st) = self.state.as_mut() {
            st.pending_tools.push(t);
        }
    }

    /// A prompt typed by the user starts a turn (injected context such as
    /// `<environment_context>` does not).
    fn user_message(&mut self, rec: &Record<'_>, p: &Payload<'_>) {
        if self.in_fork_replay(rec) {
            return;
        }
        let (Some(st), Some(text)) = (self.state.as_ref(), p.message.non_empty()) else {
            return;
        };
        if text.trim_start().starts_with('<') {
            return;
        }
        let Some(ts) = rec.timestamp.get().and_then(parse_timestamp_ms) else {
            return;
        };
        self.batch
            .prompts
            .push(PromptMark::new(ProviderId::Codex, &st.session_id, ts, text));
    }

    fn session_meta(&mut self, rec: &Record<'_>, p: &Payload<'_>) {
        if self.state.is_some() {
            return; // a later session_meta (some clients repeat it) changes nothing
        }
        let stem = self
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let session_id =
            p.id.non_empty()
                .or_else(|| p.session_id.non_empty())
                .map_or(stem, str::to_string);
        let forked = p.forked_from_id.non_empty().map(str::to_string);
        let meta_ts = p
            .timestamp
            .get()
            .or_else(|| rec.timestamp.get())
            .and_then(parse_timestamp_ms);
        self.state = Some(State {
            root_id: forked.clone().unwrap_or_else(|| session_id.clone()),
            session_id,
            cwd: p.cwd.non_empty().unwrap_or_default().to_string(),
            session_model: p.model.non_empty().map(str::to_string),
            turn_model: None,
            fork_cutoff_ms: forked.and(meta_ts).map(|t| t + FORK_REPLAY_WINDOW_MS),
            prev_total: None,
            pending_tools: Vec::new(),
        });
    }

    /// The server's rate-limit snapshot a `token_count` carries, for `burnbar limits`: the
    /// 300-minute window is `5h`, the 10,080-minute one `weekly` (else primary and secondary).
    fn rate_limits(&mut self, rec: &Record<'_>, p: &Payload<'_>) {
        let (Some(limits), Some(observed_ms)) = (
            &p.rate_limits.0,
            rec.timestamp.get().and_then(parse_timestamp_ms),
        ) else {
            return;
        };
        let Some(home) = codex_home(self.file) else {
            return;
        };
        for (w, fallback) in [(&limits.primary.0, "5h"), (&limits.secondary.0, "weekly")] {
            let Some(w) = w else { continue };
            let Some(used) = w.used_percent else { continue };
            #[allow(clippy::cast_possible_truncation)]
            let minutes = w.window_minutes.map(|m| m.round() as i64);
            let kind = match minutes {
                Some(300) => "5h",
                Some(10_080) => "weekly",
                _ => fallback,
            };
            #[allow(clippy::cast_possible_truncation)]
            let resets_at_ms = w
                .resets_at
                .map(|s| (s * 1000.0).round() as i64)
                .or_else(|| {
                    w.resets_in_seconds
                        .map(|s| observed_ms + (s * 1000.0).round() as i64)
                });
            self.batch.limits.push(super::LimitMark {
                home: home.clone(),
                kind,
                observed_ms,
                used_percent: used.clamp(0.0, 100.0),
                window_minutes: minutes,
                resets_at_ms,
            });
        }
    }

    fn token_count(&mut self, rec: &Record<'_>, p: &Payload<'_>) -> Result<(), String> {
        self.rate_limits(rec, p);
        let Some(info) = &p.info.0 else {
            return Ok(()); // info: null — a rate-limit update, not a call
        };
        let ts = rec
            .timestamp
            .get()
            .and_then(parse_timestamp_ms)
            .ok_or_else(|| "token_count without a valid timestamp".to_string())?;
        let st = self.state.get_or_insert_with(State::default);
        let total = info.total_token_usage.0.as_ref().map(CodexUsage::as_array);
        let last = info.last_token_usage.0.as_ref().map(CodexUsage::as_array);
        let prev = st.prev_total;
        if let Some(t) = total {
            st.prev_total = Some(t); // always advance, whichever branch prices the call
        }
        if st.fork_cutoff_ms.is_some_and(|cut| ts < cut) {
            return Ok(()); // the fork's replay of its parent
        }
        let delta = match (total, last, prev) {
            (Some(t), _, Some(p)) if t[4] == p[4] => return Ok(()), // repeat, not a call
            (_, Some(l), _) => l,
            (Some(t), None, Some(p)) => std::array::from_fn(|i| t[i].saturating_sub(p[i])),
            (Some(t), None, None) => t,
            (None, None, _) => return Ok(()),
        };
        let key = dedup_key(&st.root_id, total, delta, ts);
        let explicit = info
            .model
            .non_empty()
            .or_else(|| info.model_name.non_empty());
        let model = explicit
            .or(st.turn_model.as_deref())
            .or(st.session_model.as_deref());
        let [input, cached, output, reasoning, _] = delta;
        let cache_write = info
            .last_token_usage
            .0
            .as_ref()
            .map_or(0, |u| u.cache_write_input_tokens.0);
        let fresh = input.saturating_sub(cached);
        let cache_write = cache_write.min(fresh);
        self.batch.events.push(UsageEvent {
            provider: ProviderId::Codex,
            key,
            timestamp_ms: ts,
            model: model.unwrap_or(DEFAULT_MODEL).to_string(),
            session_id: st.session_id.clone(),
            project: if st.cwd.is_empty() {
                UNKNOWN_PROJECT.to_string()
            } else {
                st.cwd.clone()
            },
            tokens: Tokens {
                input: fresh - cache_write,
                output,
                cache_read: cached.min(input),
                cache_write_5m: cache_write,
                cache_write_1h: 0,
                reasoning,
                web_search_requests: 0,
            },
            fast: false,
            reasoning_in_output: true,
            openai_cache_semantics: true,
            reported_cost: None,
            estimated: model.is_none(),
            is_final: true,
            supplementary: false,
            session_total: false,
            reported_first: false,
            authoritative: false,
            tools: std::mem::take(&mut st.pending_tools),
            branch: None,
            self_correction: false,
        });
        Ok(())
    }
}
