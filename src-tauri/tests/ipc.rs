//! Each command through Tauri's IPC (the mock runtime: no display, no D-Bus): payload shapes
//! and error codes, over a real engine reading tests/fixtures/home.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use burnbar_engine::Settings;
use burnbar_tray::state::AppState;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use burnbar_test_support::repo;

/// The app with data from the fixture home ("now" is 2026-11-22 18:00 UTC), or still
/// scanning when `with_data` is false.
fn app(with_data: bool, settings_dir: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let clock = burnbar_test_support::clock();
    let state = AppState::new(
        Settings::default(),
        Settings::path(settings_dir),
        Box::new(clock),
    );
    if with_data {
        let (engine, sync) = burnbar_test_support::fixture_engine();
        state.set_data(engine.snapshot_data(chrono_tz::UTC, &sync).unwrap());
    }
    let options = burnbar_tray::popover::Options {
        hide_on_blur: false,
        release_after: std::time::Duration::from_secs(30),
        show_at_start: false,
    };
    let app = burnbar_tray::configure(mock_builder(), state, options)
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "popover", tauri::WebviewUrl::default())
        .build()
        .unwrap();
    (app, webview)
}

fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: tauri::http::HeaderMap::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn get_snapshot_returns_the_view_asked_for_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(true, dir.path());
    let today = invoke(&w, "get_snapshot", json!({})).unwrap();
    assert_eq!(today["schema"], "burnbar.snapshot.v1");
    assert_eq!(today["view"], json!({"period": "today", "provider": null}));
    assert_eq!(today["today"]["date"], "2026-11-22");
    assert_eq!(today["today"]["calls"], 3);
    assert_eq!(today["today"]["unpricedCalls"], 1);
    assert_eq!(
        today["report"]["overview"]["calls"], 3,
        "the report is today's too"
    );
    assert_eq!(today["trend"].as_array().unwrap().len(), 30);
    assert_eq!(today["providersWithData"], json!(["claude-code", "codex"]));

    let all = invoke(
        &w,
        "get_snapshot",
        json!({"period": "all", "provider": "codex"}),
    )
    .unwrap();
    assert_eq!(all["view"], json!({"period": "all", "provider": "codex"}));
    assert_eq!(all["report"]["overview"]["calls"], 3, "only Codex calls");
    assert_eq!(all["report"]["filters"]["providers"], json!(["codex"]));
    assert_eq!(
        all["today"]["calls"], 3,
        "today stays over every tool (the tray title)"
    );

    // no arguments: the view is remembered (a live update uses it too)
    let again = invoke(&w, "get_snapshot", json!({})).unwrap();
    assert_eq!(again["view"], json!({"period": "all", "provider": "codex"}));
    let back = invoke(
        &w,
        "get_snapshot",
        json!({"period": "week", "provider": "all"}),
    )
    .unwrap();
    assert_eq!(back["view"], json!({"period": "week", "provider": null}));
}

#[test]
fn bad_arguments_are_bad_request_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(true, dir.path());
    let e = invoke(&w, "get_snapshot", json!({"period": "fortnight"})).unwrap_err();
    assert_eq!(e["code"], "bad-request");
    assert!(e["message"].as_str().unwrap().contains("fortnight"), "{e}");
    let e = invoke(&w, "get_snapshot", json!({"provider": "cursorx"})).unwrap_err();
    assert_eq!(e["code"], "bad-request");
}

#[test]
fn before_the_first_scan_ends_snapshot_says_scanning_and_status_has_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(false, dir.path());
    let e = invoke(&w, "get_snapshot", json!({})).unwrap_err();
    assert_eq!(e["code"], "scanning");
    let status = invoke(&w, "get_status", json!({})).unwrap();
    assert_eq!(
        status,
        json!({"phase": "scanning", "filesDone": 0, "filesTotal": 0})
    );
}

