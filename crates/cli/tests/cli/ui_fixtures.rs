//! The popover's golden files (`ui/tests/fixtures/*.json`): `burnbar snapshot` over fixture
//! homes, with machine paths redacted. The browser tests render them, so a change of the
//! payload that `ui/src/types.ts` does not follow shows up there. This test fails when a
//! committed file is stale; `BURNBAR_UPDATE_FIXTURES=1 cargo test -p burnbar-cli ui_fixtures`
//! rewrites them (review the diff).

use std::path::Path;

use super::{isolated, repo};

struct Case {
    name: &'static str,
    /// The settings file the tray would have (budgets), if any.
    settings: Option<&'static str>,
    /// The fake HOME, relative to the repo; `None` is an empty home.
    home: Option<&'static str>,
    prices: &'static str,
    args: &'static [&'static str],
}

const OVER_BUDGET: &str = "[[budgets]]\nperiod = \"daily\"\nusd = 0.15\n\n\
[[budgets]]\nperiod = \"weekly\"\nusd = 2.2\nproject = \"ml.pipeline\"\n\n\
[[budgets]]\nperiod = \"monthly\"\nusd = 200.0\n";

const CASES: &[Case] = &[
    Case {
        settings: None,
        name: "limits",
        home: Some("tests/fixtures/limits-home"),
        prices: "tests/fixtures/prices.json",
        args: &[
            "--period",
            "today",
            "--tz",
            "UTC",
            "--now",
            burnbar_test_support::NOW,
        ],
    },
    Case {
        name: "over-budget",
        settings: Some(OVER_BUDGET),
        home: Some("tests/fixtures/corpus/seed12-berlin-4tools"),
        prices: "tests/fixtures/corpus/seed12-berlin-4tools/litellm-prices.json",
        args: &[
            "--period",
            "today",
            "--tz",
            "Europe/Berlin",
            "--now",
            "2026-10-30T19:00:00Z",
        ],
    },
    Case {
        settings: None,
        name: "empty",
        home: None,
        prices: "tests/fixtures/prices.json",
        args: &[
            "--period",
            "today",
            "--tz",
            "UTC",
            "--now",
            burnbar_test_support::NOW,
        ],
    },
    Case {
        settings: None,
        name: "typical",
        home: Some("tests/fixtures/corpus/seed12-berlin-4tools"),
        prices: "tests/fixtures/corpus/seed12-berlin-4tools/litellm-prices.json",
        args: &[
            "--period",
            "today",
            "--tz",
            "Europe/Berlin",
            "--now",
            "2026-10-30T19:00:00Z",
        ],
    },
    Case {
        settings: None,
        name: "many-projects",
        home: Some("tests/fixtures/corpus/seed12-berlin-4tools"),
        prices: "tests/fixtures/corpus/seed12-berlin-4tools/litellm-prices.json",
        args: &[
            "--period",
            "30days",
            "--tz",
            "Europe/Berlin",
            "--now",
            "2026-10-30T19:00:00Z",
        ],
    },
    Case {
        settings: None,
        name: "unpriced",
        home: Some("tests/fixtures/home"),
        prices: "tests/fixtures/prices.json",
        args: &[
            "--period",
            "all",
            "--tz",
            "UTC",
            "--now",
            burnbar_test_support::NOW,
        ],
    },
];

fn snapshot(case: &Case) -> String {
    let repo = repo();
    let empty = tempfile::tempdir().unwrap();
    let home = case
        .home
        .map_or(empty.path().to_path_buf(), |h| repo.join(h));
    let data = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    if let Some(text) = case.settings {
        std::fs::create_dir_all(config.path().join("burnbar")).unwrap();
        std::fs::write(config.path().join("burnbar/settings.toml"), text).unwrap();
    }
    let out = isolated(&home, data.path())
        .env("XDG_CONFIG_HOME", config.path())
        .arg("snapshot")
        .args(case.args)
        .arg("--prices")
        .arg(repo.join(case.prices))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(config.path().to_str().unwrap(), "/home/you/.config")
        .replace(home.to_str().unwrap(), "/home/you")
        .replace(repo.to_str().unwrap(), "/src/burnbar")
}

#[test]
fn ui_fixtures_are_current() {
    let dir = repo().join("ui/tests/fixtures");
    let update = std::env::var("BURNBAR_UPDATE_FIXTURES").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for case in CASES {
        let fresh = snapshot(case);
        let path = dir.join(format!("{}.json", case.name));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &fresh).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(old) if old == fresh => {}
            _ => stale.push(display(&path)),
        }
    }
    assert!(
        stale.is_empty(),
        "stale popover fixtures {stale:?}: run `BURNBAR_UPDATE_FIXTURES=1 cargo test -p burnbar-cli ui_fixtures` and review the diff"
    );
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
