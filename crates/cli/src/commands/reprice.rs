//! `burnbar reprice`: recompute stored costs with the price table in force.

use anyhow::Result;
use burnbar_engine::Usd;

use crate::render::money;
use crate::setup::Setup;

/// The all-time cost of the calls in the index.
fn stored_cost(ctx: &Setup) -> Result<Usd> {
    let calls = ctx.engine.store().calls()?;
    Ok(calls.iter().filter_map(|c| c.cost).sum())
}

/// Repricing works on the index itself: a temporary in-memory stand-in would change nothing
/// that lasts.
fn usable(ctx: &Setup) -> Result<()> {
    match ctx.engine.fallback() {
        Some(fallback) => anyhow::bail!("{fallback}, so there is nothing to reprice"),
        None => Ok(()),
    }
}

pub fn run(mut ctx: Setup) -> Result<()> {
    let tz = ctx.filter.tz;
    usable(&ctx)?;
    let before = stored_cost(&ctx)?;
    let sync = ctx.engine.sync(tz, None)?;
    usable(&ctx)?;
    let repriced = ctx.engine.reprice()?;
    let after = stored_cost(&ctx)?;
    println!(
        "repriced {} calls ({} new from the logs); all-time total {} -> {}",
        repriced + sync.repriced,
        sync.inserted,
        money(before),
        money(after)
    );
    Ok(())
}
