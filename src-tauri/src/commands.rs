//! The popover's commands. Each is a few lines delegating to the state or the engine; failures
//! are [`CommandError`]s with a code the UI switches on.

#![allow(clippy::needless_pass_by_value)] // Tauri hands command arguments over by value

use burnbar_engine::{Period, ProviderId, Settings, Snapshot, View};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::error::{CommandError, ErrorCode};
use crate::state::{AppState, Status};

/// The snapshot for a view. `period` (`today`, `week`, `30days`, `month`, `all`) and
/// `provider` (`claude-code`, ..., or `all`) change the view when given; omitted, the current
/// view is kept. While the first scan runs: error `scanning`.
#[tauri::command]
pub fn get_snapshot(
    state: State<'_, AppState>,
    period: Option<String>,
    provider: Option<String>,
) -> Result<Snapshot, CommandError> {
    let current = state.set_view(None);
    let view = View {
        period: match period.as_deref() {
            Some(p) => Period::parse(p)
                .ok_or_else(|| CommandError::bad_request(format!("unknown period {p:?}")))?,
            None => current.period,
        },
        provider: match provider.as_deref() {
            None => current.provider,
            Some("all" | "") => None,
            Some(p) => Some(
                ProviderId::parse(p)
                    .ok_or_else(|| CommandError::bad_request(format!("unknown provider {p:?}")))?,
            ),
        },
    };
    state.set_view(Some(view));
    state.snapshot()
}

/// Where the scan stands (progress of a long first scan, or why the last sync failed).
#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> Status {
    state.status()
}

/// Asks the watch loop for a full rescan now; the result arrives as `usage:updated`.
#[tauri::command]
pub fn refresh(state: State<'_, AppState>) {
    state.rescan();
}

/// One tool the settings can count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderOption {
    /// Its id (`claude-code`).
    pub id: ProviderId,
    /// Its name for people (`Claude Code`).
    pub label: &'static str,
}

/// What the settings page offers, from the engine (never retyped in the popover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    /// Every tool Burnbar reads, in display order.
    pub providers: Vec<ProviderOption>,
    /// A new budget's alert thresholds, percent.
    pub default_thresholds: Vec<u32>,
}

/// The settings page's choices: the tools and the default budget thresholds.
#[tauri::command]
pub fn get_options() -> Options {
    Options {
        providers: ProviderId::ALL
            .iter()
            .map(|&id| ProviderOption {
                id,
                label: id.label(),
            })
            .collect(),
        default_thresholds: burnbar_engine::budget::DEFAULT_THRESHOLDS.to_vec(),
    }
}

/// The settings as the popover gets them: the file's values, and each budget's scope in the
/// engine's words ("project api, Codex", "all tools and projects"), so the popover never
/// spells a budget's scope itself. `budget_scopes` is ignored when settings come back.
#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    /// The settings.
    #[serde(flatten)]
    pub settings: Settings,
    /// [`burnbar_engine::Budget::scope`] of each budget, in order.
    pub budget_scopes: Vec<String>,
}

impl From<Settings> for SettingsView {
    fn from(settings: Settings) -> SettingsView {
        SettingsView {
            budget_scopes: settings
                .budgets
                .iter()
                .map(burnbar_engine::Budget::scope)
                .collect(),
            settings,
        }
    }
}

/// The settings in force.
#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> SettingsView {
    state.settings().into()
}

/// Validates and saves the settings, applies them, and returns what was saved.
#[tauri::command]
pub fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<SettingsView, CommandError> {
    settings.validate().map_err(|e| CommandError {
        code: ErrorCode::InvalidSettings,
        message: e.to_string(),
    })?;
    settings.save(&state.settings_path)?;
    let before = state.settings();
    state.set_settings(settings.clone());
    crate::live::settings_changed(&app, &before, &settings);
    Ok(settings.into())
}

/// Hides the popover (Escape).
#[tauri::command]
pub fn hide_popover<R: Runtime>(app: AppHandle<R>) {
    crate::popover::hide(&app);
}
