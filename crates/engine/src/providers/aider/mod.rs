//! Aider, from its opt-in analytics log.
//!
//! Read from Aider's own source: `aider/analytics.py` (`Analytics.event`: each event appended
//! to the log file as one JSON line `{event, properties, user_id, time}`, written whether or
//! not uploading is enabled), `aider/coders/base_coder.py` (`show_usage_report`: the
//! `message_send` event with `main_model`, `edit_format`, `prompt_tokens`,
//! `completion_tokens`, `total_tokens`, `cost` (this message's), `total_cost`), `aider/main.py`
//! (the `launched` event at start-up; where `.aider.conf.yml` is looked for) and
//! `aider/args.py` (`--analytics-log`, `AIDER_ANALYTICS_LOG`).
//!
//! **Where:** the file the user named with `--analytics-log` — Burnbar reads the
//! `analytics-log:` key of `~/.aider.conf.yml` (the home's config; a repository's own config
//! file is not looked for) — and the path in `AIDER_ANALYTICS_LOG`.
//!
//! **Without an analytics log** Aider keeps only its chat history, `.aider.chat.history.md`
//! in each repository it ran in (`aider/io.py`: a `# aider chat started at YYYY-MM-DD
//! HH:MM:SS` header in the machine's local time per run, and every tool message quoted with
//! `> `, among them `coders/base_coder.py`'s usage report `Tokens: 12k sent, 1.2k cache write,
//! 3.4k cache hit, 950 received. Cost: $0.05 message, $0.30 session.`). Those files are
//! looked for in every project another tool named (a full scan does it; project directories
//! are not watched), and each usage report is a call: its numbers are rounded
//! (`format_tokens`: `12k`, `1.2k`, `1.2M`) and its cost rounded to a cent or so, so all of
//! it is labelled `estimated`; it is dated at its run's start (the history has no other
//! times); the model is the run's `Main model:` line. With an analytics log configured, the
//! histories are not read (they record the same messages).
//!
//! **Token fields:** `prompt_tokens` is the prompt as the API counted it (LiteLLM's
//! `prompt_tokens`; the log has no cache split), `completion_tokens` the reply. Without the
//! cache split a table price would bill cached prompt tokens at the full input rate, so
//! Aider's own `cost` (which knew the split) is used when it is there, labelled `reported`;
//! else the tokens are priced from the table. `main_model` is `<provider>/REDACTED` when
//! Aider did not know the model: then only its cost can say anything.
//!
//! **Calls:** one per `message_send` event, dated by `time` (epoch seconds). **Session:** the
//! latest `launched` event's time (a run of Aider), else `aider`. **Project:** the log does not
//! say: `unknown`. **Dedup key:** `aider:<time>:<prompt>:<completion>:<cost>` (the same
//! message logged twice is one; the log rotated or copied keeps its keys). **Cursor:** the
//! byte offset, and the current session.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::jsonl;
use super::{Batch, Cursor, Listing, Provider};
use crate::error::Result;
use crate::lenient::{Count, Num, Obj, Stamp, Str};
use crate::model::{ProviderId, Tokens, UsageEvent, Usd};
use crate::paths::Paths;

mod history;

/// Aider's chat history file in a repository.
const HISTORY: &str = ".aider.chat.history.md";

/// The Aider provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Aider;

