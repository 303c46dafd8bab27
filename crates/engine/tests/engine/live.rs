//! Live usage figures (issue 19, opt-in) against a loopback fake of the providers'
//! endpoints: 200, 401, 429 with Retry-After, 500, garbage and a slow answer; the request
//! carries the stored token and nothing of it is ever written.

use std::time::Duration;

use burnbar_engine::limits::Limits;
use burnbar_engine::{Engine, Paths, ProviderId};
use chrono::{DateTime, Utc};

use burnbar_test_support::fake_http::{Fake, Reply, reply, serve};

use crate::support::Home;

const CLAUDE_TOKEN: &str = "sk-ant-oat01-SECRET-claude-token";
const CODEX_TOKEN: &str = "eyJ-SECRET-codex-token";
const REFRESH: &str = "REFRESH-SECRET";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A home where Claude Code and Codex are signed in, with an on-disk index.
fn signed_in() -> Home {
    let home = Home::new();
    home.write_raw(
        ".claude/.credentials.json",
        format!(
            r#"{{"claudeAiOauth":{{"accessToken":"{CLAUDE_TOKEN}","refreshToken":"{REFRESH}","expiresAt":1,"scopes":["user:inference","user:profile"]}}}}"#
        )
        .as_bytes(),
    );
    home.write_raw(
        ".codex/auth.json",
        format!(
            r#"{{"OPENAI_API_KEY":null,"tokens":{{"id_token":"x","access_token":"{CODEX_TOKEN}","refresh_token":"{REFRESH}","account_id":"acct-42"}},"last_refresh":"2026-05-01T00:00:00Z"}}"#
        )
        .as_bytes(),
    );
    home
}

fn engine(home: &Home, claude: &Fake, codex: &Fake) -> Engine {
    let mut paths = Paths::for_home(home.path());
    paths.data = home.path().join("data");
    paths.usage_urls.claude.clone_from(&claude.url);
    paths.usage_urls.codex.clone_from(&codex.url);
    Engine::open(paths, burnbar_test_support::pricer()).unwrap()
}

const CLAUDE_OK: &str = r#"{"five_hour":{"utilization":61.0,"resets_at":"2026-05-01T14:00:00+00:00"},"seven_day":{"utilization":22.0,"resets_at":"2026-05-06T09:00:00.5+00:00"},"seven_day_opus":null,"extra_usage":{"is_enabled":false}}"#;
const CODEX_OK: &str = r#"{"plan_type":"pro","rate_limit":{"allowed":true,"limit_reached":false,"primary_window":{"used_percent":3,"limit_window_seconds":18000,"reset_at":1777644000},"secondary_window":{"used_percent":40,"limit_window_seconds":604800,"reset_at":1778058000}}}"#;

fn live_window(l: &Limits, tool: ProviderId, kind: &str) -> Option<(f64, &'static str)> {
    l.windows
        .iter()
        .find(|w| w.tool == tool && w.kind == kind)
        .and_then(|w| Some((w.used_percent?, w.source)))
}

#[test]
fn live_figures_are_asked_with_the_stored_token_shown_as_live_and_throttled() {
    let home = signed_in();
    let (claude, codex) = (
        serve(vec![reply(200, CLAUDE_OK)]),
        serve(vec![reply(200, CODEX_OK)]),
    );
    let engine = engine(&home, &claude, &codex);
    let now = t("2026-05-01T12:00:00Z");
    assert_eq!(
        engine.refresh_live(now, Duration::from_secs(30)).unwrap(),
        2
    );
    let l = engine.limits(now).unwrap();
    assert_eq!(
        live_window(&l, ProviderId::ClaudeCode, "5h"),
        Some((61.0, "live"))
    );
    assert_eq!(
        live_window(&l, ProviderId::ClaudeCode, "weekly"),
        Some((22.0, "live"))
    );
    assert_eq!(
        live_window(&l, ProviderId::Codex, "5h"),
        Some((3.0, "live"))
    );
    assert_eq!(
        live_window(&l, ProviderId::Codex, "weekly"),
        Some((40.0, "live"))
    );
    let five = l
        .windows
        .iter()
        .find(|w| w.tool == ProviderId::Codex && w.kind == "5h")
        .unwrap();
    assert_eq!(five.resets_at, Some(t("2026-05-01T14:00:00Z")));
    assert!(l.live.iter().all(|s| s.error.is_none()), "{:?}", l.live);
    // what was sent: the token as a bearer, the beta header; the account id to Codex
    let c = &claude.requests()[0].to_lowercase();
    assert!(
        c.contains(&format!(
            "authorization: bearer {}",
            CLAUDE_TOKEN.to_lowercase()
        )),
        "{c}"
    );
    assert!(c.contains("anthropic-beta: oauth-2025-04-20"), "{c}");
    assert!(
        !c.contains(&REFRESH.to_lowercase()),
        "the refresh token is never sent"
    );
    let x = &codex.requests()[0].to_lowercase();
    assert!(x.contains("chatgpt-account-id: acct-42"), "{x}");
    // at most one request per account per 5 minutes
    assert_eq!(
        engine
            .refresh_live(t("2026-05-01T12:04:59Z"), Duration::from_secs(30))
            .unwrap(),
        0
    );
    assert_eq!(
        engine
            .refresh_live(t("2026-05-01T12:05:00Z"), Duration::from_secs(30))
            .unwrap(),
        2
    );
    // a stale answer is no longer shown as live
    let later = engine.limits(t("2026-05-01T13:00:00Z")).unwrap();
    assert!(
        later.windows.iter().all(|w| w.source != "live"),
        "{:#?}",
        later.windows
    );
}

