//! Codebuff (formerly Manicode), from its saved chats.
//!
//! Read from Codebuff's own source: `cli/src/utils/config-dir.ts` (`~/.config/manicode`, or
//! `manicode-<environment>` on a development stack), `cli/src/project-files.ts` (a project's
//! data directory is named by the **basename** of its root; a chat's id is its start time in
//! ISO 8601 with `:` turned into `-`), `cli/src/utils/run-state-storage.ts` (each chat
//! directory's `chat-messages.json` and `run-state.json`, rewritten whole) and
//! `cli/src/types/chat.ts` (`ChatMessage{id, variant: ai | user | agent | error, content,
//! timestamp, credits?, isCompletion?, metadata?}`).
//!
//! **Where:** `~/.config/manicode*/projects/<project basename>/chats/<chat id>/
//! chat-messages.json` (the same under the home on every OS).
//!
//! **What is billed:** Codebuff bills **credits**: a reply's `credits` is what it cost. They
//! are converted at **$0.01 a credit** (Codebuff sells 100 credits a dollar) and labelled
//! `estimated` (a plan's included credits cost less). The saved messages carry no token
//! counts, so tokens are not counted. A reply without credits adds nothing.
//!
//! **Calls:** one per message with credits, dated by its `timestamp`, else the chat's start
//! (its id). **Turns:** each `user` message. **Model:** not recorded per message: `codebuff`.
//! **Project:** only the basename of the project's root is kept; it resolves to a project
//! path another tool named when exactly one known path has that basename, else it shows as
//! the name. **Dedup key:** `codebuff:<chat id>:<message id>`. **Session:** the chat.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Batch, Cursor, Listing, PromptMark, Provider, discover_under, owned_under};
use crate::error::{Error, Result, Warning, WarningKind};
use crate::lenient::{Num, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

/// The Codebuff provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Codebuff;

/// Dollars a Codebuff credit is converted at.
pub const USD_PER_CREDIT: f64 = 0.01;

const MESSAGES: &str = "chat-messages.json";
/// How a project's basename is stored until a known path resolves it.
const NAME_PREFIX: &str = "codebuff-project:";

impl Provider for Codebuff {
    fn id(&self) -> ProviderId {
        ProviderId::Codebuff
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        ["manicode", "manicode-dev", "manicode-staging"]
            .iter()
            .map(|d| paths.home.join(".config").join(d).join("projects"))
            .collect()
    }

    fn discover(&self, paths: &Paths) -> Listing {
        discover_under(&self.roots(paths), 4, |n| n == MESSAGES)
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        owned_under(&self.roots(paths), path, |n| n == MESSAGES)
    }

    fn offset_cursor(&self) -> bool {
        false
    }

    fn read(&self, file: &Path, _cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        let bytes =
            crate::untrusted::read_capped(file, 256 << 20).map_err(|e| Error::io(file, e))?;
        let Some(messages) = super::parse_objects::<Message<'_>>(
            ProviderId::Codebuff,
            file,
            &bytes,
            &mut batch.warnings,
        ) else {
            return Ok(Cursor::START);
        };
        let chat_dir = file.parent().unwrap_or(Path::new(""));
        let chat = name(chat_dir);
        let project = chat_dir
            .parent()
            .and_then(Path::parent)
            .map(name)
            .unwrap_or_default();
        let chat_start = chat_start_ms(&chat);
        for (i, m) in messages.iter().enumerate() {
            let ts = m.timestamp.0.or(chat_start);
            if m.variant.get() == Some("user") {
                if let Some(ts) = ts {
                    let text = m.content.get().unwrap_or_default();
                    batch
                        .prompts
                        .push(PromptMark::new(ProviderId::Codebuff, &chat, ts, text));
                }
                continue;
            }
            let Some(credits) = m.credits.0.filter(|c| c.is_finite() && *c > 0.0) else {
                continue;
            };
            let Some(ts) = ts else {
                batch.warnings.push(Warning::whole_file(
                    ProviderId::Codebuff,
                    file,
                    WarningKind::InvalidRecord,
                    format!("message {i}: no timestamp"),
                ));
                continue;
            };
            let id =
                m.id.non_empty()
                    .map_or_else(|| i.to_string(), str::to_string);
            batch.events.push(UsageEvent {
                reported_cost: Some(Usd::from_dollars(credits * USD_PER_CREDIT)),
                reported_first: true,
                estimated: true,
                ..UsageEvent::new(
                    ProviderId::Codebuff,
                    format!("codebuff:{chat}:{id}"),
                    ts,
                    "codebuff".to_string(),
                    chat.clone(),
                    format!("{NAME_PREFIX}{project}"),
                    Tokens::default(),
                )
            });
        }
        Ok(Cursor::START)
    }

    fn is_placeholder_project(&self, project: &str) -> bool {
        project.starts_with(NAME_PREFIX)
    }

    fn resolve_projects<'a>(&self, known: &'a [String]) -> Vec<(&'a str, &'a str)> {
        if !known.iter().any(|k| k.starts_with(NAME_PREFIX)) {
            return Vec::new();
        }
        // basename -> the one known path with it (None when several share it)
        let mut by_name: HashMap<&str, Option<&str>> = HashMap::new();
        for k in known.iter().filter(|k| !k.starts_with(NAME_PREFIX)) {
            if let Some(base) = Path::new(k).file_name().and_then(|n| n.to_str()) {
                by_name
                    .entry(base)
                    .and_modify(|v| *v = None)
                    .or_insert(Some(k.as_str()));
            }
        }
        let mut out: Vec<(&str, &str)> = known
            .iter()
            .filter_map(|k| {
                let base = k.strip_prefix(NAME_PREFIX)?;
                Some((k.as_str(), (*by_name.get(base)?)?))
            })
            .collect();
        out.sort_unstable();
        out
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A chat id (`2026-05-01T10-00-00.000Z`) as the moment it names.
fn chat_start_ms(chat: &str) -> Option<i64> {
    let (date, time) = chat.split_once('T')?;
    crate::time::parse_timestamp_ms(&format!("{date}T{}", time.replacen('-', ":", 2)))
}

/// A `ChatMessage` (only what is read of it).
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default, borrow)]
    id: Str<'a>,
    #[serde(default, borrow)]
    variant: Str<'a>,
    #[serde(default, borrow)]
    content: Str<'a>,
    #[serde(default)]
    timestamp: Stamp,
    #[serde(default)]
    credits: Num,
}

#[cfg(test)]
mod tests {
    use super::chat_start_ms;

    #[test]
    fn a_chat_id_is_its_start_time() {
        assert_eq!(
            chat_start_ms("2026-05-01T10-00-00.000Z"),
            Some(1_777_629_600_000)
        );
        assert_eq!(chat_start_ms("notes"), None);
    }
}
