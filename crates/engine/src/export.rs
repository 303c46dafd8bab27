//! `burnbar export`: one row per (date, provider, model, project), as CSV or JSON.
//!
//! Columns: `date,provider,model,project,calls,input_tokens,output_tokens,cache_read_tokens,
//! cache_write_5m_tokens,cache_write_1h_tokens,reasoning_tokens,web_search_requests,cost_usd,
//! cost_source`. `model` is the id as the tool logged it. `cost_usd` has six decimals and is
//! empty (CSV) or `null` (JSON) for unpriced rows: an unknown cost is never written as 0.
//! CSV cells that a spreadsheet would run as a formula (`= + - @`, tab, CR) are prefixed with
//! `'`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::aggregate::{Filter, Slice, rollup};
use crate::model::{CostSource, ProviderId, Usd};

/// The CSV header, in column order.
pub const COLUMNS: [&str; 14] = [
    "date",
    "provider",
    "model",
    "project",
    "calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "web_search_requests",
    "cost_usd",
    "cost_source",
];

/// One export row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// Calendar day in the export's zone.
    pub date: NaiveDate,
    /// Tool.
    pub provider: ProviderId,
    /// Model as logged.
    pub model: String,
    /// Canonical project path.
    pub project: String,
    /// Calls.
    pub calls: u64,
    /// Fresh input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cache-read tokens.
    pub cache_read_tokens: u64,
    /// 5-minute cache-write tokens.
    pub cache_write_5m_tokens: u64,
    /// 1-hour cache-write tokens.
    pub cache_write_1h_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_tokens: u64,
    /// Web searches.
    pub web_search_requests: u64,
    /// Cost in USD; `None` when unpriced.
    pub cost_usd: Option<Usd>,
    /// computed | reported | estimated | unpriced.
    pub cost_source: CostSource,
}

/// The rows for the slices that pass `filter`, ordered by (date, provider, model, project).
pub fn rows(slices: &[Slice], filter: &Filter) -> Vec<ExportRow> {
    rollup(slices.iter().filter(|s| filter.keeps(s)))
        .into_iter()
        .map(|((date, provider, model, project), t)| ExportRow {
            date,
            provider,
            model,
            project,
            calls: t.calls,
            input_tokens: t.tokens.input,
            output_tokens: t.tokens.output,
            cache_read_tokens: t.tokens.cache_read,
            cache_write_5m_tokens: t.tokens.cache_write_5m,
            cache_write_1h_tokens: t.tokens.cache_write_1h,
            reasoning_tokens: t.tokens.reasoning,
            web_search_requests: t.tokens.web_search_requests,
            cost_usd: (!t.is_unpriced()).then_some(t.cost),
            cost_source: t.cost_source.unwrap_or(CostSource::Computed),
        })
        .collect()
}

/// Writes rows as CSV (RFC 4180 quoting, formula-injection escaping).
pub fn write_csv(rows: &[ExportRow], out: &mut impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))?;
    for r in rows {
        let cells = [
            r.date.to_string(),
            r.provider.as_str().to_string(),
            r.model.clone(),
            r.project.clone(),
            r.calls.to_string(),
            r.input_tokens.to_string(),
            r.output_tokens.to_string(),
            r.cache_read_tokens.to_string(),
            r.cache_write_5m_tokens.to_string(),
            r.cache_write_1h_tokens.to_string(),
            r.reasoning_tokens.to_string(),
            r.web_search_requests.to_string(),
            r.cost_usd.map(Usd::to_decimal_string).unwrap_or_default(),
            r.cost_source.as_str().to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// Escapes one CSV cell: a leading `= + - @ \t \r` gets a `'` so spreadsheets do not run it;
/// cells with commas, quotes or line breaks are quoted.
pub fn csv_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitfall_50_csv_formula_injection_is_escaped() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-Users-me-app"), "'-Users-me-app");
        assert_eq!(csv_cell("@sum"), "'@sum");
        assert_eq!(csv_cell("/home/a,b"), "\"/home/a,b\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
