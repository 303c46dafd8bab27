//! The scan: discover every provider's files, read them in parallel, merge duplicate calls,
//! and canonicalise projects.
//!
//! **Merging duplicates** (streamed copies, resumed-session replays, progress mirrors, archived
//! rollouts) is a commutative rule per dedup key, so the result never depends on file order:
//! - timestamp: the earliest copy's;
//! - usage and model: the most complete copy's ([`UsageEvent::completeness`]);
//! - session and project: the copy from the file that was written first, i.e. the original
//!   session rather than the one that replayed it. "First" is judged by content before
//!   metadata: the file whose latest call is earliest (a resumed session's file always ends
//!   after the original's), then the older mtime, then the path. Content first keeps the
//!   answer right when mtimes are lost (copied or cloned trees).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::Warning;
use crate::model::{ProviderId, UsageEvent};
use crate::paths::Paths;
use crate::project::Projects;
use crate::providers::{Batch, Cursor, Provider};

/// A file we could not read: the run goes on without it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileError {
    /// Which provider.
    pub provider: ProviderId,
    /// The file.
    pub path: PathBuf,
    /// The error, naming the file.
    pub message: String,
}

/// What was looked at for one provider.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// Which provider.
    pub provider: ProviderId,
    /// Its roots, as searched.
    pub roots: Vec<PathBuf>,
    /// How many of the roots exist.
    pub roots_found: usize,
    /// Log files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct Scan {
    /// Unique calls.
    pub events: Vec<UsageEvent>,
    /// Lines skipped, with why.
    pub warnings: Vec<Warning>,
    /// Files that could not be read.
    pub errors: Vec<FileError>,
    /// Per-provider source summaries.
    pub sources: Vec<SourceInfo>,
}

struct SourceFile {
    provider: usize,
    path: PathBuf,
    mtime_ms: i64,
    len: u64,
}

/// Scans `providers` (those in `only`, when given) under `paths`.
pub fn scan(
    providers: &[Box<dyn Provider>],
    paths: &Paths,
    only: Option<&[ProviderId]>,
    probe_projects: bool,
) -> Scan {
    let mut scan = Scan::default();
    let mut files = Vec::new();
    for (i, p) in providers.iter().enumerate() {
        if only.is_some_and(|o| !o.contains(&p.id())) {
            continue;
        }
        let roots = p.roots(paths);
        let found = p.discover(paths);
        let mut info = SourceInfo {
            provider: p.id(),
            roots_found: roots.iter().filter(|r| r.is_dir()).count(),
            roots,
            files: found.len(),
            bytes: 0,
        };
        for path in found {
            let meta = std::fs::metadata(&path).ok();
            let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
            info.bytes += len;
            let mtime_ms = meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            files.push(SourceFile {
                provider: i,
                path,
                mtime_ms,
                len,
            });
        }
        scan.sources.push(info);
    }
    // Big files first keeps both cores busy to the end.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].len));
    let mut results: Vec<(usize, Result<Batch, String>)> = order
        .into_par_iter()
        .map(|i| {
            let f = &files[i];
            let mut batch = Batch::default();
            let r = providers[f.provider].read(&f.path, &Cursor::START, &mut batch);
            (i, r.map(|_| batch).map_err(|e| e.to_string()))
        })
        .collect();
    results.sort_by_key(|(i, _)| *i);
    let mut merger = Merger::default();
    for (i, result) in results {
        let f = &files[i];
        match result {
            Ok(batch) => {
                scan.warnings.extend(batch.warnings);
                let latest = batch.events.iter().map(|e| e.timestamp_ms).max();
                let rank = (latest.unwrap_or(i64::MAX), f.mtime_ms, i);
                for e in batch.events {
                    merger.add(e, rank);
                }
            }
            Err(message) => scan.errors.push(FileError {
                provider: providers[f.provider].id(),
                path: f.path.clone(),
                message,
            }),
        }
    }
    scan.events = merger.finish();
    let mut projects = Projects::new(probe_projects);
    for e in &mut scan.events {
        e.project = projects.canonical(&e.project);
    }
    scan
}

/// Orders source files: lower = written first (latest call, mtime, discovery index).
pub type Rank = (i64, i64, usize);

/// Merges copies of the same call (see the module docs).
#[derive(Default)]
pub struct Merger {
    index: HashMap<(ProviderId, String), usize>,
    merged: Vec<(UsageEvent, Rank)>,
}

impl Merger {
    /// Adds one copy; `rank` orders source files (lower = written first).
    pub fn add(&mut self, e: UsageEvent, rank: Rank) {
        match self.index.entry((e.provider, e.key.clone())) {
            Entry::Vacant(v) => {
                v.insert(self.merged.len());
                self.merged.push((e, rank));
            }
            Entry::Occupied(o) => {
                let (m, m_rank) = &mut self.merged[*o.get()];
                let earliest = m.timestamp_ms.min(e.timestamp_ms);
                let owner_is_new = rank < *m_rank;
                let (session, project) = if owner_is_new {
                    (e.session_id.clone(), e.project.clone())
                } else {
                    (
                        std::mem::take(&mut m.session_id),
                        std::mem::take(&mut m.project),
                    )
                };
                if e.completeness() > m.completeness() {
                    *m = e;
                }
                m.timestamp_ms = earliest;
                m.session_id = session;
                m.project = project;
                if owner_is_new {
                    *m_rank = rank;
                }
            }
        }
    }

    /// The merged calls, in first-seen order.
    pub fn finish(self) -> Vec<UsageEvent> {
        self.merged.into_iter().map(|(e, _)| e).collect()
    }
}
