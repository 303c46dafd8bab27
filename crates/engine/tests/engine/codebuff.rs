//! Codebuff's saved chats (`chat-messages.json`, as `run-state-storage.ts` writes it).

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use burnbar_test_support::Home;

#[test]
fn codebuff_replies_cost_their_credits_and_the_project_name_resolves() {
    let home = Home::new();
    let chat = ".config/manicode/projects/shop/chats/2026-05-01T10-00-00.000Z";
    home.write_raw(
        &format!("{chat}/chat-messages.json"),
        json!([
            {"id": "u1", "variant": "user", "content": "add a cart", "timestamp": "2026-05-01T10:00:00.000Z"},
            {"id": "a1", "variant": "ai", "content": "…", "blocks": [{"type": "text", "content": "done"}],
             "timestamp": "2026-05-01T10:00:30.000Z", "isComplete": true, "credits": 12,
             "completionTime": "28s"},
            // a reply still streaming: no credits yet
            {"id": "a2", "variant": "ai", "content": "", "timestamp": "2026-05-01T10:01:00.000Z"},
            // no timestamp: the chat's start
            {"id": "a3", "variant": "agent", "content": "", "credits": 3.5},
            {"id": "e1", "variant": "error", "content": "rate limited", "timestamp": "2026-05-01T10:02:00.000Z"}
        ])
        .to_string()
        .as_bytes(),
    );
    home.write_raw(
        ".config/manicode-dev/projects/x/chats/c/chat-messages.json",
        b"{\"not\": \"a list\"}",
    );
    // a Claude Code call names the project's path
    crate::support::claude_call_in(&home, "/home/dev/shop");
    let mut engine = home.engine();
    let sync = engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let calls: Vec<_> = crate::support::calls(&engine)
        .into_iter()
        .filter(|c| c.event.provider == ProviderId::Codebuff)
        .collect();
    let got = crate::support::costed(&calls.iter().collect::<Vec<_>>());
    assert_eq!(
        got,
        [
            (
                "codebuff:2026-05-01T10-00-00.000Z:a1",
                1_777_629_630_000,
                Some(120_000),
                CostSource::Estimated
            ),
            (
                "codebuff:2026-05-01T10-00-00.000Z:a3",
                1_777_629_600_000,
                Some(35_000),
                CostSource::Estimated
            ),
        ]
    );
    assert_eq!(
        sync.warnings.len(),
        1,
        "the file that is not a list: {:?}",
        sync.warnings
    );
    let now = "2026-11-22T18:00:00Z".parse().unwrap();
    let report = crate::support::report_all(&mut engine, chrono_tz::Tz::UTC, now);
    let codebuff = report
        .projects
        .iter()
        .find(|p| p.figures.cost.micros() >= 155_000)
        .expect("the project with Codebuff's spend");
    assert_eq!(
        codebuff.path, "/home/dev/shop",
        "the basename resolves to the known path"
    );
}
