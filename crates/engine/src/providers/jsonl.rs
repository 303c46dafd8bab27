//! The shared JSONL tail reader: stream a file's lines from a byte offset, and say where the
//! last *complete* line ends.
//!
//! Invariants:
//! - Files are opened read-only; we never write, lock or truncate a tool's file.
//! - Reading streams fixed-size chunks through one reusable buffer per thread, so memory stays
//!   bounded whatever the file size; a line longer than a chunk grows the buffer until it is
//!   whole, up to [`LINE_CAP`]: a longer line is skipped while streaming (its bytes are never
//!   held at once) and reported as [`RawLine::oversized`], so memory stays bounded whatever
//!   the line length too.
//! - A line is complete when it ends in `\n`. The cursor a provider returns never moves past an
//!   unterminated tail, so a line still being written is read again, whole, next time. The tail
//!   is still offered to the provider (a file whose last record lacks a newline keeps that
//!   record), and dedup keys make reading it twice harmless.
//! - NUL bytes (pre-allocated or crash-padded files) and blank lines are skipped; a line that is
//!   not a `{…}` object is reported as malformed without being parsed.
//! - A warning about an unterminated last line is marked [`Warning::tail`]: the cursor stops
//!   before that line, so it is read again with whatever follows it, and it counts for the
//!   file's current version only (a warm index's diagnostics equal a cold read's).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::ProviderId;

/// How a read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadEnd {
    /// Where reading started (0 when the requested offset was past the end).
    pub start: u64,
    /// The offset just past the last complete (`\n`-terminated) line.
    pub complete_end: u64,
}

/// One raw line.
#[derive(Debug, Clone, Copy)]
pub struct RawLine<'a> {
    /// 1-based line number counted from where reading started.
    pub number: u64,
    /// The bytes, without the `\n`.
    pub bytes: &'a [u8],
    /// False for a last line that does not end in `\n` (yet).
    pub terminated: bool,
    /// The line was longer than [`LINE_CAP`]: skipped unread (`bytes` is empty).
    pub oversized: bool,
}

/// Bytes asked for per `read`; a longer line grows the buffer for as long as it needs.
const CHUNK: usize = 4 << 20;

/// The longest line read: 32 MiB. No tool writes a record near it (Claude Code's largest, a
/// tool result with an image, is a few MiB); a longer line is skipped and counted.
pub const LINE_CAP: usize = 32 << 20;

