//! Everything the CLI prints for people: the text report and the diagnostics on stderr.

use std::io::{self, Write};

use burnbar_engine::format::{self, Display};
use burnbar_engine::ingest::SyncReport;
use burnbar_engine::report::{Figures, NameRow, Report};
use burnbar_engine::{Paths, PriceSource, Usd};

/// Money in US dollars (the CLI's reports are in USD): `$1,234.56`, `<$0.01`
/// ([`format::money`]).
pub fn money(usd: Usd) -> String {
    format::money(usd, &Display::default())
}

/// Money with its provenance marks ([`format::marked_money`]); a cell whose every call is
/// unpriced says so instead of showing an amount.
fn cost_cell(f: &Figures) -> String {
    if f.calls > 0 && f.unpriced_calls == f.calls {
        return "unpriced".to_string();
    }
    format::marked_money(
        f.cost,
        f.estimated_cost > Usd::ZERO,
        f.unpriced_calls > 0,
        &Display::default(),
    )
}

/// `1234567` -> `1,234,567`.
pub fn group_thousands(n: u64) -> String {
    format::group_thousands(u128::from(n))
}

/// Token counts as `950`, `12.3K`, `4.56M`, `1.20B`.
pub fn tokens(n: u64) -> String {
    let f = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}K", f / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2}M", f / 1e6),
        _ => format!("{:.2}B", f / 1e9),
    }
}

/// `1 call`, `2,000 calls`.
fn count(n: u64, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        group_thousands(n),
        if n == 1 { "" } else { "s" }
    )
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// A simple aligned table: the first column left-aligned, the rest right-aligned, unless a
/// column is listed in `left`.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: Vec<usize>,
}

