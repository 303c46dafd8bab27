//! Live usage figures, opt-in (`[limits] live = true`, `burnbar limits --live`): the
//! providers' own numbers, asked for with the access token the tool already stored.
//!
//! - **Claude Code**: `GET https://api.anthropic.com/api/oauth/usage` with
//!   `Authorization: Bearer <claudeAiOauth.accessToken>` (from `<config dir>/.credentials.json`)
//!   and `anthropic-beta: oauth-2025-04-20`; the answer's `five_hour` and `seven_day` hold
//!   `utilization` (percent) and `resets_at`.
//! - **Codex**: `GET https://chatgpt.com/backend-api/wham/usage` with
//!   `Authorization: Bearer <tokens.access_token>` and `ChatGPT-Account-Id:
//!   <tokens.account_id>` (from `<codex home>/auth.json`); `rate_limit.primary_window` and
//!   `.secondary_window` hold `used_percent`, `limit_window_seconds` and the reset
//!   (`reset_at`, epoch seconds, or `reset_after_seconds`).
//!
//! Nothing else is sent. The credential files are opened read-only; a token is never
//! refreshed (a refresh can sign the tool out), written, logged or printed: it lives in a
//! [`Secret`] whose `Debug` is redacted, and errors carry statuses, never bodies or headers.
//! At most one request per tool and account per 5 minutes (longer when the server says
//! `Retry-After`), 10 s timeout; the last answer is kept in the index ([`crate::store`]).

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Claude Code's usage endpoint.
pub const CLAUDE_URL: &str = "https://api.anthropic.com/api/oauth/usage";
/// Codex's usage endpoint.
pub const CODEX_URL: &str = "https://chatgpt.com/backend-api/wham/usage";
/// The least time between two requests for one account.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// How long a request may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// A live figure older than this is no longer shown (the log's or the estimate stands).
pub const FRESH_FOR: Duration = Duration::from_secs(30 * 60);

/// Where the live figures are asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    /// Claude Code's usage endpoint.
    pub claude: String,
    /// Codex's usage endpoint.
    pub codex: String,
}

impl Default for Urls {
    fn default() -> Urls {
        Urls {
            claude: CLAUDE_URL.to_string(),
            codex: CODEX_URL.to_string(),
        }
    }
}

/// A credential: never shown, never written.
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// What a request for live figures came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// The windows the provider reported (empty on an error).
    pub windows: Vec<LiveWindow>,
    /// What went wrong, in words for people (never a token, body or header).
    pub error: Option<String>,
    /// Seconds the server asked us to wait (`Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// One window as the provider reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveWindow {
    /// `5h` or `weekly`.
    pub kind: String,
    /// Used, 0-100.
    pub used_percent: f64,
    /// When it resets, UTC ms.
    pub resets_at_ms: Option<i64>,
}

impl Answer {
    /// The windows an endpoint answered with; none is an answer without figures.
    fn of(windows: Vec<LiveWindow>) -> Answer {
        if windows.is_empty() {
            return Answer::error("the endpoint's answer had no usage windows");
        }
        Answer {
            windows,
            error: None,
            retry_after: None,
        }
    }

    fn error(msg: impl Into<String>) -> Answer {
        Answer {
            windows: Vec::new(),
            error: Some(msg.into()),
            retry_after: None,
        }
    }
}

/// Claude Code's access token in `<config dir>/.credentials.json` (read-only; on macOS the
/// login keychain holds it instead: item `Claude Code-credentials`).
pub fn claude_token(config_dir: &Path) -> Option<Secret> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "claudeAiOauth")]
        oauth: Option<OAuth>,
    }
    #[derive(Deserialize)]
    struct OAuth {
        #[serde(rename = "accessToken")]
        access_token: Option<String>,
    }
    let text = crate::untrusted::read_capped_string(
        &config_dir.join(".credentials.json"),
        crate::untrusted::SIDECAR_CAP,
    )
    .ok()
    .or_else(|| keychain_item("Claude Code-credentials"))?;
    let f: File = serde_json::from_str(&text).ok()?;
    f.oauth?.access_token.filter(|t| !t.is_empty()).map(Secret)
}

