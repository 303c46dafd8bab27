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
