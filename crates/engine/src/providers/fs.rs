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

/// What a walk found: the files to read, and what it had to leave out, with why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// The files, sorted by path.
    pub files: Vec<PathBuf>,
    /// Directories that could not be listed and paths the system cannot open.
    pub skipped: Vec<Skipped>,
}

/// A path a walk could not look into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The directory or file.
    pub path: PathBuf,
    /// Why, in words naming the path.
    pub reason: String,
}

impl Listing {
    /// Appends `other`.
    pub(crate) fn extend(&mut self, other: Listing) {
        self.files.extend(other.files);
        self.skipped.extend(other.skipped);
    }
}

impl From<Vec<PathBuf>> for Listing {
    fn from(files: Vec<PathBuf>) -> Listing {
        Listing {
            files,
            skipped: Vec::new(),
        }
    }
}

/// Every file under `roots` (at most `depth` deep) whose name satisfies `keep`.
pub(crate) fn discover_under(
    roots: &[PathBuf],
    depth: usize,
    keep: impl Fn(&str) -> bool + Sync + Copy,
) -> Listing {
    let mut out = Listing::default();
    for root in roots {
        out.extend(walk_files(root, depth, keep));
    }
    out
}

/// The directories in `root` (links to directories included), sorted, in
/// [`Listing::files`]; a `root` that cannot be listed is in [`Listing::skipped`].
pub(crate) fn dirs_in(root: &Path) -> Listing {
    let mut walk = Walk::default();
    let mut dirs = walk.entries(root, &|_| false).unwrap_or_default();
    dirs.extend(walk.links.into_iter().map(|(dir, _)| dir));
    dirs.sort();
    Listing {
        files: dirs,
        skipped: walk.skipped,
    }
}

/// True when `path` lies under one of `roots` and its name satisfies `keep`.
pub(crate) fn owned_under(roots: &[PathBuf], path: &Path, keep: impl Fn(&str) -> bool) -> bool {
    path.file_name().is_some_and(|n| keep(&n.to_string_lossy()))
        && roots.iter().any(|r| path.starts_with(r))
}

/// True for `*.jsonl` names (any case).
pub(crate) fn is_jsonl(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// The longest path the system opens (Linux's `PATH_MAX`, its terminating NUL included).
const PATH_MAX: usize = 4096;

/// Directories a walk never enters.
fn is_ignored_dir(name: &std::ffi::OsStr) -> bool {
    name == "node_modules" || name == ".git"
}

/// Files under `root` (recursively, at most `max_depth` deep) whose name satisfies `keep`
/// (tested on the name with undecodable bytes replaced: a name that is not UTF-8 is read like
/// any other), sorted by path. A missing root yields nothing.
///
/// Directory links are followed, each directory once: a project directory linked into a
/// tool's tree is read, a link loop or a second link to the same directory is not walked
/// again, and a directory reachable without a link is always listed under that path (so a
/// file's path, which is its identity in the index, does not depend on the walk's order).
/// A directory that cannot be listed and a path longer than the system can open are not
/// silently dropped: they are in [`Listing::skipped`]. The sub-directories of `root` are
/// walked in parallel (a warm run is mostly this walk).
pub(crate) fn walk_files(
    root: &Path,
    max_depth: usize,
    keep: impl Fn(&str) -> bool + Sync,
) -> Listing {
    use rayon::prelude::*;
    let mut walk = Walk::default();
    let Some(subdirs) = walk.entries(root, &keep) else {
        return walk.finish();
    };
    for (_, left) in &mut walk.links {
        *left = max_depth.saturating_sub(1); // as for the sub-directories
    }
    let nested: Vec<Walk> = subdirs
        .par_iter()
        .map(|d| {
            let mut w = Walk::default();
            w.dir(d, max_depth.saturating_sub(1), &keep, None);
            w
        })
        .collect();
    for w in nested {
        walk.absorb(w);
    }
    walk.follow_links(root, &keep);
    walk.finish()
}

/// The state of one walk (or of one parallel branch of it).
#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    skipped: Vec<Skipped>,
    /// Links to directories met, with the depth left below them: followed at the end.
    links: Vec<(PathBuf, usize)>,
    /// Directories listed without following a link.
    dirs: Vec<PathBuf>,
}