#[cfg(target_os = "macos")]
fn keychain_item(service: &str) -> Option<String> {
    let out = std::process::Command::new("/usr/bin/security")
        .args(["find-generic-password", "-s", service, "-w"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).ok())
        .flatten()
}

#[cfg(not(target_os = "macos"))]
fn keychain_item(_service: &str) -> Option<String> {
    None
}

/// Codex's access token and account id in `<codex home>/auth.json` (read-only).
pub fn codex_token(codex_home: &Path) -> Option<(Secret, Option<String>)> {
    #[derive(Deserialize)]
    struct File {
        tokens: Option<Tokens>,
    }
    #[derive(Deserialize)]
    struct Tokens {
        access_token: Option<String>,
        account_id: Option<String>,
    }
    let text = crate::untrusted::read_capped_string(
        &codex_home.join("auth.json"),
        crate::untrusted::SIDECAR_CAP,
    )
    .ok()?;
    let f: File = serde_json::from_str(&text).ok()?;
    let t = f.tokens?;
    let token = t.access_token.filter(|t| !t.is_empty())?;
    Some((Secret(token), t.account_id.filter(|a| !a.is_empty())))
}

/// Asks Claude Code's endpoint.
pub fn fetch_claude(url: &str, token: &Secret, timeout: Duration) -> Answer {
    let headers = [("anthropic-beta", "oauth-2025-04-20".to_string())];
    match get(url, token, &headers, timeout) {
        Ok(body) => parse_claude(&body),
        Err(a) => a.with_sign_in("Claude Code"),
    }
}

/// Asks Codex's endpoint.
pub fn fetch_codex(url: &str, token: &Secret, account: Option<&str>, timeout: Duration) -> Answer {
    let headers: Vec<(&str, String)> = account
        .map(|a| ("ChatGPT-Account-Id", a.to_string()))
        .into_iter()
        .collect();
    match get(url, token, &headers, timeout) {
        Ok(body) => parse_codex(&body),
        Err(a) => a.with_sign_in("Codex"),
    }
}

impl Answer {
    fn with_sign_in(mut self, tool: &str) -> Answer {
        if self.error.as_deref() == Some(SIGNED_OUT) {
            self.error = Some(format!("sign in to {tool} again"));
        }
        self
    }
}

const SIGNED_OUT: &str = "signed out";
/// The largest answer read.
const BODY_CAP: u64 = 256 << 10;

#[cfg(feature = "live-limits")]
fn get(
    url: &str,
    token: &Secret,
    headers: &[(&str, String)],
    timeout: Duration,
) -> Result<Vec<u8>, Answer> {
    use std::io::Read;
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("burnbar/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| Answer::error("no HTTP client"))?;
    let mut req = client
        .get(url)
        .bearer_auth(&token.0)
        .header("Accept", "application/json");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().map_err(|e| {
        Answer::error(if e.is_timeout() {
            "no answer within the timeout".to_string()
        } else {
            "could not reach the endpoint".to_string()
        })
    })?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match status {
        200 => {
            let mut body = Vec::new();
            resp.take(BODY_CAP)
                .read_to_end(&mut body)
                .map_err(|_| Answer::error("the answer broke off"))?;
            Ok(body)
        }
        401 | 403 => Err(Answer::error(SIGNED_OUT)),
        429 => Err(Answer {
            retry_after,
            ..Answer::error("rate-limited by the endpoint")
        }),
        s => Err(Answer {
            retry_after,
            ..Answer::error(format!("the endpoint answered HTTP {s}"))
        }),
    }
}

#[cfg(not(feature = "live-limits"))]
fn get(
    _url: &str,
    _token: &Secret,
    _headers: &[(&str, String)],
    _timeout: Duration,
) -> Result<Vec<u8>, Answer> {
    Err(Answer::error("this build has no live figures"))
}

fn iso_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// `{five_hour: {utilization, resets_at}, seven_day: {...}}`.
fn parse_claude(body: &[u8]) -> Answer {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Answer::error("the endpoint's answer was not JSON");
    };
    let windows: Vec<LiveWindow> = [("five_hour", "5h"), ("seven_day", "weekly")]
        .into_iter()
        .filter_map(|(key, kind)| {
            let w = v.get(key)?;
            Some(LiveWindow {
                kind: kind.to_string(),
                used_percent: w.get("utilization")?.as_f64()?.clamp(0.0, 100.0),
                resets_at_ms: w.get("resets_at").and_then(|r| r.as_str()).and_then(iso_ms),
            })
        })
        .collect();
    Answer::of(windows)
}

