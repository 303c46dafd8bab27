//! Amp (Sourcegraph's agent), from its thread files.
//!
//! Amp is closed source: the format here is read from thread files as the CLI writes them and
//! as other trackers document them (ccusage's Amp reader); no source file of Amp's own could
//! be read.
//!
//! **Where:** `$AMP_DATA_DIR` (else `$XDG_DATA_HOME/amp`, `~/.local/share/amp`)
//! `/threads/T-<uuid>.json`, one JSON document per thread, rewritten whole as it grows.
//!
//! **Record shape:** `{v, id, created (ms), title, env?, messages[], usageLedger?}`. An
//! assistant message is `{role: "assistant", messageId (a number), content[], usage?}`, its
//! `usage` `{model, inputTokens, outputTokens, cacheCreationInputTokens,
//! cacheReadInputTokens, totalInputTokens, credits, timestamp?}`. The older ledger
//! `usageLedger.events[{id, timestamp (ISO), model, credits, tokens{input, output},
//! operationType, fromMessageId, toMessageId}]` names when each inference ran and which
//! message it produced.
//!
//! **Token fields:** `inputTokens` is the fresh input (`totalInputTokens` = input + cache
//! writes + cache reads); cache writes and reads are apart. For OpenAI models Amp's
//! `cacheCreationInputTokens` is what its proxy reports as written to the cache; OpenAI bills
//! no cache write, so those tokens are priced with OpenAI's semantics (at the input rate,
//! unless the price table names a write rate).
//!
//! **Calls:** one per assistant message with usage, dated by its usage `timestamp`, else the
//! ledger event that produced it, else the thread's `created`; a ledger event whose message
//! carries no usage (older threads) is a call of its own with the ledger's tokens. **Model:**
//! the usage's `model`. **Project:** the thread's first workspace tree (`env.initial.trees[].
//! uri`, a `file://` URI), else `unknown`. **Dedup key:** `amp:<thread>:<messageId>` (ledger
//! events: `amp:<thread>:ledger:<id>`). **Session:** the thread.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::usage::AnthropicUsage;
use super::{Batch, Cursor, Listing, Provider, discover_under, owned_under};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Count, List, Num, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent};
use crate::paths::Paths;

/// The Amp provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Amp;

/// The most a thread file may hold.
const THREAD_CAP: u64 = 256 << 20;

fn is_thread(name: &str) -> bool {
    name.starts_with("T-")
        && Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

impl Provider for Amp {
    fn id(&self) -> ProviderId {
        ProviderId::Amp
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        vec![paths.amp_data.join("threads")]
    }

    fn discover(&self, paths: &Paths) -> Listing {
        discover_under(&self.roots(paths), 1, is_thread)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, is_thread)
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let bytes =
            crate::untrusted::read_capped(file, THREAD_CAP).map_err(|e| Error::io(file, e))?;
        let Some(thread) =
            super::parse_document::<Thread<'_>>(ProviderId::Amp, file, &bytes, &mut batch.warnings)
        else {
            return Ok(Cursor::START); // caught mid-rewrite: read again when it changes
        };
        let id = thread.id.non_empty().map_or_else(
            || {
                file.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            str::to_string,
        );
        thread.calls(&id, file, batch);
        Ok(Cursor::START)
    }
}

#[derive(Deserialize)]
struct Thread<'a> {
    #[serde(default, borrow)]
    id: Str<'a>,
    #[serde(default)]
    created: Stamp,
    #[serde(default, borrow)]
    messages: List<Message<'a>>,
    #[serde(default, borrow, rename = "usageLedger")]
    ledger: Obj<Ledger<'a>>,
    #[serde(default, borrow)]
    env: Obj<Env<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // the tool's own names
struct Message<'a> {
    #[serde(default, borrow)]
    role: Str<'a>,
    #[serde(default)]
    message_id: Num,
    #[serde(default, borrow)]
    usage: Obj<Usage<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Usage<'a> {
    #[serde(default, borrow)]
    model: Str<'a>,
    #[serde(flatten)]
    counts: AnthropicUsage,
    #[serde(default)]
    timestamp: Stamp,
}

