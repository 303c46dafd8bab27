//! The tray icon: today's spend as its title (the indicator label on Linux, the status item
//! title on macOS), the rest in the tooltip (Windows, KDE) and in the menu's first line (every
//! platform, including Linux `AppIndicator`, which shows neither tooltips nor delivers clicks).

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

use crate::state::{AppState, ManagerExt};
use crate::text;

/// The tray icon's id.
pub const ID: &str = "main";

/// The menu item that shows today's figures (updated with each snapshot).
pub struct TrayMenu<R: Runtime> {
    headline: MenuItem<R>,
}

/// The menu's About line: version, git commit and build date (build/version.rs).
pub const ABOUT: &str = concat!(
    "Burnbar ",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("BURNBAR_COMMIT"),
    ", built ",
    env!("BURNBAR_BUILD_DATE"),
    ")"
);

/// Creates the tray icon and its menu: headline, Open, Refresh, Settings, About, Quit.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let headline = MenuItem::with_id(app, "headline", "Today: …", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Burnbar", true, None::<&str>)?;
    let refresh = MenuItem::with_id(app, "refresh", "Refresh", true, None::<&str>)?;
    let settings = MenuItem::with_id(app, "settings", "Settings…", true, None::<&str>)?;
    let about = MenuItem::with_id(app, "about", ABOUT, false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Burnbar", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &headline,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &refresh,
            &settings,
            &PredefinedMenuItem::separator(app)?,
            &about,
            &quit,
        ],
    )?;
    TrayIconBuilder::with_id(ID)
        .icon(Image::from_bytes(include_bytes!("../../icons/tray.png"))?)
        .title("…")
        .tooltip("Burnbar · reading your logs")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => crate::popover::show(app, "overview"),
            "refresh" => app.burnbar().rescan(),
            "settings" => crate::popover::show(app, "settings"),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::popover::toggle(tray.app_handle());
            }
        })
        .build(app)?;
    app.manage(TrayMenu { headline });
    Ok(())
}

/// Sets the title, tooltip and headline from the state.
pub fn update<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    let (title, tooltip, headline) = match state.today() {
        Some((today, display)) => {
            let limits = state.limits();
            let mode = state.settings().tray.title;
            let mut tooltip = text::tooltip(&today, &display);
            if let Some(line) = limits
                .as_ref()
                .and_then(|l| text::limit_line(l, state.now(), state.tz()))
            {
                tooltip = format!("{tooltip}\n{line}");
            }
            (
                text::title_in(mode, &today, &display, limits.as_ref()),
                tooltip,
                text::headline(&today, &display),
            )
        }
        None => {
            let status = state.status();
            let tooltip = text::tooltip_for_status(&status);
            (text::title_for_status(&status), tooltip.clone(), tooltip)
        }
    };
    if let Some(tray) = app.tray_by_id(ID) {
        let _ = tray.set_title(Some(&title));
        let _ = tray.set_tooltip(Some(&tooltip));
    }
    if let Some(menu) = app.try_state::<TrayMenu<R>>() {
        let _ = menu.headline.set_text(&headline);
    }
    tracing::debug!(%title, "tray updated");
}
