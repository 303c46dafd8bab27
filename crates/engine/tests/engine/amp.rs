//! Amp thread files, as the CLI writes them: per-message usage, and the older usage ledger.

use burnbar_engine::ProviderId;
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

const THREADS: &str = ".local/share/amp/threads";

#[test]
fn amp_messages_with_usage_are_calls_dated_by_the_ledger() {
    let home = Home::new();
    let thread = json!({
        "v": 212, "id": "T-6a1b", "created": 1_777_629_600_000_i64, "title": "add a parser",
        "env": {"initial": {"trees": [{"displayName": "app", "uri": "file:///home/dev/my%20app"}]}},
        "messages": [
            {"role": "user", "messageId": 0, "content": [{"type": "text", "text": "add a parser"}]},
            {"role": "assistant", "messageId": 1, "content": [{"type": "text", "text": "…"}],
             "usage": {"model": "claude-sonnet-4-5", "inputTokens": 10, "outputTokens": 300,
                       "cacheCreationInputTokens": 4_000, "cacheReadInputTokens": 20_000,
                       "totalInputTokens": 24_010, "credits": 2.5}},
            {"role": "assistant", "messageId": 3,
             "usage": {"model": "gpt-5", "inputTokens": 100, "outputTokens": 10,
                       "cacheCreationInputTokens": 50, "cacheReadInputTokens": 0,
                       "timestamp": "2026-05-01T10:05:00Z"}}
        ],
        "usageLedger": {"events": [
            {"id": "ev1", "timestamp": "2026-05-01T10:01:00.000Z", "model": "claude-sonnet-4-5",
             "credits": 2.5, "tokens": {"input": 10, "output": 300}, "operationType": "inference",
             "fromMessageId": 0, "toMessageId": 1},
            // an older thread's inference whose message kept no usage: a call of its own
            {"id": "ev2", "timestamp": "2026-05-01T10:02:00.000Z", "model": "claude-haiku-4-5",
             "credits": 0.1, "tokens": {"input": 500, "output": 20}, "operationType": "title",
             "fromMessageId": 0, "toMessageId": 2}
        ]}
    });
    home.write_raw(
        &format!("{THREADS}/T-6a1b.json"),
        thread.to_string().as_bytes(),
    );
    home.write_raw(
        &format!("{THREADS}/T-torn.json"),
        b"{\"v\": 3, \"id\": \"T-to",
    );
    home.write_raw(&format!("{THREADS}/notes.json"), b"{}");
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Amp);
    let got: Vec<(&str, i64, &str, u64, u64, u64, bool)> = calls
        .iter()
        .map(|c| {
            let t = c.event.tokens;
            (
                c.event.key.as_str(),
                c.event.timestamp_ms,
                c.event.model.as_str(),
                t.input,
                t.cache_write_5m,
                t.cache_read,
                c.event.openai_cache_semantics,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "amp:T-6a1b:1",
                1_777_629_660_000,
                "claude-sonnet-4-5",
                10,
                4_000,
                20_000,
                false
            ),
            ("amp:T-6a1b:3", 1_777_629_900_000, "gpt-5", 100, 50, 0, true),
            (
                "amp:T-6a1b:ledger:ev2",
                1_777_629_720_000,
                "claude-haiku-4-5",
                500,
                0,
                0,
                false
            ),
        ]
    );
    assert!(calls.iter().all(|c| c.event.project == "/home/dev/my app"));
    assert!(calls.iter().all(|c| c.event.session_id == "T-6a1b"));
    // 10 x 3 + 300 x 15 + 4000 x 3.75 + 20000 x 0.3 micro-USD
    assert_eq!(calls[0].cost.unwrap().micros(), 30 + 4_500 + 15_000 + 6_000);
    assert_eq!(
        data.warnings.len(),
        1,
        "the torn thread: {:?}",
        data.warnings
    );
}