thread_local! {
    /// One reusable buffer per reading thread: no per-file allocation or page zeroing.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Streams the lines of `path` from `offset` to its end through `each`, in bounded memory.
/// An offset beyond the end (the file shrank or was replaced) reads from 0 instead;
/// [`ReadEnd::start`] says which happened.
pub fn read_lines(path: &Path, offset: u64, each: impl FnMut(RawLine<'_>)) -> Result<ReadEnd> {
    read_lines_capped(path, offset, LINE_CAP, each)
}

/// [`read_lines`] with lines longer than `cap` bytes skipped as [`RawLine::oversized`].
fn read_lines_capped(
    path: &Path,
    offset: u64,
    cap: usize,
    mut each: impl FnMut(RawLine<'_>),
) -> Result<ReadEnd> {
    let mut f = crate::untrusted::open_regular(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let start = if offset > len { 0 } else { offset };
    if start > 0 {
        f.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io(path, e))?;
    }
    BUFFER.with(|cell| {
        // a reader that panicked mid-file leaves the buffer borrowed: use a fresh one then
        let mut fresh = Vec::new();
        let mut guard = cell.try_borrow_mut().ok();
        let buf: &mut Vec<u8> = guard.as_deref_mut().unwrap_or(&mut fresh);
        let mut filled = 0usize; // bytes of buf holding data not yet handed out
        let mut consumed = start; // file offset of buf[0]
        let mut number = 0u64;
        // inside a line longer than `cap`: where it started (its bytes are being dropped)
        let mut skipping: Option<u64> = None;
        let oversized = |number| RawLine {
            number,
            bytes: &[],
            terminated: true,
            oversized: true,
        };
        loop {
            if buf.len() < filled + CHUNK {
                buf.resize(filled + CHUNK, 0);
            }
            let n = f.read(&mut buf[filled..]).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            filled += n;
            let Some(last_nl) = memchr::memrchr(b'\n', &buf[..filled]) else {
                if filled > cap || skipping.is_some() {
                    // no end in sight: drop what we have, remember where the line began
                    skipping.get_or_insert(consumed);
                    consumed += filled as u64;
                    filled = 0;
                }
                continue; // a line longer than what we have: read more
            };
            let mut line_start = 0;
            for nl in memchr::memchr_iter(b'\n', &buf[..=last_nl]) {
                number += 1;
                if skipping.take().is_some() || nl - line_start > cap {
                    each(oversized(number));
                } else {
                    each(RawLine {
                        number,
                        bytes: &buf[line_start..nl],
                        terminated: true,
                        oversized: false,
                    });
                }
                line_start = nl + 1;
            }
            buf.copy_within(last_nl + 1..filled, 0);
            consumed += last_nl as u64 + 1;
            filled -= last_nl + 1;
        }
        let complete_end = tail(&buf[..filled], number + 1, skipping, consumed, &mut each);
        if buf.len() > 4 * CHUNK {
            // one huge line must not pin its buffer for the rest of the run
            *buf = Vec::new();
        }
        Ok(ReadEnd {
            start,
            complete_end,
        })
    })
}

/// Hands out an unterminated last line (`rest`, or an over-long one that began at `skipping`)
/// and returns where the next read resumes: the start of that line.
fn tail(
    rest: &[u8],
    number: u64,
    skipping: Option<u64>,
    consumed: u64,
    each: &mut impl FnMut(RawLine<'_>),
) -> u64 {
    match skipping {
        Some(from) => {
            each(RawLine {
                number,
                bytes: &[],
                terminated: false,
                oversized: true,
            });
            from
        }
        None => {
            if !rest.is_empty() {
                each(RawLine {
                    number,
                    bytes: rest,
                    terminated: false,
                    oversized: false,
                });
            }
            consumed
        }
    }
}

/// What a raw line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// Looks like one JSON object (`{` … `}` after trimming): worth parsing.
    Object(&'a [u8]),
    /// Empty or whitespace only.
    Blank,
    /// Only NUL bytes (and whitespace).
    Nul,
    /// Anything else: torn, garbage, a merge marker.
    Malformed,
}

/// Classifies a raw line without parsing it.
pub fn shape(bytes: &[u8]) -> Shape<'_> {
    let is_pad = |b: &u8| b.is_ascii_whitespace() || *b == 0;
    let Some(first) = bytes.iter().position(|b| !is_pad(b)) else {
        return if bytes.contains(&0) {
            Shape::Nul
        } else {
            Shape::Blank
        };
    };
    let last = bytes.iter().rposition(|b| !is_pad(b)).unwrap_or(first);
    let trimmed = &bytes[first..=last];
    if trimmed.first() == Some(&b'{') && trimmed.last() == Some(&b'}') {
        Shape::Object(trimmed)
    } else {
        Shape::Malformed
    }
}

/// The JSON object on `line`, or `None` after recording why the line was skipped (blank lines
/// are skipped silently).
pub fn object<'l>(
    provider: ProviderId,
    path: &Path,
    line: &RawLine<'l>,
    warnings: &mut Vec<Warning>,
) -> Option<&'l [u8]> {
    if line.oversized {
        let msg = format!("longer than {} MiB: skipped", LINE_CAP >> 20);
        warnings.push(line_warning(
            provider,
            path,
            line,
            WarningKind::MalformedLine,
            msg,
        ));
        return None;
    }
    let (kind, msg) = match shape(line.bytes) {
        Shape::Object(bytes) => return Some(bytes),
        Shape::Blank => return None,
        Shape::Nul => (WarningKind::NulPadding, "NUL bytes"),
        Shape::Malformed => (WarningKind::MalformedLine, "not a JSON object"),
    };
    warnings.push(line_warning(provider, path, line, kind, msg));
    None
}

/// `bytes` (an object from [`object`]) parsed as `T`, or `None` after recording the line as
/// malformed.
///
/// A lone UTF-16 surrogate escape (`"\ud83d x"`: Node's `JSON.stringify` writes one for half
/// an emoji) fails a strict parse of the string it is in, and with it the whole line and its
/// usage. Such a line is parsed again from a copy in `scratch` where each lone surrogate reads
/// `\ufffd` (the replacement character), so usage is never lost to text we do not even keep.
pub fn parse<'b, T: serde::Deserialize<'b>>(
    provider: ProviderId,
    path: &Path,
    line: &RawLine<'_>,
    bytes: &'b [u8],
    scratch: &'b mut Vec<u8>,
    warnings: &mut Vec<Warning>,
) -> Option<T> {
    let first = match serde_json::from_slice(bytes) {
        Ok(t) => return Some(t),
        Err(e) => e,
    };
    let repaired = if is_surrogate_error(&first) && repair_lone_surrogates(bytes, scratch) {
        let scratch: &'b Vec<u8> = scratch;
        serde_json::from_slice(scratch)
    } else {
        Err(first)
    };
    match repaired {
        Ok(t) => Some(t),
        Err(e) => {
            warnings.push(line_warning(
                provider,
                path,
                line,
                WarningKind::MalformedLine,
                e.to_string(),
            ));
            None
        }
    }
}

/// A record type that borrows from the line it is read from, named once (by a marker type)
/// so [`read_records`] can hand out one per line whatever its lifetime.
pub trait Lines {
    /// The record of one line.
    type Record<'b>: serde::Deserialize<'b>;
}

/// Reads `path` from `offset` as a JSONL log of `L::Record`s: each line that parses is handed
/// to `each`; one that does not is a counted warning in `warnings` ([`record`]). The loop
/// every JSONL reader runs.
pub fn read_records<L: Lines>(
    provider: ProviderId,
    path: &Path,
    offset: u64,
    warnings: &mut Vec<Warning>,
    mut each: impl for<'b> FnMut(L::Record<'b>),
) -> Result<ReadEnd> {
    read_lines(path, offset, |line| {
        let mut scratch = Vec::new();
        if let Some(r) = record::<L::Record<'_>>(provider, path, &line, &mut scratch, warnings) {
            each(r);
        }
    })
}

