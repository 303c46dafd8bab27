//! `burnbar budget`: budgets in the shared settings file, and spend against them.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use burnbar_engine::budget::{self, Budget, BudgetPeriod, BudgetStatus};
use burnbar_engine::{Paths, ProviderId, Settings};

use crate::args::{BudgetAction, BudgetArgs, BudgetTarget, Common, PeriodArg, ReportFormat};
use crate::setup;

pub fn run(args: BudgetArgs) -> Result<()> {
    let file = Settings::path(&Paths::from_env().config);
    match args.action {
        BudgetAction::Set {
            target,
            usd,
            thresholds,
        } => set(&file, &target, usd, thresholds),
        BudgetAction::Rm { target } => rm(&file, &target),
        BudgetAction::List { format, .. } => list(&file, format),
        BudgetAction::Status { format, common } => status(&file, format, &common),
    }
}

fn set(file: &Path, target: &BudgetTarget, usd: f64, thresholds: Vec<u32>) -> Result<()> {
    let mut settings = Settings::load(file)?;
    let mut b = budget_of(target)?;
    b.usd = usd;
    if !thresholds.is_empty() {
        b.thresholds = thresholds;
    }
    b.validate().map_err(|e| anyhow!(e))?;
    let id = b.id();
    match settings.budgets.iter_mut().find(|x| x.id() == id) {
        Some(old) => *old = b.clone(),
        None => settings.budgets.push(b.clone()),
    }
    settings.save(file)?;
    println!(
        "{} budget {} for {} (alerts at {}); saved to {}",
        b.period.as_str(),
        crate::render::money(b.amount()),
        b.scope(),
        thresholds_text(&b.thresholds),
        file.display()
    );
    Ok(())
}

fn rm(file: &Path, target: &BudgetTarget) -> Result<()> {
    let mut settings = Settings::load(file)?;
    let id = budget_of(target)?.id();
    let before = settings.budgets.len();
    settings.budgets.retain(|b| b.id() != id);
    if settings.budgets.len() == before {
        bail!("no {id} budget (see `burnbar budget list`)");
    }
    settings.save(file)?;
    println!("removed the {id} budget");
    Ok(())
}

const NO_BUDGETS: &str = "No budgets. Add one with `burnbar budget set daily 20` (USD).";

fn list(file: &Path, format: ReportFormat) -> Result<()> {
    let settings = Settings::load(file)?;
    let mut out = std::io::stdout().lock();
    match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &settings.budgets)?;
            writeln!(out)?;
        }
        ReportFormat::Text if settings.budgets.is_empty() => writeln!(out, "{NO_BUDGETS}")?,
        ReportFormat::Text => {
            for b in &settings.budgets {
                writeln!(
                    out,
                    "{:<8} {:>10}  {}  (alerts at {})",
                    b.period.as_str(),
                    crate::render::money(b.amount()),
                    b.scope(),
                    thresholds_text(&b.thresholds)
                )?;
            }
        }
    }
    Ok(())
}

fn status(file: &Path, format: ReportFormat, common: &Common) -> Result<()> {
    let settings = Settings::load(file)?;
    let mut ctx = setup::resolve(common, PeriodArg::All)?;
    crate::commands::indexed(&mut ctx, common.verbose, |ctx, sync| {
        let tz = ctx.filter.tz;
        let data = ctx.engine.snapshot_data(tz, sync)?;
        let now = ctx.clock.now();
        let statuses: Vec<BudgetStatus> = settings
            .budgets
            .iter()
            .map(|b| budget::status(b, &data.slices, now, tz))
            .collect();
        print_statuses(&statuses, format)
    })
}

fn print_statuses(statuses: &[BudgetStatus], format: ReportFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, statuses)?;
            writeln!(out)?;
        }
        ReportFormat::Text if statuses.is_empty() => writeln!(out, "{NO_BUDGETS}")?,
        ReportFormat::Text => {
            for s in statuses {
                let state = if s.over { "OVER" } else { "ok" };
                writeln!(
                    out,
                    "{:<8} {:<10} {:>10} of {:>10}  {:>5.1}%  {:<4}  {}{}",
                    s.period.as_str(),
                    s.period_key,
                    crate::render::money(s.spend),
                    crate::render::money(s.budget),
                    s.fraction * 100.0,
                    state,
                    s.scope,
                    s.pace
                        .as_deref()
                        .map(|p| format!(" · {p}"))
                        .unwrap_or_default()
                )?;
            }
        }
    }
    Ok(())
}

fn budget_of(t: &BudgetTarget) -> Result<Budget> {
    let period = BudgetPeriod::parse(&t.period)
        .with_context(|| format!("unknown period {:?} (daily, weekly, monthly)", t.period))?;
    let provider = t
        .provider
        .as_deref()
        .map(|p| ProviderId::parse(p).ok_or_else(|| anyhow!("unknown tool {p:?}")))
        .transpose()?;
    Ok(Budget {
        project: t.project.clone(),
        provider,
        ..Budget::new(period, 1.0)
    })
}

fn thresholds_text(t: &[u32]) -> String {
    t.iter()
        .map(|p| format!("{p}%"))
        .collect::<Vec<_>>()
        .join(", ")
}
