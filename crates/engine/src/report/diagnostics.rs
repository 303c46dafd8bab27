//! What a report says about the reading itself: lines skipped (counted by tool and kind, with
//! how many files they were in) and files that could not be read.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::{FileError, IndexFallback, Warning, WarningKind};
use crate::model::ProviderId;

/// Problems met while reading.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    /// Skipped lines, counted by provider and kind.
    pub skipped: Vec<SkippedCount>,
    /// Files that could not be read.
    pub errors: Vec<FileError>,
    /// Set when the on-disk index failed and this run used a temporary in-memory one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_fallback: Option<IndexFallback>,
}

/// A count of skipped lines.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedCount {
    /// Which provider.
    pub provider: ProviderId,
    /// What kind of problem.
    pub kind: WarningKind,
    /// How many lines.
    pub count: u64,
    /// In how many files.
    pub files: u64,
}

impl Diagnostics {
    /// Counts warnings by provider and kind.
    pub fn from_warnings<'w>(
        warnings: impl IntoIterator<Item = &'w Warning>,
        errors: Vec<FileError>,
    ) -> Diagnostics {
        let mut counts: BTreeMap<(ProviderId, WarningKind), (u64, BTreeSet<&std::path::Path>)> =
            BTreeMap::new();
        for w in warnings {
            let e = counts.entry((w.provider, w.kind)).or_default();
            e.0 += 1;
            e.1.insert(w.path.as_path());
        }
        Diagnostics {
            skipped: counts
                .into_iter()
                .map(|((provider, kind), (count, files))| SkippedCount {
                    provider,
                    kind,
                    count,
                    files: files.len() as u64,
                })
                .collect(),
            errors,
            index_fallback: None,
        }
    }
}
