//! `burnbar report`.

use std::io::Write;

use anyhow::Result;
use burnbar_engine::ingest::SyncReport;

use crate::args::{ReportArgs, ReportFormat};
use crate::render;
use crate::setup::Setup;

pub fn run(args: &ReportArgs, ctx: &Setup, sync: &SyncReport) -> Result<()> {
    let report = ctx
        .engine
        .report(&ctx.filter, ctx.span.clone(), ctx.clock.now(), sync)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Text => render::report(&report, ctx.engine.paths(), &mut out)?,
    }
    out.flush()?;
    Ok(())
}
