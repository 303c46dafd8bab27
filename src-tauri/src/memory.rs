//! Giving back the memory a released popover leaves behind (Linux).
//!
//! Releasing the popover ends `WebKit`'s processes, but the app itself keeps the library code
//! the web view ran on mapped and resident: `WebKitGTK`, `JavaScriptCore` and the Mesa/LLVM
//! GL stack `WebKit` loads for its display, ~85 MiB of clean file pages. The kernel would only
//! reclaim them under memory pressure, so a closed popover would go on counting them. After a
//! release we ask for them back at once with `madvise(MADV_PAGEOUT)` on the app's read-only
//! file mappings (what Android does for apps sent to the background). Nothing changes for
//! the program: a page touched again is read back from its file (the idle event loop touches
//! a few MiB; the next popover reads the rest back, tens of milliseconds from an SSD). Pages
//! another process maps too are left alone by the kernel.

/// One mapping from `/proc/self/maps` worth paging out: `(start, length)` of a read-only
/// mapping of a file, or `None`.
fn file_mapping(line: &str) -> Option<(usize, usize)> {
    // "<start>-<end> <perms> <offset> <dev> <inode> <path>"
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let perms = fields.next()?;
    let inode = fields.nth(2)?;
    let path = fields.next()?;
    if perms.contains('w') || inode == "0" || !path.starts_with('/') {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    (end > start).then(|| (start, end - start))
}

/// Asks the kernel to reclaim the resident pages of every read-only file mapping of this
/// process. Returns how many bytes of mappings were advised.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn page_out_file_mappings() -> usize {
    use rustix::mm::{Advice, madvise};
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return 0;
    };
    let mut advised = 0;
    for (start, len) in maps.lines().filter_map(file_mapping) {
        // SAFETY: MADV_PAGEOUT is a hint to reclaim the range's pages: it never changes what
        // the memory reads as (clean file pages are read back from their file when touched,
        // and the kernel skips or writes back anything else), so it is sound on any range,
        // and a range unmapped since /proc was read is an error return, not a fault.
        let done = unsafe {
            madvise(
                std::ptr::without_provenance_mut(start),
                len,
                Advice::LinuxPageOut,
            )
        };
        if done.is_ok() {
            advised += len;
        }
    }
    advised
}

#[cfg(test)]
mod tests {
    use super::file_mapping;

    #[test]
    fn only_read_only_mappings_of_files_are_paged_out() {
        let code = "7f2a00000000-7f2a00400000 r-xp 00020000 fe:01 131203 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1";
        assert_eq!(file_mapping(code), Some((0x7f2a_0000_0000, 0x40_0000)));
        let rodata =
            "55d0c0000000-55d0c0001000 r--p 00000000 fe:01 42 /opt/burnbar tray/burnbar-tray";
        assert_eq!(file_mapping(rodata), Some((0x55d0_c000_0000, 0x1000)));
        let data = "7f2a00400000-7f2a00401000 rw-p 00420000 fe:01 131203 /usr/lib/libLLVM-15.so.1";
        assert_eq!(file_mapping(data), None, "written pages are the app's own");
        let heap = "55d0c1000000-55d0c2000000 rw-p 00000000 00:00 0 [heap]";
        assert_eq!(file_mapping(heap), None);
        let anon = "7f2a10000000-7f2a10021000 r--p 00000000 00:00 0";
        assert_eq!(file_mapping(anon), None, "anonymous, no path");
        let vdso = "7ffd5a1f0000-7ffd5a1f2000 r-xp 00000000 00:00 0 [vdso]";
        assert_eq!(file_mapping(vdso), None);
        assert_eq!(file_mapping("garbage"), None);
        assert_eq!(
            file_mapping("2000-1000 r--p 0 fe:01 7 /x"),
            None,
            "empty range"
        );
    }
}