/// Identities of the directories walked so far: `(device, inode)`.
type Visited = rustc_hash::FxHashSet<(u64, u64)>;

impl Walk {
    /// Lists `dir`: keeps its files and records its links; returns its sub-directories, or
    /// `None` when it cannot be listed.
    fn entries(&mut self, dir: &Path, keep: &impl Fn(&str) -> bool) -> Option<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            // gone (or never there): nothing to report
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.skip(dir, format!("cannot list {}: {e}", dir.display()));
                return None;
            }
        };
        let mut subdirs = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.skip(dir, format!("cannot list {}: {e}", dir.display()));
                    continue;
                }
            };
            let Ok(kind) = entry.file_type() else {
                continue; // removed while we listed
            };
            let name = entry.file_name();
            let path = entry.path();
            if path.as_os_str().len() >= PATH_MAX {
                if kind.is_dir() || keep(&name.to_string_lossy()) {
                    self.skip(
                        &path,
                        format!(
                            "{}: the path is longer than the system can open ({PATH_MAX} bytes)",
                            path.display()
                        ),
                    );
                }
                continue;
            }
            if kind.is_dir() {
                if !is_ignored_dir(&name) {
                    subdirs.push(path);
                }
            } else if kind.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(m) if m.is_dir() && !is_ignored_dir(&name) => self.links.push((path, 0)),
                    Ok(m) if m.is_file() && keep(&name.to_string_lossy()) => self.files.push(path),
                    _ => {} // a dangling link holds nothing
                }
            } else if kind.is_file() && keep(&name.to_string_lossy()) {
                self.files.push(path);
            }
        }
        Some(subdirs)
    }

    /// Walks `dir` with `depth` levels of entries left. With `visited` (while following
    /// links), a directory already walked is skipped.
    fn dir(
        &mut self,
        dir: &Path,
        depth: usize,
        keep: &impl Fn(&str) -> bool,
        mut visited: Option<&mut Visited>,
    ) {
        if depth == 0 {
            return;
        }
        if let Some(seen) = visited.as_deref_mut() {
            match identity(dir) {
                Some(id) if seen.insert(id) => {}
                _ => return,
            }
        } else {
            self.dirs.push(dir.to_path_buf());
        }
        let links_before = self.links.len();
        let Some(subdirs) = self.entries(dir, keep) else {
            return;
        };
        for (_, left) in &mut self.links[links_before..] {
            *left = depth - 1;
        }
        for sub in subdirs {
            self.dir(&sub, depth - 1, keep, visited.as_deref_mut());
        }
    }

    fn absorb(&mut self, other: Walk) {
        self.files.extend(other.files);
        self.skipped.extend(other.skipped);
        self.links.extend(other.links);
        self.dirs.extend(other.dirs);
    }

    /// Walks the directory links met, in path order, each directory once: those listed
    /// already (through their own path or an earlier link) are not walked again, which also
    /// ends any loop.
    fn follow_links(&mut self, root: &Path, keep: &impl Fn(&str) -> bool) {
        if self.links.is_empty() {
            return; // the usual case costs nothing more
        }
        let mut visited: Visited = std::iter::once(root)
            .chain(self.dirs.iter().map(PathBuf::as_path))
            .filter_map(identity)
            .collect();
        let mut queue = std::mem::take(&mut self.links);
        queue.sort();
        let mut next = 0;
        while next < queue.len() {
            let (link, depth) = queue[next].clone();
            next += 1;
            let before = self.links.len();
            self.dir(&link, depth, keep, Some(&mut visited));
            let mut found: Vec<_> = self.links.drain(before..).collect();
            found.sort();
            queue.extend(found);
        }
    }

    fn skip(&mut self, path: &Path, reason: String) {
        self.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason,
        });
    }

    fn finish(mut self) -> Listing {
        // byte order, not component order: the same for our purposes and much cheaper
        self.files
            .sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        self.files.dedup();
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.skipped.dedup();
        Listing {
            files: self.files,
            skipped: self.skipped,
        }
    }
}

