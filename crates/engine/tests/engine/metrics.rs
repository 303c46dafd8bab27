//! Team metrics: all-time counters from the index that never go down (issue 21).

use burnbar_engine::pricing::PriceTable;
use burnbar_engine::{Engine, Paths, PriceSource, Pricer, Settings};
use burnbar_test_support::Home;
use chrono_tz::Tz;

use crate::support::{assistant, usage};

const P: &str = ".claude/projects/-home-dev-app/s.jsonl";

fn pricer(input_per_token: f64) -> Pricer {
    let table = PriceTable::from_litellm_json(&format!(
        r#"{{"claude-sonnet-4-5":{{"input_cost_per_token":{input_per_token},"output_cost_per_token":0}}}}"#
    ))
    .unwrap();
    Pricer::new(table, PriceSource::Embedded)
}

fn engine(home: &Home, data: &std::path::Path, input_per_token: f64) -> Engine {
    let mut paths = Paths::for_home(home.path());
    paths.data = data.to_path_buf();
    let mut e = Engine::open(paths, pricer(input_per_token))
        .unwrap()
        .with_project_probing(false);
    e.sync(Tz::UTC, None).unwrap();
    e
}

fn metrics(e: &Engine) -> burnbar_engine::metrics::Metrics {
    e.metrics(
        &Settings::default(),
        Tz::UTC,
        burnbar_test_support::now(),
        None,
    )
    .unwrap()
}

fn shown_cost(e: &Engine) -> (i64, i64) {
    let m = metrics(e);
    let shown: u64 = m.cost.iter().map(|s| s.value).sum();
    (i64::try_from(shown).unwrap(), m.held_back.micros())
}

fn call(id: &str, input: u64) -> String {
    assistant(
        "2026-11-20T09:00:00.000Z",
        id,
        "claude-sonnet-4-5",
        &usage(input, 0, 0, 0, 0),
        true,
    )
}

#[test]
fn issue_21_a_reprice_that_lowers_a_total_never_lowers_a_counter() {
    let home = Home::new();
    let data = tempfile::tempdir().unwrap();
    home.write(P, &[call("m1", 1_000_000)]);
    // $2 per million input tokens: $2
    let e = engine(&home, data.path(), 2e-6);
    assert_eq!(shown_cost(&e), (2_000_000, 0));
    drop(e);
    // prices halve: the index says $1, the counter holds at $2 and says $1 is held back
    let e = engine(&home, data.path(), 1e-6);
    assert_eq!(shown_cost(&e), (2_000_000, 1_000_000));
    drop(e);
    // new spend shows in full: +$0.50 at the new price
    home.write(P, &[call("m1", 1_000_000), call("m2", 500_000)]);
    let e = engine(&home, data.path(), 1e-6);
    assert_eq!(shown_cost(&e), (2_500_000, 1_000_000));
    // asking again changes nothing (an idle scrape writes nothing new)
    assert_eq!(shown_cost(&e), (2_500_000, 1_000_000));
    drop(e);
    // prices go back up ($3 in the index): the counter grows by what the index grew by
    // (1.5 -> 3), and the same $1 stays held back
    let e = engine(&home, data.path(), 2e-6);
    assert_eq!(shown_cost(&e), (4_000_000, 1_000_000));
}

#[test]
fn issue_21_counters_equal_the_report_and_split_by_label() {
    let home = Home::new();
    let data = tempfile::tempdir().unwrap();
    home.write(P, &[call("m1", 1_000_000), call("m2", 250_000)]);
    let m = metrics(&engine(&home, data.path(), 2e-6));
    assert_eq!(m.cost.len(), 1);
    let labels: Vec<(&str, &str)> = m.cost[0]
        .labels
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("provider", "claude-code"),
            ("model", "claude-sonnet-4-5"),
            ("project", "app"),
            ("cost_source", "computed"),
        ]
    );
    assert_eq!(m.cost[0].value, 2_500_000);
    assert_eq!(m.calls[0].value, 2);
    let input = m
        .tokens
        .iter()
        .find(|s| s.labels.iter().any(|(k, v)| *k == "type" && v == "input"))
        .unwrap();
    assert_eq!(input.value, 1_250_000);
    assert_eq!(m.tokens.len(), 6, "every token type, zeros included");
    assert!(m.last_sync_ms.is_some());
}
