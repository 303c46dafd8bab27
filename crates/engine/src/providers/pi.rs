//! Pi (and Oh My Pi) coding-agent sessions.
//!
//! **Where:** `~/.pi/agent/sessions/<dir>/*.jsonl` and `~/.omp/agent/sessions/<dir>/*.jsonl`
//! (the same on every OS; no override).
//!
//! **Record shape:** a header line `{"type":"session", id, timestamp, cwd}` (OMP may write a
//! `{"type":"title"}` line first), then `{"type":"message", id, timestamp, message{role,
//! provider, model, responseId, content[], usage{input, output, cacheRead, cacheWrite,
//! totalTokens, cost{…}}}}` lines.
//!
//! **Token fields:** `input` is fresh input (cache reads and writes are separate); output as
//! reported. The embedded `cost` is not used: calls are priced from the tables. A message
//! without a model is priced as `gpt-5` and marked estimated.
//!
//! **Aborted and failed requests:** an assistant message whose `stopReason` is `aborted`
//! (Esc, "Request was aborted") or `error` is what the agent keeps of a request that did not
//! complete (`packages/ai/src/providers/*.ts` in pi-mono: the stream's catch sets
//! `stopReason` and `errorMessage` on the partial message, usage as far as it got). It is
//! not a call; tokens it reports (an aborted stream may have billed its input) still count,
//! as supplementary usage. One with no tokens at all adds nothing.
//!
//! **Dedup key:** `pi:<session id>:<responseId, else entry id, else timestamp>`; the session id
//! and `cwd` (the project) travel in the cursor state so appends resume mid-file.
//!
//! **OpenClaw** runs its agents on pi's session manager (`@mariozechner/pi-coding-agent`), so
//! its transcripts are this format: `$OPENCLAW_STATE_DIR` (else `~/.openclaw`, or the older
//! `~/.clawdbot` and `~/.moltbot`) `/agents/<agent id>/sessions/<session id>.jsonl` (beside a
//! `sessions.json` index, which is not a transcript). The same reader reads them as OpenClaw's,
//! with keys `openclaw:<session id>:…`. OpenClaw 2026.9 moved transcripts into a per-agent
//! SQLite store, whose rows are these same records: [`super::openclaw`] reads it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::jsonl;
use super::{Batch, Cursor, Provider, discover_under, is_jsonl, owned_under};
use crate::error::Result;
use crate::lenient::{Count, Obj, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;
use crate::time::parse_timestamp_ms;

/// A reader of pi's session format: Pi and OMP's own, or OpenClaw's.
#[derive(Debug, Clone, Copy)]
pub struct Pi(pub ProviderId);

impl Default for Pi {
    fn default() -> Self {
        Pi(ProviderId::Pi)
    }
}

impl Pi {
    /// How deep transcripts sit under a root.
    fn depth(self) -> usize {
        if self.0 == ProviderId::OpenClaw { 3 } else { 2 }
    }

    /// What its keys begin with.
    fn tag(self) -> &'static str {
        if self.0 == ProviderId::OpenClaw {
            "openclaw"
        } else {
            "pi"
        }
    }
}

impl Provider for Pi {
    fn id(&self) -> ProviderId {
        self.0
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        if self.0 == ProviderId::OpenClaw {
            return paths
                .openclaw_state
                .iter()
                .map(|d| d.join("agents"))
                .collect();
        }
        vec![
            paths.home.join(".pi/agent/sessions"),
            paths.home.join(".omp/agent/sessions"),
        ]
    }

