//! # burnbar-engine
//!
//! Reads the session logs AI coding tools already write, prices every call, and aggregates
//! where the money went. No UI, no printing: the CLI (`burnbar`) and the tray app are thin
//! shells over this crate.
//!
//! ## Pipeline
//!
//! ```text
//! providers ──► ingest ──► merge ──► pricing ──► store ──► aggregate ──► report / export
//! (one per      (cursors,  (copies   (LiteLLM)   (SQLite   (days, models,  (JSON payload,
//!  tool)         parallel)  -> call)              index)    projects)       CSV/JSON rows)
//! ```
//!
//! - [`providers`]: one file per tool behind the [`Provider`](providers::Provider) trait; they
//!   parse and nothing else ([`providers::claude_code`], [`providers::codex`],
//!   [`providers::gemini`], [`providers::opencode`]).
//! - [`ingest`]: discovers files, reads only what was appended since the stored cursor, in
//!   parallel, and upserts calls into the [`store`] (one SQLite file) in one transaction.
//! - [`merge`]: copies of one call (streamed lines, replays, mirrors) become one, by an
//!   order-independent rule; [`project`] canonicalises working directories.
//! - [`classify`]: deterministic activity categories, retries and one-shot per turn. Providers
//!   report each call's tool uses (names, hashed paths, shell program names) and each prompt's
//!   classifier signature, never its text; the store puts turns together per session when it
//!   rebuilds the rollups, so a turn is classified whole whatever order its lines arrived in.
//! - [`compare`]: models side by side (one-shot, retries, cost per edit, cache hit).
//! - [`pricing`]: LiteLLM-format tables, model-id normalisation, the exact cost formula in
//!   integer pico-USD; unknown models stay *unpriced*, never $0.
//! - [`aggregate`]: filters and exact rollups; [`report`] and [`export`] shape the output.
//! - [`watch`]: the file-watch loop (notify) that keeps the index current for the tray and
//!   `burnbar watch`.
//! - [`paths`] is the only reader of the environment and [`clock`] the only reader of the
//!   wall clock, so tests inject both.
//!
//! Money is integer micro-USD ([`Usd`]); timestamps are UTC milliseconds; days are calendar
//! days of a caller-chosen IANA zone.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aggregate;
pub mod budget;
pub mod classify;
pub mod clock;
pub mod compare;
pub mod engine;
pub mod error;
pub mod export;
pub mod format;
pub mod ingest;
pub mod lenient;
pub mod merge;
pub mod model;
pub mod paths;
pub mod pricing;
pub mod project;
pub mod providers;
pub mod report;
pub mod rollup;
pub mod settings;
pub mod snapshot;
pub mod store;
pub mod time;
pub mod watch;

pub use aggregate::{Call, Filter, Totals};
pub use budget::{Budget, BudgetPeriod, BudgetStatus, Crossing, Runaway};
pub use clock::{Clock, FixedClock, SystemClock};
pub use engine::{Dataset, Engine};
pub use error::{Error, Result, Warning, WarningKind};
pub use model::{CostSource, ProviderId, Tokens, UsageEvent, Usd};
pub use paths::Paths;
pub use pricing::{PriceSource, Pricer};
pub use report::Report;
pub use settings::Settings;
pub use snapshot::{Snapshot, SnapshotData, View};
pub use time::{DayRange, Period, Span};
