//! Budgets: the crossing logic as properties (each threshold alerts once whatever the batches,
//! a new period re-arms, old history alerts nothing), with the claims in a real index.

use std::collections::BTreeSet;

use burnbar_engine::aggregate::{Slice, Totals};
use burnbar_engine::budget::{self, Budget, BudgetPeriod, Crossing};
use burnbar_engine::{Engine, ProviderId, Usd};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::support::Home;

const TZ: Tz = chrono_tz::Europe::Berlin;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn slice(on: NaiveDate, project: &str, provider: ProviderId, micros: i64) -> Slice {
    Slice {
        day: on,
        provider,
        model: "claude-sonnet-4-5".into(),
        project: project.into(),
        session: "s1".into(),
        category: burnbar_engine::classify::Category::General,
        totals: Totals {
            calls: 1,
            cost: Usd(micros),
            ..Totals::default()
        },
        first_ms: 0,
        last_ms: 0,
    }
}

/// Feeds `batches` of slices to the budget one after the other, as the tray does after each
/// sync: spend before and after, crossings, claimed in the index. Returns what was claimed.
fn run(
    engine: &Engine,
    budgets: &[Budget],
    today: NaiveDate,
    batches: &[Vec<Slice>],
) -> Vec<Crossing> {
    let mut seen: Vec<Slice> = Vec::new();
    let mut before = budget::spend_all(budgets, &seen, today, TZ);
    let mut claimed = Vec::new();
    for batch in batches {
        seen.extend(batch.iter().cloned());
        let after = budget::spend_all(budgets, &seen, today, TZ);
        let found = budget::crossings(budgets, &before, &after);
        claimed.extend(engine.claim_alerts(&found, now()).unwrap());
        before = after;
    }
    claimed
}

fn thresholds_of(claimed: &[Crossing]) -> Vec<u32> {
    let mut t: Vec<u32> = claimed.iter().map(|c| c.threshold).collect();
    t.sort_unstable();
    t
}

/// The thresholds a total spend has reached.
fn reached(b: &Budget, total: i64) -> Vec<u32> {
    let mut t: Vec<u32> = b
        .thresholds
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|t| total >= b.amount().micros() * i64::from(*t) / 100)
        .collect();
    t.sort_unstable();
    t
}

fn split(costs: &[i64], cuts: &[usize], on: NaiveDate) -> Vec<Vec<Slice>> {
    let mut batches = vec![Vec::new()];
    for (i, c) in costs.iter().enumerate() {
        if cuts.contains(&i) {
            batches.push(Vec::new());
        }
        batches
            .last_mut()
            .unwrap()
            .push(slice(on, "/p/api", ProviderId::ClaudeCode, *c));
    }
    batches
}

fn arb_budget() -> impl Strategy<Value = Budget> {
    (
        1u32..50,
        prop::collection::vec(prop::sample::select(vec![25u32, 50, 80, 100, 150]), 1..5),
    )
        .prop_map(|(usd, thresholds)| Budget {
            thresholds,
            ..Budget::new(BudgetPeriod::Daily, f64::from(usd))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Each threshold the final spend reaches alerts exactly once, however the calls arrive.
    #[test]
    fn each_threshold_alerts_once_whatever_the_batches(
        b in arb_budget(),
        costs in prop::collection::vec(0i64..20_000_000, 1..30),
        cuts in prop::collection::vec(0usize..30, 0..10),
    ) {
        let today = day("2026-11-22");
        let home = Home::new();
        let engine = home.engine();
        let claimed = run(&engine, std::slice::from_ref(&b), today, &split(&costs, &cuts, today));
        let total: i64 = costs.iter().sum();
        prop_assert_eq!(thresholds_of(&claimed), reached(&b, total));
        for c in &claimed {
            prop_assert_eq!(&c.period, "2026-11-22");
            prop_assert!(c.spend.micros() >= b.amount().micros() * i64::from(c.threshold) / 100);
        }
    }

    /// The order and grouping of batches does not change what alerts; replaying everything
    /// (a restart, a re-scan, a re-price) alerts nothing more.
    #[test]
    fn batch_order_and_replays_do_not_matter(
        b in arb_budget(),
        costs in prop::collection::vec(0i64..20_000_000, 1..30),
        cuts in prop::collection::vec(0usize..30, 0..10),
        seed in any::<u64>(),
    ) {
        let today = day("2026-11-22");
        let mut shuffled = costs.clone();
        // a deterministic shuffle from the seed
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, usize::try_from(x % (i as u64 + 1)).unwrap());
        }
        let one = run(&Home::new().engine(), std::slice::from_ref(&b), today, &split(&costs, &cuts, today));
        let home = Home::new();
        let engine = home.engine();
        let other = run(&engine, std::slice::from_ref(&b), today, &split(&shuffled, &[], today));
        prop_assert_eq!(thresholds_of(&one), thresholds_of(&other));
        let again = run(&engine, std::slice::from_ref(&b), today, &split(&costs, &cuts, today));
        prop_assert!(again.is_empty(), "a replay alerted again: {:?}", again);
    }

    /// A new period re-arms every threshold; the old period's claims stay where they were.
    #[test]
    fn a_new_period_rearms(
        b in arb_budget(),
        costs in prop::collection::vec(0i64..20_000_000, 1..20),
    ) {
        let home = Home::new();
        let engine = home.engine();
        let (d1, d2) = (day("2026-11-22"), day("2026-11-23"));
        let first = run(&engine, std::slice::from_ref(&b), d1, &split(&costs, &[], d1));
        let mut both = split(&costs, &[], d1);
        both.extend(split(&costs, &[], d2));
        let second = run(&engine, std::slice::from_ref(&b), d2, &both);
        prop_assert_eq!(thresholds_of(&first), thresholds_of(&second));
        prop_assert!(second.iter().all(|c| c.period == "2026-11-23"));
    }
}