/// A directory's `(device, inode)`, following links.
fn identity(dir: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::WholeFile;

    #[cfg(unix)]
    mod walk {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::symlink;
        use std::path::{Path, PathBuf};

        use crate::providers::fs::{is_jsonl, walk_files};

        fn touch(path: &Path) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"{}\n").unwrap();
        }

        /// The files found, relative to `root`.
        fn found(root: &Path, depth: usize) -> Vec<PathBuf> {
            walk_files(root, depth, is_jsonl)
                .files
                .into_iter()
                .map(|f| f.strip_prefix(root).unwrap().to_path_buf())
                .collect()
        }

        #[test]
        fn linked_directories_are_walked_once_and_loops_end() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("projects");
            let elsewhere = dir.path().join("elsewhere");
            touch(&elsewhere.join("p1/a.jsonl"));
            touch(&elsewhere.join("p1/sub/b.jsonl"));
            touch(&root.join("real/c.jsonl"));
            symlink(elsewhere.join("p1"), root.join("p1")).unwrap();
            // a second link to the same directory, a link to a directory walked anyway, and
            // loops back up
            symlink(elsewhere.join("p1"), root.join("p1-again")).unwrap();
            symlink(root.join("real"), root.join("zz-real")).unwrap();
            symlink(&root, elsewhere.join("p1/sub/loop")).unwrap();
            symlink("..", root.join("real/up")).unwrap();
            assert_eq!(
                found(&root, 8),
                [
                    PathBuf::from("p1/a.jsonl"),
                    PathBuf::from("p1/sub/b.jsonl"),
                    PathBuf::from("real/c.jsonl"),
                ],
                "each file once, under the first link in path order or its own path"
            );
        }

        #[test]
        fn a_linked_directory_counts_against_the_depth_like_a_real_one() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("projects");
            touch(&dir.path().join("elsewhere/p/a.jsonl"));
            touch(&dir.path().join("elsewhere/p/deeper/b.jsonl"));
            std::fs::create_dir_all(&root).unwrap();
            symlink(dir.path().join("elsewhere/p"), root.join("p")).unwrap();
            assert_eq!(found(&root, 2), [PathBuf::from("p/a.jsonl")]);
            assert_eq!(found(&root, 3).len(), 2);
        }

        #[test]
        fn names_that_are_not_utf8_are_walked_and_kept_apart() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let ff = OsStr::from_bytes(b"bad\xff");
            let fe = OsStr::from_bytes(b"bad\xfe");
            touch(&root.join(ff).join("a.jsonl"));
            touch(&root.join(fe).join(OsStr::from_bytes(b"\xfe.jsonl")));
            let files = found(root, 3);
            assert_eq!(files.len(), 2);
            assert!(files.contains(&Path::new(ff).join("a.jsonl")));
            assert!(files.contains(&Path::new(fe).join(OsStr::from_bytes(b"\xfe.jsonl"))));
        }

        #[test]
        fn a_path_the_system_cannot_open_is_reported_not_dropped() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            touch(&root.join("ok/a.jsonl"));
            // build the chain relative to each directory: its whole path is over PATH_MAX
            let name = "d".repeat(250);
            let mut rel = PathBuf::from("deep");
            std::fs::create_dir(root.join(&rel)).unwrap();
            let mut deepest = root.join(&rel);
            let mut cwd = std::fs::File::open(&deepest).unwrap();
            for _ in 0..17 {
                rustix::fs::mkdirat(&cwd, name.as_str(), rustix::fs::Mode::from_raw_mode(0o755))
                    .unwrap();
                let next = rustix::fs::openat(
                    &cwd,
                    name.as_str(),
                    rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY,
                    rustix::fs::Mode::empty(),
                )
                .unwrap();
                cwd = std::fs::File::from(next);
                rel.push(&name);
                deepest = root.join(&rel);
            }
            assert!(deepest.as_os_str().len() > 4096);
            let listing = walk_files(root, 64, is_jsonl);
            assert_eq!(listing.files, [root.join("ok/a.jsonl")]);
            assert_eq!(listing.skipped.len(), 1, "{:?}", listing.skipped);
            let skipped = &listing.skipped[0];
            assert!(skipped.path.as_os_str().len() >= 4096);
            assert!(skipped.reason.contains("longer than the system can open"));
        }
    }

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
