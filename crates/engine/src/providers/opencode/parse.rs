//! OpenCode's message and part documents as serde types (borrowing from the file), and the
//! tool uses and tokens read from them. Fields of the wrong shape read as absent
//! ([`crate::lenient`]).

use serde::Deserialize;

use super::Parts;
use crate::lenient::{Count, Obj, Str};
use crate::model::{ProviderId, Tokens, ToolUse, UsageEvent, Usd};

/// One part (`storage/part/...json`, or the `part` table's `data`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Part<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) text: Str<'a>,
    pub(super) synthetic: crate::lenient::Flag,
    #[serde(rename = "callID", borrow)]
    pub(super) call_id: Str<'a>,
    #[serde(borrow)]
    pub(super) tool: Str<'a>,
    #[serde(borrow)]
    pub(super) state: Obj<PartState<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PartState<'a> {
    #[serde(borrow)]
    pub(super) input: Obj<PartInput<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PartInput<'a> {
    #[serde(borrow)]
    pub(super) command: Str<'a>,
    #[serde(rename = "filePath", borrow)]
    pub(super) file_path: Str<'a>,
    #[serde(borrow)]
    pub(super) name: Str<'a>,
    #[serde(borrow)]
    pub(super) subagent_type: Str<'a>,
}

impl Part<'_> {
    /// Adds a tool part's use, or a user's text, to `out`.
    pub(crate) fn add_to(&self, out: &mut Parts) {
        match self.kind.get() {
            Some("tool" | "tool-call" | "tool_call") => {
                if let Some(t) = self.tool_use() {
                    out.tools.push(t);
                }
            }
            Some("text") if !self.synthetic.0 => {
                if let Some(t) = self.text.non_empty() {
                    let s = out.text.get_or_insert_with(String::new);
                    if !s.is_empty() {
                        s.push('\n');
                    }
                    s.push_str(t);
                }
            }
            _ => {}
        }
    }

    pub(super) fn tool_use(&self) -> Option<ToolUse> {
        let name = tool_name(self.tool.non_empty()?);
        let id = self.call_id.get().unwrap_or("");
        let input = self.state.0.as_ref().and_then(|s| s.input.0.as_ref());
        let command = input.and_then(|i| i.command.non_empty());
        let path = input.and_then(|i| i.file_path.non_empty());
        let t = match (command, path) {
            (Some(c), _) => ToolUse::shell(id, &name, c),
            (None, Some(p)) => ToolUse::on_file(id, &name, p),
            (None, None) => ToolUse::named(id, &name),
        };
        Some(t.with_detail(match name.as_str() {
            "Skill" => input.and_then(|i| i.name.non_empty()),
            "Agent" => input.and_then(|i| i.subagent_type.non_empty()),
            _ => None,
        }))
    }
}

