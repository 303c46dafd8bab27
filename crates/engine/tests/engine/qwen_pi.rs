//! Qwen Code and Pi providers, from the record shapes the tools write.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::{Home, calls_of};

#[test]
fn pitfall_17_qwen_prompt_counts_include_cached_tokens_which_are_subtracted() {
    let home = Home::new();
    let rec = |uuid: &str, ts: &str| {
        json!({"uuid": uuid, "sessionId": "q1", "timestamp": ts, "type": "assistant",
               "model": "gemini-2.5-pro", "cwd": "/home/dev/q",
               "message": {"role": "model", "parts": [{"text": "…"}]},
               "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 100,
                                 "thoughtsTokenCount": 50, "cachedContentTokenCount": 600,
                                 "totalTokenCount": 1150}})
        .to_string()
    };
    home.write(
        ".qwen/projects/-home-dev-q/chats/s.jsonl",
        &[
            json!({"uuid": "u0", "sessionId": "q1", "timestamp": "2026-05-01T10:00:00Z",
                   "type": "user", "message": {"role": "user", "parts": [{"text": "hi"}]}})
            .to_string(),
            rec("a1", "2026-05-01T10:00:05Z"),
            rec("a1", "2026-05-01T10:00:05Z"),
            "{\"uuid\": \"torn".to_string(),
        ],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Qwen);
    assert_eq!(calls.len(), 1, "a repeated record is one call");
    let e = &calls[0].event;
    assert_eq!(
        (e.key.as_str(), e.project.as_str()),
        ("qwen:q1:a1", "/home/dev/q")
    );
    let t = e.tokens;
    assert_eq!(
        (t.input, t.cache_read, t.output, t.reasoning),
        (400, 600, 100, 50)
    );
    assert_eq!(
        calls[0].cost.unwrap().micros(),
        500 + 75 + 1500,
        "thoughts billed as output"
    );
    assert_eq!(data.warnings.len(), 1);
}

#[test]
fn pi_sessions_carry_their_header_and_resume_mid_file() {
    let home = Home::new();
    let rel = ".pi/agent/sessions/--home-dev-app--/2026-04-14.jsonl";
    let msg = |id: &str, resp: &str, model: Option<&str>| {
        let mut m = json!({"role": "assistant", "provider": "anthropic", "responseId": resp,
            "content": [{"type": "toolCall", "name": "bash", "arguments": {"command": "ls"}}],
            "usage": {"input": 1000, "output": 200, "cacheRead": 500, "cacheWrite": 100,
                      "totalTokens": 1800, "cost": {"total": 99.0}}});
        if let Some(model) = model {
            m["model"] = json!(model);
        }
        json!({"type": "message", "id": id, "timestamp": "2026-04-14T10:00:30.000Z", "message": m})
            .to_string()
    };
    home.write(
        rel,
        &[
            json!({"type": "title", "title": "x"}).to_string(),
            json!({"type": "session", "version": 3, "id": "sess-001",
                   "timestamp": "2026-04-14T10:00:00.000Z", "cwd": "/Users/me/app"})
            .to_string(),
            msg("m1", "resp-001", Some("claude-sonnet-4-5")),
        ],
    );
    let mut engine = home.engine();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let path = home.path().join(rel);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{}\n", msg("m2", "", None)).as_bytes()).unwrap();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let mut calls = crate::support::calls(&engine);
    calls.sort_by(|a, b| a.event.key.cmp(&b.event.key));
    let got: Vec<(&str, &str, &str, CostSource)> = calls
        .iter()
        .map(|c| {
            let e = &c.event;
            (
                e.key.as_str(),
                e.session_id.as_str(),
                e.project.as_str(),
                c.cost_source,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "pi:sess-001:m2",
                "sess-001",
                "/Users/me/app",
                CostSource::Estimated
            ),
            (
                "pi:sess-001:resp-001",
                "sess-001",
                "/Users/me/app",
                CostSource::Computed
            ),
        ],
        "the appended line resumes with the header's session and cwd"
    );
    // 1000 x $3/M + 200 x $15/M + 500 x $0.30/M + 100 x $3.75/M; the embedded cost is ignored
    let priced = calls
        .iter()
        .find(|c| c.event.key.ends_with("resp-001"))
        .unwrap();
    assert_eq!(priced.cost.unwrap().micros(), 3000 + 3000 + 150 + 375);
}