impl Table {
    pub fn new(header: &[&str], left: &[usize]) -> Table {
        Table {
            header: header.iter().map(|s| (*s).to_string()).collect(),
            rows: Vec::new(),
            left: left.to_vec(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let n = self.header.len();
        let mut w = vec![0usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        for r in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::from("  ");
            for (i, c) in r.iter().enumerate().take(n) {
                let pad = " ".repeat(w[i] - c.chars().count());
                if i == 0 || self.left.contains(&i) {
                    line.push_str(c);
                    if i + 1 < n {
                        line.push_str(&pad);
                    }
                } else {
                    line.push_str(&pad);
                    line.push_str(c);
                }
                if i + 1 < n {
                    line.push_str("  ");
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// The readable report.
pub fn report(r: &Report, paths: &Paths, out: &mut impl Write) -> io::Result<()> {
    let range = match (r.period.range.from, r.period.range.to) {
        (Some(f), Some(t)) if f != t => format!(" ({f} to {t})"),
        _ => String::new(),
    };
    writeln!(out, "Burnbar: {}{range}, {}", r.period.label, r.timezone)?;
    writeln!(out)?;
    let o = &r.overview;
    let f = &o.figures;
    if f.calls == 0 {
        return empty(r, out);
    }
    writeln!(
        out,
        "  Spend      {}   {}, {}, {}",
        cost_cell(f),
        count(f.calls, "call"),
        count(o.sessions, "session"),
        count(o.projects, "project")
    )?;
    writeln!(
        out,
        "  Tokens     {} input, {} output, {} cache read, {} cache write",
        tokens(f.tokens.input),
        tokens(f.tokens.output),
        tokens(f.tokens.cache_read),
        tokens(f.tokens.cache_write)
    )?;
    writeln!(
        out,
        "  Cache hit  {} of prompt tokens were read from cache",
        percent(f.cache_hit_rate)
    )?;
    if !r.unpriced_models.is_empty() {
        let list: Vec<String> = r
            .unpriced_models
            .iter()
            .map(|m| format!("{} ({})", m.model, count(m.calls, "call")))
            .collect();
        writeln!(
            out,
            "  Unpriced   {} with no known price, not in the totals (marked +): {}",
            count(f.unpriced_calls, "call"),
            list.join(", ")
        )?;
    }
    if o.index_only_calls > 0 {
        writeln!(
            out,
            "  History    {} kept by the index from logs that have since been deleted",
            count(o.index_only_calls, "call")
        )?;
    }
    if f.estimated_cost.micros() > 0 {
        writeln!(
            out,
            "  Estimated  {} of the total is estimated (~)",
            money(f.estimated_cost)
        )?;
    }
    if f.session_total_cost.micros() > 0 {
        writeln!(
            out,
            "  Sessions   {} of the total is whole-session sums (dated at each session's end)",
            money(f.session_total_cost)
        )?;
    }
    sections(r, paths, out)?;
    writeln!(out)?;
    sources(r, paths, out)?;
    writeln!(out, "  Prices: {}", price_source(&r.prices))?;
    Ok(())
}

/// Which tools' logs were found and where, and which were looked for but absent.
fn sources(r: &Report, paths: &Paths, out: &mut impl Write) -> io::Result<()> {
    let mut missing = Vec::new();
    for s in &r.sources {
        let found: Vec<String> = s
            .roots
            .iter()
            .filter(|root| root.is_dir())
            .map(|root| tilde(&root.to_string_lossy(), paths))
            .collect();
        if found.is_empty() {
            missing.push(s.provider.label());
        } else {
            writeln!(
                out,
                "  Read: {} ({}) from {}",
                s.provider.label(),
                count(s.files as u64, "log file"),
                found.join(", ")
            )?;
        }
    }
    if !missing.is_empty() {
        // one line per ~80 columns: two dozen tools are looked for
        let mut line = String::from("  Not found:");
        for (i, name) in missing.iter().enumerate() {
            let sep = if i + 1 < missing.len() { "," } else { "" };
            if line.len() + name.len() + 2 > 80 {
                writeln!(out, "{line}")?;
                line = " ".repeat(12);
            }
            line.push(' ');
            line.push_str(name);
            line.push_str(sep);
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn sections(r: &Report, paths: &Paths, out: &mut impl Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "By day")?;
    let mut t = Table::new(
        &[
            "Date",
            "Cost",
            "Calls",
            "Sessions",
            "Input",
            "Output",
            "Cache read",
            "Cache write",
        ],
        &[],
    );
    for d in r.daily.iter().filter(|d| d.figures.calls > 0) {
        let f = &d.figures;
        t.row(vec![
            d.date.to_string(),
            cost_cell(f),
            group_thousands(f.calls),
            group_thousands(d.sessions),
            tokens(f.tokens.input),
            tokens(f.tokens.output),
            tokens(f.tokens.cache_read),
            tokens(f.tokens.cache_write),
        ]);
    }
    t.write(out)?;

    writeln!(out)?;
    writeln!(out, "By project")?;
    let mut t = Table::new(
        &["Project", "Cost", "Share", "Calls", "Sessions", "Path"],
        &[5],
    );
    for p in &r.projects {
        t.row(vec![
            p.name.clone(),
            cost_cell(&p.figures),
            format!("{:.0}%", p.share * 100.0),
            group_thousands(p.figures.calls),
            group_thousands(p.sessions),
            tilde(&p.path, paths),
        ]);
    }
    t.write(out)?;

    model_section(r, out)?;
    activity_section(r, out)?;
    tool_sections(r, out)?;

    writeln!(out)?;
    writeln!(out, "By tool")?;
    let mut t = Table::new(&["Tool", "Cost", "Calls", "Sessions", "Cache hit"], &[]);
    for p in &r.providers {
        t.row(vec![
            p.label.to_string(),
            cost_cell(&p.figures),
            group_thousands(p.figures.calls),
            group_thousands(p.sessions),
            percent(p.figures.cache_hit_rate),
        ]);
    }
    t.write(out)
}

fn model_section(r: &Report, out: &mut impl Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "By model")?;
    let mut t = Table::new(
        &[
            "Model",
            "Cost",
            "Calls",
            "Cache hit",
            "Output",
            "One-shot",
            "Tool",
        ],
        &[6],
    );
    for m in &r.models {
        let tools: Vec<&str> = m.providers.iter().map(|p| p.as_str()).collect();
        t.row(vec![
            m.model.clone(),
            cost_cell(&m.figures),
            group_thousands(m.figures.calls),
            percent(m.figures.cache_hit_rate),
            tokens(m.figures.tokens.output),
            one_shot(&m.figures),
            tools.join(", "),
        ]);
    }
    t.write(out)
}

fn activity_section(r: &Report, out: &mut impl Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "By activity")?;
    let mut t = Table::new(
        &[
            "Activity",
            "Cost",
            "Share",
            "Turns",
            "Edit turns",
            "One-shot",
        ],
        &[],
    );
    for a in &r.activities {
        t.row(vec![
            a.label.to_string(),
            cost_cell(&a.figures),
            format!("{:.0}%", a.share * 100.0),
            group_thousands(a.figures.turns),
            group_thousands(a.figures.edit_turns),
            one_shot(&a.figures),
        ]);
    }
    t.write(out)
}

/// "83% (5/6)", or "-" without edit turns.
fn one_shot(f: &Figures) -> String {
    match f.one_shot_rate {
        Some(rate) => format!(
            "{:.0}% ({}/{})",
            rate * 100.0,
            f.one_shot_turns,
            f.edit_turns
        ),
        None => "-".to_string(),
    }
}

/// Core tools, shell programs, MCP servers, skills and sub-agents, git branches: the top 10
/// of each that has any.
fn tool_sections(r: &Report, out: &mut impl Write) -> io::Result<()> {
    let t = &r.tools;
    let lists: [(&str, &str, &[NameRow]); 6] = [
        ("Core tools", "Tool", &t.core),
        ("Shell commands", "Program", &t.shell),
        ("MCP servers", "Server", &t.mcp),
        ("Skills", "Skill", &t.skills),
        ("Sub-agents", "Agent type", &t.agents),
        ("Git branches", "Branch", &t.branches),
    ];
    for (title, head, rows) in lists {
        if rows.is_empty() {
            continue;
        }
        writeln!(out)?;
        let more = rows.len().saturating_sub(10);
        if more > 0 {
            writeln!(out, "{title} (top 10 of {})", rows.len())?;
        } else {
            writeln!(out, "{title}")?;
        }
        let uses = if head == "Branch" { "Calls" } else { "Uses" };
        let mut table = Table::new(&[head, uses, "Cost of those calls"], &[]);
        for row in rows.iter().take(10) {
            table.row(vec![
                row.name.clone(),
                group_thousands(row.calls),
                money(row.cost),
            ]);
        }
        table.write(out)?;
    }
    Ok(())
}

/// The empty state: say what was searched, so a user can tell "no usage" from "wrong place".
fn empty(r: &Report, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "  No calls in this period.")?;
    writeln!(out)?;
    writeln!(out, "  Looked for logs in:")?;
    for s in &r.sources {
        for root in &s.roots {
            let state = if root.is_dir() { "found" } else { "not found" };
            writeln!(
                out,
                "    {:<12} {} ({state})",
                s.provider.as_str(),
                root.display()
            )?;
        }
        if s.files > 0 {
            writeln!(out, "    {:<12} {} log files read", "", s.files)?;
        }
    }
    Ok(())
}

fn tilde(path: &str, paths: &Paths) -> String {
    let home = paths.home.to_string_lossy();
    match path.strip_prefix(home.as_ref()) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("~{rest}"),
        _ => path.to_string(),
    }
}

fn price_source(s: &PriceSource) -> String {
    match s {
        PriceSource::Pinned { path } => format!("pinned table {}", path.display()),
        PriceSource::Cached { path } => {
            format!(
                "LiteLLM (cached copy {}) over the built-in table",
                path.display()
            )
        }
        PriceSource::Embedded => "built-in table (LiteLLM prices as shipped)".to_string(),
    }
}

/// Skipped lines and unreadable files, on stderr.
pub fn diagnostics(data: &SyncReport, verbose: bool) {
    let mut err = io::stderr().lock();
    for e in &data.errors {
        let _ = writeln!(err, "burnbar: warning: skipped {}", e.message);
    }
    if data.warnings.is_empty() {
        return;
    }
    if verbose {
        for w in &data.warnings {
            let _ = writeln!(
                err,
                "burnbar: skipped {}:{}: {} ({})",
                w.path.display(),
                w.line,
                w.kind.describe(),
                w.msg
            );
        }
    } else {
        let files: std::collections::HashSet<_> = data.warnings.iter().map(|w| &w.path).collect();
        let _ = writeln!(
            err,
            "burnbar: note: skipped {} unreadable log lines in {} files (--verbose lists them)",
            data.warnings.len(),
            files.len()
        );
    }
}

/// A one-line progress display on stderr for long scans (only on a terminal, only when the
/// scan reads more than 64 MB, and only after the first second).
pub struct Progress {
    tty: bool,
    started: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    pub fn new() -> Progress {
        use std::io::IsTerminal;
        Progress {
            tty: io::stderr().is_terminal(),
            started: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn show(&self, p: &burnbar_engine::ingest::Progress) {
        if !self.tty || p.bytes_total < 64 << 20 || self.started.elapsed().as_secs() < 1 {
            return;
        }
        self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
        let pct = p.bytes_done * 100 / p.bytes_total.max(1);
        let _ = write!(
            io::stderr(),
            "\rburnbar: indexing {} of {} log files ({} MB of {} MB, {pct}%)",
            p.files_done,
            p.files_total,
            p.bytes_done >> 20,
            p.bytes_total >> 20
        );
    }

    pub fn finish(&self) {
        if self.shown.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = writeln!(io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rounds_to_cents_and_groups_thousands() {
        assert_eq!(money(Usd(1_234_567_890)), "$1,234.57");
        assert_eq!(money(Usd(0)), "$0.00");
        assert_eq!(money(Usd(4_999)), "<$0.01");
        assert_eq!(money(Usd(5_000)), "$0.01");
        assert_eq!(money(Usd(-1_500_000)), "-$1.50");
    }

    #[test]
    fn tokens_are_compact() {
        assert_eq!(tokens(999), "999");
        assert_eq!(tokens(12_345), "12.3K");
        assert_eq!(tokens(4_560_000), "4.56M");
        assert_eq!(tokens(1_200_000_000), "1.20B");
    }
}
