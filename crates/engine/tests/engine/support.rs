//! Record builders for provider tests; fake homes, fixture paths and the frozen clock come
//! from the shared `burnbar-test-support` crate.

use burnbar_engine::report::{NameRow, Report};
use serde_json::{Value, json};

pub use burnbar_test_support::{Dataset, Home, all_time, calls, fixtures, ms, pricer, report_all};

/// A breakdown as (name, uses).
pub fn uses(rows: &[NameRow]) -> Vec<(&str, u64)> {
    rows.iter().map(|n| (n.name.as_str(), n.calls)).collect()
}

/// Each activity row as (category, calls, turns, edit turns, one-shot turns, retries).
pub fn activities(r: &Report) -> Vec<(&'static str, u64, u64, u64, u64, u64)> {
    r.activities
        .iter()
        .map(|a| {
            let f = &a.figures;
            (
                a.category,
                f.calls,
                f.turns,
                f.edit_turns,
                f.one_shot_turns,
                f.retries,
            )
        })
        .collect()
}

/// The calls of one provider, sorted by key.
pub fn calls_of(data: &Dataset, p: burnbar_engine::ProviderId) -> Vec<&burnbar_engine::Call> {
    data.calls_of(p)
}

// ---------------------------------------------------------------- Claude Code records

pub const CWD: &str = "/home/dev/app";

/// A Claude usage object.
pub fn usage(input: u64, output: u64, cache_read: u64, cw5m: u64, cw1h: u64) -> Value {
    json!({
        "input_tokens": input,
        "output_tokens": output,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cw5m + cw1h,
        "cache_creation": {"ephemeral_5m_input_tokens": cw5m, "ephemeral_1h_input_tokens": cw1h},
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard"
    })
}

/// A Claude assistant line. `stop` = the final streamed line of the message.
pub fn assistant(ts: &str, id: &str, model: &str, usage: &Value, stop: bool) -> String {
    assistant_in(ts, id, model, usage, stop, CWD, "sess-1")
}

pub fn assistant_in(
    ts: &str,
    id: &str,
    model: &str,
    usage: &Value,
    stop: bool,
    cwd: &str,
    session: &str,
) -> String {
    json!({
        "parentUuid": null, "isSidechain": false, "userType": "external",
        "cwd": cwd, "sessionId": session, "version": "2.1.9", "gitBranch": "main",
        "message": {
            "model": model, "id": id, "type": "message", "role": "assistant",
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": if stop { json!("end_turn") } else { Value::Null },
            "stop_sequence": null, "usage": usage
        },
        "requestId": format!("req_{id}"), "type": "assistant", "uuid": format!("u-{id}-{ts}"),
        "timestamp": ts
    })
    .to_string()
}

/// A Claude Code transcript of one call (`m1`, Opus, 2026-05-01 10:00 UTC) at `rel`
/// (`.claude/projects/-w/s.jsonl` when none is given).
pub fn one_claude_call(home: &Home, rel: Option<&str>) {
    home.write(
        rel.unwrap_or(".claude/projects/-w/s.jsonl"),
        &[assistant(
            "2026-05-01T10:00:00.000Z",
            "m1",
            "claude-opus-4-6",
            &usage(1, 2, 0, 0, 0),
            true,
        )],
    );
}

/// Each call as (key, time, cost in micro-USD, cost source), sorted by key: what a reader
/// that prices by its tool's own figures is checked on.
pub fn costed<'a>(
    calls: &[&'a burnbar_engine::Call],
) -> Vec<(&'a str, i64, Option<i64>, burnbar_engine::CostSource)> {
    let mut out: Vec<_> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.timestamp_ms,
                c.cost.map(burnbar_engine::Usd::micros),
                c.cost_source,
            )
        })
        .collect();
    out.sort_unstable();
    out
}

/// One Claude Code call made in `cwd` (`claude-sonnet-4-5`, 2026-05-01 09:00 UTC): a tool
/// naming a project's path, as other tools' placeholders resolve against.
pub fn claude_call_in(home: &Home, cwd: &str) {
    home.write(
        ".claude/projects/-named/s.jsonl",
        &[assistant_in(
            "2026-05-01T09:00:00.000Z",
            "m1",
            "claude-sonnet-4-5",
            &usage(1, 1, 0, 0, 0),
            true,
            cwd,
            "s1",
        )],
    );
}

/// A Claude user prompt line.
pub fn user(ts: &str, text: &str) -> String {
    json!({
        "parentUuid": null, "isSidechain": false, "userType": "external", "cwd": CWD,
        "sessionId": "sess-1", "version": "2.1.9", "type": "user",
        "message": {"role": "user", "content": text}, "uuid": format!("u-{ts}"), "timestamp": ts
    })
    .to_string()
}

// ---------------------------------------------------------------- Codex records

pub fn codex_meta(ts: &str, id: &str, cwd: &Value, extra: &Value) -> String {
    let mut payload = json!({"id": id, "timestamp": ts, "cwd": cwd, "originator": "codex_cli_rs",
        "cli_version": "0.77.0", "source": "cli", "model_provider": "openai"});
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    json!({"timestamp": ts, "type": "session_meta", "payload": payload}).to_string()
}

pub fn codex_turn(ts: &str, model: &str) -> String {
    json!({"timestamp": ts, "type": "turn_context",
           "payload": {"cwd": "/ignored/turn/cwd", "model": model, "effort": "medium"}})
    .to_string()
}

/// `[input, cached, output, reasoning]` -> a usage object with total = input + output.
pub fn codex_usage([i, c, o, r]: [u64; 4]) -> Value {
    json!({"input_tokens": i, "cached_input_tokens": c, "output_tokens": o,
           "reasoning_output_tokens": r, "total_tokens": i + o})
}

pub fn codex_tokens(ts: &str, last: Option<[u64; 4]>, total: Option<[u64; 4]>) -> String {
    let mut info = serde_json::Map::new();
    if let Some(l) = last {
        info.insert("last_token_usage".into(), codex_usage(l));
    }
    if let Some(t) = total {
        info.insert("total_token_usage".into(), codex_usage(t));
    }
    info.insert("model_context_window".into(), json!(272_000));
    json!({"timestamp": ts, "type": "event_msg",
           "payload": {"type": "token_count", "info": info, "rate_limits": {}}})
    .to_string()
}
