//! Opening files Burnbar does not own (the tools' sidecar files, a repository's `.git` file,
//! the settings and price files) so that no file can hang or exhaust a run: only regular files
//! are read, they are opened without blocking (a FIFO named `workspace.yaml` cannot stall the
//! open, and so the index's write lock is never held waiting on one), and what is read is
//! capped (a sidecar linked to `/dev/zero` is refused, not read until memory runs out).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The most a sidecar or settings file may hold (they are a few hundred bytes in practice).
pub const SIDECAR_CAP: u64 = 1 << 20;

/// Opens `path` for reading without blocking, and only if it is a regular file
/// (`InvalidInput` otherwise).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // a FIFO opens at once instead of waiting for a writer; a regular file is unaffected
        open.custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed());
    }
    let file = open.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

/// Reads a regular file of at most `cap` bytes whole (`InvalidData` when it is bigger).
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is larger than {cap} bytes", path.display()),
        ));
    }
    Ok(bytes)
}

/// The first `n` bytes of a regular file (all of it when it is shorter).
pub fn read_head(path: &Path, n: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(n).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_capped_string(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read_capped(path, cap)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_its_cap_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, "cwd: /x\n").unwrap();
        assert_eq!(read_capped_string(&p, 100).unwrap(), "cwd: /x\n");
        assert_eq!(
            read_capped(&p, 3).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_directories_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        for p in [Path::new("/dev/zero"), dir.path()] {
            let e = read_capped(p, SIDECAR_CAP).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{}", p.display());
        }
    }
}
