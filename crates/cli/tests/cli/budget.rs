//! `burnbar budget`: set, list, rm and status on a private settings file, against the fixture
//! home.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::{isolated, redact, stdout};

/// `burnbar budget ...` with its own config and data dirs.
fn budget(dirs: &Path, args: &[&str]) -> Output {
    isolated(&burnbar_test_support::fixture_home(), &dirs.join("data"))
        .env("XDG_CONFIG_HOME", dirs.join("config"))
        .arg("budget")
        .args(args)
        .output()
        .unwrap()
}

fn status_json(dirs: &Path) -> Value {
    let prices = burnbar_test_support::prices_file();
    let out = budget(
        dirs,
        &[
            "status",
            "--format",
            "json",
            "--prices",
            prices.to_str().unwrap(),
            "--now",
            burnbar_test_support::NOW,
            "--timezone",
            "UTC",
        ],
    );
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn set_list_and_rm_share_the_settings_file() {
    let dirs = tempfile::tempdir().unwrap();
    let d = dirs.path();
    let said = stdout(&budget(d, &["set", "daily", "5"]));
    assert!(
        said.starts_with(
            "daily budget $5.00 for all tools and projects (alerts at 50%, 80%, 100%)"
        ),
        "{said}"
    );
    stdout(&budget(
        d,
        &[
            "set",
            "weekly",
            "30",
            "--project",
            "api",
            "--thresholds",
            "80,100",
        ],
    ));
    // setting the same budget again changes it instead of adding a second one
    stdout(&budget(d, &["set", "daily", "7.5"]));
    let list: Value =
        serde_json::from_str(&stdout(&budget(d, &["list", "--format", "json"]))).unwrap();
    assert_eq!(
        list,
        serde_json::json!([
            {"period": "daily", "usd": 7.5, "thresholds": [50, 80, 100]},
            {"period": "weekly", "usd": 30.0, "project": "api", "thresholds": [80, 100]},
        ])
    );
    let text = stdout(&budget(d, &["list"]));
    insta::assert_snapshot!("budget_list", text);
    // the tray reads the same TOML file
    let toml = std::fs::read_to_string(d.join("config/burnbar/settings.toml")).unwrap();
    assert!(
        toml.contains("[[budgets]]\nperiod = \"weekly\"\nusd = 30.0\nproject = \"api\""),
        "{toml}"
    );

    let said = stdout(&budget(d, &["rm", "weekly", "--project", "api"]));
    assert_eq!(said.trim(), "removed the weekly/project=api budget");
    let list: Value = serde_json::from_str(&stdout(&budget(d, &["list", "-f", "json"]))).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn status_json_has_spend_remaining_and_period_for_scripts() {
    let dirs = tempfile::tempdir().unwrap();
    let d = dirs.path();
    stdout(&budget(d, &["set", "daily", "1"]));
    stdout(&budget(
        d,
        &["set", "monthly", "1000", "--provider", "codex"],
    ));
    let s = status_json(d);
    let daily = &s[0];
    assert_eq!(daily["id"], "daily");
    assert_eq!(daily["periodKey"], "2026-11-22");
    // today's spend is the report's today
    let report = crate::burnbar(&[
        "report",
        "--period",
        "today",
        "--timezone",
        "UTC",
        "-f",
        "json",
    ]);
    let report: Value = serde_json::from_str(&crate::stdout(&report)).unwrap();
    let today = report["overview"]["cost"].as_f64().unwrap();
    let spend = daily["spend"].as_f64().unwrap();
    assert!(spend > 0.0, "the fixture home spends on the 22nd");
    assert!((spend - today).abs() < 1e-6, "{spend} != {today}");
    assert_eq!(daily["over"], Value::Bool(spend >= 1.0));
    let remaining = daily["remaining"].as_f64().unwrap();
    assert!((remaining - (1.0 - spend)).abs() < 1e-6);
    let monthly = &s[1];
    assert_eq!(monthly["id"], "monthly/provider=codex");
    assert_eq!(monthly["periodKey"], "2026-11");
    assert_eq!(monthly["scope"], "Codex");
    assert!(monthly["spend"].as_f64().unwrap() > 0.0);
    assert!(monthly["spend"].as_f64().unwrap() < spend + 1000.0);
}

#[test]
fn budget_errors_are_clear() {
    let dirs = tempfile::tempdir().unwrap();
    let d = dirs.path();
    let err = |args: &[&str]| {
        let o = budget(d, args);
        assert!(!o.status.success(), "{args:?} succeeded");
        redact(&String::from_utf8_lossy(&o.stderr))
    };
    assert_eq!(
        err(&["rm", "monthly"]).trim(),
        "burnbar: no monthly budget (see `burnbar budget list`)"
    );
    assert_eq!(
        err(&["set", "daily", "0"]).trim(),
        "burnbar: daily budget: 0 is not a positive amount"
    );
    assert_eq!(
        err(&["set", "hourly", "3"]).trim(),
        "burnbar: unknown period \"hourly\" (daily, weekly, monthly)"
    );
    assert!(err(&["set", "daily", "3", "--provider", "vim"]).contains("unknown tool \"vim\""));
    // nothing was written by the failed commands
    assert!(!d.join("config/burnbar/settings.toml").exists());
    let empty = stdout(&budget(d, &["list"]));
    assert!(empty.starts_with("No budgets."), "{empty}");
}
