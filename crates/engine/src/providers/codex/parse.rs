//! Codex rollout records as serde types (borrowing from the line), the usage objects of
//! `token_count` events, and the tool uses read from `function_call`s and patches.

use serde::Deserialize;

use super::Usage5;
use crate::lenient::{Count, Obj, Str};
use crate::model::ToolUse;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Record<'a> {
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) payload: Obj<Payload<'a>>,
}

/// The union of the payload fields we read; serde skips everything else (including nested
/// objects such as `base_instructions`, whose inner `model` must not be taken as the model).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Payload<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) id: Str<'a>,
    #[serde(borrow)]
    pub(super) session_id: Str<'a>,
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(borrow)]
    pub(super) cwd: Str<'a>,
    #[serde(borrow)]
    pub(super) model: Str<'a>,
    #[serde(borrow)]
    pub(super) forked_from_id: Str<'a>,
    #[serde(borrow)]
    pub(super) info: Obj<Info<'a>>,
    /// `function_call` / `custom_tool_call`: the tool.
    #[serde(borrow)]
    pub(super) name: Str<'a>,
    /// `function_call`: its arguments, a JSON object in a string.
    #[serde(borrow)]
    pub(super) arguments: Str<'a>,
    /// `custom_tool_call`: its input (a patch for `apply_patch`).
    #[serde(borrow)]
    pub(super) input: Str<'a>,
    /// `user_message`: the prompt.
    #[serde(borrow)]
    pub(super) message: Str<'a>,
    /// `mcp_tool_call_end`: which server and tool.
    #[serde(borrow)]
    pub(super) invocation: Obj<Invocation<'a>>,
    /// `token_count`: the server's rate-limit snapshot.
    pub(super) rate_limits: Obj<RateLimits>,
}

/// `rate_limits` of a `token_count` (codex-rs `RateLimitSnapshot`): `primary` and
/// `secondary` windows.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RateLimits {
    pub(super) primary: Obj<RateLimitWindow>,
    pub(super) secondary: Obj<RateLimitWindow>,
}

/// One window: `used_percent`, `window_minutes`, and the reset as `resets_at` (epoch seconds)
/// or, in older versions, `resets_in_seconds` (from the event's time).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RateLimitWindow {
    #[serde(deserialize_with = "number")]
    pub(super) used_percent: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub(super) window_minutes: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub(super) resets_at: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub(super) resets_in_seconds: Option<f64>,
}

/// Any JSON number (a value of another shape reads as none: one odd field never costs the
/// call its event carries).
fn number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?
        .as_f64()
        .filter(|n| n.is_finite()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Invocation<'a> {
    #[serde(borrow)]
    pub(super) server: Str<'a>,
    #[serde(borrow)]
    pub(super) tool: Str<'a>,
}

/// `function_call` arguments we read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Arguments<'a> {
    pub(super) command: serde_json::Value,
    #[serde(borrow)]
    pub(super) cmd: Str<'a>,
    #[serde(borrow)]
    pub(super) file_path: Str<'a>,
    #[serde(borrow)]
    pub(super) path: Str<'a>,
    #[serde(borrow)]
    pub(super) input: Str<'a>,
}

/// The tool uses of a `function_call` / `custom_tool_call`, under the names the classifier
/// knows (`exec_command`/`shell` -> `Bash`, `apply_patch` -> one `Edit` per file, ...).
pub(super) fn tool_uses(p: &Payload<'_>) -> Vec<ToolUse> {
    let Some(name) = p.name.non_empty() else {
        return Vec::new();
    };
    let args: Arguments<'_> = p
        .arguments
        .get()
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or_default();
    let command = match &args.command {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(parts) => {
            let words: Vec<&str> = parts.iter().filter_map(serde_json::Value::as_str).collect();
            // `["bash", "-lc", "npm test"]` runs the script; otherwise the words are the command
            match words.as_slice() {
                [sh, flag, script]
                    if flag.starts_with('-') && flag.contains('c') && sh.ends_with("sh") =>
                {
                    Some((*script).to_string())
                }
                _ => Some(words.join(" ")),
            }
        }
        _ => args.cmd.non_empty().map(str::to_string),
    };
    let path = args.file_path.non_empty().or(args.path.non_empty());
    match name {
        "shell" | "exec_command" | "exec" | "local_shell" | "container.exec" => {
            vec![ToolUse::shell("", "Bash", command.as_deref().unwrap_or(""))]
        }
        "apply_patch" | "apply_diff" => {
            let diff = p.input.get().or(args.input.get()).unwrap_or("");
            let files = patch_files(diff);
            if files.is_empty() {
                vec![ToolUse::named("", "Edit")]
            } else {
                files
                    .into_iter()
                    .map(|f| ToolUse::on_file("", "Edit", f))
                    .collect()
            }
        }
        "write_file" => vec![path.map_or_else(
            || ToolUse::named("", "Edit"),
            |f| ToolUse::on_file("", "Edit", f),
        )],
        "read_file" => vec![path.map_or_else(
            || ToolUse::named("", "Read"),
            |f| ToolUse::on_file("", "Read", f),
        )],
        "read_dir" | "list_dir" => vec![ToolUse::named("", "Glob")],
        "spawn_agent" | "close_agent" | "wait_agent" => vec![ToolUse::named("", "Agent")],
        "update_plan" => vec![ToolUse::named("", "TodoWrite")],
        "web_search" => vec![ToolUse::named("", "WebSearch")],
        other => vec![ToolUse::named("", other)],
    }
}

/// The files an `apply_patch` patch touches (`*** Update File: src/a.rs`).
pub(super) fn patch_files(patch: &str) -> Vec<&str> {
    patch
        .lines()
        .filter_map(|l| {
            l.strip_prefix("*** Update File: ")
                .or_else(|| l.strip_prefix("*** Add File: "))
                .or_else(|| l.strip_prefix("*** Delete File: "))
        })
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Info<'a> {
    pub(super) total_token_usage: Obj<CodexUsage>,
    pub(super) last_token_usage: Obj<CodexUsage>,
    #[serde(borrow)]
    pub(super) model: Str<'a>,
    #[serde(borrow)]
    pub(super) model_name: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
#[allow(clippy::struct_field_names)] // Codex's own field names
pub(super) struct CodexUsage {
    pub(super) input_tokens: Count,
    pub(super) cached_input_tokens: Count,
    pub(super) cache_write_input_tokens: Count,
    pub(super) output_tokens: Count,
    pub(super) reasoning_output_tokens: Count,
    pub(super) total_tokens: Count,
}

impl CodexUsage {
    pub(super) fn as_array(&self) -> Usage5 {
        let total = if self.total_tokens.0 > 0 {
            self.total_tokens.0
        } else {
            self.input_tokens.0 + self.output_tokens.0
        };
        [
            self.input_tokens.0,
            self.cached_input_tokens.0,
            self.output_tokens.0,
            self.reasoning_output_tokens.0,
            total,
        ]
    }
}
