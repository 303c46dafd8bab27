//! Usage windows: the 5-hour and weekly limits subscribers run into, from the logs on disk.
//!
//! - **Codex** writes the server's own reading into its rollouts (`rate_limits` of
//!   `token_count` events): the latest per Codex home and window is the figure (`log`). A
//!   window whose reset has passed since that reading is shown reset (0 %), never stale.
//! - **Claude Code** says nothing of its windows until one runs out; then it writes a limit
//!   notice ([`message`]) with the reset time. The 5-hour window is the active 5-hour block
//!   ([`crate::blocks`]), or the window a notice names while it lasts (100 %, `log`). The
//!   weekly window runs from the last weekly reset a notice named, else it is a rolling 7 days.
//!   Each past notice tells what the window held when it ran out (its cost at API prices): the
//!   median of the recent ones is this user's capacity, and only with it is a Claude
//!   percentage shown, `estimated`. Without one: used cost, tokens and time left.
//!
//! Everything here but [`live`] (the opt-in client of the providers' endpoints) is pure:
//! [`Engine::limits`](crate::Engine::limits) gathers the inputs.

pub mod live;
pub mod message;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::blocks::Block;
use crate::model::{ProviderId, Usd};
use crate::providers::{LimitHit, LimitMark};

/// How far back limit notices calibrate a window's capacity.
pub const CALIBRATION_DAYS: i64 = 30;
/// At most this many of the latest notices calibrate (limits change; old ones age out).
const CALIBRATION_HITS: usize = 5;
/// A week.
pub const WEEK: Duration = Duration::days(7);
/// The 5-hour window.
pub const FIVE_HOURS: Duration = Duration::hours(5);

/// The windows of the tools in use, and the recent limit notices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// One per tool, account and window kind.
    pub windows: Vec<Window>,
    /// Limit notices of the last 7 days, newest first.
    pub hits: Vec<Hit>,
    /// Windows that ran out or came close (80 %) and reset in the last 5 hours.
    pub resets: Vec<Reset>,
    /// The live figures asked for (opt-in): when, and what went wrong if anything.
    pub live: Vec<LiveStatus>,
}

/// How the last request for live figures went, per account.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveStatus {
    /// The tool.
    pub tool: ProviderId,
    /// The account.
    pub account: String,
    /// When it was asked.
    pub asked_at: DateTime<Utc>,
    /// What went wrong ("sign in to Claude Code again"), or none.
    pub error: Option<String>,
}

/// Puts a live answer asked at `asked` over the account's windows (a fresh one only): the
/// provider's figure, source `live`.
pub fn overlay_live(
    windows: &mut Vec<Window>,
    tool: ProviderId,
    account: &str,
    asked: DateTime<Utc>,
    answer: &live::Answer,
    now: DateTime<Utc>,
) {
    let fresh = (now - asked)
        .to_std()
        .is_ok_and(|age| age <= live::FRESH_FOR);
    if !fresh || answer.error.is_some() {
        return;
    }
    for lw in &answer.windows {
        let kind = crate::providers::window_kind(&lw.kind);
        let length = if kind == "weekly" { WEEK } else { FIVE_HOURS };
        let resets_at = lw.resets_at_ms.map(from_ms);
        let mut w = Window {
            tool,
            account: account.to_string(),
            kind,
            used_percent: Some(lw.used_percent),
            resets_at,
            starts_at: resets_at.map(|r| r - length),
            source: "live",
            observed_at: asked,
            pace_percent: None,
            forecast: Forecast::default(),
            used: None,
            capacity: None,
            note: None,
        };
        if let (Some(r), Some(start)) = (w.resets_at, w.starts_at) {
            w.pace_percent = Some(share(now - start, length));
            w.forecast = forecast(lw.used_percent, asked - start, now, r);
        }
        match windows
            .iter_mut()
            .find(|x| x.tool == tool && x.kind == kind && x.account == account)
        {
            Some(old) => {
                // the calls' use stays (Claude): it says what the figure is made of
                w.used = old.used;
                w.capacity = old.capacity;
                *old = w;
            }
            None => windows.push(w),
        }
    }
}

