//! `burnbar compare`.

use std::io::Write;

use anyhow::Result;
use burnbar_engine::Usd;
use burnbar_engine::compare::{Comparison, ModelStats};

use crate::args::{CompareArgs, ReportFormat};
use crate::render::{Table, money};
use crate::setup::Setup;

pub fn run(args: &CompareArgs, ctx: &Setup) -> Result<()> {
    let c = ctx
        .engine
        .compare(&ctx.filter, ctx.span.clone(), &args.models, args.top)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &c)?;
            writeln!(out)?;
        }
        ReportFormat::Text => text(&c, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("{:.0}%", r * 100.0))
}

fn num(r: Option<f64>, decimals: usize) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("{r:.decimals$}"))
}

fn usd(u: Option<Usd>) -> String {
    u.map_or_else(
        || "-".to_string(),
        |u| burnbar_engine::format::money_places(u, &burnbar_engine::format::Display::default(), 3),
    )
}

/// Marks the best value of a row with `*` (`higher`: higher is better); no mark on ties or
/// when fewer than two columns have a value.
fn mark(cells: Vec<String>, values: &[Option<f64>], higher: bool) -> Vec<String> {
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    if known.len() < 2 {
        return cells;
    }
    let best = if higher {
        known.iter().copied().fold(f64::MIN, f64::max)
    } else {
        known.iter().copied().fold(f64::MAX, f64::min)
    };
    if known.iter().filter(|v| (**v - best).abs() < 1e-12).count() > 1 {
        return cells;
    }
    cells
        .into_iter()
        .zip(values)
        .map(|(c, v)| match v {
            Some(v) if (*v - best).abs() < 1e-12 => format!("{c} *"),
            _ => c,
        })
        .collect()
}

/// How a metric is shown, and which way is better (`None`: neither).
struct Metric {
    label: &'static str,
    value: fn(&ModelStats) -> Option<f64>,
    show: fn(&ModelStats) -> String,
    higher_is_better: Option<bool>,
}

const METRICS: &[Metric] = &[
    Metric {
        label: "Calls",
        value: |_| None,
        show: |s| s.calls.to_string(),
        higher_is_better: None,
    },
    Metric {
        label: "Cost",
        value: |_| None,
        show: |s| money(s.cost),
        higher_is_better: None,
    },
    Metric {
        label: "Turns",
        value: |_| None,
        show: |s| s.turns.to_string(),
        higher_is_better: None,
    },
    Metric {
        label: "Edit turns",
        value: |_| None,
        show: |s| s.edit_turns.to_string(),
        higher_is_better: None,
    },
    Metric {
        label: "One-shot rate",
        value: |s| s.one_shot_rate,
        show: |s| pct(s.one_shot_rate),
        higher_is_better: Some(true),
    },
    Metric {
        label: "Retries per edit turn",
        value: |s| s.retry_rate,
        show: |s| num(s.retry_rate, 2),
        higher_is_better: Some(false),
    },
    Metric {
        label: "Self-correction",
        value: |s| s.self_correction_rate,
        show: |s| pct(s.self_correction_rate),
        higher_is_better: Some(false),
    },
    Metric {
        label: "Cost per call",
        value: |s| s.cost_per_call.map(Usd::as_f64),
        show: |s| usd(s.cost_per_call),
        higher_is_better: Some(false),
    },
    Metric {
        label: "Cost per edit turn",
        value: |s| s.cost_per_edit.map(Usd::as_f64),
        show: |s| usd(s.cost_per_edit),
        higher_is_better: Some(false),
    },
    Metric {
        label: "Output tokens per call",
        value: |s| s.output_per_call,
        show: |s| num(s.output_per_call, 0),
        higher_is_better: Some(false),
    },
    Metric {
        label: "Cache hit",
        value: |s| s.cache_hit_rate,
        show: |s| pct(s.cache_hit_rate),
        higher_is_better: Some(true),
    },
    Metric {
        label: "Tool uses per turn",
        value: |s| s.tools_per_turn,
        show: |s| num(s.tools_per_turn, 1),
        higher_is_better: None,
    },
];

fn text(c: &Comparison, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Burnbar compare: {}", c.period.label)?;
    writeln!(out)?;
    let mut head = vec![""];
    head.extend(c.models.iter().map(|m| m.label.as_str()));
    let mut table = Table::new(&head, &[]);
    for metric in METRICS {
        let cells: Vec<String> = c.models.iter().map(metric.show).collect();
        let cells = match metric.higher_is_better {
            Some(higher) => {
                let values: Vec<Option<f64>> = c.models.iter().map(metric.value).collect();
                mark(cells, &values, higher)
            }
            None => cells,
        };
        let mut row = vec![metric.label.to_string()];
        row.extend(cells);
        table.row(row);
    }
    table.write(out)?;
    if !c.categories.is_empty() {
        writeln!(out)?;
        writeln!(out, "One-shot rate by activity (edit turns)")?;
        let mut table = Table::new(&head, &[]);
        for r in &c.categories {
            let values: Vec<Option<f64>> = r.one_shot.iter().map(|x| x.one_shot_rate).collect();
            let cells = r
                .one_shot
                .iter()
                .map(|x| format!("{} ({})", pct(x.one_shot_rate), x.edit_turns))
                .collect();
            let mut row = vec![r.label.to_string()];
            row.extend(mark(cells, &values, true));
            table.row(row);
        }
        table.write(out)?;
    }
    writeln!(out)?;
    for s in c
        .models
        .iter()
        .filter(|s| s.models.len() > 1 || s.models[0] != s.label)
    {
        writeln!(out, "  {} = {}", s.label, s.models.join(", "))?;
    }
    writeln!(
        out,
        "  * = better. A turn counts for the model of its first call; rates over turns in the period."
    )?;
    Ok(())
}
