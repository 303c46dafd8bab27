//! Refreshing the cached copy of LiteLLM's price table.
//!
//! At most once a day the CLI and the tray fetch LiteLLM's
//! `model_prices_and_context_window.json` in the background and write it atomically (a temp
//! file renamed over) to `<cache>/litellm-prices.json`. A report never waits for it: it prices with
//! whatever copy is on disk, and the next run uses the new one. A failed attempt is remembered
//! for an hour so a machine without network does not retry on every run. Nothing here is
//! fatal; the embedded table is always there.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{CACHE_FILE, PriceTable};
use crate::error::{Error, Result};

/// Where LiteLLM publishes its table.
pub const URL: &str =
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json";
/// A cached copy older than this is refreshed.
const MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// After a failed attempt, wait this long before the next one.
const RETRY_AFTER: Duration = Duration::from_secs(3600);
const ATTEMPT_FILE: &str = "litellm-prices.attempt";

/// True when the cached copy is missing or older than a day and no attempt failed within the
/// last hour.
pub fn needs_refresh(cache_dir: &Path, now: DateTime<Utc>) -> bool {
    let age = |name: &str| {
        let modified = std::fs::metadata(cache_dir.join(name))
            .and_then(|m| m.modified())
            .ok()?;
        let modified: DateTime<Utc> = modified.into();
        (now - modified).to_std().ok().or(Some(Duration::ZERO))
    };
    let stale = age(CACHE_FILE).is_none_or(|a| a > MAX_AGE);
    let recently_failed = age(ATTEMPT_FILE).is_some_and(|a| a < RETRY_AFTER);
    stale && !recently_failed
}

/// Fetches the table from `url` and installs it in `cache_dir`. Returns the number of rows.
pub fn refresh(cache_dir: &Path, url: &str) -> Result<usize> {
    std::fs::create_dir_all(cache_dir).map_err(|e| Error::io(cache_dir, e))?;
    let attempt = cache_dir.join(ATTEMPT_FILE);
    std::fs::write(&attempt, b"").map_err(|e| Error::io(&attempt, e))?;
    let text = fetch(url).map_err(|msg| Error::Prices {
        path: url.into(),
        msg,
    })?;
    let rows = PriceTable::from_litellm_json(&text)
        .map_err(|msg| Error::Prices {
            path: url.into(),
            msg,
        })?
        .len();
    let dest = cache_dir.join(CACHE_FILE);
    let tmp = cache_dir.join(format!("{CACHE_FILE}.tmp"));
    std::fs::write(&tmp, text.as_bytes()).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    let _ = std::fs::remove_file(&attempt);
    Ok(rows)
}

fn fetch(url: &str) -> std::result::Result<String, String> {
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(4))
        .timeout(Duration::from_secs(20))
        .user_agent(concat!("burnbar/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client.get(url).send().map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    resp.text().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// Serves one HTTP response on loopback and returns its URL.
    fn serve_once(status: &'static str, body: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/prices.json", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        url
    }

    #[test]
    fn a_fetched_table_is_installed_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let url = serve_once(
            "200 OK",
            r#"{"m":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6}}"#,
        );
        assert_eq!(refresh(dir.path(), &url).unwrap(), 1);
        let text = std::fs::read_to_string(dir.path().join(CACHE_FILE)).unwrap();
        assert!(text.contains("input_cost_per_token"));
        assert!(
            !dir.path().join(ATTEMPT_FILE).exists(),
            "success clears the attempt mark"
        );
    }

    #[test]
    fn a_bad_response_keeps_the_old_copy_and_backs_off() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CACHE_FILE), "old").unwrap();
        let url = serve_once("200 OK", "<html>rate limited</html>");
        assert!(refresh(dir.path(), &url).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(CACHE_FILE)).unwrap(),
            "old"
        );
        let url = serve_once("500 Internal Server Error", "");
        assert!(refresh(dir.path(), &url).is_err());
        // the cached copy is fresh (just written) and an attempt just failed: no refresh now
        let now = chrono::DateTime::<Utc>::from(std::time::SystemTime::UNIX_EPOCH)
            + chrono::Duration::days(365 * 60);
        assert!(!needs_refresh(
            dir.path(),
            now - chrono::Duration::days(365 * 60)
        ));
        // far in the future both marks are stale: refresh again
        assert!(needs_refresh(dir.path(), now));
    }

    #[test]
    fn a_missing_cache_needs_a_refresh() {
        let dir = tempfile::tempdir().unwrap();
        assert!(needs_refresh(dir.path(), chrono::DateTime::UNIX_EPOCH));
    }
}