/// A window that reset after running out or coming close.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reset {
    /// The tool.
    pub tool: ProviderId,
    /// The account.
    pub account: String,
    /// `5h` or `weekly`.
    pub kind: &'static str,
    /// When it reset.
    pub at: DateTime<Utc>,
}

/// A limit notification due ([`crate::Engine::due_limit_alerts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LimitAlert {
    /// The window as it stands.
    pub window: Window,
    /// What happened.
    pub event: LimitEvent,
}

/// What a limit notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitEvent {
    /// The used share crossed this percentage.
    Crossed(u32),
    /// The window ran out.
    Reached,
    /// The window reset (after running out or coming close).
    Reset,
}

/// The share at which a reset is worth telling.
pub const CLOSE: f64 = 80.0;

/// The alert key of a window (its tool, kind and account), as claimed in the index.
pub fn alert_key(tool: ProviderId, kind: &str, account: &str) -> String {
    format!("limit/{}/{kind}/{account}", tool.as_str())
}

impl Limits {
    /// The windows as they stand at `now`, a later moment than they were computed at: a
    /// window whose reset has come is shown reset (the tray keeps them between syncs).
    #[must_use]
    pub fn as_of(&self, now: DateTime<Utc>) -> Limits {
        let mut l = self.clone();
        for w in &mut l.windows {
            if w.resets_at.is_some_and(|r| r <= now) {
                w.used_percent = w.used_percent.map(|_| 0.0);
                w.used = w.used.map(|_| Used::default());
                w.resets_at = None;
                w.starts_at = None;
                w.pace_percent = None;
                w.forecast = Forecast::default();
                w.note = Some("reset since your last call".into());
            }
        }
        l
    }

    /// The next moment a window resets, after `now`.
    pub fn next_reset(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.windows
            .iter()
            .filter_map(|w| w.resets_at)
            .filter(|r| *r > now)
            .min()
    }

    /// The window closest to running out that has a percentage (the tray's title).
    pub fn tightest(&self) -> Option<&Window> {
        self.windows
            .iter()
            .filter(|w| w.used_percent.is_some())
            .max_by(|a, b| {
                a.used_percent
                    .partial_cmp(&b.used_percent)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    }
}

/// A usage window as it stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// The tool.
    pub tool: ProviderId,
    /// The account: the tool's home (Codex home, Claude config dir).
    pub account: String,
    /// `5h` or `weekly`.
    pub kind: &'static str,
    /// Used, 0-100: the tool's own figure (`log`, `live`), a calibrated one (`estimated`),
    /// or none when nothing says.
    pub used_percent: Option<f64>,
    /// When the window resets (none: not known, or a rolling window).
    pub resets_at: Option<DateTime<Utc>>,
    /// When it began, when known.
    pub starts_at: Option<DateTime<Utc>>,
    /// `log` (the tool wrote it), `live` (the provider's endpoint said), `estimated`.
    pub source: &'static str,
    /// When the figure was read (the snapshot's or notice's time; now for reconstructions).
    pub observed_at: DateTime<Utc>,
    /// Where even use would be now, 0-100 (the pace marker).
    pub pace_percent: Option<f64>,
    /// At the pace so far.
    pub forecast: Forecast,
    /// What the window has used (Claude: reconstructed from the calls).
    pub used: Option<Used>,
    /// What the window held when it ran out before (the calibration).
    pub capacity: Option<Capacity>,
    /// What to know about the figure ("reset since your last call", "rolling 7 days", ...).
    pub note: Option<String>,
}

/// Where the window is heading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    /// When it runs out at this pace, if before it resets.
    pub hit_at: Option<DateTime<Utc>>,
    /// The share used at its reset at this pace, if it does not run out.
    pub end_percent: Option<f64>,
}

/// Use reconstructed from the calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Used {
    /// Cost at API prices, USD.
    pub cost: f64,
    /// Tokens of every type.
    pub tokens: u64,
    /// Calls.
    pub calls: u64,
}

/// A window's capacity, from the notices of it running out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    /// The median cost at API prices the window held when it ran out, USD.
    pub cost: f64,
    /// How many notices that is from.
    pub hits: usize,
}

