//! burnbar-tray: today's AI coding spend in the tray and a live popover, over the engine.
//!
//! Glue only. [`live`] runs the engine's watch loop in-process and publishes each new rollup
//! to the tray ([`tray`], words from [`text`]) and the popover ([`popover`], pages in `ui/`);
//! [`commands`] answer the popover from [`state`]. One instance per user (a second launch
//! opens the first one's popover), so two writers never share the index.

pub mod alerts;
pub mod autostart;
pub mod commands;
pub mod error;
pub mod events;
pub mod live;
#[cfg(target_os = "linux")]
pub mod memory;
pub mod popover;
pub mod state;
pub mod team;
pub mod text;
pub mod tray;

use std::process::ExitCode;

use burnbar_engine::{Paths, Settings, SystemClock};
use tauri::{Builder, RunEvent, Runtime};

use crate::state::{AppState, ManagerExt};

/// Registers the state and the commands: what the real app and the mock-runtime tests share.
pub fn configure<R: Runtime>(
    builder: Builder<R>,
    state: AppState,
    popover: popover::Options,
) -> Builder<R> {
    builder
        .manage(state)
        .manage(popover::Popover::new(popover))
        .invoke_handler(tauri::generate_handler![
            commands::get_snapshot,
            commands::get_status,
            commands::refresh,
            commands::get_settings,
            commands::get_options,
            commands::save_settings,
            commands::hide_popover,
        ])
}

/// Runs the tray app until Quit.
#[allow(clippy::disallowed_methods)] // tauri::generate_context! expands to a process::exit path
pub fn run() -> ExitCode {
    init_logging();
    let paths = Paths::from_env();
    let settings_path = Settings::path(&paths.config);
    let settings = Settings::load(&settings_path).unwrap_or_else(|e| {
        tracing::warn!("{e}; using default settings until they are saved again");
        Settings::default()
    });
    let state = AppState::new(settings, settings_path, Box::new(SystemClock));
    let options = popover::Options::from_env();
    let show_at_start = options.show_at_start;
    let builder = Builder::default()
        // first: a second launch must not start a second writer
        .plugin(tauri_plugin_single_instance::init(|app, _, _| {
            popover::show(app, "overview");
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ));
    let app = configure(builder, state, options)
        .setup(move |app| {
            #[cfg(target_os = "macos")]
            app.set_activation_policy(tauri::ActivationPolicy::Accessory);
            app.burnbar().set_live();
            // no tray host (a bare X server, GNOME without the extension) is not fatal
            if let Err(e) = tray::build(app.handle()) {
                tracing::warn!("no tray icon: {e}");
            }
            live::start(app.handle());
            live::watch_settings(app.handle());
            live::start_clock(app.handle());
            if show_at_start {
                popover::show(app.handle(), "overview");
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("burnbar-tray: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = app.run_return(|_, event| {
        // closing the popover is not quitting: only the menu's Quit ends the app
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
        {
            api.prevent_exit();
        }
    });
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("burnbar=info,warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
