//! File-system plumbing the providers share: listing a tool's log files under its roots
//! (bounded depth, deterministic order, each file once), routing a watched path to its
//! provider, opening small files relative to a cached directory descriptor, and reading small
//! JSON documents whole into a reused buffer. No parsing here.

use std::path::{Path, PathBuf};

/// A buffer for reading small JSON files whole, reused from file to file (OpenCode writes one
/// per message and part: tens of thousands). Against `std::fs::read` it saves syscalls: no
/// size lookup first, and [`WholeFile::read`] skips the final empty read when the first read
/// came back short with what ends like a whole document (`}` or `]` last): a regular file
/// reads short only at its end. A caller whose parse then fails reads on with
/// [`WholeFile::read_on`] before calling the file malformed, so a filesystem that does read
/// short mid-file costs a retry, never data. Its bytes stay initialized: reuse costs no
/// zeroing.
#[derive(Debug, Default)]
pub(crate) struct WholeFile {
    buf: Vec<u8>,
    filled: usize,
}

impl WholeFile {
    /// Bytes asked for by the first read; the buffer doubles for bigger files.
    const FIRST: usize = 8 << 10;
    /// A buffer grown beyond this (one huge file) is let go before the next file.
    const KEEP: usize = 1 << 20;
    /// The most a file read whole may hold.
    const CAP: usize = 64 << 20;

    /// Reads `file` from where it is, up to its end or a short read of a whole-looking
    /// document; the bytes stay valid until the next read.
    pub(crate) fn read(&mut self, file: &mut impl std::io::Read) -> std::io::Result<&[u8]> {
        if self.buf.len() > Self::KEEP {
            self.buf = Vec::new();
        }
        self.filled = 0;
        self.fill(file, true)
    }

    /// Reads on from where [`WholeFile::read`] stopped to a zero-length read; returns all of
    /// the file's bytes.
    pub(crate) fn read_on(&mut self, file: &mut impl std::io::Read) -> std::io::Result<&[u8]> {
        self.fill(file, false)
    }

    fn fill(&mut self, file: &mut impl std::io::Read, trust_short: bool) -> std::io::Result<&[u8]> {
        loop {
            if self.filled >= Self::CAP {
                // a message or part is a few KiB: this is a device or a runaway file
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "larger than any document a tool writes",
                ));
            }
            if self.filled == self.buf.len() {
                let grow = self.buf.len().max(Self::FIRST);
                self.buf.resize(self.buf.len() + grow, 0);
            }
            let room = self.buf.len() - self.filled;
            let n = match file.read(&mut self.buf[self.filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.filled += n;
            let done = &self.buf[..self.filled];
            if n == 0 || (trust_short && n < room && ends_like_a_document(done)) {
                return Ok(&self.buf[..self.filled]);
            }
        }
    }
}

/// True when the last byte that is not whitespace closes a JSON object or array.
fn ends_like_a_document(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'}' | b']'))
}

/// Scans so far in this process: a per-thread cache of an open directory lives one scan.
static SCANS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Starts a scan (a sync): directories cached by [`open_under`] are opened afresh.
pub(crate) fn begin_scan() {
    SCANS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Opens `base/rel` read-only (a directory when `dir`) relative to `base`'s descriptor, kept
/// open per thread for the rest of the scan: the kernel walks `rel`'s two or three components
/// instead of the dozen of an absolute path, which tells over OpenCode's tens of thousands of
/// message and part files. (A scan is short, and the next one opens `base` again: a replaced
/// `base` is seen from then on.) Uses the absolute path when `base` itself cannot be opened.
#[cfg(unix)]
pub(crate) fn open_under(base: &Path, rel: &Path, dir: bool) -> std::io::Result<std::fs::File> {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    use std::cell::RefCell;
    use std::os::fd::OwnedFd;
    thread_local! {
        static OPEN: RefCell<Option<(u64, PathBuf, OwnedFd)>> = const { RefCell::new(None) };
    }
    // not blocking: a FIFO in a tool's directory reads as empty instead of stalling the scan
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let flags = if dir {
        flags | OFlags::DIRECTORY
    } else {
        flags
    };
    let scan = SCANS.load(std::sync::atomic::Ordering::Relaxed);
    let relative = OPEN.with_borrow_mut(|open| {
        if open
            .as_ref()
            .is_none_or(|(s, path, _)| *s != scan || path != base)
        {
            *open = openat(
                CWD,
                base,
                OFlags::RDONLY | OFlags::CLOEXEC | OFlags::DIRECTORY,
                Mode::empty(),
            )
            .ok()
            .map(|fd| (scan, base.to_path_buf(), fd));
        }
        let (_, _, fd) = open.as_ref()?;
        Some(openat(fd, rel, flags, Mode::empty()))
    });
    let fd = match relative {
        Some(fd) => fd?,
        None => openat(CWD, base.join(rel), flags, Mode::empty())?,
    };
    Ok(std::fs::File::from(fd))
}

/// Every file under `roots` (at most `depth` deep) whose name satisfies `keep`.
pub(crate) fn discover_under(
    roots: &[PathBuf],
    depth: usize,
    keep: impl Fn(&str) -> bool + Sync + Copy,
) -> Vec<PathBuf> {
    roots
        .iter()
        .flat_map(|root| walk_files(root, depth, keep))
        .collect()
}

/// True when `path` lies under one of `roots` and its name satisfies `keep`.
pub(crate) fn owned_under(roots: &[PathBuf], path: &Path, keep: impl Fn(&str) -> bool) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(keep)
        && roots.iter().any(|r| path.starts_with(r))
}