/// A limit notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    /// The tool.
    pub tool: ProviderId,
    /// The account.
    pub account: String,
    /// `5h` or `weekly`.
    pub kind: &'static str,
    /// A model the window is limited to (`opus`), or none.
    pub scope: Option<String>,
    /// When it ran out.
    pub at: DateTime<Utc>,
    /// When it resets, when the notice said.
    pub resets_at: Option<DateTime<Utc>>,
}

/// A call as windows count it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    /// When, UTC ms.
    pub at_ms: i64,
    /// Tokens of every type.
    pub tokens: u64,
    /// Cost (unpriced: zero).
    pub cost: Usd,
}

/// A Codex window from its latest snapshot.
pub fn codex_window(mark: &LimitMark, now: DateTime<Utc>) -> Window {
    let observed = from_ms(mark.observed_ms);
    let length = mark
        .window_minutes
        .filter(|m| *m > 0)
        .map(Duration::minutes)
        .or(match mark.kind {
            "weekly" => Some(WEEK),
            _ => Some(FIVE_HOURS),
        });
    let resets_at = mark.resets_at_ms.map(from_ms);
    let mut w = Window {
        tool: ProviderId::Codex,
        account: mark.home.clone(),
        kind: mark.kind,
        used_percent: Some(mark.used_percent),
        resets_at,
        starts_at: None,
        source: "log",
        observed_at: observed,
        pace_percent: None,
        forecast: Forecast::default(),
        used: None,
        capacity: None,
        note: None,
    };
    match (resets_at, length) {
        (Some(r), _) if r <= now => {
            w.used_percent = Some(0.0);
            w.resets_at = None;
            w.note = Some("reset since your last call".into());
            w.forecast.end_percent = Some(0.0);
        }
        (Some(r), Some(len)) => {
            let start = r - len;
            w.starts_at = Some(start);
            w.pace_percent = Some(share(now - start, len));
            // the figure stands until the next call: project its average pace from now
            w.forecast = forecast(mark.used_percent, observed - start, now, r);
        }
        _ => {}
    }
    w
}

/// At the average pace since the window began (`elapsed` before the reading), from `now`.
fn forecast(
    used: f64,
    elapsed: Duration,
    now: DateTime<Utc>,
    resets_at: DateTime<Utc>,
) -> Forecast {
    let secs = elapsed.num_seconds();
    #[allow(clippy::cast_precision_loss)]
    let per_sec = if secs > 0 { used / secs as f64 } else { 0.0 };
    forecast_at(used, per_sec, now, resets_at)
}

/// At `per_sec` percent a second from `now`: when it runs out, or where it ends.
fn forecast_at(used: f64, per_sec: f64, now: DateTime<Utc>, resets_at: DateTime<Utc>) -> Forecast {
    if used >= 100.0 {
        return Forecast {
            hit_at: Some(now),
            end_percent: None,
        };
    }
    #[allow(clippy::cast_precision_loss)]
    let left = (resets_at - now).num_seconds().max(0) as f64;
    let end = used + per_sec.max(0.0) * left;
    if end >= 100.0 && per_sec > 0.0 {
        #[allow(clippy::cast_possible_truncation)]
        let to_hit = ((100.0 - used) / per_sec).round() as i64;
        Forecast {
            hit_at: Some(now + Duration::seconds(to_hit)),
            end_percent: None,
        }
    } else {
        Forecast {
            hit_at: None,
            end_percent: Some(end),
        }
    }
}

