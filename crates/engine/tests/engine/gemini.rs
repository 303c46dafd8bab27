//! Gemini CLI provider: JSON and JSONL chats, cached input, thoughts, project hashes.

use burnbar_engine::ProviderId;
use burnbar_engine::providers::gemini::project_hash;
use serde_json::json;

use crate::support::{Home, assistant_in, calls_of, usage};

fn msg(id: &str, ts: &str, model: &str, tokens: serde_json::Value) -> serde_json::Value {
    json!({"id": id, "timestamp": ts, "type": "gemini", "content": "…", "model": model,
           "tokens": tokens})
}

#[test]
fn pitfall_17_cached_input_is_subtracted_and_thoughts_are_billed_as_output() {
    let home = Home::new();
    let hash = project_hash("/home/dev/py");
    let doc = json!({"sessionId": "g1", "projectHash": hash, "startTime": "2026-05-01T10:00:00Z",
    "messages": [
        {"id": "u1", "timestamp": "2026-05-01T10:00:00Z", "type": "user", "content": "hi"},
        msg("m1", "2026-05-01T10:00:05Z", "gemini-2.5-pro",
            json!({"input": 1000, "output": 100, "cached": 600, "thoughts": 50, "tool": 0, "total": 1150})),
        msg("m2", "1999-01-01T00:00:00Z", "gemini-2.5-pro", json!({"input": 1, "output": 1})),
        {"id": "i1", "timestamp": "2026-05-01T10:01:00Z", "type": "info", "content": "Request cancelled."}
    ]});
    home.write(
        &format!(".gemini/tmp/{hash}/chats/session-2026-05-01T10-00-g1.json"),
        &[doc.to_string()],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Gemini);
    assert_eq!(
        calls.len(),
        1,
        "user/info messages and pre-2001 timestamps are not calls"
    );
    let t = calls[0].event.tokens;
    assert_eq!(
        (t.input, t.cache_read, t.output, t.reasoning),
        (400, 600, 100, 50)
    );
    // 400 x $1.25/M + 600 x $0.125/M + (100 + 50) x $10/M
    assert_eq!(calls[0].cost.unwrap().micros(), 500 + 75 + 1500);
    assert_eq!(calls[0].event.key, "gemini:g1:m1");
    assert_eq!(
        calls[0].event.project, hash,
        "unresolved: no known path hashes to it"
    );
}

#[test]
fn a_project_hash_resolves_to_a_path_another_tool_recorded() {
    let home = Home::new();
    let cwd = "/home/dev/py";
    let hash = project_hash(cwd);
    let doc = json!({"sessionId": "g1", "messages": [msg("m1", "2026-05-01T10:00:05Z",
        "gemini-2.5-flash", json!({"input": 10, "output": 1, "cached": 0, "thoughts": 0}))]});
    home.write(
        &format!(".gemini/tmp/{hash}/chats/session-a.json"),
        &[doc.to_string()],
    );
    home.write(
        ".claude/projects/-home-dev-py/s.jsonl",
        &[assistant_in(
            "2026-05-01T09:00:00.000Z",
            "c1",
            "claude-opus-4-6",
            &usage(1, 1, 0, 0, 0),
            true,
            cwd,
            "s",
        )],
    );
    let data = home.load();
    assert_eq!(calls_of(&data, ProviderId::Gemini)[0].event.project, cwd);
}

#[test]
fn jsonl_chats_are_read_incrementally_with_their_header() {
    let home = Home::new();
    let rel = ".gemini/tmp/abc/chats/session-b.jsonl";
    let header =
        json!({"sessionId": "g2", "projectHash": "abc", "startTime": "2026-05-01T10:00:00Z"});
    let m1 = msg(
        "m1",
        "2026-05-01T10:00:05Z",
        "gemini-2.5-flash",
        json!({"input": 10, "output": 1}),
    );
    let set = json!({"$set": {"lastUpdated": "2026-05-01T10:00:06Z"}});
    home.write(
        rel,
        &[
            header.to_string(),
            m1.to_string(),
            set.to_string(),
            "{torn".into(),
        ],
    );
    let mut engine = home.engine();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let m2 = msg(
        "m2",
        "2026-05-01T10:01:05Z",
        "gemini-2.5-flash",
        json!({"input": 20, "output": 2}),
    );
    let path = home.path().join(rel);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("\n{m2}\n").as_bytes()).unwrap();
    let r = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    assert_eq!(r.inserted, 1, "only the appended message is new");
    let mut keys: Vec<String> = crate::support::calls(&engine)
        .into_iter()
        .map(|c| c.event.key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec!["gemini:g2:m1", "gemini:g2:m2"],
        "the session id comes from the header"
    );
}

#[test]
fn a_document_caught_mid_rewrite_is_a_warning_not_a_crash() {
    let home = Home::new();
    home.write_raw(
        ".gemini/tmp/abc/chats/session-c.json",
        b"{\"sessionId\":\"g3\",\"messages\":[{\"id\"",
    );
    let data = home.load();
    assert!(data.calls.is_empty());
    assert_eq!(data.warnings.len(), 1);
}

