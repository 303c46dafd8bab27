//! # burnbar-engine
//!
//! Reads the session logs AI coding tools already write, prices every call, and aggregates
//! where the money went. No UI, no printing: the CLI (`burnbar`) and the tray app are thin
//! shells over this crate.
//!
//! ## Pipeline
//!
//! ```text
//! providers ──► ingest ──────────► store (SQLite index) ──► rollup ──► report / snapshot / export
//!  (one per     plan: what to read   calls, files, turns     (pure)      budgets, alerts, compare
//!   tool)       pipeline: readers    slices, tool_slices
//!               and one writer
//! ```
//!
//! - [`providers`]: one module per tool behind the [`Provider`](providers::Provider) trait,
//!   parsing and nothing else: Claude Code, Codex, Gemini CLI, OpenCode (files and database),
//!   Qwen Code, Pi, GitHub Copilot CLI and Cursor. Tool quirks the rest of the engine must
//!   know of are trait hooks; [`lenient`] holds the forgiving JSON field types they share.
//! - [`ingest`]: decides which files to read and from where (each byte once), reads them in
//!   parallel, and stores their calls through one writer in one transaction. On the way,
//!   [`merge`] makes one call of its copies, [`pricing`] prices it (integer pico-USD; unknown
//!   models stay *unpriced*, never $0) and [`project`] canonicalises its working directory.
//! - [`store`]: persistence only: calls, file cursors, prompt signatures and the derived
//!   rollup tables.
//! - [`classify`] and [`rollup`]: pure. Turns are put together from a session's prompts and
//!   calls ([`classify::turns`]), classified (13 activities, retries, one-shot), and summed
//!   into the slices reports read ([`rollup::session`]).
//! - [`aggregate`] (filters, exact [`Totals`]), [`report`], [`snapshot`], [`export`],
//!   [`compare`], [`budget`] and [`format`](mod@format) make the answers; [`engine`] ties it together and
//!   [`watch`] keeps the index current from file notifications.
//! - [`paths`] is the only reader of the environment and [`clock`] the only reader of the
//!   wall clock, so tests inject both.
//!
//! Money is integer micro-USD ([`Usd`]); timestamps are UTC milliseconds; days are calendar
//! days of a caller-chosen IANA zone. `docs/architecture.md` in the repository says more.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aggregate;
pub mod blocks;
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
pub mod limits;
pub mod merge;
pub mod metrics;
pub mod model;
pub mod optimize;
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
pub mod untrusted;
pub mod watch;
pub mod yields;

pub use aggregate::{Call, Filter, Totals};
pub use budget::{Budget, BudgetPeriod, BudgetStatus, Crossing, Runaway};
pub use clock::{Clock, FixedClock, SystemClock};
pub use engine::{DueAlerts, Engine};
pub use error::{Error, IndexFallback, Result, Warning, WarningKind};
pub use model::{CostSource, ProviderId, Tokens, UsageEvent, Usd};
pub use paths::Paths;
pub use pricing::{PriceSource, Pricer};
pub use report::Report;
pub use settings::Settings;
pub use snapshot::{Snapshot, SnapshotData, View};
pub use time::{DayRange, Period, Span};
