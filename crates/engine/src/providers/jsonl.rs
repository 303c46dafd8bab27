//! The shared JSONL tail reader: read a file from a byte offset, hand out lines, and say where
//! the last *complete* line ends.
//!
//! Invariants:
//! - Files are opened read-only; we never write, lock or truncate a tool's file.
//! - A line is complete when it ends in `\n`. The cursor a provider returns never moves past an
//!   unterminated tail, so a line still being written is read again, whole, next time. The tail
//!   is still offered to the provider (a file whose last record lacks a newline keeps that
//!   record), and dedup keys make reading it twice harmless.
//! - NUL bytes (pre-allocated or crash-padded files) and blank lines are skipped; a line that is
//!   not a `{…}` object is reported as malformed without being parsed.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::ProviderId;

/// Bytes read from a file, starting at `start`.
#[derive(Debug)]
pub struct Chunk {
    /// The bytes from `start` to the end of the file as it was when read.
    pub data: Vec<u8>,
    /// The file offset of `data[0]`.
    pub start: u64,
}

impl Chunk {
    /// The file offset just past the last `\n` in the chunk (= `start` when there is none).
    pub fn complete_end(&self) -> u64 {
        match memchr::memrchr(b'\n', &self.data) {
            Some(i) => self.start + i as u64 + 1,
            None => self.start,
        }
    }
}

/// Reads `path` from `offset` to its end. An offset beyond the end (the file shrank or was
/// replaced) reads from 0 instead; `Chunk::start` says which happened.
pub fn read_from(path: &Path, offset: u64) -> Result<Chunk> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let start = if offset > len { 0 } else { offset };
    if start > 0 {
        f.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io(path, e))?;
    }
    let cap = usize::try_from(len - start).unwrap_or(0);
    let mut data = Vec::with_capacity(cap.saturating_add(1));
    f.read_to_end(&mut data).map_err(|e| Error::io(path, e))?;
    Ok(Chunk { data, start })
}

/// One raw line of a chunk.
#[derive(Debug, Clone, Copy)]
pub struct RawLine<'a> {
    /// 1-based line number within the chunk.
    pub number: u64,
    /// The bytes, without the `\n`.
    pub bytes: &'a [u8],
    /// False for the last line of a chunk that does not end in `\n`.
    pub terminated: bool,
}

/// Iterates the lines of `data`.
pub fn lines(data: &[u8]) -> impl Iterator<Item = RawLine<'_>> {
    let mut pos = 0usize;
    let mut number = 0u64;
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        number += 1;
        let rest = &data[pos..];
        let (bytes, terminated, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], true, pos + i + 1),
            None => (rest, false, data.len()),
        };
        pos = next;
        Some(RawLine {
            number,
            bytes,
            terminated,
        })
    })
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_end_stops_before_a_torn_tail() {
        let c = Chunk {
            data: b"{\"a\":1}\n{\"b\":".to_vec(),
            start: 100,
        };
        assert_eq!(c.complete_end(), 108);
        let none = Chunk {
            data: b"{\"b\":".to_vec(),
            start: 7,
        };
        assert_eq!(none.complete_end(), 7);
    }

    #[test]
    fn lines_mark_the_unterminated_tail() {
        let v: Vec<_> = lines(b"a\n\nb").map(|l| (l.bytes, l.terminated)).collect();
        assert_eq!(
            v,
            vec![(&b"a"[..], true), (&b""[..], true), (&b"b"[..], false)]
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
        let c = read_from(&p, 99).unwrap();
        assert_eq!(c.start, 0);
        assert_eq!(c.data, b"{}\n");
        let c = read_from(&p, 3).unwrap();
        assert_eq!((c.start, c.data.len()), (3, 0));
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = read_from(Path::new("/nonexistent/burnbar/x.jsonl"), 0).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/burnbar/x.jsonl"),
            "{err}"
        );
    }
}
