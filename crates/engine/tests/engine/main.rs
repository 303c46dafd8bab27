//! The engine's integration tests: one binary (fast to link), one module per area.

#![allow(clippy::unwrap_used)] // test helpers may panic
// tests favour plain, explicit code over pedantic style
#![allow(
    clippy::too_many_lines,
    clippy::doc_markdown,
    clippy::similar_names,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::format_collect,
    clippy::needless_range_loop,
    clippy::redundant_closure_for_method_calls,
    clippy::needless_pass_by_value
)]

mod aider;
mod amp;
mod blocks;
mod budget;
mod claude_code;
mod cline;
mod codebuff;
mod codex;
mod copilot;
mod corpus;
mod cursor;
mod cursor_agent;
mod every_tool;
mod gemini;
mod hostile;
mod kimi;
mod kiro;
mod limits;
mod live;
mod metrics;
mod openclaw;
mod opencode;
mod optimize;
mod pricing;
mod properties;
mod qwen_pi;
mod report;
mod session_totals;
mod store;
mod support;
mod turns;
mod watch;
mod yields;
