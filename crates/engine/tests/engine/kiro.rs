//! Kiro CLI session files: credits per turn, converted and labelled.

use burnbar_engine::{CostSource, ProviderId};
use serde_json::json;

use crate::support::calls_of;
use burnbar_test_support::Home;

fn turn(end: &str, credits: Option<f64>, tokens: [u64; 2], rand: u64) -> serde_json::Value {
    let mut t = json!({"end_timestamp": end, "input_token_count": tokens[0],
        "output_token_count": tokens[1], "cache_read_input_token_count": 0,
        "cache_write_input_token_count": 0,
        "loop_id": {"agent_id": {"name": "kiro_default"}, "rand": rand}});
    if let Some(c) = credits {
        t["metering_usage"] = json!([{"value": c, "unit": "credit", "unitPlural": "credits"}]);
    }
    t
}

#[test]
fn kiro_turns_cost_their_credits_at_the_stated_rate_and_say_so() {
    let home = Home::new();
    let session = json!({
        "session_id": "k-1", "cwd": "/home/dev/kiro-app", "title": "disk check",
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:05:00Z",
        "session_state": {
            "rts_model_state": {"model_info": {"model_id": "claude-sonnet-4-5"}},
            "conversation_metadata": {"user_turn_metadatas": [
                turn("2026-05-01T10:00:20.123456789Z", Some(0.3), [0, 0], 11),
                turn("2026-05-01T10:02:10.000000000Z", Some(0.25), [900, 40], 12),
                // a zero-token placeholder without credits: nothing was recorded
                turn("2026-05-01T10:03:00Z", None, [0, 0], 13),
                // tokens and no credits: priced from the table
                turn("2026-05-01T10:04:00Z", None, [1_000, 100], 14),
                turn("later", Some(0.1), [0, 0], 15)
            ]}
        }
    });
    home.write_raw(
        ".kiro/sessions/cli/k-1.json",
        session.to_string().as_bytes(),
    );
    home.write_raw(".kiro/sessions/cli/broken.json", b"{\"session_id\": ");
    let data = home.load();
    let calls = calls_of(&data, ProviderId::Kiro);
    let got = crate::support::costed(&calls);
    assert_eq!(
        got,
        [
            (
                "kiro:k-1:11",
                1_777_629_620_123,
                Some(12_000),
                CostSource::Estimated
            ),
            (
                "kiro:k-1:12",
                1_777_629_730_000,
                Some(10_000),
                CostSource::Estimated
            ),
            // 1000 x 3 + 100 x 15 micro-USD
            (
                "kiro:k-1:14",
                1_777_629_840_000,
                Some(4_500),
                CostSource::Computed
            ),
        ]
    );
    assert!(
        calls
            .iter()
            .all(|c| c.event.project == "/home/dev/kiro-app")
    );
    assert_eq!(
        data.warnings.len(),
        2,
        "the undated turn and the torn file: {:?}",
        data.warnings
    );
}
