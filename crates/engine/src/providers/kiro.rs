//! Kiro CLI, from its session files.
//!
//! Kiro is closed source: the format here is read from session files as the CLI writes them
//! and as other trackers document them; no source file of Kiro's own could be read.
//!
//! **Where:** `$KIRO_HOME` (else `~/.kiro`) `/sessions/cli/<session id>.json`: the session's
//! state, rewritten whole as it goes on (beside it a `<session id>.jsonl` log of prompts and
//! replies, and a `.lock` while it runs). The Kiro IDE's stores (`globalStorage/
//! kiro.kiroagent`, `~/.kiro/sessions/<workspace>/`) are not read yet.
//!
//! **Record shape:** `{session_id, cwd, created_at, updated_at, title, session_state:
//! {rts_model_state: {model_info: {model_id}}, conversation_metadata: {user_turn_metadatas:
//! [{end_timestamp (RFC 3339, ns), input_token_count, output_token_count,
//! cache_read_input_token_count, cache_write_input_token_count, metering_usage: [{value,
//! unit: "credit"}], loop_id: {rand, agent_id}}]}}}`.
//!
//! **What is billed:** Kiro bills **credits**, not tokens: each turn's `metering_usage`
//! credits are its cost, converted at **$0.04 a credit** (Kiro's published price of a credit
//! beyond a plan's allowance) and labelled `estimated` (a plan's included credits cost less,
//! and the rate may change). The token counts are kept as reported; many builds write zeros
//! there, which count as nothing (never as a measured $0). A turn with neither credits nor
//! tokens adds nothing. **Calls:** one per user turn, dated at its `end_timestamp`.
//!
//! **Model:** `model_info.model_id` (`auto`: Kiro's router), else `unknown`. **Project:**
//! `cwd`. **Dedup key:** `kiro:<session>:<loop_id.rand, else the turn's index>`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Batch, Cursor, Listing, Provider, discover_under, owned_under};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, List, Num, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// The Kiro CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kiro;

/// Dollars a Kiro credit is converted at.
pub const USD_PER_CREDIT: f64 = 0.04;

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
        let session = match serde_json::from_slice::<Session<'_>>(&bytes) {
            Ok(s) => s,
            Err(e) => {
                batch.warnings.push(Warning::whole_file(
                    ProviderId::Kiro,
                    file,
                    WarningKind::MalformedLine,
                    e.to_string(),
                ));
                return Ok(Cursor::START);
            }
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
            let credits: f64 = t
                .metering_usage
                .0
                .iter()
                .filter(|m| m.unit.as_deref().is_none_or(|u| u == "credit"))
                .filter_map(|m| m.value.0)
                .filter(|v| v.is_finite() && *v >= 0.0)
                .sum();
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
            let by_credits = credits > 0.0;
            batch.events.push(UsageEvent {
                reported_cost: by_credits.then(|| Usd::from_dollars(credits * USD_PER_CREDIT)),
                reported_first: by_credits,
                estimated: by_credits,
                ..UsageEvent::new(
                    ProviderId::Kiro,
                    format!("kiro:{id}:{turn}"),
                    ts,
                    model.to_string(),
                    id.to_string(),
                    project.to_string(),
                    tokens,
                )
            });
        }
    }
}
