//! The engine: owns the providers and the pricer, and turns the logs on disk into priced calls.

use chrono::{DateTime, Utc};

use crate::aggregate::{Call, Filter};
use crate::error::Warning;
use crate::export::{self, ExportRow};
use crate::ingest::{self, FileError, SourceInfo};
use crate::model::ProviderId;
use crate::paths::Paths;
use crate::pricing::{PriceSource, Pricer};
use crate::providers::{self, Provider};
use crate::report::Report;
use crate::time::Span;

/// Every priced call plus what the scan met.
#[derive(Debug)]
pub struct Dataset {
    /// Unique, priced calls.
    pub calls: Vec<Call>,
    /// Lines skipped.
    pub warnings: Vec<Warning>,
    /// Files that could not be read.
    pub errors: Vec<FileError>,
    /// What was searched, per provider.
    pub sources: Vec<SourceInfo>,
    /// The price table used.
    pub price_source: PriceSource,
}

/// The engine.
pub struct Engine {
    paths: Paths,
    pricer: Pricer,
    providers: Vec<Box<dyn Provider>>,
    probe_projects: bool,
}

impl Engine {
    /// An engine over every shipped provider.
    pub fn new(paths: Paths, pricer: Pricer) -> Engine {
        Engine {
            paths,
            pricer,
            providers: providers::all(),
            probe_projects: true,
        }
    }

    /// Whether project canonicalisation may look for `.git` worktree links on this machine
    /// (on by default; off makes results independent of the local file system).
    #[must_use]
    pub fn with_project_probing(mut self, on: bool) -> Engine {
        self.probe_projects = on;
        self
    }

    /// The paths in use.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The pricer in use.
    pub fn pricer(&self) -> &Pricer {
        &self.pricer
    }

    /// Reads every provider (or those in `only`) and prices the calls.
    pub fn load(&self, only: Option<&[ProviderId]>) -> Dataset {
        let scan = ingest::scan(&self.providers, &self.paths, only, self.probe_projects);
        let prices = self.pricer.price_all(&scan.events);
        let calls = scan
            .events
            .into_iter()
            .zip(prices)
            .map(|(event, (cost, cost_source))| Call {
                event,
                cost,
                cost_source,
            })
            .collect();
        Dataset {
            calls,
            warnings: scan.warnings,
            errors: scan.errors,
            sources: scan.sources,
            price_source: self.pricer.source().clone(),
        }
    }
}

impl Dataset {
    /// The report for `filter`.
    pub fn report(&self, filter: &Filter, span: Span, now: DateTime<Utc>) -> Report {
        Report::build(self, filter, span, now)
    }

    /// The export rows for `filter`.
    pub fn export(&self, filter: &Filter) -> Vec<ExportRow> {
        export::rows(&self.calls, filter)
    }
}