#[test]
fn signed_out_rate_limited_broken_garbage_and_slow_answers_are_words_not_figures() {
    let home = signed_in();
    let mut limited = reply(429, "{}");
    limited.headers.push(("Retry-After", "900"));
    let slow = Reply {
        delay: Duration::from_secs(3),
        ..reply(200, CODEX_OK)
    };
    let claude = serve(vec![
        reply(401, r#"{"error":"expired"}"#),
        limited,
        reply(500, "oops"),
        reply(200, "<html>not json"),
    ]);
    let codex = serve(vec![slow]);
    let engine = engine(&home, &claude, &codex);
    let timeout = Duration::from_secs(1);
    let error = |now: &str| {
        let l = engine.limits(t(now)).unwrap();
        assert!(
            l.windows.iter().all(|w| w.source != "live"),
            "{:#?}",
            l.windows
        );
        l.live
            .iter()
            .map(|s| (s.tool, s.error.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    engine
        .refresh_live(t("2026-05-01T12:00:00Z"), timeout)
        .unwrap();
    assert_eq!(
        error("2026-05-01T12:00:00Z"),
        [
            (
                ProviderId::ClaudeCode,
                "sign in to Claude Code again".to_string()
            ),
            (
                ProviderId::Codex,
                "no answer within the timeout".to_string()
            )
        ]
    );
    engine
        .refresh_live(t("2026-05-01T12:05:00Z"), timeout)
        .unwrap();
    assert_eq!(
        error("2026-05-01T12:05:00Z")[0].1,
        "rate-limited by the endpoint"
    );
    // Retry-After 900: not asked again before 15 minutes have passed
    let before = claude.requests().len();
    engine
        .refresh_live(t("2026-05-01T12:19:59Z"), timeout)
        .unwrap();
    assert_eq!(claude.requests().len(), before, "Retry-After is honoured");
    engine
        .refresh_live(t("2026-05-01T12:20:00Z"), timeout)
        .unwrap();
    assert_eq!(
        error("2026-05-01T12:20:00Z")[0].1,
        "the endpoint answered HTTP 500"
    );
    engine
        .refresh_live(t("2026-05-01T12:25:00Z"), timeout)
        .unwrap();
    assert_eq!(
        error("2026-05-01T12:25:00Z")[0].1,
        "the endpoint's answer was not JSON"
    );
}

#[test]
fn no_token_is_ever_written_and_the_credential_files_are_left_as_they_were() {
    let home = signed_in();
    let creds = std::fs::read(home.path().join(".claude/.credentials.json")).unwrap();
    let auth = std::fs::read(home.path().join(".codex/auth.json")).unwrap();
    let (claude, codex) = (
        serve(vec![reply(401, CLAUDE_TOKEN)]),
        serve(vec![reply(200, CODEX_OK)]),
    );
    let engine = engine(&home, &claude, &codex);
    for m in 0..3 {
        let now = t("2026-05-01T12:00:00Z") + chrono::Duration::minutes(6 * m);
        engine.refresh_live(now, Duration::from_secs(30)).unwrap();
        engine.limits(now).unwrap();
    }
    drop(engine);
    for entry in std::fs::read_dir(home.path().join("data")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for secret in [CLAUDE_TOKEN, CODEX_TOKEN, REFRESH] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} found in {}",
                path.display()
            );
        }
    }
    assert_eq!(
        std::fs::read(home.path().join(".claude/.credentials.json")).unwrap(),
        creds
    );
    assert_eq!(
        std::fs::read(home.path().join(".codex/auth.json")).unwrap(),
        auth
    );
}

#[test]
fn without_a_stored_token_nothing_is_asked() {
    let home = Home::new();
    let (claude, codex) = (
        serve(vec![reply(200, CLAUDE_OK)]),
        serve(vec![reply(200, CODEX_OK)]),
    );
    let engine = engine(&home, &claude, &codex);
    assert_eq!(
        engine
            .refresh_live(t("2026-05-01T12:00:00Z"), Duration::from_secs(30))
            .unwrap(),
        0
    );
    assert!(claude.requests().is_empty() && codex.requests().is_empty());
}

#[test]
fn the_weekly_reset_a_live_answer_named_anchors_the_claude_week_later() {
    let home = signed_in();
    // a call two days later, when live figures are off (nothing asked since)
    home.write(
        ".claude/projects/-w/s.jsonl",
        &[crate::support::assistant_in(
            "2026-05-03T10:00:00.000Z",
            "m1",
            "claude-sonnet-4-5",
            &crate::support::usage(1_000, 10, 0, 0, 0),
            true,
            "/w",
            "s",
        )],
    );
    let (claude, codex) = (
        serve(vec![reply(200, CLAUDE_OK)]),
        serve(vec![reply(500, "")]),
    );
    let mut engine = engine(&home, &claude, &codex);
    engine
        .refresh_live(t("2026-05-01T12:00:00Z"), Duration::from_secs(30))
        .unwrap();
    engine.sync(chrono_tz::Tz::UTC, None).unwrap();
    let l = engine.limits(t("2026-05-03T11:00:00Z")).unwrap();
    assert!(
        l.live
            .iter()
            .any(|s| s.tool == ProviderId::ClaudeCode && s.error.is_none()),
        "{:?}",
        l.live
    );
    let weekly = l
        .windows
        .iter()
        .find(|w| w.tool == ProviderId::ClaudeCode && w.kind == "weekly")
        .unwrap();
    // seven_day resets 2026-05-06T09:00:00.5Z: the week runs up to it
    assert_eq!(
        weekly.resets_at,
        Some(t("2026-05-06T09:00:00.500Z")),
        "{weekly:#?}"
    );
    assert_eq!(weekly.source, "estimated");
    assert_eq!(
        weekly.note.as_deref(),
        Some("weekly window from the reset the live figures named")
    );
}
