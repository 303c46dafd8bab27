//! Which files a sync reads, and from where: the "read each byte once" decision.
//!
//! Every log file the providers discover is stat'ed (in parallel: on a warm run that is nearly
//! all the work) and its [`FileIdentity`] compared with what the index recorded
//! ([`resume_from`]). Only new and changed files are read; a grown one from where the last
//! read stopped.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{SyncOptions, SyncReport};
use crate::error::FileError;
use crate::paths::Paths;
use crate::providers::{Cursor, Provider, SourceInfo};
use crate::store::{FileIdentity, FileRecord};

/// A file to read.
pub(super) struct Plan {
    pub(super) provider: usize,
    pub(super) record: FileRecord,
    /// Where to start; `Cursor::START` means the record's counts restart too.
    pub(super) from: Cursor,
    /// The record is not stored yet (its id is reserved): it is inserted with its calls.
    pub(super) new: bool,
}

impl Plan {
    /// Bytes this plan reads.
    pub(super) fn bytes(&self) -> u64 {
        self.record.identity.size.saturating_sub(self.from.offset)
    }
}

/// What to do with a file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Read {
    /// Unchanged since it was last read: not even opened.
    Skip,
    /// Read from this cursor ([`Cursor::START`]: from the beginning).
    From(Cursor),
}

/// Where to read a file whose identity is now `now`, given the index's record of it
/// (`stored`). `offset_cursor` says whether the provider's cursor is a byte offset into an
/// append-only file ([`Provider::offset_cursor`]).
///
/// - unchanged (same identity) and present: skip; the same, but recorded as gone: it came
///   back, resume;
/// - a provider's own cursor (a database's last-seen row) on the same file: hand it back;
/// - the same file grown (bigger, and not below the cursor): resume from the cursor;
/// - anything else (new, replaced by another inode, shrunk, rewritten in place): from the
///   start. Dedup keys make re-reading harmless; reading a byte twice is the only cost.
pub(crate) fn resume_from(
    stored: Option<&FileRecord>,
    now: FileIdentity,
    offset_cursor: bool,
) -> Read {
    let Some(k) = stored else {
        return Read::From(Cursor::START);
    };
    if k.identity == now {
        return if k.present {
            Read::Skip
        } else {
            Read::From(k.cursor.clone())
        };
    }
    let same = k.identity.same_file(&now);
    if same && (!offset_cursor || (now.size >= k.cursor.offset && now.size > k.identity.size)) {
        return Read::From(k.cursor.clone());
    }
    Read::From(Cursor::START)
}

/// A source's identity: the first file's device and inode, the summed size and the latest
/// mtime of all its identity files (missing sidecars count as empty).
fn source_identity(p: &dyn Provider, path: &Path) -> Option<FileIdentity> {
    let files = p.identity_paths(path);
    let (first, rest) = files.split_first()?;
    let mut id = identity(first)?;
    for f in rest {
        if let Some(other) = identity(f) {
            id.size += other.size;
            id.mtime_ms = id.mtime_ms.max(other.mtime_ms);
        }
    }
    Some(id)
}

/// Stats `path` (a regular file).
fn identity(path: &Path) -> Option<FileIdentity> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some(FileIdentity {
        dev,
        ino,
        size: meta.len(),
        mtime_ms: mtime,
    })
}

/// Decides which files to read and from where; fills `report.sources`.
pub(super) fn plan(
    providers: &[Box<dyn Provider>],
    paths: &Paths,
    opts: &SyncOptions<'_>,
    known: &FxHashMap<OsString, FileRecord>,
    projects: &[String],
    unseen: &mut FxHashSet<&OsStr>,
    report: &mut SyncReport,
) -> Vec<Plan> {
    let mut plans = Vec::new();
    for (i, p) in providers.iter().enumerate() {
        if opts.only.is_some_and(|o| !o.contains(&p.id())) {
            continue;
        }
        let files: Vec<PathBuf> = match opts.changed {
            Some(changed) => {
                let mut v: Vec<PathBuf> = changed
                    .iter()
                    .filter_map(|f| p.source_for(paths, f))
                    .collect();
                v.sort();
                v.dedup();
                v
            }
            None => {
                let mut listing = p.discover(paths);
                listing
                    .files
                    .extend(p.discover_in_projects(paths, projects));
                // nothing is left out without a word: what the search could not look into
                // is reported like a file that could not be read
                report
                    .errors
                    .extend(listing.skipped.into_iter().map(|s| FileError {
                        provider: p.id(),
                        path: s.path,
                        message: s.reason,
                    }));
                listing.files
            }
        };
        // stat in parallel: on a warm run this is nearly all the work
        let stats: Vec<Option<FileIdentity>> = files
            .par_iter()
            .map(|f| source_identity(p.as_ref(), f))
            .collect();
        let mut bytes = 0;
        for (path, stat) in files.iter().zip(stats) {
            let Some(now) = stat else {
                continue;
            };
            bytes += now.size;
            report.files_seen += 1;
            unseen.remove(path.as_os_str());
            let stored = known.get(path.as_os_str());
            let Read::From(from) = resume_from(stored, now, p.offset_cursor()) else {
                continue; // unchanged: not even opened
            };
            let mut record = stored.cloned().unwrap_or(FileRecord {
                id: 0,
                provider: p.id(),
                path: path.clone(),
                identity: now,
                cursor: Cursor::START,
                latest_ms: i64::MAX,
                skipped: [0; 4],
                tail: None,
                present: true,
            });
            record.identity = now;
            record.path.clone_from(path);
            plans.push(Plan {
                provider: i,
                record,
                from,
                new: false,
            });
        }
        if opts.changed.is_none() {
            add_source(report, p.as_ref(), paths, files.len(), bytes);
        }
    }
    plans
}

