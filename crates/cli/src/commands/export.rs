//! `burnbar export`.

use std::io::Write;

use anyhow::{Context, Result};
use burnbar_engine::export::{ExportRow, write_csv};
use serde::Serialize;

use crate::args::{ExportArgs, ExportFormat};
use crate::setup::Setup;

/// The JSON export document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportDoc<'a> {
    schema: &'static str,
    generated: String,
    period: &'a burnbar_engine::Span,
    timezone: &'a str,
    currency: &'static str,
    rows: &'a [ExportRow],
}

pub fn run(args: &ExportArgs, ctx: &Setup) -> Result<()> {
    let rows = ctx.engine.export(&ctx.filter)?;
    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        ExportFormat::Csv => write_csv(&rows, &mut buf)?,
        ExportFormat::Json => {
            let doc = ExportDoc {
                schema: "burnbar.export.v1",
                generated: ctx.clock.now().to_rfc3339(),
                period: &ctx.span,
                timezone: ctx.filter.tz.name(),
                currency: "USD",
                rows: &rows,
            };
            serde_json::to_writer_pretty(&mut buf, &doc)?;
            buf.push(b'\n');
        }
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &buf).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(())
}