/// `{rate_limit: {primary_window: {used_percent, limit_window_seconds, reset_at |
/// reset_after_seconds}, secondary_window: {...}}}`.
fn parse_codex(body: &[u8]) -> Answer {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Answer::error("the endpoint's answer was not JSON");
    };
    let now_ms = crate::clock::Clock::now(&crate::clock::SystemClock).timestamp_millis();
    let windows: Vec<LiveWindow> = [("primary_window", "5h"), ("secondary_window", "weekly")]
        .into_iter()
        .filter_map(|(key, fallback)| {
            let w = v.get("rate_limit")?.get(key)?;
            let kind = match w
                .get("limit_window_seconds")
                .and_then(serde_json::Value::as_i64)
            {
                Some(18_000) => "5h",
                Some(604_800) => "weekly",
                _ => fallback,
            };
            #[allow(clippy::cast_possible_truncation)]
            let resets_at_ms = w
                .get("reset_at")
                .and_then(serde_json::Value::as_f64)
                .map(|s| (s * 1000.0) as i64)
                .or_else(|| {
                    w.get("reset_after_seconds")
                        .and_then(serde_json::Value::as_f64)
                        .map(|s| now_ms + (s * 1000.0) as i64)
                });
            Some(LiveWindow {
                kind: kind.to_string(),
                used_percent: w.get("used_percent")?.as_f64()?.clamp(0.0, 100.0),
                resets_at_ms,
            })
        })
        .collect();
    Answer::of(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows() {
        let s = Secret("sk-ant-oat01-abc".into());
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn claude_answer_shapes() {
        let a = parse_claude(
            br#"{"five_hour":{"utilization":61.0,"resets_at":"2026-01-28T07:59:59.571404+00:00"},"seven_day":{"utilization":22,"resets_at":null},"seven_day_opus":null}"#,
        );
        assert_eq!(a.error, None);
        assert_eq!(a.windows.len(), 2);
        assert_eq!(a.windows[0].kind, "5h");
        assert_eq!(a.windows[0].resets_at_ms, Some(1_769_587_199_571));
        assert_eq!(
            (a.windows[1].used_percent, a.windows[1].resets_at_ms),
            (22.0, None)
        );
        assert!(parse_claude(b"<html>").error.is_some());
        assert!(parse_claude(b"{}").error.is_some());
    }

    #[test]
    fn codex_answer_shapes() {
        let a = parse_codex(
            br#"{"plan_type":"pro","rate_limit":{"primary_window":{"used_percent":3,"limit_window_seconds":18000,"reset_at":1769587200},"secondary_window":{"used_percent":40,"limit_window_seconds":604800,"reset_after_seconds":60}}}"#,
        );
        assert_eq!(a.windows[0].kind, "5h");
        assert_eq!(a.windows[0].resets_at_ms, Some(1_769_587_200_000));
        assert_eq!(a.windows[1].kind, "weekly");
        assert!(a.windows[1].resets_at_ms.is_some());
    }
}
