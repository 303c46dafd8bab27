//! `burnbar limits`: the 5-hour and weekly windows of the tools in use.

use std::io::Write;

use anyhow::Result;
use burnbar_engine::format::{moment, resets_in};
use burnbar_engine::limits::{Limits, Window};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::args::{LimitsArgs, ReportFormat};
use crate::render::group_thousands;
use crate::setup::Setup;

pub fn run(args: &LimitsArgs, ctx: &Setup) -> Result<()> {
    let now = ctx.clock.now();
    // live figures only when asked for (`--live` or `[limits] live`), never with --offline
    if (args.live || ctx.settings.limits.live) && !args.common.offline {
        ctx.engine
            .refresh_live(now, burnbar_engine::limits::live::TIMEOUT)?;
    }
    let limits = ctx.engine.limits(now)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &limits)?;
            writeln!(out)?;
        }
        ReportFormat::Text => text(&limits, now, ctx.filter.tz, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// A bar of 20 cells for `pct`.
fn bar(pct: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let full = ((pct.clamp(0.0, 100.0) / 5.0).round()) as usize;
    format!("{}{}", "█".repeat(full), "░".repeat(20 - full))
}

/// The window in one line (without its tool and account).
pub fn describe(w: &Window, now: DateTime<Utc>, tz: Tz) -> String {
    let mut parts = Vec::new();
    match w.used_percent {
        Some(p) => parts.push(format!("{} {:>3.0}% {}", bar(p), p, w.source)),
        None if w.used.is_none_or(|u| u.calls == 0) => parts.push("idle".to_string()),
        None => {
            if let Some(u) = w.used {
                parts.push(format!(
                    "{} · {} tokens · {} call{}",
                    crate::render::money(burnbar_engine::Usd::from_dollars(u.cost)),
                    group_thousands(u.tokens),
                    u.calls,
                    if u.calls == 1 { "" } else { "s" }
                ));
            }
        }
    }
    if let Some(r) = w.resets_at {
        parts.push(resets_in(r, now, tz));
    }
    if let Some(p) = w.pace_percent
        && w.used_percent.is_some()
    {
        parts.push(format!("pace {p:.0}%"));
    }
    if let Some(hit) = w.forecast.hit_at
        && w.used_percent.is_some_and(|p| p < 100.0)
    {
        parts.push(format!(
            "at this pace you hit it at {}",
            moment(hit, now, tz)
        ));
    } else if let Some(end) = w.forecast.end_percent
        && w.resets_at.is_some()
        && w.used_percent.is_some_and(|p| p > 0.0)
    {
        parts.push(format!("ends near {end:.0}%"));
    }
    if let Some(c) = w.capacity {
        parts.push(format!(
            "capacity ~{} (from {} notice{})",
            crate::render::money(burnbar_engine::Usd::from_dollars(c.cost)),
            c.hits,
            if c.hits == 1 { "" } else { "s" }
        ));
    }
    if let Some(n) = &w.note {
        parts.push(n.clone());
    }
    if w.source == "log" && w.used_percent.is_some() {
        parts.push(format!("as of {}", moment(w.observed_at, now, tz)));
    }
    parts.join(" · ")
}

fn text(limits: &Limits, now: DateTime<Utc>, tz: Tz, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Burnbar limits ({tz})")?;
    if limits.windows.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "No usage windows: no Codex rate-limit snapshot and no Claude Code calls in the last 7 days."
        )?;
    }
    let mut last: Option<(&str, &str)> = None;
    for w in &limits.windows {
        let head = (w.tool.label(), w.account.as_str());
        if last != Some(head) {
            writeln!(out)?;
            writeln!(out, "{}  {}", head.0, head.1)?;
            last = Some(head);
        }
        writeln!(out, "  {:<7} {}", w.kind, describe(w, now, tz))?;
    }
    for l in &limits.live {
        if let Some(e) = &l.error {
            writeln!(out)?;
            writeln!(
                out,
                "{} live figures ({}): {e}",
                l.tool.label(),
                moment(l.asked_at, now, tz)
            )?;
        }
    }
    if !limits.hits.is_empty() {
        writeln!(out)?;
        writeln!(out, "Limit notices (last 7 days)")?;
        for h in &limits.hits {
            let reset = h
                .resets_at
                .map(|r| format!(", resets {}", moment(r, now, tz)))
                .unwrap_or_default();
            let scope = h
                .scope
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {} {}{}: limit hit at {}{}",
                h.tool.label(),
                h.kind,
                scope,
                moment(h.at, now, tz),
                reset
            )?;
        }
    }
    Ok(())
}