/// Claude Code's windows of one config dir.
///
/// `calls` are the dir's calls (any order) back to at least a week before `now` and the
/// calibration notices' windows; `block` the active 5-hour block, if any; `hits` the dir's
/// notices of the last [`CALIBRATION_DAYS`]; `weekly_reset` a weekly reset the provider
/// named in a live answer (kept after live figures are turned off).
pub fn claude_windows(
    account: &str,
    calls: &[Spend],
    block: Option<&Block>,
    hits: &[LimitHit],
    weekly_reset: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> [Window; 2] {
    let all_models = |h: &&LimitHit| h.scope.is_empty();
    let five: Vec<&LimitHit> = hits
        .iter()
        .filter(|h| h.kind == "5h")
        .filter(all_models)
        .collect();
    let weekly: Vec<&LimitHit> = hits
        .iter()
        .filter(|h| h.kind == "weekly")
        .filter(all_models)
        .collect();
    [
        claude_five_hour(account, calls, block, &five, now),
        claude_weekly(account, calls, &weekly, weekly_reset, now),
    ]
}

fn base(account: &str, kind: &'static str, now: DateTime<Utc>) -> Window {
    Window {
        tool: ProviderId::ClaudeCode,
        account: account.to_string(),
        kind,
        used_percent: None,
        resets_at: None,
        starts_at: None,
        source: "estimated",
        observed_at: now,
        pace_percent: None,
        forecast: Forecast::default(),
        used: None,
        capacity: None,
        note: None,
    }
}

/// A window a notice says is used up until `resets_at`.
fn ran_out(w: &mut Window, hit: &LimitHit, length: Duration, now: DateTime<Utc>) -> bool {
    let Some(r) = hit.resets_at_ms.map(from_ms) else {
        return false;
    };
    if r <= now {
        return false;
    }
    let at = from_ms(hit.at_ms);
    w.used_percent = Some(100.0);
    w.source = "log";
    w.observed_at = at;
    w.resets_at = Some(r);
    w.starts_at = Some(r - length);
    w.pace_percent = Some(share(now - (r - length), length));
    w.forecast = Forecast {
        hit_at: Some(at),
        end_percent: None,
    };
    w.note = Some("limit reached".into());
    true
}

fn claude_five_hour(
    account: &str,
    calls: &[Spend],
    block: Option<&Block>,
    hits: &[&LimitHit],
    now: DateTime<Utc>,
) -> Window {
    let mut w = base(account, "5h", now);
    let capacity = calibrate(calls, hits, FIVE_HOURS, |h| {
        // a notice without its reset: the block it fell in
        let at = from_ms(h.at_ms);
        block
            .filter(|b| b.start <= at && at < b.end)
            .map_or(at - FIVE_HOURS, |b| b.start)
    });
    w.capacity = capacity;
    if let Some(last) = hits.last()
        && ran_out(&mut w, last, FIVE_HOURS, now)
    {
        w.used = Some(sum(calls, w.starts_at.unwrap_or(now), now));
        return w;
    }
    let Some(b) = block else {
        w.used = Some(Used::default());
        w.used_percent = capacity.map(|_| 0.0);
        w.note = Some("no active 5-hour window: the next call starts one".into());
        return w;
    };
    w.starts_at = Some(b.start);
    w.resets_at = Some(b.end);
    w.pace_percent = Some(share(now - b.start, FIVE_HOURS));
    let used = sum(calls, b.start, now);
    w.used = Some(used);
    match capacity {
        Some(c) => {
            let pct = used.cost / c.cost * 100.0;
            w.used_percent = Some(pct);
            // the block's own pace (from its first call), as a share of the capacity
            let per_sec = b
                .burn_rate
                .map_or(0.0, |r| r.usd_per_hour / 3600.0 / c.cost * 100.0);
            w.forecast = forecast_at(pct, per_sec, now, b.end);
        }
        None => {
            w.note = Some(
                "no limit notice to calibrate with yet: used cost and tokens, no percentage".into(),
            );
        }
    }
    w
}

fn claude_weekly(
    account: &str,
    calls: &[Spend],
    hits: &[&LimitHit],
    live_reset: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Window {
    let mut w = base(account, "weekly", now);
    let capacity = calibrate(calls, hits, WEEK, |h| from_ms(h.at_ms) - WEEK);
    w.capacity = capacity;
    if let Some(last) = hits.last()
        && ran_out(&mut w, last, WEEK, now)
    {
        w.used = Some(sum(calls, w.starts_at.unwrap_or(now), now));
        return w;
    }
    // the week from the last reset a notice (else a live answer) named, repeated weekly
    let named = hits.iter().rev().find_map(|h| h.resets_at_ms.map(from_ms));
    let Some(anchor) = named.or(live_reset) else {
        let used = sum(calls, now - WEEK, now);
        w.used = Some(used);
        w.starts_at = Some(now - WEEK);
        w.note = Some("rolling 7 days: no weekly reset known yet".into());
        return w;
    };
    let weeks = (now - anchor).num_seconds().div_euclid(WEEK.num_seconds()) + 1;
    let end = anchor + WEEK * i32::try_from(weeks).unwrap_or(i32::MAX);
    let start = end - WEEK;
    w.starts_at = Some(start);
    w.resets_at = Some(end);
    w.pace_percent = Some(share(now - start, WEEK));
    let used = sum(calls, start, now);
    w.used = Some(used);
    w.note = Some(if named.is_some() {
        "weekly window from the reset Claude Code last named".into()
    } else {
        "weekly window from the reset the live figures named".into()
    });
    if let Some(c) = capacity {
        let pct = used.cost / c.cost * 100.0;
        w.used_percent = Some(pct);
        w.forecast = forecast(pct, now - start, now, end);
    }
    w
}

/// The median cost the window held when it ran out, over the latest notices with any use.
fn calibrate(
    calls: &[Spend],
    hits: &[&LimitHit],
    length: Duration,
    start_without_reset: impl Fn(&LimitHit) -> DateTime<Utc>,
) -> Option<Capacity> {
    let mut costs: Vec<f64> = hits
        .iter()
        .rev()
        .take(CALIBRATION_HITS)
        .filter_map(|h| {
            let at = from_ms(h.at_ms);
            let start = h
                .resets_at_ms
                .map_or_else(|| start_without_reset(h), |r| from_ms(r) - length);
            let cost = sum(calls, start, at).cost;
            (cost > 0.0).then_some(cost)
        })
        .collect();
    if costs.is_empty() {
        return None;
    }
    costs.sort_by(f64::total_cmp);
    let n = costs.len();
    let median = if n % 2 == 1 {
        costs[n / 2]
    } else {
        f64::midpoint(costs[n / 2 - 1], costs[n / 2])
    };
    Some(Capacity {
        cost: median,
        hits: n,
    })
}

/// What the calls in `[from, to]` used.
fn sum(calls: &[Spend], from: DateTime<Utc>, to: DateTime<Utc>) -> Used {
    let (from, to) = (from.timestamp_millis(), to.timestamp_millis());
    let mut cost = Usd::ZERO;
    let mut used = Used::default();
    for c in calls.iter().filter(|c| c.at_ms >= from && c.at_ms <= to) {
        cost += c.cost;
        used.tokens += c.tokens;
        used.calls += 1;
    }
    used.cost = cost.as_f64();
    used
}

/// `part` of `whole`, in percent, 0-100.
fn share(part: Duration, whole: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let p = part.num_seconds() as f64 / whole.num_seconds().max(1) as f64 * 100.0;
    p.clamp(0.0, 100.0)
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Windows that ran out or came close ([`CLOSE`]) and reset in the last 5 hours: from the
/// latest snapshots and the notices.
pub fn recent_resets(
    snapshots: &[(ProviderId, LimitMark)],
    hits: &[(ProviderId, LimitHit)],
    now: DateTime<Utc>,
) -> Vec<Reset> {
    let recent = |ms: Option<i64>| {
        let at = DateTime::from_timestamp_millis(ms?)?;
        (at <= now && now - at < FIVE_HOURS).then_some(at)
    };
    let from_snapshots = snapshots.iter().filter_map(|(tool, m)| {
        let at = recent(m.resets_at_ms).filter(|_| m.used_percent >= CLOSE)?;
        Some(Reset {
            tool: *tool,
            account: m.home.clone(),
            kind: m.kind,
            at,
        })
    });
    let from_hits = hits.iter().filter_map(|(tool, h)| {
        let at = recent(h.resets_at_ms).filter(|_| h.scope.is_empty())?;
        Some(Reset {
            tool: *tool,
            account: h.home.clone(),
            kind: h.kind,
            at,
        })
    });
    from_snapshots.chain(from_hits).collect()
}

/// A notice as shown.
pub fn hit(tool: ProviderId, h: &LimitHit) -> Hit {
    Hit {
        tool,
        account: h.home.clone(),
        kind: h.kind,
        scope: (!h.scope.is_empty()).then(|| h.scope.clone()),
        at: from_ms(h.at_ms),
        resets_at: h.resets_at_ms.map(from_ms),
    }
}
