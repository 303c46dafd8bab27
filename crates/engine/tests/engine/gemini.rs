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
