//! Reports and exports over a small home: day bucketing, periods, unpriced models.

use burnbar_engine::{CostSource, Filter, Period, Span};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::support::{Home, assistant, assistant_in, usage, user};

const P: &str = ".claude/projects/-home-dev-app";
const SONNET: &str = "claude-sonnet-4-5-20250929";

fn d(s: &str) -> NaiveDate {
    burnbar_engine::time::parse_date(s).unwrap()
}

fn now(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[test]
fn pitfall_27_28_calls_bucket_by_their_own_time_across_local_midnight() {
    let home = Home::new();
    let u = usage(10, 100, 0, 0, 0);
    // New York (UTC-4 in May): a prompt at 23:58 answered at 23:59 and 00:30 local
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            user("2026-05-02T03:58:00.000Z", "add a flag"),
            assistant("2026-05-02T03:59:00.000Z", "msg_1", SONNET, &u, true),
            assistant("2026-05-02T04:30:00.000Z", "msg_2", SONNET, &u, true),
        ],
    );
    let data = home.load();
    let ny: Tz = "America/New_York".parse().unwrap();
    let rows = data.export(&Filter::all(ny));
    let days: Vec<(String, u64)> = rows.iter().map(|r| (r.date.to_string(), r.calls)).collect();
    assert_eq!(
        days,
        vec![("2026-05-01".into(), 1), ("2026-05-02".into(), 1)]
    );
    let utc_rows = data.export(&Filter::all(Tz::UTC));
    assert_eq!(utc_rows.len(), 1, "both calls are on May 2nd in UTC");
}

#[test]
fn pitfall_31_every_period_shares_the_same_day_bounds_and_reconciles() {
    let home = Home::new();
    let u = usage(10, 100, 1000, 50, 0);
    let mut lines = Vec::new();
    for (i, day) in ["2026-11-10", "2026-11-15", "2026-11-16", "2026-11-22"]
        .iter()
        .enumerate()
    {
        lines.push(assistant(
            &format!("{day}T12:00:00.000Z"),
            &format!("m{i}"),
            SONNET,
            &u,
            true,
        ));
    }
    lines.push(assistant(
        "2026-11-22T23:59:59.999Z",
        "late",
        SONNET,
        &u,
        true,
    ));
    home.write(&format!("{P}/s.jsonl"), &lines);
    let data = home.load();
    let today = d("2026-11-22");
    let calls_in = |p: Period| {
        let span = Span::of_period(p, today);
        let filter = Filter {
            range: span.range,
            ..Filter::all(Tz::UTC)
        };
        let r = data.report(&filter, span, now("2026-11-22T12:00:00Z"));
        let daily_calls: u64 = r.daily.iter().map(|d| d.figures.calls).sum();
        let daily_cost: i64 = r.daily.iter().map(|d| d.figures.cost.micros()).sum();
        assert_eq!(
            daily_calls, r.overview.figures.calls,
            "{p:?}: days add up to the total"
        );
        assert_eq!(
            daily_cost,
            r.overview.figures.cost.micros(),
            "{p:?}: exact money"
        );
        (r.overview.figures.calls, r.daily.len())
    };
    assert_eq!(
        calls_in(Period::Today),
        (2, 1),
        "the last millisecond of today is today"
    );
    assert_eq!(
        calls_in(Period::Week),
        (3, 7),
        "7 calendar days including today (16th-22nd)"
    );
    assert_eq!(calls_in(Period::ThirtyDays), (5, 30));
    assert_eq!(calls_in(Period::Month), (5, 22));
}

#[test]
fn pitfall_33_all_means_everything_on_record() {
    let home = Home::new();
    let u = usage(1, 1, 0, 0, 0);
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            assistant("2024-01-05T12:00:00.000Z", "old", SONNET, &u, true),
            assistant("2026-11-20T12:00:00.000Z", "new", SONNET, &u, true),
        ],
    );
    let data = home.load();
    let span = Span::of_period(Period::All, d("2026-11-22"));
    let r = data.report(&Filter::all(Tz::UTC), span, now("2026-11-22T12:00:00Z"));
    assert_eq!(r.overview.figures.calls, 2);
    assert_eq!(r.daily.first().unwrap().date, d("2024-01-05"));
    assert_eq!(r.daily.last().unwrap().date, d("2026-11-20"));
}

#[test]
fn unpriced_models_are_listed_and_never_counted_as_zero() {
    let home = Home::new();
    let u = usage(100, 10, 0, 0, 0);
    home.write(
        &format!("{P}/s.jsonl"),
        &[
            assistant("2026-05-01T10:00:00.000Z", "a", SONNET, &u, true),
            assistant(
                "2026-05-01T10:01:00.000Z",
                "b",
                "brand-new-model-9",
                &u,
                true,
            ),
            assistant(
                "2026-05-01T10:02:00.000Z",
                "c",
                "brand-new-model-9",
                &u,
                true,
            ),
        ],
    );
    let data = home.load();
    let r = data.report(
        &Filter::all(Tz::UTC),
        Span::of_period(Period::All, d("2026-05-01")),
        now("2026-05-01T12:00:00Z"),
    );
    assert_eq!(r.overview.figures.calls, 3);
    assert_eq!(r.overview.figures.unpriced_calls, 2);
    assert_eq!(
        r.overview.figures.cost.micros(),
        100 * 3 + 10 * 15,
        "priced part only"
    );
    assert_eq!(r.unpriced_models.len(), 1);
    assert_eq!(r.unpriced_models[0].model, "brand-new-model-9");
    assert_eq!(r.unpriced_models[0].calls, 2);
    assert_eq!(r.unpriced_models[0].tokens, 220);
    let m = r
        .models
        .iter()
        .find(|m| m.model == "brand-new-model-9")
        .unwrap();
    assert!(!m.priced);
    let rows = data.export(&Filter::all(Tz::UTC));
    let row = rows
        .iter()
        .find(|r| r.model == "brand-new-model-9")
        .unwrap();
    assert_eq!(
        (row.cost_usd, row.cost_source),
        (None, CostSource::Unpriced)
    );
    let json = serde_json::to_value(row).unwrap();
    assert!(json["cost_usd"].is_null(), "JSON says null, not 0");
    let mut csv = Vec::new();
    burnbar_engine::export::write_csv(&rows, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().any(|l| l.ends_with(",,unpriced")), "{csv}");
}

#[test]
fn provider_and_project_filters_apply_to_the_headline() {
    let home = Home::new();
    let u = usage(1, 1, 0, 0, 0);
    let at = |id, cwd| assistant_in("2026-05-01T10:00:00.000Z", id, SONNET, &u, true, cwd, id);
    home.write(
        &format!("{P}/a.jsonl"),
        &[at("a", "/w/Api-Server"), at("b", "/w/web")],
    );
    let data = home.load();
    let filter = Filter {
        projects: vec!["api".into()],
        ..Filter::all(Tz::UTC)
    };
    let r = data.report(
        &filter,
        Span::of_period(Period::All, d("2026-05-01")),
        now("2026-05-01T12:00:00Z"),
    );
    assert_eq!(r.overview.figures.calls, 1);
    assert_eq!(r.overview.sessions, 1);
    assert_eq!(r.projects.len(), 1);
    assert_eq!(r.projects[0].name, "Api-Server");
    let codex_only = Filter {
        providers: vec![burnbar_engine::ProviderId::Codex],
        ..Filter::all(Tz::UTC)
    };
    assert!(data.export(&codex_only).is_empty());
}
