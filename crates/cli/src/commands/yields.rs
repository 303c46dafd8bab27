//! `burnbar yield`: how much of the spend shipped.

use std::io::Write;

use anyhow::Result;
use burnbar_engine::Usd;
use burnbar_engine::yields::{Bucket, Buckets, Yield};

use crate::args::{ReportFormat, YieldArgs};
use crate::render::{Table, money};
use crate::setup::Setup;

pub fn run(args: &YieldArgs, ctx: &Setup) -> Result<()> {
    let y = ctx.engine.yields(&ctx.filter, ctx.span.clone())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &y)?;
            writeln!(out)?;
        }
        ReportFormat::Text => text(&y, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn dollars(usd: f64) -> String {
    money(Usd::from_dollars(usd))
}

fn rows(b: &Buckets) -> [(&'static str, &Bucket); 5] {
    [
        ("productive", &b.productive),
        ("reverted", &b.reverted),
        ("abandoned", &b.abandoned),
        ("ambiguous", &b.ambiguous),
        ("no repository", &b.no_repository),
    ]
}

fn text(y: &Yield, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Burnbar yield: {}", y.period.label)?;
    writeln!(out)?;
    let o = &y.overall;
    let sessions: u64 = rows(o).iter().map(|(_, b)| b.sessions).sum();
    if sessions == 0 {
        writeln!(out, "No sessions in this period.")?;
        return Ok(());
    }
    let mut t = Table::new(&["", "cost", "share", "sessions"], &[0]);
    for (label, b) in rows(o) {
        t.row(vec![
            label.to_string(),
            dollars(b.cost),
            format!("{:.0}%", b.share * 100.0),
            b.sessions.to_string(),
        ]);
    }
    t.write(out)?;
    writeln!(out)?;
    if o.productive_commits > 0 {
        writeln!(
            out,
            "{} productive commits, {} each; {:.0} lines added and {:.0} removed per dollar",
            o.productive_commits,
            o.cost_per_productive_commit_usd
                .map_or_else(|| "-".into(), dollars),
            o.lines_added_per_dollar.unwrap_or(0.0),
            o.lines_removed_per_dollar.unwrap_or(0.0),
        )?;
        writeln!(out)?;
    }
    if y.projects.len() > 1 {
        let mut t = Table::new(
            &[
                "project",
                "productive",
                "reverted",
                "abandoned",
                "ambiguous",
                "no repo",
            ],
            &[0],
        );
        for p in &y.projects {
            let mut cells = vec![p.project.clone()];
            cells.extend(rows(&p.buckets).iter().map(|(_, b)| dollars(b.cost)));
            t.row(cells);
        }
        t.write(out)?;
        writeln!(out)?;
    }
    for note in &y.notes {
        writeln!(out, "not read: {note}")?;
    }
    writeln!(
        out,
        "A commit counts for a session authored during it (to an hour after its last call) and \
         touching a file it edited; main = origin/HEAD, else main, else master."
    )?;
    Ok(())
}
