// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    #[cfg(target_os = "linux")]
    quiet_webkit();
    burnbar_tray::run()
}

/// `WebKitGTK`'s UI-process memory pressure monitor, from the popover's first opening for the
/// rest of the app's life, reads `/proc/meminfo` and the cgroup files (a byte per `read`) every
/// few seconds: what a released popover idled above a never-opened one. A
/// popover of a few kilobytes has no use for it, and its web process is ended after 30 s
/// hidden. A value the user set is left alone.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
#[allow(clippy::disallowed_methods)] // WebKit's own switch, not a path the engine resolves
fn quiet_webkit() {
    const VAR: &str = "WEBKIT_DISABLE_MEMORY_PRESSURE_MONITOR";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: the first thing `main` does, before the app (GTK, tauri, the engine) starts
        // any thread, so nothing can read the environment concurrently.
        unsafe { std::env::set_var(VAR, "1") };
    }
}