/// Issue 23, item 3: Pi keeps an aborted or failed request as an assistant message with
/// `stopReason` `aborted` / `error` and an `errorMessage` (pi-mono's provider streams set them
/// on the partial message). With no usage it adds nothing; with usage (an aborted stream may
/// have billed its input) its tokens count but it is not a call.
#[test]
fn issue_23_aborted_and_failed_pi_requests_are_not_calls() {
    let home = Home::new();
    let assistant = |id: &str, stop: &str, input: u64, output: u64, extra: serde_json::Value| {
        let mut m = json!({"role": "assistant", "api": "anthropic-messages",
            "provider": "anthropic", "model": "claude-sonnet-4-5", "content": [],
            "usage": {"input": input, "output": output, "cacheRead": 0, "cacheWrite": 0,
                      "totalTokens": input + output,
                      "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0}},
            "stopReason": stop, "timestamp": 1_776_160_830_000_u64});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"type": "message", "id": id, "parentId": null,
               "timestamp": "2026-04-14T10:00:30.000Z", "message": m})
        .to_string()
    };
    home.write(
        ".pi/agent/sessions/--home-dev-app--/s.jsonl",
        &[
            json!({"type": "session", "version": 3, "id": "sess-002",
                   "timestamp": "2026-04-14T10:00:00.000Z", "cwd": "/home/dev/app"})
            .to_string(),
            assistant("a1", "stop", 1000, 200, json!({"responseId": "r1"})),
            assistant(
                "a2",
                "aborted",
                0,
                0,
                json!({"errorMessage": "Request was aborted"}),
            ),
            assistant(
                "a3",
                "error",
                0,
                0,
                json!({"errorMessage": "An unknown error occurred"}),
            ),
            assistant(
                "a4",
                "aborted",
                3000,
                0,
                json!({"errorMessage": "Request was aborted"}),
            ),
        ],
    );
    let data = home.load();
    let calls = crate::support::calls_of(&data, ProviderId::Pi);
    let got: Vec<(&str, bool, u64)> = calls
        .iter()
        .map(|c| {
            (
                c.event.key.as_str(),
                c.event.supplementary,
                c.event.tokens.input,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("pi:sess-002:a4", true, 3000),
            ("pi:sess-002:r1", false, 1000)
        ],
        "the empty aborted and failed requests add nothing; the one that billed input is \
         tokens, not a call"
    );
}

/// OpenClaw keeps its agents' transcripts in pi's session format under
/// `~/.openclaw/agents/<agent>/sessions/`, beside a `sessions.json` index: read as OpenClaw's
/// own calls, and the index is not a transcript.
#[test]
fn openclaw_transcripts_are_pi_sessions_of_their_own_tool() {
    let home = Home::new();
    let dir = ".openclaw/agents/main/sessions";
    home.write_raw(
        &format!("{dir}/sessions.json"),
        json!({"agent:main:main": {"sessionId": "oc-1", "updatedAt": 1_776_160_900_000_u64}})
            .to_string()
            .as_bytes(),
    );
    home.write(
        &format!("{dir}/oc-1.jsonl"),
        &[
            json!({"type": "session", "version": 3, "id": "oc-1",
                   "timestamp": "2026-04-14T10:00:00.000Z", "cwd": "/home/dev/.openclaw/workspace"})
            .to_string(),
            json!({"type": "message", "id": "e1", "parentId": null,
                   "timestamp": "2026-04-14T10:00:30.000Z",
                   "message": {"role": "assistant", "provider": "anthropic",
                       "model": "claude-sonnet-4-5", "responseId": "msg_1", "content": [],
                       "usage": {"input": 10, "output": 20, "cacheRead": 0, "cacheWrite": 0,
                                 "totalTokens": 30}, "stopReason": "stop"}})
            .to_string(),
        ],
    );
    // a transcript elsewhere under the state directory is not one of an agent's sessions
    home.write(
        ".openclaw/agents/main/notes.jsonl",
        &[json!({"type": "x"}).to_string()],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::OpenClaw);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].event.key, "openclaw:oc-1:msg_1");
    assert_eq!(calls[0].event.project, "/home/dev/.openclaw/workspace");
    assert!(calls_of(&data, ProviderId::Pi).is_empty());
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
}
