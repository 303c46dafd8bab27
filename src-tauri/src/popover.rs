//! The popover window: created when it opens, hidden when it loses focus, released when it has
//! stayed hidden for a while, so a closed popover costs no `WebKit` processes.
//!
//! On Linux, `WebKitGTK` keeps its network process after the last web view is gone, and tauri
//! keeps the web context for the app's life (tauri#14626), so releasing the window alone
//! leaves ~60 MiB behind. Once the window is gone we end that process (`SIGTERM` to our own
//! child named `WebKitNetworkProcess`); `WebKit` starts a new one with the next web view, as it
//! does after a crash.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{
    AppHandle, Emitter, Manager, PhysicalPosition, Runtime, WebviewUrl, WebviewWindow,
    WebviewWindowBuilder, WindowEvent,
};

use crate::events::{NAVIGATE, POPOVER};

/// Logical size of the popover.
const WIDTH: f64 = 380.0;
const HEIGHT: f64 = 600.0;

/// How the popover behaves; tests change it through the environment (see [`Options::from_env`]).
#[derive(Debug, Clone)]
pub struct Options {
    /// Hide when focus moves elsewhere (off in headless tests: no window manager).
    pub hide_on_blur: bool,
    /// Destroy the window after it has been hidden this long.
    pub release_after: Duration,
    /// Open the popover at start (`BURNBAR_TRAY_SHOW=1`; tests and `./run` on a headless box).
    pub show_at_start: bool,
}

impl Options {
    /// `BURNBAR_TRAY_KEEP_OPEN=1` keeps the popover open on focus loss;
    /// `BURNBAR_TRAY_RELEASE_SECS` sets the release delay (default 30 s);
    /// `BURNBAR_TRAY_SHOW=1` opens it at start.
    #[allow(clippy::disallowed_methods)] // the tray's one read of its test switches
    pub fn from_env() -> Options {
        let keep_open = std::env::var("BURNBAR_TRAY_KEEP_OPEN").is_ok_and(|v| v == "1");
        let release = std::env::var("BURNBAR_TRAY_RELEASE_SECS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(30);
        Options {
            hide_on_blur: !keep_open,
            release_after: Duration::from_secs(release),
            show_at_start: std::env::var("BURNBAR_TRAY_SHOW").is_ok_and(|v| v == "1"),
        }
    }
}

/// Managed state: the options and a counter that tells a release timer whether the popover
/// was shown again since it started.
pub struct Popover {
    options: Options,
    generation: AtomicU64,
}

impl Popover {
    /// With these options.
    pub fn new(options: Options) -> Popover {
        Popover {
            options,
            generation: AtomicU64::new(0),
        }
    }
}

/// Shows the popover (creating it if needed) on `page` (`overview` or `settings`).
pub fn show<R: Runtime>(app: &AppHandle<R>, page: &str) {
    if let Err(e) = try_show(app, page) {
        tracing::warn!("cannot open the popover: {e}");
    }
}

fn try_show<R: Runtime>(app: &AppHandle<R>, page: &str) -> tauri::Result<()> {
    let popover = app.state::<Popover>();
    popover.generation.fetch_add(1, Ordering::SeqCst);
    let window = match app.get_webview_window(POPOVER) {
        Some(w) => {
            w.emit_to(POPOVER, NAVIGATE, page)?;
            w
        }
        None => create(app, page)?,
    };
    place(&window);
    window.show()?;
    window.set_focus()?;
    Ok(())
}

fn create<R: Runtime>(app: &AppHandle<R>, page: &str) -> tauri::Result<WebviewWindow<R>> {
    let url = WebviewUrl::App(format!("index.html#{page}").into());
    let window = WebviewWindowBuilder::new(app, POPOVER, url)
        .title("Burnbar")
        .inner_size(WIDTH, HEIGHT)
        .decorations(false)
        .resizable(false)
        .skip_taskbar(true)
        .always_on_top(true)
        .visible(false)
        .build()?;

    let handle = app.clone();
    window.on_window_event(move |event| match event {
        WindowEvent::Focused(false) if handle.state::<Popover>().options.hide_on_blur => {
            hide(&handle);
        }
        WindowEvent::CloseRequested { api, .. } => {
            // closing means hiding; the release timer frees it later
            api.prevent_close();
            hide(&handle);
        }
        _ => {}
    });
    Ok(window)
}

/// Top-right of the monitor, under the panel: where GNOME, KDE and macOS put the tray (Linux
/// reports no icon position; Windows users get it near the clock in the same corner).
fn place<R: Runtime>(window: &WebviewWindow<R>) {
    let Ok(Some(monitor)) = window
        .current_monitor()
        .or_else(|_| window.primary_monitor())
    else {
        return;
    };
    let scale = monitor.scale_factor();
    let size = monitor.size();
    let origin = monitor.position();
    let px = |logical: f64| {
        #[allow(clippy::cast_possible_truncation)] // a few hundred pixels
        let v = (logical * scale).round() as i32;
        v
    };
    let (w, margin, top) = (px(WIDTH), px(8.0), px(32.0));
    let x = origin.x + i32::try_from(size.width).unwrap_or(i32::MAX) - w - margin;
    let _ = window.set_position(PhysicalPosition::new(x.max(origin.x), origin.y + top));
}

/// Hides the popover and schedules its release.
pub fn hide<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(POPOVER) else {
        return;
    };
    let _ = window.hide();
    let popover = app.state::<Popover>();
    let generation = popover.generation.load(Ordering::SeqCst);
    let after = popover.options.release_after;
    let handle = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let still_hidden =
            handle.state::<Popover>().generation.load(Ordering::SeqCst) == generation;
        if let (true, Some(w)) = (still_hidden, handle.get_webview_window(POPOVER))
            && !w.is_visible().unwrap_or(true)
        {
            tracing::debug!("releasing the hidden popover");
            let _ = w.destroy();
            #[cfg(target_os = "linux")]
            {
                // let WebKit finish with the web process first
                std::thread::sleep(Duration::from_secs(1));
                let still_closed =
                    handle.state::<Popover>().generation.load(Ordering::SeqCst) == generation;
                if still_closed && handle.get_webview_window(POPOVER).is_none() {
                    end_network_process();
                    let bytes = crate::memory::page_out_file_mappings();
                    tracing::debug!(mib = bytes >> 20, "paged out file mappings");
                }
            }
        }
    });
}