#[test]
fn settings_round_trip_through_the_file_and_bad_values_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(true, dir.path());
    let defaults = invoke(&w, "get_settings", json!({})).unwrap();
    let runaway = json!({"enabled": true, "window_minutes": 10, "usd_in_window": 5.0});
    // team metrics: off by default, loopback when on
    let export = json!({"project_labels": "name", "top_projects": 50, "machine": null, "user": null,
                        "serve": {"enabled": false, "listen": "127.0.0.1:9464", "token_file": null, "insecure_no_auth": false},
                        "push": {"endpoint": null, "headers_file": null, "interval_seconds": 60}});
    assert_eq!(
        defaults,
        json!({"currency": "USD", "usd_rate": 1.0, "providers": [], "launch_at_login": false, "prices": null,
               "budgets": [], "runaway": runaway, "tray": {"title": "cost"},
               "limits": {"alerts": [80, 95], "notify_reset": false, "live": false}, "export": export,
               "budget_scopes": []})
    );
    let mut export_on = export.clone();
    export_on["project_labels"] = json!("hash");
    export_on["push"]["endpoint"] = json!("http://collector.internal:4318/v1/metrics");
    let new = json!({"currency": "EUR", "usd_rate": 0.5, "providers": ["codex"], "launch_at_login": false, "prices": null,
                     "budgets": [{"period": "monthly", "usd": 300.0, "project": "api", "thresholds": [80, 100]}],
                     "runaway": runaway, "tray": {"title": "limit"},
                     "limits": {"alerts": [90], "notify_reset": true, "live": true}, "export": export_on});
    let mut saved = new.clone();
    // each budget's scope in the engine's words comes back with the settings
    saved["budget_scopes"] = json!(["project api"]);
    assert_eq!(
        invoke(&w, "save_settings", json!({"settings": new})).unwrap(),
        saved
    );
    let on_disk = Settings::load(&Settings::path(dir.path())).unwrap();
    assert_eq!(on_disk.currency, "EUR");
    assert_eq!(on_disk.budgets.len(), 1);
    assert_eq!(on_disk.budgets[0].id(), "monthly/project=api");
    assert_eq!(
        on_disk.export.push.endpoint.as_deref(),
        Some("http://collector.internal:4318/v1/metrics")
    );
    // the display and the provider filter apply to the next snapshot
    let s = invoke(
        &w,
        "get_snapshot",
        json!({"period": "all", "provider": "all"}),
    )
    .unwrap();
    assert_eq!(s["display"], json!({"currency": "EUR", "usdRate": 0.5}));
    assert_eq!(s["providersWithData"], json!(["codex"]));

    let bad = json!({"currency": "euro", "usd_rate": 1.0, "providers": [], "launch_at_login": false, "prices": null});
    let e = invoke(&w, "save_settings", json!({"settings": bad})).unwrap_err();
    assert_eq!(e["code"], "invalid-settings");
    let bad = json!({"currency": "USD", "usd_rate": 1.0, "providers": [], "launch_at_login": false, "prices": null,
                     "budgets": [{"period": "daily", "usd": -5.0}]});
    let e = invoke(&w, "save_settings", json!({"settings": bad})).unwrap_err();
    assert_eq!(e["code"], "invalid-settings");
    assert!(
        e["message"].as_str().unwrap().contains("daily budget"),
        "{e}"
    );
    assert_eq!(
        Settings::load(&Settings::path(dir.path()))
            .unwrap()
            .currency,
        "EUR",
        "a rejected save leaves the file alone"
    );
}

#[test]
fn refresh_and_hide_answer_without_a_running_loop() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(true, dir.path());
    assert_eq!(invoke(&w, "refresh", json!({})).unwrap(), Value::Null);
    assert_eq!(invoke(&w, "hide_popover", json!({})).unwrap(), Value::Null);
    let e = invoke(&w, "no_such_command", json!({})).unwrap_err();
    assert!(e.to_string().contains("no_such_command"), "{e}");
}

/// The settings page's choices come from the engine; the popover's test harness answers with
/// ui/tests/fixtures/options.json, which must be exactly what the app sends.
#[test]
fn options_are_the_engines_tools_and_thresholds_and_the_ui_fixture_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(false, dir.path());
    let options = invoke(&w, "get_options", json!({})).unwrap();
    let ids: Vec<&str> = options["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), burnbar_engine::ProviderId::ALL.len());
    assert_eq!(ids[0], "claude-code");
    assert_eq!(options["defaultThresholds"], json!([50, 80, 100]));
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("ui/tests/fixtures/options.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(options, golden, "regenerate ui/tests/fixtures/options.json");
}
