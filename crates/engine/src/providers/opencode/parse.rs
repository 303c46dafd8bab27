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
        Some(tool_use(
            self.tool.non_empty()?,
            self.call_id.get().unwrap_or(""),
            self.state.0.as_ref().and_then(|s| s.input.0.as_ref()),
        ))
    }
}

/// The use of OpenCode tool `raw` (call `id`) with `input`.
fn tool_use(raw: &str, id: &str, input: Option<&PartInput<'_>>) -> ToolUse {
    let name = tool_name(raw);
    let command = input.and_then(|i| i.command.non_empty());
    let path = input.and_then(|i| i.file_path.non_empty());
    let t = match (command, path) {
        (Some(c), _) => ToolUse::shell(id, &name, c),
        (None, Some(p)) => ToolUse::on_file(id, &name, p),
        (None, None) => ToolUse::named(id, &name),
    };
    t.with_detail(match name.as_str() {
        "Skill" => input.and_then(|i| i.name.non_empty()),
        "Agent" => input.and_then(|i| i.subagent_type.non_empty()),
        _ => None,
    })
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
    times_ms(m.time.0.as_ref())
}

/// `time.created` in ms (seconds are taken for what they are), if set.
fn times_ms(t: Option<&Times>) -> Option<i64> {
    let created = t.map_or(0, |t| t.created.0);
    let created = i64::try_from(created).ok().filter(|t| *t > 0)?;
    Some(if created < 1_000_000_000_000 {
        created * 1000
    } else {
        created
    })
}

/// The call in one message (`None` for user messages and messages without a model or time).
/// `directory` is the session's directory: the project when the message records none;
/// `fallback_ms` the time to use when the message has none of its own (a database row's
/// `time_created`).
pub(crate) fn message_event(
    m: &MessageFile<'_>,
    session: String,
    id: &str,
    directory: Option<&str>,
    fallback_ms: Option<i64>,
) -> Option<UsageEvent> {
    if !matches!(m.role.get(), Some("assistant" | "model")) {
        return None;
    }
    let tokens = match (&m.tokens.0, &m.usage.0) {
        (Some(t), _) => t.tokens(),
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
    Some(build(&Reply {
        session,
        id,
        model: m.model_id.non_empty()?,
        provider: m.provider_id.get(),
        ms: message_ms(m).or(fallback_ms)?,
        tokens,
        cost: m.cost,
        completed: m.time.0.as_ref().is_some_and(|t| t.completed.0 > 0),
        project,
    }))
}

/// The call in an assistant row of the newer `session_message` table (`data` is the message
/// without its `id` and `type`; see [`SessionMessageData`]).
pub(crate) fn session_message_event(
    d: &SessionMessageData<'_>,
    session: String,
    id: &str,
    directory: Option<&str>,
    fallback_ms: Option<i64>,
) -> Option<UsageEvent> {
    let model = d.model.0.as_ref()?;
    Some(build(&Reply {
        session,
        id,
        model: model.id.non_empty()?,
        provider: model.provider_id.get(),
        ms: times_ms(d.time.0.as_ref()).or(fallback_ms)?,
        tokens: d
            .tokens
            .0
            .as_ref()
            .map(OcTokens::tokens)
            .unwrap_or_default(),
        cost: d.cost,
        completed: d.time.0.as_ref().is_some_and(|t| t.completed.0 > 0),
        project: directory.filter(|d| !d.is_empty()).unwrap_or("unknown"),
    }))
}

/// What makes a call of an assistant message, in either table's shape.
struct Reply<'a> {
    session: String,
    id: &'a str,
    model: &'a str,
    provider: Option<&'a str>,
    ms: i64,
    tokens: Tokens,
    cost: Option<f64>,
    completed: bool,
    project: &'a str,
}

fn build(r: &Reply<'_>) -> UsageEvent {
    let reported = r
        .cost
        .filter(|c| c.is_finite() && *c > 0.0)
        .map(Usd::from_dollars);
    UsageEvent {
        reasoning_in_output: false,
        openai_cache_semantics: r.provider == Some("openai"),
        reported_cost: reported,
        is_final: r.completed,
        ..UsageEvent::new(
            ProviderId::OpenCode,
            format!("opencode:{}:{}", r.session, r.id),
            r.ms,
            r.model.to_string(),
            r.session.clone(),
            r.project.to_string(),
            r.tokens,
        )
    }
}

/// The `data` of a `session_message` row (current OpenCode, `packages/core/src/session-message.ts`
/// and `session/session.sql.ts`): an assistant's `model{id, providerID}`, `tokens{input,
/// output, reasoning, cache{read, write}}`, `cost`, `time{created, completed}` (ms) and
/// `content[]` (tool uses: `{type: "tool", id, name, state{input}}`); a user's `text`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SessionMessageData<'a> {
    #[serde(borrow)]
    model: Obj<ModelRef<'a>>,
    tokens: Obj<OcTokens>,
    #[serde(deserialize_with = "lenient_f64")]
    cost: Option<f64>,
    time: Obj<Times>,
    #[serde(borrow)]
    content: crate::lenient::List<Content<'a>>,
    #[serde(borrow)]
    text: Str<'a>,
}

impl SessionMessageData<'_> {
    /// The tool uses among an assistant message's content.
    pub(crate) fn tools(&self) -> Vec<ToolUse> {
        self.content
            .0
            .iter()
            .filter(|c| c.kind.get() == Some("tool"))
            .filter_map(|c| {
                Some(tool_use(
                    c.name.non_empty()?,
                    c.id.get().unwrap_or(""),
                    c.state.0.as_ref().and_then(|s| s.input.0.as_ref()),
                ))
            })
            .collect()
    }

    /// A user message's text and time.
    pub(crate) fn prompt(&self, fallback_ms: Option<i64>) -> Option<(i64, &str)> {
        Some((
            times_ms(self.time.0.as_ref()).or(fallback_ms)?,
            self.text.non_empty()?,
        ))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModelRef<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(rename = "providerID", borrow)]
    provider_id: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Content<'a> {
    #[serde(rename = "type", borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    state: Obj<PartState<'a>>,
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

impl OcTokens {
    fn tokens(&self) -> Tokens {
        let cache = self.cache.0.as_ref();
        Tokens {
            input: self.input.0,
            output: self.output.0,
            reasoning: self.reasoning.0,
            cache_read: cache.map_or(0, |c| c.read.0),
            cache_write_5m: cache.map_or(0, |c| c.write.0),
            ..Tokens::default()
        }
    }
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
