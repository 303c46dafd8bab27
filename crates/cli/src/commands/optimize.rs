//! `burnbar optimize`: ranked findings with their savings, a grade and a fix for each.

use std::io::Write;

use anyhow::Result;
use burnbar_engine::Usd;
use burnbar_engine::optimize::{Finding, Optimization};

use crate::args::{OptimizeArgs, ReportFormat};
use crate::render::{group_thousands, money};
use crate::setup::Setup;

pub fn run(args: &OptimizeArgs, ctx: &Setup) -> Result<()> {
    let o = ctx
        .engine
        .optimize(&ctx.filter, ctx.span.clone(), ctx.clock.now())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &o)?;
            writeln!(out)?;
        }
        ReportFormat::Text => text(&o, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn dollars(usd: f64) -> String {
    money(Usd::from_dollars(usd))
}

/// The readable report: the grade and what it would save, then each finding, most urgent
/// first, with its fix.
fn text(o: &Optimization, out: &mut impl Write) -> std::io::Result<()> {
    let s = &o.summary;
    writeln!(out, "Burnbar optimize: {}", o.period.label)?;
    writeln!(out)?;
    writeln!(
        out,
        "Grade {} ({}/100) · {} spent · {} sessions · {} calls",
        s.health_grade,
        s.health_score,
        dollars(s.period_cost_usd),
        group_thousands(s.sessions as u64),
        group_thousands(s.calls as u64),
    )?;
    if o.findings.is_empty() {
        writeln!(out, "Nothing to change: no detector fired in this period.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{} findings could save about {} ({:.1}% of the period's spend)",
        s.finding_count,
        dollars(s.potential_savings_usd),
        s.potential_savings_percent
    )?;
    for (i, f) in o.findings.iter().enumerate() {
        writeln!(out)?;
        finding(i + 1, f, out)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "measured: what the logs show was spent; modelled: a per-item estimate (see docs/optimize.md)."
    )?;
    Ok(())
}

fn finding(n: usize, f: &Finding, out: &mut impl Write) -> std::io::Result<()> {
    let saving = if f.estimated_savings_usd > 0.0 {
        format!(" · saves ~{}", dollars(f.estimated_savings_usd))
    } else {
        String::new()
    };
    writeln!(
        out,
        "{n}. [{}] {}{saving} ({}, {})",
        f.severity.as_str().to_uppercase(),
        f.title,
        serde_plain(&f.basis),
        f.id
    )?;
    writeln!(out, "   {}", f.explanation)?;
    if !f.evidence.items.is_empty() {
        for item in f.evidence.items.iter().take(8) {
            writeln!(out, "   - {item}")?;
        }
    }
    let dest = f
        .fix
        .destination
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    writeln!(out, "   Fix: {}{dest}:", f.fix.label)?;
    for line in f.fix.text.lines() {
        writeln!(out, "     {line}")?;
    }
    Ok(())
}

/// A unit enum's serde name (`measured`, `modelled`).
fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
