//! `burnbar optimize`: ranked findings with their savings, a grade and a fix for each.

use std::io::Write;

use anyhow::Result;
use anyhow::bail;
use burnbar_engine::optimize::apply;
use burnbar_engine::optimize::{Finding, Optimization};
use burnbar_engine::{Paths, Usd};

use crate::args::{OptimizeArgs, ReportFormat};
use crate::render::{group_thousands, money};
use crate::setup::Setup;

pub fn run(args: &OptimizeArgs, ctx: &Setup) -> Result<()> {
    let o = ctx
        .engine
        .optimize(&ctx.filter, ctx.span.clone(), ctx.clock.now())?;
    if let Some(id) = &args.apply {
        return apply_fix(&o, id, args.yes, ctx);
    }
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

/// `--apply ID`: shows the change, asks (unless `yes`), applies it with a backup.
fn apply_fix(o: &Optimization, id: &str, yes: bool, ctx: &Setup) -> Result<()> {
    let finding = o
        .findings
        .iter()
        .find(|f| f.id == id)
        .ok_or_else(|| apply::ApplyError::NoSuchFinding(id.to_string()))?;
    let paths = ctx.engine.paths();
    let plan = apply::plan(finding, paths)?;
    let mut out = std::io::stdout().lock();
    write!(out, "{}", apply::diff(&plan))?;
    out.flush()?;
    if !yes {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            bail!("not asking on a non-terminal: run again with --yes to apply this change");
        }
        write!(out, "Apply this change? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            writeln!(out, "Nothing changed.")?;
            return Ok(());
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let per_day = finding.tokens_saved as f64 / f64::from(o.summary.days.max(1));
    let done = apply::apply(&plan, paths, ctx.clock.now().timestamp_millis(), per_day)?;
    writeln!(
        out,
        "Applied {id} to {}{}. `burnbar optimize undo {id}` restores it; a later \
         `burnbar optimize` says whether it worked.",
        done.path.display(),
        done.backup
            .as_ref()
            .map(|b| format!(" (backup: {})", b.display()))
            .unwrap_or_default()
    )?;
    Ok(())
}

/// `optimize undo [ID]`.
pub fn undo(id: Option<&str>) -> Result<()> {
    let paths = Paths::from_env();
    let now = burnbar_engine::Clock::now(&burnbar_engine::SystemClock);
    let done = apply::undo(&paths, id, now.timestamp_millis())?;
    println!(
        "Restored {} as it was before {} was applied.",
        done.path.display(),
        done.id
    );
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
        return applied(o, out);
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
    applied(o, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "measured: what the logs show was spent; modelled: a per-item estimate (see docs/optimize.md)."
    )?;
    writeln!(
        out,
        "`burnbar optimize --apply ID` applies a fix that is a file edit (with a backup)."
    )?;
    Ok(())
}

/// Fixes applied before, and how their findings changed since.
fn applied(o: &Optimization, out: &mut impl Write) -> std::io::Result<()> {
    if o.applied_fixes.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Applied fixes:")?;
    for a in &o.applied_fixes {
        let since = a
            .tokens_per_day_since
            .map(|t| format!(", {t:.0} tokens/day since"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} ({}, applied {}): {} (was {:.0} tokens/day{since})",
            a.id,
            a.path.display(),
            a.applied.get(..10).unwrap_or(&a.applied),
            a.status,
            a.tokens_per_day_before
        )?;
    }
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
