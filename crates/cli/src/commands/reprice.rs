//! `burnbar reprice`: recompute stored costs with the price table in force.

use anyhow::Result;
use burnbar_engine::Usd;

use crate::render::money;
use crate::setup::Setup;

pub fn run(mut ctx: Setup) -> Result<()> {
    let tz = ctx.filter.tz;
    let before: Usd = ctx
        .engine
        .store()
        .calls()?
        .iter()
        .filter_map(|c| c.cost)
        .sum();
    let sync = ctx.engine.sync(tz, None)?;
    let repriced = ctx.engine.reprice()?;
    let after: Usd = ctx
        .engine
        .store()
        .calls()?
        .iter()
        .filter_map(|c| c.cost)
        .sum();
    println!(
        "repriced {} calls ({} new from the logs); all-time total {} -> {}",
        repriced + sync.repriced,
        sync.inserted,
        money(before),
        money(after)
    );
    Ok(())
}
