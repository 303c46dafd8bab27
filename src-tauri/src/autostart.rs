//! Launch at login, through tauri-plugin-autostart (an XDG autostart entry on Linux, a launch
//! agent on macOS, the Run key on Windows).

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::AutoLaunchManager;

/// Turns launch at login on or off; failures are logged (the setting stays saved).
pub fn set<R: Runtime>(app: &AppHandle<R>, on: bool) {
    let Some(launcher) = app.try_state::<AutoLaunchManager>() else {
        return; // the plugin is not registered (tests)
    };
    let result = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    if let Err(e) = result {
        tracing::warn!("launch at login: {e}");
    }
}