/// The line parsed as `T` ([`object`], then [`parse`]), or `None` with the reason recorded.
pub fn record<'b, T: serde::Deserialize<'b>>(
    provider: ProviderId,
    path: &Path,
    line: &RawLine<'b>,
    scratch: &'b mut Vec<u8>,
    warnings: &mut Vec<Warning>,
) -> Option<T> {
    let bytes = object(provider, path, line, warnings)?;
    parse(provider, path, line, bytes, scratch, warnings)
}

/// True for `serde_json`'s errors about a surrogate escape without its pair.
fn is_surrogate_error(e: &serde_json::Error) -> bool {
    let msg = e.to_string();
    msg.contains("surrogate") || msg.contains("hex escape")
}

/// Copies `bytes` into `out` with every lone UTF-16 surrogate escape (`\uD800`..`\uDFFF`
/// without its pair) replaced by `\ufffd`, the same length; true when one was replaced.
/// Escapes are walked in order, so an escaped backslash before a `u` is not mistaken for one.
pub fn repair_lone_surrogates(bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let hex = |at: usize| -> Option<u16> {
        let digits = bytes.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let escape_at = |at: usize| -> Option<u16> {
        (bytes.get(at) == Some(&b'\\') && bytes.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    out.clear();
    out.extend_from_slice(bytes);
    let mut replaced = false;
    let mut i = 0;
    while let Some(found) = bytes.get(i..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let at = i + found;
        let Some(unit) = escape_at(at) else {
            i = at + 2; // any other escape, `\\` included: skip the escaped character
            continue;
        };
        let paired = (0xD800..=0xDBFF).contains(&unit)
            && escape_at(at + 6).is_some_and(|next| (0xDC00..=0xDFFF).contains(&next));
        if paired {
            i = at + 12;
        } else if (0xD800..=0xDFFF).contains(&unit) {
            out[at..at + 6].copy_from_slice(b"\\ufffd");
            replaced = true;
            i = at + 6;
        } else {
            i = at + 6;
        }
    }
    replaced
}

/// How many lines (`\n`s) `path` holds before byte `offset`: what turns a line number counted
/// from a resumed read into one counted from the start of the file. Read in bounded memory;
/// called only for a resumed read that has something to report.
pub fn lines_before(path: &Path, offset: u64) -> Result<u64> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut prefix = f.take(offset);
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    loop {
        let n = prefix.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
}

/// Builds the warning for a line that is skipped.
pub fn line_warning(
    provider: ProviderId,
    path: &Path,
    line: &RawLine<'_>,
    kind: WarningKind,
    msg: impl Into<String>,
) -> Warning {
    Warning {
        provider,
        path: path.to_path_buf(),
        line: line.number,
        kind,
        msg: msg.into(),
        tail: !line.terminated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(path: &Path, offset: u64) -> (Vec<(Vec<u8>, bool)>, ReadEnd) {
        let mut v = Vec::new();
        let end = read_lines(path, offset, |l| v.push((l.bytes.to_vec(), l.terminated))).unwrap();
        (v, end)
    }

    #[test]
    fn complete_end_stops_before_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        std::fs::write(&p, b"{\"a\":1}\n\n{\"b\":").unwrap();
        let (lines, end) = collect(&p, 0);
        assert_eq!(
            lines,
            vec![
                (b"{\"a\":1}".to_vec(), true),
                (Vec::new(), true),
                (b"{\"b\":".to_vec(), false)
            ]
        );
        assert_eq!(
            end,
            ReadEnd {
                start: 0,
                complete_end: 9
            }
        );
        let (lines, end) = collect(&p, 9);
        assert_eq!(lines, vec![(b"{\"b\":".to_vec(), false)]);
        assert_eq!(
            end.complete_end, 9,
            "an unterminated tail is never consumed"
        );
    }

    #[test]
    fn lines_longer_than_a_chunk_arrive_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        let long = vec![b'x'; CHUNK * 2 + 17];
        let mut data = long.clone();
        data.extend_from_slice(b"\nshort\n");
        std::fs::write(&p, &data).unwrap();
        let (lines, end) = collect(&p, 0);
        assert_eq!(lines, vec![(long, true), (b"short".to_vec(), true)]);
        assert_eq!(end.complete_end, data.len() as u64);
    }

    #[test]
    fn issue_17_lone_surrogate_escapes_are_repaired_and_pairs_kept() {
        let mut out = Vec::new();
        let line = br#"{"t":"\ud83d x","u":"\ud83d\ude00","v":"\\ud83d","w":"\udc00"}"#;
        assert!(repair_lone_surrogates(line, &mut out));
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"t":"\ufffd x","u":"\ud83d\ude00","v":"\\ud83d","w":"\ufffd"}"#,
            "lone ones replaced; a pair and an escaped backslash kept"
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["t"], "\u{fffd} x");
        assert_eq!(v["u"], "\u{1f600}");
        assert!(!repair_lone_surrogates(br#"{"a":"\n\u00e9"}"#, &mut out));
    }

    #[test]
    fn issue_17_lines_over_the_cap_are_skipped_while_streaming() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        let cap = 1 << 20;
        let mut data = b"{\"a\":1}\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 3 << 20)); // over the cap, inside one chunk
        data.push(b'\n');
        data.extend(std::iter::repeat_n(b'y', 9 << 20)); // over the cap, across chunks
        data.push(b'\n');
        data.extend_from_slice(b"{\"b\":2}\n");
        data.extend(std::iter::repeat_n(b'z', 6 << 20)); // an over-long tail, unterminated
        std::fs::write(&p, &data).unwrap();
        let mut seen = Vec::new();
        let end = read_lines_capped(&p, 0, cap, |l| {
            seen.push((l.number, l.bytes.to_vec(), l.oversized, l.terminated));
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                (1, b"{\"a\":1}".to_vec(), false, true),
                (2, Vec::new(), true, true),
                (3, Vec::new(), true, true),
                (4, b"{\"b\":2}".to_vec(), false, true),
                (5, Vec::new(), true, false),
            ]
        );
        let tail_start = data.len() as u64 - (6 << 20);
        assert_eq!(
            end.complete_end, tail_start,
            "the tail is read again from its start"
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(shape(b"  {\"a\":1}\r"), Shape::Object(b"{\"a\":1}"));
        assert_eq!(shape(b"\0\0\0\0"), Shape::Nul);
        assert_eq!(shape(b" \r"), Shape::Blank);
        assert_eq!(shape(b"{\"a\":"), Shape::Malformed);
        assert_eq!(shape(b"<<<<<<< HEAD"), Shape::Malformed);
        assert_eq!(shape(b"\0\0{\"a\":1}"), Shape::Object(b"{\"a\":1}"));
    }

    #[test]
    fn reading_past_the_end_restarts_at_zero() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jsonl");
        std::fs::write(&p, b"{}\n").unwrap();
        let (lines, end) = collect(&p, 99);
        assert_eq!((end.start, lines.len()), (0, 1));
        let (lines, end) = collect(&p, 3);
        assert_eq!((end.start, end.complete_end, lines.len()), (3, 3, 0));
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = read_lines(Path::new("/nonexistent/burnbar/x.jsonl"), 0, |_| {}).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/burnbar/x.jsonl"),
            "{err}"
        );
    }
}