/// Issue 23, item 1: `tokens.tool` (the API's `toolUsePromptTokenCount`) is prompt that
/// `input` does not include (`total = input + output + thoughts + tool`): it is input.
#[test]
fn issue_23_tool_use_prompt_tokens_are_input() {
    let home = Home::new();
    let header = json!({"sessionId": "g1", "projectHash": "abc", "startTime": "2026-05-01T10:00:00.000Z",
        "lastUpdated": "2026-05-01T10:00:00.000Z", "kind": "main"});
    let m = msg(
        "m1",
        "2026-05-01T10:00:05.000Z",
        "gemini-2.5-pro",
        json!({"input": 1000, "output": 100, "cached": 600, "thoughts": 50, "tool": 200, "total": 1350}),
    );
    home.write(
        ".gemini/tmp/abc/chats/session-2026-05-01T10-00-g1.jsonl",
        &[header.to_string(), m.to_string()],
    );
    let data = home.load();
    let t = calls_of(&data, ProviderId::Gemini)[0].event.tokens;
    assert_eq!(
        (t.input, t.cache_read, t.output, t.reasoning),
        (600, 600, 100, 50)
    );
    assert_eq!(
        t.input + t.cache_read + t.output + t.reasoning,
        1350,
        "all of total"
    );
}

/// Issue 23, item 2: a sub-agent's chat, `chats/<parent session id>/<session id>.jsonl` with a
/// `kind: "subagent"` header, is read; its calls belong to the parent's project and session
/// (their keys keep the sub-agent's id). Other JSONL files in the project's temporary
/// directory (tool outputs) are not chats.
#[test]
fn issue_23_sub_agent_chats_are_read_into_the_parent_session() {
    let home = Home::new();
    let hash = project_hash("/home/dev/py");
    let parent = "5d2c1b6e-0f1a-4c55-9a0e-1f6f3e2d4c11";
    let sub = "9b8a7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d";
    let dir = format!(".gemini/tmp/{hash}/chats");
    let main_header = json!({"sessionId": parent, "projectHash": hash,
        "startTime": "2026-05-01T10:00:00.000Z", "lastUpdated": "2026-05-01T10:00:00.000Z", "kind": "main"});
    let user = json!({"id": "u1", "timestamp": "2026-05-01T10:00:01.000Z", "type": "user",
        "content": [{"text": "fix the tests"}]});
    let m1 = msg(
        "m1",
        "2026-05-01T10:00:05.000Z",
        "gemini-2.5-pro",
        json!({"input": 100, "output": 10, "cached": 0, "thoughts": 0, "tool": 0, "total": 110}),
    );
    home.write(
        &format!("{dir}/session-2026-05-01T10-00-5d2c1b6e.jsonl"),
        &[main_header.to_string(), user.to_string(), m1.to_string()],
    );
    let sub_header = json!({"sessionId": sub, "projectHash": hash,
        "startTime": "2026-05-01T10:00:06.000Z", "lastUpdated": "2026-05-01T10:00:06.000Z",
        "kind": "subagent", "directories": ["/home/dev/py"]});
    let s1 = msg(
        "s1",
        "2026-05-01T10:00:09.000Z",
        "gemini-2.5-flash",
        json!({"input": 50, "output": 5, "cached": 0, "thoughts": 0, "tool": 0, "total": 55}),
    );
    home.write(
        &format!("{dir}/{parent}/{sub}.jsonl"),
        &[sub_header.to_string(), s1.to_string()],
    );
    // not a chat: a tool output the CLI keeps beside the chats
    home.write(
        &format!(".gemini/tmp/{hash}/tool-outputs/{parent}/out.jsonl"),
        &[s1.to_string()],
    );
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Gemini);
    assert_eq!(calls.len(), 2, "the parent's call and the sub-agent's");
    let s = calls
        .iter()
        .find(|c| c.event.key == format!("gemini:{sub}:s1"))
        .expect("the sub-agent's call, under its own id");
    assert_eq!(
        s.event.session_id, parent,
        "counted in the parent's session"
    );
    assert_eq!(s.event.project, hash, "in the parent's project");
}

/// A newer CLI names a project's directory after the project (`~/.gemini/projects.json`)
/// and keeps the project's path in its `.project_root`: that path is the project.
#[test]
fn a_named_project_directory_is_the_path_in_its_project_root_file() {
    let home = Home::new();
    home.write_raw(".gemini/tmp/py/.project_root", b"/home/dev/py\n");
    let header =
        json!({"sessionId": "g1", "projectHash": "x", "startTime": "2026-05-01T10:00:00.000Z"});
    let m = msg(
        "m1",
        "2026-05-01T10:00:05.000Z",
        "gemini-2.5-flash",
        json!({"input": 10, "output": 1, "cached": 0}),
    );
    home.write(
        ".gemini/tmp/py/chats/session-2026-05-01T10-00-g1.jsonl",
        &[header.to_string(), m.to_string()],
    );
    let data = home.load();
    assert_eq!(
        calls_of(&data, ProviderId::Gemini)[0].event.project,
        "/home/dev/py"
    );
}