/// Ends `WebKit`'s network process (a child of this process), if it runs.
#[cfg(target_os = "linux")]
fn end_network_process() {
    use rustix::process::{Pid, Signal, kill_process};
    let me = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if is_network_child(&stat, me)
            && let Some(pid) = Pid::from_raw(pid)
        {
            tracing::debug!(
                pid = pid.as_raw_nonzero().get(),
                "ending WebKit's network process"
            );
            let _ = kill_process(pid, Signal::TERM);
        }
    }
}

/// True when a `/proc/<pid>/stat` line is `WebKit`'s network process with parent `parent`.
#[cfg(target_os = "linux")]
fn is_network_child(stat: &str, parent: u32) -> bool {
    // "<pid> (<comm, at most 15 bytes, may hold spaces and parens>) <state> <ppid> ..."
    let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
        return false;
    };
    let comm = &stat[open + 1..close];
    let ppid = stat[close + 1..].split_whitespace().nth(1);
    "WebKitNetworkProcess".starts_with(comm)
        && comm.len() >= "WebKitNetwork".len()
        && ppid.and_then(|p| p.parse::<u32>().ok()) == Some(parent)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::is_network_child;

    #[test]
    fn only_our_own_network_process_is_ended() {
        let ours = "4242 (WebKitNetworkPr) S 100 4242 100 0 -1 4194560 1 0 0 0";
        assert!(is_network_child(ours, 100));
        assert!(!is_network_child(ours, 101), "another app's");
        let web = "4243 (WebKitWebProces) S 100 4243 100 0 -1 4194560 1 0 0 0";
        assert!(!is_network_child(web, 100), "the web process");
        // a name may hold parens and spaces: it runs to the last paren, the parent follows
        let odd = "4244 (a) 1 (WebKitNetworkPr) S 7 1 1 0 -1 0 0 0 0 0";
        assert!(!is_network_child(odd, 7), "named `a) 1 (WebKitNetworkPr`");
        assert!(
            !is_network_child(odd, 1),
            "its parent is 7, not the number in its name"
        );
        assert!(!is_network_child("garbage", 100));
        assert!(
            !is_network_child("1 (Web) S 100", 100),
            "too short a name to tell"
        );
    }
}

/// Shows the popover if hidden, hides it if shown (a tray click).
pub fn toggle<R: Runtime>(app: &AppHandle<R>) {
    let visible = app
        .get_webview_window(POPOVER)
        .is_some_and(|w| w.is_visible().unwrap_or(false));
    if visible {
        hide(app);
    } else {
        show(app, "overview");
    }
}

/// True when the popover window exists (then it gets live updates).
pub fn is_open<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(POPOVER).is_some()
}