/// True for `*.jsonl` names (any case).
pub(crate) fn is_jsonl(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// Files under `root` (recursively, not following directory links, at most `max_depth` deep)
/// whose name satisfies `keep`, sorted by path. A missing root yields nothing. The
/// sub-directories of `root` are walked in parallel (a warm run is mostly this walk).
pub(crate) fn walk_files(
    root: &Path,
    max_depth: usize,
    keep: impl Fn(&str) -> bool + Sync,
) -> Vec<PathBuf> {
    use rayon::prelude::*;
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut dirs = Vec::new();
    let mut out = Vec::new();
    for entry in entries.filter_map(std::result::Result::ok) {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if kind.is_dir() {
            if name != "node_modules" && name != ".git" {
                dirs.push(entry.path());
            }
        } else if (kind.is_file() || (kind.is_symlink() && entry.path().is_file())) && keep(name) {
            out.push(entry.path());
        }
    }
    let nested: Vec<Vec<PathBuf>> = dirs
        .par_iter()
        .map(|d| walk_dir(d, max_depth.saturating_sub(1), &keep))
        .collect();
    out.extend(nested.into_iter().flatten());
    // byte order, not component order: the same for our purposes and much cheaper
    out.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    out
}

fn walk_dir(dir: &Path, max_depth: usize, keep: &(impl Fn(&str) -> bool + Sync)) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .max_depth(max_depth)
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name == "node_modules" || name == ".git")
        })
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_file() || (e.file_type().is_symlink() && e.path().is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(keep))
        .map(walkdir::DirEntry::into_path)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::WholeFile;

    /// Hands out at most `chunk` bytes per read and counts the reads.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
        reads: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            let n = self.chunk.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_whole_document_read_short_needs_no_empty_read_to_confirm_its_end() {
        let doc = b"{\"id\":\"msg_1\",\"role\":\"user\"}\n";
        let mut file = Trickle {
            data: doc,
            chunk: usize::MAX,
            reads: 0,
        };
        let mut buffer = WholeFile::default();
        assert_eq!(buffer.read(&mut file).unwrap(), doc);
        assert_eq!(file.reads, 1);
    }

    #[test]
    fn other_content_and_big_files_are_read_to_a_zero_length_read() {
        let mut buffer = WholeFile::default();
        let mut file = Trickle {
            data: b"{\"torn\":",
            chunk: usize::MAX,
            reads: 0,
        };
        assert_eq!(buffer.read(&mut file).unwrap(), b"{\"torn\":");
        assert_eq!(file.reads, 2, "not a whole document: read on to the end");
        let big = format!("[{}1]", "1,".repeat(40_000));
        let mut file = Trickle {
            data: big.as_bytes(),
            chunk: usize::MAX,
            reads: 0,
        };
        assert_eq!(buffer.read(&mut file).unwrap(), big.as_bytes());
        // and a small file after a big one gets only its own bytes
        let mut file = Trickle {
            data: b"{}",
            chunk: usize::MAX,
            reads: 0,
        };
        assert_eq!(buffer.read(&mut file).unwrap(), b"{}");
    }

    #[test]
    fn a_file_that_reads_short_mid_document_is_completed_by_reading_on() {
        // a filesystem that returns a few bytes at a time: the first short read may end on an
        // inner `}` and look whole
        let doc = br#"{"a":{"b":1},"c":2}"#;
        let mut file = Trickle {
            data: doc,
            chunk: 12,
            reads: 0,
        };
        let mut buffer = WholeFile::default();
        let first = buffer.read(&mut file).unwrap().to_vec();
        assert_eq!(first, br#"{"a":{"b":1}"#, "stopped at what looked whole");
        assert!(serde_json::from_slice::<serde_json::Value>(&first).is_err());
        assert_eq!(buffer.read_on(&mut file).unwrap(), doc);
    }
}
