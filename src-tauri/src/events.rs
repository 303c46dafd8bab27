//! Event names the backend emits to the popover (`domain:past-tense`).

/// A new [`burnbar_engine::Snapshot`] for the popover's current view.
pub const USAGE_UPDATED: &str = "usage:updated";
/// The scan's [`crate::state::Status`] changed (progress of a long first scan, a failure).
pub const STATUS_CHANGED: &str = "status:changed";
/// Asks the popover to show a page (`"overview"` or `"settings"`).
pub const NAVIGATE: &str = "ui:navigate";

/// The popover's window label.
pub const POPOVER: &str = "popover";
