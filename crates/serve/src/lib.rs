//! # burnbar-serve
//!
//! Team metrics over the engine's index (issue: every machine's spend in Prometheus or any
//! OpenTelemetry backend). Burnbar builds no server of its own to roll machines up: each
//! machine exposes its ledger, and the engines teams already run do the rest.
//!
//! - [`Source`]: the figures, computed from the index when it changed (or the day did) and
//!   kept until it changes again, so an idle endpoint does no work between requests and log
//!   writes.
//! - [`exposition`]: the Prometheus text format (0.0.4) and `OpenMetrics`, by
//!   `prometheus-client` (no hand-formatting).
//! - [`http`]: `GET /metrics`, `GET /api/report?period=…`, `GET /healthz` on axum; loopback by
//!   default, a bearer token (compared in constant time) for any other address, bounded
//!   requests and a rate limit.
//! - [`push`]: OTLP/HTTP (protobuf) metrics with cumulative temporality through the official
//!   `opentelemetry` SDK, on its own thread, retried with backoff.
//!
//! The metric names and what they mean are in [`burnbar_engine::metrics`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod exposition;
pub mod http;
pub mod push;
mod source;

pub use source::Source;