/// OpenCode's tool names under the classifier's: `bash` -> `Bash`, `task` -> `Agent`, ...; an
/// MCP tool, which OpenCode names `<server>_<tool>`, becomes `mcp__<server>__<tool>`.
pub(crate) fn tool_name(raw: &str) -> String {
    let known = match raw.to_ascii_lowercase().as_str() {
        "bash" | "shell" => "Bash",
        "read" => "Read",
        "edit" | "multiedit" => "Edit",
        "write" => "Write",
        "patch" => "Patch",
        "glob" | "list" | "ls" => "Glob",
        "grep" => "Grep",
        "task" => "Agent",
        "fetch" | "webfetch" => "WebFetch",
        "search" | "websearch" | "codesearch" => "WebSearch",
        "todo" | "todowrite" | "todoread" => "TodoWrite",
        "skill" => "Skill",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    match raw.split_once('_') {
        Some((server, tool)) if !server.is_empty() && !tool.is_empty() => {
            format!("mcp__{server}__{tool}")
        }
        _ => raw.to_string(),
    }
}

/// A message's creation time in ms (`time.created` may be in seconds).
pub(crate) fn message_ms(m: &MessageFile<'_>) -> Option<i64> {
    let created = m.time.0.as_ref().map_or(0, |t| t.created.0);
    let created = i64::try_from(created).ok().filter(|t| *t > 0)?;
    Some(if created < 1_000_000_000_000 {
        created * 1000
    } else {
        created
    })
}

/// The call in one message (`None` for user messages and messages without a model or time).
/// `directory` is the session's directory: the project when the message records none.
pub(crate) fn message_event(
    m: &MessageFile<'_>,
    session: String,
    id: &str,
    directory: Option<&str>,
) -> Option<UsageEvent> {
    if !matches!(m.role.get(), Some("assistant" | "model")) {
        return None;
    }
    let model = m.model_id.non_empty()?;
    let ts = message_ms(m)?;
    let tokens = match (&m.tokens.0, &m.usage.0) {
        (Some(t), _) => {
            let cache = t.cache.0.as_ref();
            Tokens {
                input: t.input.0,
                output: t.output.0,
                reasoning: t.reasoning.0,
                cache_read: cache.map_or(0, |c| c.read.0),
                cache_write_5m: cache.map_or(0, |c| c.write.0),
                ..Tokens::default()
            }
        }
        (None, Some(u)) => Tokens {
            input: u.input_tokens.0,
            output: u.output_tokens.0,
            cache_read: u.cache_read_input_tokens.0,
            cache_write_5m: u.cache_creation_input_tokens.0,
            ..Tokens::default()
        },
        (None, None) => Tokens::default(),
    };
    let project = m
        .path
        .0
        .as_ref()
        .and_then(|p| p.cwd.non_empty().or_else(|| p.root.non_empty()))
        .or(directory.filter(|d| !d.is_empty()))
        .unwrap_or("unknown");
    let reported = m
        .cost
        .filter(|c| c.is_finite() && *c > 0.0)
        .map(Usd::from_dollars);
    Some(UsageEvent {
        reasoning_in_output: false,
        openai_cache_semantics: m.provider_id.get() == Some("openai"),
        reported_cost: reported,
        is_final: m.time.0.as_ref().is_some_and(|t| t.completed.0 > 0),
        ..UsageEvent::new(
            ProviderId::OpenCode,
            format!("opencode:{session}:{id}"),
            ts,
            model.to_string(),
            session,
            project.to_string(),
            tokens,
        )
    })
}

/// A message as OpenCode stores it (a file's content, or the `data` column of `message`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct MessageFile<'a> {
    #[serde(borrow)]
    pub(super) id: Str<'a>,
    #[serde(rename = "sessionID", borrow)]
    pub(super) session_id: Str<'a>,
    #[serde(borrow)]
    pub(super) role: Str<'a>,
    #[serde(rename = "modelID", borrow)]
    pub(super) model_id: Str<'a>,
    #[serde(rename = "providerID", borrow)]
    pub(super) provider_id: Str<'a>,
    #[serde(deserialize_with = "lenient_f64")]
    pub(super) cost: Option<f64>,
    pub(super) tokens: Obj<OcTokens>,
    pub(super) usage: Obj<RawUsage>,
    pub(super) time: Obj<Times>,
    #[serde(borrow)]
    pub(super) path: Obj<OcPath<'a>>,
}

impl MessageFile<'_> {
    /// A message the user wrote.
    pub(crate) fn is_user(&self) -> bool {
        self.role.get() == Some("user")
    }
}

pub(super) fn lenient_f64<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?.as_f64())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OcTokens {
    pub(super) input: Count,
    pub(super) output: Count,
    pub(super) reasoning: Count,
    pub(super) cache: Obj<OcCache>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OcCache {
    pub(super) read: Count,
    pub(super) write: Count,
}

#[derive(Deserialize, Default)]
#[serde(default)]
#[allow(clippy::struct_field_names)] // the tool's own field names
pub(super) struct RawUsage {
    pub(super) input_tokens: Count,
    pub(super) output_tokens: Count,
    pub(super) cache_read_input_tokens: Count,
    pub(super) cache_creation_input_tokens: Count,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Times {
    pub(super) created: Count,
    pub(super) completed: Count,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OcPath<'a> {
    #[serde(borrow)]
    pub(super) cwd: Str<'a>,
    #[serde(borrow)]
    pub(super) root: Str<'a>,
}