    fn discover(&self, paths: &Paths) -> crate::providers::Listing {
        let mut found = discover_under(&self.roots(paths), self.depth(), is_jsonl);
        if self.0 == ProviderId::OpenClaw {
            // only `<agent>/sessions/*.jsonl`
            found.files.retain(|f| {
                f.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "sessions")
            });
        }
        found
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_jsonl)
            && (self.0 != ProviderId::OpenClaw
                || path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "sessions"))
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let mut state = cursor
            .state
            .as_deref()
            .filter(|_| cursor.offset > 0)
            .and_then(|s| serde_json::from_str::<State>(s).ok());
        let from = if state.is_some() { cursor.offset } else { 0 };
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (warnings, events) = (&mut batch.warnings, &mut batch.events);
        let end = jsonl::read_records::<Session>(self.0, file, from, warnings, |r| {
            if let Some(header) = State::of_header(&r, &stem) {
                state = Some(header);
            } else {
                let st = state.get_or_insert_with(|| State::headless(&stem));
                if let Some(e) = event(*self, &r, st, None) {
                    events.push(e);
                }
            }
        })?;
        Ok(Cursor {
            offset: end.complete_end,
            state: state.and_then(|s| serde_json::to_string(&s).ok()),
        })
    }
}

/// What a session's header says, which its later records need.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct State {
    /// The session's id: the header's, else the file's (or row's) name for it.
    pub(super) session: String,
    /// The session's working directory: its project.
    pub(super) cwd: String,
}

impl State {
    /// The state a header record sets, or `None` for any other record.
    pub(super) fn of_header(r: &Record<'_>, fallback_id: &str) -> Option<State> {
        (r.kind.get() == Some("session")).then(|| State {
            session: r.id.non_empty().unwrap_or(fallback_id).to_string(),
            cwd: r.cwd.non_empty().unwrap_or("unknown").to_string(),
        })
    }

    /// A session without a header.
    pub(super) fn headless(id: &str) -> State {
        State {
            session: id.to_string(),
            cwd: "unknown".to_string(),
        }
    }
}

/// The call a record is, if it is one; `stored_ms` dates a record that has no `timestamp` of
/// its own (a database row's insertion time).
pub(super) fn event(
    pi: Pi,
    r: &Record<'_>,
    st: &State,
    stored_ms: Option<i64>,
) -> Option<UsageEvent> {
    if r.kind.get() != Some("message") {
        return None;
    }
    let m = r.message.0.as_ref()?;
    if m.role.get() != Some("assistant") {
        return None;
    }
    let u = m.usage.0.as_ref()?;
    let incomplete = matches!(m.stop_reason.get(), Some("aborted" | "error"));
    let tokens = Tokens {
        input: u.input.0,
        output: u.output.0,
        cache_read: u.cache_read.0,
        cache_write_5m: u.cache_write.0,
        ..Tokens::default()
    };
    if incomplete && tokens == Tokens::default() {
        return None; // nothing was billed: nothing to count
    }
    let ts = r
        .timestamp
        .get()
        .and_then(parse_timestamp_ms)
        .or(stored_ms)?;
    let id = m
        .response_id
        .non_empty()
        .or_else(|| r.id.non_empty())
        .map_or_else(|| format!("at:{ts}"), str::to_string);
    let model = m.model.non_empty();
    Some(UsageEvent {
        openai_cache_semantics: m.provider.get().is_some_and(|p| p.contains("openai")),
        estimated: model.is_none(),
        supplementary: incomplete,
        ..UsageEvent::new(
            pi.0,
            format!("{}:{}:{id}", pi.tag(), st.session),
            ts,
            model.unwrap_or("gpt-5").to_string(),
            st.session.clone(),
            st.cwd.clone(),
            tokens,
        )
    })
}

/// A session file's lines.
pub(super) struct Session;

impl jsonl::Lines for Session {
    type Record<'b> = Record<'b>;
}

/// One record of a session: a line of its file, or a row of OpenClaw's store.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Record<'a> {
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    timestamp: Str<'a>,
    #[serde(borrow)]
    cwd: Str<'a>,
    #[serde(borrow)]
    message: Obj<Message<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    #[serde(borrow)]
    role: Str<'a>,
    #[serde(borrow)]
    provider: Str<'a>,
    #[serde(borrow)]
    model: Str<'a>,
    #[serde(rename = "responseId", borrow)]
    response_id: Str<'a>,
    #[serde(rename = "stopReason", borrow)]
    stop_reason: Str<'a>,
    usage: Obj<PiUsage>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PiUsage {
    input: Count,
    output: Count,
    cache_read: Count,
    cache_write: Count,
}