impl Aider {
    /// The analytics logs the user configured.
    fn logs(paths: &Paths) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Some(p) = &paths.aider_analytics_log {
            out.push(p.clone());
        }
        let conf = paths.home.join(".aider.conf.yml");
        if let Ok(text) = crate::untrusted::read_capped_string(&conf, crate::untrusted::SIDECAR_CAP)
            && let Some(p) = analytics_log_key(&text, &paths.home)
        {
            out.push(p);
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The `analytics-log:` value of an `.aider.conf.yml` (a YAML scalar, quoted or not, `~`
/// expanded; a relative path is taken from the home, where Aider is usually started).
fn analytics_log_key(yaml: &str, home: &Path) -> Option<PathBuf> {
    let value = yaml.lines().find_map(|l| {
        let l = l.trim_start();
        l.strip_prefix("analytics-log:")
    })?;
    let value = value.split(" #").next().unwrap_or(value).trim();
    let value = value.trim_matches(|c| c == '"' || c == '\'').trim();
    if value.is_empty() || value == "null" || value == "~" {
        return None;
    }
    let path = match value.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => home.join(value), // joining an absolute path replaces the home
    };
    Some(path)
}

impl Provider for Aider {
    fn id(&self) -> ProviderId {
        ProviderId::Aider
    }

    fn roots(&self, paths: &Paths) -> Vec<PathBuf> {
        Aider::logs(paths)
            .iter()
            .filter_map(|l| l.parent().map(Path::to_path_buf))
            .collect()
    }

    fn discover(&self, paths: &Paths) -> Listing {
        Aider::logs(paths)
            .into_iter()
            .filter(|l| l.is_file())
            .collect::<Vec<_>>()
            .into()
    }

    fn owns(&self, paths: &Paths, path: &Path) -> bool {
        Aider::logs(paths).iter().any(|l| l == path)
    }

    fn discover_in_projects(&self, paths: &Paths, projects: &[String]) -> Vec<PathBuf> {
        if !Aider::logs(paths).is_empty() {
            return Vec::new(); // the analytics log records the same messages exactly
        }
        projects
            .iter()
            .map(|p| Path::new(p).join(HISTORY))
            .filter(|f| f.is_file())
            .collect()
    }

    fn read(&self, file: &Path, cursor: &Cursor, batch: &mut Batch) -> Result<Cursor> {
        if file.file_name().is_some_and(|n| n == HISTORY) {
            return history::read(file, batch);
        }
        let mut session = cursor
            .state
            .as_deref()
            .and_then(|s| serde_json::from_str::<State>(s).ok())
            .filter(|_| cursor.offset > 0)
            .map(|s| s.session);
        let from = if session.is_some() { cursor.offset } else { 0 };
        let (warnings, events) = (&mut batch.warnings, &mut batch.events);
        let end = jsonl::read_records::<Log>(ProviderId::Aider, file, from, warnings, |e| match e
            .name
            .get()
        {
            Some("launched") => {
                session = e.time.0.map(|t| format!("aider-{t}"));
            }
            Some("message_send") => {
                if let Some(call) = call(&e, session.as_deref()) {
                    events.push(call);
                }
            }
            _ => {}
        })?;
        Ok(Cursor {
            offset: end.complete_end,
            state: serde_json::to_string(&State {
                session: session.unwrap_or_default(),
            })
            .ok(),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct State {
    session: String,
}

/// The analytics log's lines.
struct Log;

impl jsonl::Lines for Log {
    type Record<'b> = Event<'b>;
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(default, borrow, rename = "event")]
    name: Str<'a>,
    #[serde(default, borrow)]
    properties: Obj<Properties<'a>>,
    #[serde(default)]
    time: Stamp,
}

#[derive(Deserialize)]
struct Properties<'a> {
    #[serde(default, borrow)]
    main_model: Str<'a>,
    #[serde(default)]
    prompt_tokens: Count,
    #[serde(default)]
    completion_tokens: Count,
    #[serde(default)]
    cost: Num,
}

fn call(e: &Event<'_>, session: Option<&str>) -> Option<UsageEvent> {
    let p = e.properties.0.as_ref()?;
    let ts = e.time.0?;
    let tokens = Tokens {
        input: p.prompt_tokens.0,
        output: p.completion_tokens.0,
        ..Tokens::default()
    };
    let cost = p.cost.0.filter(|c| c.is_finite() && *c >= 0.0);
    if tokens.is_empty() && cost.is_none_or(|c| c == 0.0) {
        return None;
    }
    let model = p
        .main_model
        .non_empty()
        .filter(|m| !m.ends_with("/REDACTED"))
        .unwrap_or("unknown");
    Some(UsageEvent {
        reported_cost: cost.map(Usd::from_dollars),
        reported_first: cost.is_some(),
        ..UsageEvent::new(
            ProviderId::Aider,
            format!(
                "aider:{ts}:{}:{}:{}",
                tokens.input,
                tokens.output,
                cost.map_or(0, |c| Usd::from_dollars(c).micros())
            ),
            ts,
            model.to_string(),
            session.unwrap_or("aider").to_string(),
            "unknown".to_string(),
            tokens,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::analytics_log_key;
    use std::path::Path;

    #[test]
    fn the_conf_key_is_read_as_yaml_writes_it() {
        let home = Path::new("/home/me");
        let key = |y: &str| analytics_log_key(y, home);
        assert_eq!(
            key("model: sonnet\nanalytics-log: ~/aider.jsonl\n"),
            Some(home.join("aider.jsonl"))
        );
        assert_eq!(
            key("analytics-log: \"/var/log/aider.jsonl\"  # mine"),
            Some("/var/log/aider.jsonl".into())
        );
        assert_eq!(key("#analytics-log: x\nanalytics: false"), None);
        assert_eq!(key("analytics-log: null"), None);
    }
}
