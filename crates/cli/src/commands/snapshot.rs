//! `burnbar snapshot`: the tray popover's payload, for scripts and the popover's golden files.

use std::io::Write;

use anyhow::{Result, bail};
use burnbar_engine::ingest::SyncReport;
use burnbar_engine::snapshot::Display;
use burnbar_engine::{Period, View};

use crate::args::Common;
use crate::setup::Setup;

pub fn run(common: &Common, ctx: &Setup, sync: &SyncReport) -> Result<()> {
    if common.from.is_some() || common.to.is_some() || !common.project.is_empty() {
        bail!(
            "snapshot takes --period and at most one --provider (the popover's views), not --from/--to/--project"
        );
    }
    let provider = match ctx.filter.providers.as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => bail!("snapshot takes at most one --provider"),
    };
    let period = Period::parse(&ctx.span.key).unwrap_or(Period::Today);
    let mut data = ctx.engine.snapshot_data(ctx.filter.tz, sync)?;
    // the tray's settings: budgets and the display currency
    let settings = &ctx.settings;
    data.budgets.clone_from(&settings.budgets);
    data.display = Display {
        currency: settings.currency.clone(),
        usd_rate: settings.usd_rate,
    };
    // the Tips card, as the tray computes it: the settings' tools, the last 30 days
    data.tips = Some(
        ctx.engine
            .tips(ctx.filter.tz, &settings.providers, ctx.clock.now())?,
    );
    data.limits = Some(ctx.engine.limits(ctx.clock.now())?);
    let snapshot = data.snapshot(View { period, provider }, ctx.clock.now());
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &snapshot)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