#[derive(Deserialize)]
struct Ledger<'a> {
    #[serde(default, borrow)]
    events: List<LedgerEvent<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LedgerEvent<'a> {
    #[serde(default, borrow)]
    id: Str<'a>,
    #[serde(default)]
    timestamp: Stamp,
    #[serde(default, borrow)]
    model: Str<'a>,
    #[serde(default)]
    tokens: Obj<LedgerTokens>,
    #[serde(default)]
    to_message_id: Num,
}

#[derive(Deserialize)]
struct LedgerTokens {
    #[serde(default)]
    input: Count,
    #[serde(default)]
    output: Count,
}

#[derive(Deserialize)]
struct Env<'a> {
    #[serde(default, borrow)]
    initial: Obj<Initial<'a>>,
}

#[derive(Deserialize)]
struct Initial<'a> {
    #[serde(default, borrow)]
    trees: List<Tree<'a>>,
}

#[derive(Deserialize)]
struct Tree<'a> {
    #[serde(default, borrow)]
    uri: Str<'a>,
}

/// A message id as a key part (`3`, not `3.0`).
#[allow(clippy::cast_possible_truncation)]
fn message_key(n: Num) -> Option<i64> {
    n.0.filter(|v| v.is_finite() && v.fract() == 0.0)
        .map(|v| v as i64)
}

impl Thread<'_> {
    fn project(&self) -> String {
        self.env
            .0
            .as_ref()
            .and_then(|e| e.initial.0.as_ref())
            .and_then(|i| i.trees.0.iter().find_map(|t| t.uri.non_empty()))
            .and_then(crate::project::path_of_uri)
            .unwrap_or_else(|| "unknown".to_string())
    }

    fn calls(&self, thread: &str, file: &Path, batch: &mut Batch) {
        let project = self.project();
        let events = self.ledger.0.as_ref().map_or(&[][..], |l| &l.events.0[..]);
        let mut covered = Vec::new();
        let event = |model: &str, key: String, ts: i64, tokens: Tokens| UsageEvent {
            openai_cache_semantics: is_openai(model),
            ..UsageEvent::new(
                ProviderId::Amp,
                key,
                ts,
                model.to_string(),
                thread.to_string(),
                project.clone(),
                tokens,
            )
        };
        for m in &self.messages.0 {
            let (Some(u), Some(n)) = (&m.usage.0, message_key(m.message_id)) else {
                continue;
            };
            if m.role.get() != Some("assistant") {
                continue;
            }
            let tokens = u.counts.tokens();
            if tokens.is_empty() {
                continue;
            }
            covered.push(n);
            let ledger_ts = events
                .iter()
                .find(|e| message_key(e.to_message_id) == Some(n))
                .and_then(|e| e.timestamp.0);
            let Some(ts) = u.timestamp.0.or(ledger_ts).or(self.created.0) else {
                undated(file, &format!("message {n}"), batch);
                continue;
            };
            let model = u.model.non_empty().unwrap_or("unknown");
            batch
                .events
                .push(event(model, format!("amp:{thread}:{n}"), ts, tokens));
        }
        for e in events {
            if message_key(e.to_message_id).is_some_and(|n| covered.contains(&n)) {
                continue;
            }
            let Some(t) = &e.tokens.0 else { continue };
            let tokens = Tokens {
                input: t.input.0,
                output: t.output.0,
                ..Tokens::default()
            };
            if tokens.is_empty() {
                continue;
            }
            let id = e.id.non_empty().unwrap_or_default();
            let Some(ts) = e.timestamp.0 else {
                undated(file, &format!("ledger event {id}"), batch);
                continue;
            };
            let model = e.model.non_empty().unwrap_or("unknown");
            batch.events.push(event(
                model,
                format!("amp:{thread}:ledger:{id}"),
                ts,
                tokens,
            ));
        }
    }
}

fn undated(file: &Path, what: &str, batch: &mut Batch) {
    batch.warnings.push(Warning::whole_file(
        ProviderId::Amp,
        file,
        WarningKind::InvalidRecord,
        format!("{what}: no timestamp"),
    ));
}

/// True for OpenAI's models (their cache writes are not billed as such).
fn is_openai(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model);
    m.starts_with("gpt-") || m.starts_with("o1") || m.starts_with("o3") || m.starts_with("o4")
}