/// Records what a full scan looked at for `p`: one entry per tool, even when several readers
/// serve it (OpenCode's files and database).
fn add_source(report: &mut SyncReport, p: &dyn Provider, paths: &Paths, files: usize, bytes: u64) {
    let mut roots = p.roots(paths);
    match report.sources.iter_mut().find(|s| s.provider == p.id()) {
        Some(s) => {
            // readers of one tool may share a root (OpenClaw's transcripts and its database)
            roots.retain(|r| !s.roots.contains(r));
            s.roots_found += roots.iter().filter(|r| r.is_dir()).count();
            s.roots.extend(roots);
            s.files += files;
            s.bytes += bytes;
        }
        None => report.sources.push(SourceInfo {
            provider: p.id(),
            roots_found: roots.iter().filter(|r| r.is_dir()).count(),
            roots,
            files,
            bytes,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProviderId;

    const BEFORE: FileIdentity = FileIdentity {
        dev: 1,
        ino: 42,
        size: 1000,
        mtime_ms: 5_000,
    };

    fn stored(cursor_at: u64, present: bool) -> FileRecord {
        FileRecord {
            id: 1,
            provider: ProviderId::ClaudeCode,
            path: PathBuf::from("/logs/a.jsonl"),
            identity: BEFORE,
            cursor: Cursor {
                offset: cursor_at,
                state: None,
            },
            latest_ms: 0,
            skipped: [0; 4],
            tail: None,
            present,
        }
    }

    fn at(offset: u64) -> Read {
        Read::From(Cursor {
            offset,
            state: None,
        })
    }

    #[test]
    fn a_new_file_is_read_from_the_start() {
        assert_eq!(resume_from(None, BEFORE, true), Read::From(Cursor::START));
    }

    #[test]
    fn an_unchanged_file_is_not_opened_unless_it_came_back() {
        assert_eq!(
            resume_from(Some(&stored(990, true)), BEFORE, true),
            Read::Skip
        );
        assert_eq!(
            resume_from(Some(&stored(990, false)), BEFORE, true),
            at(990),
            "recorded as gone, found again: resume"
        );
    }

    #[test]
    fn a_grown_file_resumes_from_its_cursor() {
        let grown = FileIdentity {
            size: 1500,
            mtime_ms: 6_000,
            ..BEFORE
        };
        assert_eq!(resume_from(Some(&stored(990, true)), grown, true), at(990));
    }

    #[test]
    fn a_shrunk_replaced_or_rewritten_file_is_read_again_from_the_start() {
        let rec = stored(990, true);
        let shrunk = FileIdentity {
            size: 500,
            mtime_ms: 6_000,
            ..BEFORE
        };
        let replaced = FileIdentity {
            ino: 43,
            size: 1500,
            ..BEFORE
        };
        let rewritten = FileIdentity {
            mtime_ms: 6_000,
            ..BEFORE
        };
        for now in [shrunk, replaced, rewritten] {
            assert_eq!(
                resume_from(Some(&rec), now, true),
                Read::From(Cursor::START),
                "{now:?}"
            );
        }
        let below_cursor = FileIdentity {
            size: 1200,
            ..BEFORE
        };
        assert_eq!(
            resume_from(Some(&stored(1300, true)), below_cursor, true),
            Read::From(Cursor::START),
            "a cursor past the end means the content changed"
        );
    }

    #[test]
    fn a_providers_own_cursor_is_handed_back_for_any_change_to_the_same_file() {
        let rewritten = FileIdentity {
            size: 800,
            mtime_ms: 6_000,
            ..BEFORE
        };
        let mut rec = stored(0, true);
        rec.cursor.state = Some("{\"last\":7}".into());
        assert_eq!(
            resume_from(Some(&rec), rewritten, false),
            Read::From(rec.cursor.clone())
        );
        let other = FileIdentity {
            ino: 9,
            ..rewritten
        };
        assert_eq!(
            resume_from(Some(&rec), other, false),
            Read::From(Cursor::START)
        );
    }
}
