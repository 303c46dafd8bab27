//! One module per subcommand.

mod budget;
mod compare;
mod export;
mod report;
mod reprice;
mod snapshot;
mod watch;

use std::time::Instant;

use anyhow::Result;
use burnbar_engine::ingest::SyncReport;

use crate::args::{Cli, Command};
use crate::render;
use crate::setup;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let started = Instant::now();
    let verbose = cli.verbose();
    let (ctx, outcome) = match cli.command {
        Some(Command::Export(args)) => {
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::All)?;
            let sync = sync(&mut ctx)?;
            let r = export::run(&args, &ctx);
            render::diagnostics(&sync, verbose);
            (ctx, r)
        }
        Some(Command::Report(args)) => report_with(&args, verbose)?,
        Some(Command::Compare(args)) => {
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::All)?;
            let sync = sync(&mut ctx)?;
            let r = compare::run(&args, &ctx);
            render::diagnostics(&sync, verbose);
            (ctx, r)
        }
        Some(Command::Watch(common)) => {
            let ctx = setup::resolve(&common, crate::args::PeriodArg::Today)?;
            return watch::run(ctx);
        }
        Some(Command::Snapshot(common)) => {
            let mut ctx = setup::resolve(&common, crate::args::PeriodArg::Today)?;
            let sync = sync(&mut ctx)?;
            let r = snapshot::run(&common, &ctx, &sync);
            render::diagnostics(&sync, verbose);
            (ctx, r)
        }
        Some(Command::Budget(args)) => return budget::run(args),
        Some(Command::Reprice(common)) => {
            let ctx = setup::resolve(&common, crate::args::PeriodArg::All)?;
            return reprice::run(ctx);
        }
        None => report_with(&cli.report, verbose)?,
    };
    setup::finish_refresh(ctx.refresh, started);
    outcome
}

fn report_with(
    args: &crate::args::ReportArgs,
    verbose: bool,
) -> Result<(setup::Setup, Result<()>)> {
    let t0 = Instant::now();
    let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::ThirtyDays)?;
    let t1 = Instant::now();
    let sync = sync(&mut ctx)?;
    let t2 = Instant::now();
    let r = report::run(args, &ctx, &sync);
    tracing::debug!(
        open_ms = (t1 - t0).as_secs_f64() * 1e3,
        sync_ms = (t2 - t1).as_secs_f64() * 1e3,
        report_ms = t2.elapsed().as_secs_f64() * 1e3,
        "report timings"
    );
    render::diagnostics(&sync, verbose);
    Ok((ctx, r))
}

/// Brings the index up to date, showing progress on a terminal when there is a lot to read.
fn sync(ctx: &mut setup::Setup) -> Result<SyncReport> {
    let tz = ctx.filter.tz;
    let progress = render::Progress::new();
    let sync = ctx.engine.sync_with_progress(tz, &|p| progress.show(p))?;
    progress.finish();
    Ok(sync)
}