#[test]
fn old_history_fires_no_stale_alerts() {
    // the first scan finds last week's overspend and nothing today: no alert
    let today = day("2026-11-22");
    let b = Budget::new(BudgetPeriod::Daily, 1.0);
    let past: Vec<Slice> = (10..20)
        .map(|d| {
            slice(
                day(&format!("2026-11-{d}")),
                "/p/api",
                ProviderId::ClaudeCode,
                5_000_000,
            )
        })
        .collect();
    let engine = Home::new().engine();
    assert!(
        run(
            &engine,
            std::slice::from_ref(&b),
            today,
            std::slice::from_ref(&past)
        )
        .is_empty()
    );
    // the weekly budget of the week before does not fire either (week of 2026-11-16..22
    // holds only the 16th..19th: that is the current week, and it does fire, once)
    let w = Budget::new(BudgetPeriod::Weekly, 10.0);
    let fired = run(&engine, std::slice::from_ref(&w), today, &[past]);
    assert_eq!(thresholds_of(&fired), vec![50, 80, 100]);
    assert!(fired.iter().all(|c| c.period == "2026-W47"));
}

#[test]
fn project_and_provider_budgets_count_only_their_calls() {
    let today = day("2026-11-22");
    let api = Budget {
        project: Some("api".into()),
        ..Budget::new(BudgetPeriod::Daily, 1.0)
    };
    let codex = Budget {
        provider: Some(ProviderId::Codex),
        ..Budget::new(BudgetPeriod::Daily, 1.0)
    };
    let batch = vec![
        slice(today, "/home/u/web", ProviderId::ClaudeCode, 3_000_000),
        slice(today, "/home/u/api", ProviderId::ClaudeCode, 600_000),
        slice(today, "/home/u/web", ProviderId::Codex, 900_000),
    ];
    let engine = Home::new().engine();
    let fired = run(&engine, &[api.clone(), codex.clone()], today, &[batch]);
    let by: Vec<(String, u32)> = fired
        .iter()
        .map(|c| (c.budget_id.clone(), c.threshold))
        .collect();
    assert_eq!(
        by,
        vec![
            ("daily/project=api".into(), 50),
            ("daily/provider=codex".into(), 50),
            ("daily/provider=codex".into(), 80),
        ]
    );
    assert_eq!(fired[0].spend, Usd(600_000));
}

#[test]
fn a_changed_amount_rearms_its_thresholds() {
    let today = day("2026-11-22");
    let engine = Home::new().engine();
    let batch = vec![slice(today, "/p", ProviderId::ClaudeCode, 2_000_000)];
    let small = Budget::new(BudgetPeriod::Daily, 1.0);
    assert_eq!(
        thresholds_of(&run(&engine, &[small], today, std::slice::from_ref(&batch))),
        vec![50, 80, 100]
    );
    let bigger = Budget::new(BudgetPeriod::Daily, 3.0);
    assert_eq!(
        thresholds_of(&run(&engine, &[bigger], today, &[batch])),
        vec![50]
    );
}

#[test]
fn only_the_highest_threshold_of_a_batch_is_notified() {
    let today = day("2026-11-22");
    let b = Budget::new(BudgetPeriod::Daily, 1.0);
    let fired = run(
        &Home::new().engine(),
        std::slice::from_ref(&b),
        today,
        &[vec![slice(today, "/p", ProviderId::ClaudeCode, 1_000_000)]],
    );
    assert_eq!(thresholds_of(&fired), vec![50, 80, 100]);
    let top = budget::highest_per_budget(&fired);
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].threshold, 100);
}

#[test]
fn alerts_survive_reopening_the_index() {
    let home = Home::new();
    let today = day("2026-11-22");
    let b = Budget::new(BudgetPeriod::Daily, 1.0);
    let batch = vec![slice(today, "/p", ProviderId::ClaudeCode, 900_000)];
    let open = || {
        Engine::open(
            burnbar_engine::Paths::for_home(home.path()),
            crate::support::pricer(),
        )
        .unwrap()
    };
    let fired = run(
        &open(),
        std::slice::from_ref(&b),
        today,
        std::slice::from_ref(&batch),
    );
    assert_eq!(thresholds_of(&fired), vec![50, 80]);
    assert!(run(&open(), std::slice::from_ref(&b), today, &[batch]).is_empty());
}

#[test]
fn due_alerts_notify_the_highest_crossing_once_and_never_again() {
    let engine = Home::new().engine();
    let today = now().with_timezone(&TZ).date_naive();
    let settings = burnbar_engine::Settings {
        budgets: vec![Budget::new(BudgetPeriod::Daily, 1.0)],
        ..burnbar_engine::Settings::default()
    };
    let mut before = budget::BudgetSpend::new();
    let none = engine
        .due_alerts(&settings, &[], &mut before, now(), TZ)
        .unwrap();
    assert!(none.budgets.is_empty() && none.runaways.is_empty());
    let spent = [slice(today, "/p", ProviderId::ClaudeCode, 850_000)];
    let due = engine
        .due_alerts(&settings, &spent, &mut before, now(), TZ)
        .unwrap();
    assert_eq!(
        thresholds_of(&due.budgets),
        vec![80],
        "50 and 80 crossed: one alert"
    );
    let again = engine
        .due_alerts(
            &settings,
            &spent,
            &mut budget::BudgetSpend::new(),
            now(),
            TZ,
        )
        .unwrap();
    assert!(
        again.budgets.is_empty(),
        "claimed in the index: never repeated"
    );
}
