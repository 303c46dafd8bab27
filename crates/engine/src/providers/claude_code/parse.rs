//! Claude Code's transcript records as serde types (borrowing from the line), and how a
//! message's usage becomes [`Tokens`]. Fields of the wrong shape read as absent
//! ([`crate::lenient`]).

use serde::Deserialize;

use crate::classify::rules::is_self_correction;
use crate::lenient::{Count, Flag, List, Obj, Str, StrPredicate, StrTest, Text};
use crate::model::{Tokens, ToolUse};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Record<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(rename = "sessionId", borrow)]
    pub(super) session_id: Str<'a>,
    #[serde(borrow)]
    pub(super) cwd: Str<'a>,
    #[serde(rename = "gitBranch", borrow)]
    pub(super) git_branch: Str<'a>,
    #[serde(borrow)]
    pub(super) message: Obj<Message<'a>>,
    #[serde(borrow)]
    pub(super) data: Obj<ProgressData<'a>>,
}

/// A `"type":"user"` record: a prompt when its content has text.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UserRecord<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(rename = "sessionId", borrow)]
    pub(super) session_id: Str<'a>,
    #[serde(rename = "isSidechain")]
    pub(super) is_sidechain: Flag,
    #[serde(rename = "isMeta")]
    pub(super) is_meta: Flag,
    #[serde(rename = "isCompactSummary")]
    pub(super) is_compact_summary: Flag,
    pub(super) message: Obj<UserMessage>,
}

/// An assistant record Claude Code wrote itself (an API error, a usage limit): its text is
/// read for a limit notice, then dropped.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NoticeRecord<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(rename = "isApiErrorMessage")]
    pub(super) is_api_error: Flag,
    pub(super) message: Obj<NoticeMessage<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NoticeMessage<'a> {
    #[serde(borrow)]
    pub(super) model: Str<'a>,
    pub(super) content: Text,
}

/// An `attachment` record (Claude Code writes what it injects into the context as these):
/// only its kind and, for `deferred_tools_delta`, the tool names added.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AttachmentRecord<'a> {
    #[serde(rename = "sessionId", borrow)]
    pub(super) session_id: Str<'a>,
    #[serde(borrow)]
    pub(super) attachment: Obj<Attachment<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Attachment<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    /// The names added: strings of an array; anything else reads as none.
    #[serde(rename = "addedNames", deserialize_with = "strings")]
    pub(super) added_names: Vec<String>,
}

fn strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                serde_json::Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UserMessage {
    pub(super) content: Text,
}

impl Message<'_> {
    pub(super) fn tool_uses(&self) -> Vec<ToolUse> {
        self.content.0.iter().filter_map(Block::tool_use).collect()
    }

    pub(super) fn self_correction(&self) -> bool {
        self.content
            .0
            .iter()
            .any(|b| b.kind.get() == Some("text") && b.text.0)
    }
}

/// A content block of an assistant message: tool uses feed the classifier, text only the
/// self-correction check.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Block<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) id: Str<'a>,
    #[serde(borrow)]
    pub(super) name: Str<'a>,
    /// Whether the text owns up to a mistake, decided while parsing (the text is not kept).
    pub(super) text: StrTest<OwnsUpToMistake>,
    #[serde(borrow)]
    pub(super) input: Obj<ToolInput<'a>>,
}

/// A text block's test: does it own up to a mistake ([`is_self_correction`])?
pub(super) struct OwnsUpToMistake;

