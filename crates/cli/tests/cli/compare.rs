//! `burnbar compare` on the committed four-tool corpus.

use std::process::Output;

use serde_json::Value;

use crate::{isolated, repo, stdout};

const CORPUS: &str = "tests/fixtures/corpus/seed12-berlin-4tools";

fn compare(args: &[&str]) -> Output {
    let home = repo().join(CORPUS);
    let data = tempfile::tempdir().unwrap();
    isolated(&home, data.path())
        .arg("compare")
        .args(args)
        .arg("--prices")
        .arg(home.join("litellm-prices.json"))
        .args([
            "--timezone",
            "Europe/Berlin",
            "--now",
            "2026-10-30T19:00:00Z",
        ])
        .output()
        .unwrap()
}

#[test]
fn compare_text_puts_the_top_models_side_by_side() {
    let text = stdout(&compare(&[]));
    insta::assert_snapshot!("compare_top_text", text);
}

#[test]
fn compare_json_groups_models_by_a_word_and_its_sums_hold() {
    let v: Value =
        serde_json::from_str(&stdout(&compare(&["opus", "codex", "-f", "json"]))).unwrap();
    assert_eq!(v["schema"], "burnbar.compare.v1");
    let cols = v["models"].as_array().unwrap();
    assert_eq!(cols.len(), 2);
    assert_eq!(cols[0]["label"], "opus");
    let ids: Vec<&str> = cols[0]["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|m| m.contains("opus")) && ids.len() >= 2,
        "{ids:?}"
    );
    for c in cols {
        let edit = c["editTurns"].as_u64().unwrap();
        let one = c["oneShotTurns"].as_u64().unwrap();
        assert!(one <= edit && edit <= c["turns"].as_u64().unwrap());
        if edit > 0 {
            let rate = c["oneShotRate"].as_f64().unwrap();
            assert!((rate - one as f64 / edit as f64).abs() < 1e-9);
        } else {
            assert!(c["oneShotRate"].is_null());
        }
        let per_call = c["costPerCall"].as_f64().unwrap();
        let cost = c["cost"].as_f64().unwrap();
        let calls = c["calls"].as_u64().unwrap() as f64;
        assert!(
            (per_call - cost / calls).abs() < 2e-6,
            "{per_call} vs {}",
            cost / calls
        );
    }
    // per-activity cells: one per column, and only activities with edit turns
    for row in v["categories"].as_array().unwrap() {
        let cells = row["oneShot"].as_array().unwrap();
        assert_eq!(cells.len(), 2);
        assert!(cells.iter().any(|c| c["editTurns"].as_u64().unwrap() > 0));
    }
}

#[test]
fn compare_names_the_models_it_has_when_one_is_unknown() {
    let o = compare(&["llama"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("burnbar: no calls of a model matching \"llama\""),
        "{err}"
    );
    assert!(err.contains("claude-opus-4-5-20251101"), "{err}");
}
