//! One module per subcommand.

mod export;
mod report;

use std::time::Instant;

use anyhow::Result;

use crate::args::{Cli, Command};
use crate::render;
use crate::setup;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let started = Instant::now();
    let verbose = cli.common().verbose;
    let (ctx, outcome) = match cli.command {
        Some(Command::Export(args)) => {
            let ctx = setup::resolve(&args.common, crate::args::PeriodArg::All)?;
            let data = ctx.engine.load(None);
            let r = export::run(&args, &ctx, &data);
            render::diagnostics(&data, verbose);
            (ctx, r)
        }
        Some(Command::Report(args)) => report_with(&args, verbose)?,
        None => report_with(&cli.report, verbose)?,
    };
    setup::finish_refresh(ctx.refresh, started);
    outcome
}

fn report_with(
    args: &crate::args::ReportArgs,
    verbose: bool,
) -> Result<(setup::Setup, Result<()>)> {
    let ctx = setup::resolve(&args.common, crate::args::PeriodArg::ThirtyDays)?;
    let data = ctx.engine.load(None);
    let r = report::run(args, &ctx, &data);
    render::diagnostics(&data, verbose);
    Ok((ctx, r))
}
