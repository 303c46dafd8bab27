//! One module per subcommand.

mod blocks;
mod budget;
mod compare;
mod export;
mod limits;
mod optimize;
mod push;
mod report;
mod reprice;
mod serve;
mod snapshot;
mod statusline;
mod team;
mod watch;
mod yields;

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
            let r = indexed(&mut ctx, verbose, |ctx, _| export::run(&args, ctx));
            (ctx, r)
        }
        Some(Command::Report(args)) => report_with(&args, verbose)?,
        Some(Command::Compare(args)) => {
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::All)?;
            let r = indexed(&mut ctx, verbose, |ctx, _| compare::run(&args, ctx));
            (ctx, r)
        }
        Some(Command::Optimize(args)) => {
            if let Some(crate::args::OptimizeAction::Undo { id }) = &args.action {
                return optimize::undo(id.as_deref());
            }
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::ThirtyDays)?;
            let r = indexed(&mut ctx, verbose, |ctx, _| optimize::run(&args, ctx));
            (ctx, r)
        }
        Some(Command::Blocks(args)) => {
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::Week)?;
            let r = indexed(&mut ctx, verbose, |ctx, _| blocks::run(&args, ctx));
            (ctx, r)
        }
        Some(Command::Statusline(common)) => {
            statusline::run(&common);
            return Ok(());
        }
        Some(Command::Limits(args)) => {
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::Today)?;
            let r = indexed(&mut ctx, verbose, |ctx, _| limits::run(&args, ctx));
            (ctx, r)
        }
        Some(Command::Yield(args)) => {
            let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::Week)?;
            let r = indexed(&mut ctx, verbose, |ctx, _| yields::run(&args, ctx));
            (ctx, r)
        }
        Some(Command::Watch(common)) => {
            let ctx = setup::resolve(&common, crate::args::PeriodArg::Today)?;
            return watch::run(ctx);
        }
        Some(Command::Snapshot(common)) => {
            let mut ctx = setup::resolve(&common, crate::args::PeriodArg::Today)?;
            let r = indexed(&mut ctx, verbose, |ctx, sync| {
                snapshot::run(&common, ctx, sync)
            });
            (ctx, r)
        }
        Some(Command::Budget(args)) => return budget::run(args),
        Some(Command::Serve(args)) => return serve::run(&args),
        Some(Command::Completions { shell }) => {
            // into memory first: the generator panics on a closed pipe (`| head`)
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "burnbar", &mut out);
            return print(&out);
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
            return print(&out);
        }
        Some(Command::Push(args)) => return push::run(&args),
        Some(Command::Reprice(common)) => {
            let ctx = setup::resolve(&common, crate::args::PeriodArg::All)?;
            return reprice::run(ctx);
        }
        None => report_with(&cli.report, verbose)?,
    };
    setup::finish_refresh(ctx.refresh, started);
    outcome
}

/// Writes `bytes` to stdout.
fn print(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

fn report_with(
    args: &crate::args::ReportArgs,
    verbose: bool,
) -> Result<(setup::Setup, Result<()>)> {
    let t0 = Instant::now();
    let mut ctx = setup::resolve(&args.common, crate::args::PeriodArg::ThirtyDays)?;
    let t1 = Instant::now();
    let r = indexed(&mut ctx, verbose, |ctx, sync| report::run(args, ctx, sync));
    tracing::debug!(
        open_ms = (t1 - t0).as_secs_f64() * 1e3,
        sync_and_report_ms = t1.elapsed().as_secs_f64() * 1e3,
        "report timings"
    );
    Ok((ctx, r))
}

/// Brings the index up to date, then runs `command` over it, then prints the diagnostics.
///
/// The index may fail under either step (locked beyond the busy timeout, a full disk, a
/// damaged page that only a report reads): the engine then falls back to a temporary in-memory
/// index, and `command` runs again over that. Commands compute everything before they print,
/// so a second run never repeats output.
pub(crate) fn indexed(
    ctx: &mut setup::Setup,
    verbose: bool,
    command: impl Fn(&setup::Setup, &SyncReport) -> Result<()>,
) -> Result<()> {
    let mut sync = sync(ctx)?;
    let mut outcome = command(ctx, &sync);
    if let Err(e) = &outcome
        && let Some(failure) = e.downcast_ref::<burnbar_engine::Error>()
        && ctx.engine.can_fall_back(failure)
    {
        ctx.engine.fall_back(failure)?;
        sync = self::sync(ctx)?;
        outcome = command(ctx, &sync);
    }
    if let Some(fallback) = ctx.engine.fallback() {
        eprintln!("burnbar: warning: {fallback} for this run");
    }
    render::diagnostics(&sync, verbose);
    outcome
}

/// Brings the index up to date, showing progress on a terminal when there is a lot to read.
fn sync(ctx: &mut setup::Setup) -> Result<SyncReport> {
    let tz = ctx.filter.tz;
    let progress = render::Progress::new();
    let sync = ctx.engine.sync_with_progress(tz, &|p| progress.show(p))?;
    progress.finish();
    Ok(sync)
}
