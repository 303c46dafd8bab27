//! `burnbar blocks`: Claude Code's 5-hour blocks.

use std::io::Write;

use anyhow::Result;
use burnbar_engine::Usd;
use burnbar_engine::blocks::Block;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::args::{BlocksArgs, ReportFormat};
use crate::render::{Table, group_thousands, money};
use crate::setup::Setup;

#[derive(Serialize)]
struct Doc<'a> {
    blocks: &'a [Block],
}

pub fn run(args: &BlocksArgs, ctx: &Setup) -> Result<()> {
    let mut blocks = ctx.engine.blocks(&ctx.filter, ctx.clock.now())?;
    if args.active {
        blocks.retain(|b| b.active);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &Doc { blocks: &blocks })?;
            writeln!(out)?;
        }
        ReportFormat::Text => text(&blocks, ctx.filter.tz, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn at(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn hm(minutes: i64) -> String {
    if minutes >= 24 * 60 {
        format!("{}d {}h", minutes / (24 * 60), minutes % (24 * 60) / 60)
    } else {
        format!("{}h {:02}m", minutes / 60, minutes % 60)
    }
}

fn text(blocks: &[Block], tz: Tz, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Burnbar blocks: Claude Code's 5-hour windows ({tz})")?;
    writeln!(out)?;
    if blocks.is_empty() {
        writeln!(out, "No Claude Code calls in this period.")?;
        return Ok(());
    }
    let mut t = Table::new(
        &["start", "end", "", "calls", "tokens", "cost", "models"],
        &[0, 1, 2, 6],
    );
    for b in blocks {
        if b.is_gap {
            t.row(vec![
                at(b.start, tz),
                at(b.end, tz),
                format!("gap {}", hm((b.end - b.start).num_minutes())),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        t.row(vec![
            at(b.start, tz),
            at(b.end, tz),
            if b.active {
                "ACTIVE".into()
            } else {
                String::new()
            },
            b.calls.to_string(),
            group_thousands(b.tokens.total),
            money(Usd::from_dollars(b.cost)),
            b.models.join(", "),
        ]);
    }
    t.write(out)?;
    if let Some(b) = blocks.iter().find(|b| b.active) {
        writeln!(out)?;
        if let (Some(r), Some(p)) = (b.burn_rate, b.projection) {
            writeln!(
                out,
                "Active block: {:.0} tokens/min, {}/h; {} left, ends near {} tokens and {} at this pace",
                r.tokens_per_minute,
                money(Usd::from_dollars(r.usd_per_hour)),
                hm(p.minutes_left),
                group_thousands(p.tokens),
                money(Usd::from_dollars(p.cost)),
            )?;
        }
    }
    if blocks
        .iter()
        .map(|b| &b.config_dir)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1
    {
        writeln!(out)?;
        writeln!(out, "Blocks are per Claude config dir (JSON: configDir).")?;
    }
    Ok(())
}