impl StrPredicate for OwnsUpToMistake {
    fn test(s: &str) -> bool {
        is_self_correction(s)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ToolInput<'a> {
    #[serde(borrow)]
    pub(super) file_path: Str<'a>,
    #[serde(borrow)]
    pub(super) notebook_path: Str<'a>,
    #[serde(borrow)]
    pub(super) command: Str<'a>,
    #[serde(borrow)]
    pub(super) skill: Str<'a>,
    #[serde(borrow)]
    pub(super) name: Str<'a>,
    #[serde(borrow)]
    pub(super) subagent_type: Str<'a>,
}

impl Block<'_> {
    pub(super) fn tool_use(&self) -> Option<ToolUse> {
        if self.kind.get() != Some("tool_use") {
            return None;
        }
        let name = self.name.non_empty()?;
        let id = self.id.get().unwrap_or("");
        let input = self.input.0.as_ref();
        let command = input.and_then(|i| i.command.non_empty());
        let path = input.and_then(|i| i.file_path.non_empty().or(i.notebook_path.non_empty()));
        let t = match (command, path) {
            (Some(cmd), _) => ToolUse::shell(id, name, cmd),
            (None, Some(path)) => ToolUse::on_file(id, name, path),
            (None, None) => ToolUse::named(id, name),
        };
        let t = t.with_detail(match name {
            "Skill" => input.and_then(|i| i.skill.non_empty().or(i.name.non_empty())),
            "Agent" | "Task" => input.and_then(|i| i.subagent_type.non_empty()),
            _ => None,
        });
        Some(t)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ProgressData<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) message: Obj<ProgressMessage<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ProgressMessage<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(borrow)]
    pub(super) message: Obj<Message<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Message<'a> {
    #[serde(borrow)]
    pub(super) id: Str<'a>,
    #[serde(borrow)]
    pub(super) model: Str<'a>,
    #[serde(borrow)]
    pub(super) stop_reason: Str<'a>,
    #[serde(borrow)]
    pub(super) usage: Obj<Usage<'a>>,
    #[serde(borrow)]
    pub(super) content: List<Block<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Usage<'a> {
    pub(super) input_tokens: Count,
    pub(super) output_tokens: Count,
    pub(super) cache_read_input_tokens: Count,
    pub(super) cache_creation_input_tokens: Count,
    pub(super) cache_creation: Obj<CacheCreation>,
    pub(super) server_tool_use: Obj<ServerToolUse>,
    #[serde(borrow)]
    pub(super) speed: Str<'a>,
    #[serde(borrow)]
    pub(super) iterations: List<Iteration<'a>>,
}

impl Usage<'_> {
    pub(super) fn tokens(&self) -> Tokens {
        tokens(
            [
                self.input_tokens,
                self.output_tokens,
                self.cache_read_input_tokens,
                self.cache_creation_input_tokens,
            ],
            self.cache_creation.0.as_ref(),
            self.server_tool_use.0.as_ref(),
        )
    }
}

/// An entry of `usage.iterations[]`; token fields are read flat or from a nested `usage`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Iteration<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) model: Str<'a>,
    pub(super) usage: Obj<IterationUsage>,
    pub(super) input_tokens: Count,
    pub(super) output_tokens: Count,
    pub(super) cache_read_input_tokens: Count,
    pub(super) cache_creation_input_tokens: Count,
    pub(super) cache_creation: Obj<CacheCreation>,
}

impl Iteration<'_> {
    pub(super) fn tokens(&self) -> Tokens {
        match &self.usage.0 {
            Some(u) => tokens(
                [
                    u.input_tokens,
                    u.output_tokens,
                    u.cache_read_input_tokens,
                    u.cache_creation_input_tokens,
                ],
                u.cache_creation.0.as_ref(),
                None,
            ),
            None => tokens(
                [
                    self.input_tokens,
                    self.output_tokens,
                    self.cache_read_input_tokens,
                    self.cache_creation_input_tokens,
                ],
                self.cache_creation.0.as_ref(),
                None,
            ),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct IterationUsage {
    pub(super) input_tokens: Count,
    pub(super) output_tokens: Count,
    pub(super) cache_read_input_tokens: Count,
    pub(super) cache_creation_input_tokens: Count,
    pub(super) cache_creation: Obj<CacheCreation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CacheCreation {
    pub(super) ephemeral_5m_input_tokens: Count,
    pub(super) ephemeral_1h_input_tokens: Count,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ServerToolUse {
    pub(super) web_search_requests: Count,
}

/// `[input, output, cache_read, legacy cache_creation total]` plus the optional split.
/// Cache writes: total = max(legacy total, 5m + 1h) when the split exists, else the legacy
/// total (all 5m); the 1h part is capped at the total.
pub(super) fn tokens(
    [input, output, cache_read, legacy]: [Count; 4],
    split: Option<&CacheCreation>,
    server: Option<&ServerToolUse>,
) -> Tokens {
    let legacy = legacy.0;
    let (cw5, cw1h) = match split {
        Some(split) => {
            let (s5, s1) = (
                split.ephemeral_5m_input_tokens.0,
                split.ephemeral_1h_input_tokens.0,
            );
            let total = legacy.max(s5.saturating_add(s1));
            let one_hour = s1.min(total);
            (total - one_hour, one_hour)
        }
        None => (legacy, 0),
    };
    Tokens {
        input: input.0,
        output: output.0,
        cache_read: cache_read.0,
        cache_write_5m: cw5,
        cache_write_1h: cw1h,
        reasoning: 0,
        web_search_requests: server.map_or(0, |s| s.web_search_requests.0),
    }
}
