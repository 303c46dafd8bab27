//! What a command returns when it fails: a stable `code` the UI switches on, and a message
//! for people.

use serde::Serialize;

/// A failed command, serialised as `{ "code": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// `scanning`, `bad-request`, `sync-failed`, `invalid-settings`, `io`.
    pub code: &'static str,
    /// What happened, naming the file or value.
    pub message: String,
}

impl CommandError {
    /// The first scan has not finished.
    pub fn scanning(message: impl Into<String>) -> CommandError {
        CommandError {
            code: "scanning",
            message: message.into(),
        }
    }

    /// An argument the command cannot use.
    pub fn bad_request(message: impl Into<String>) -> CommandError {
        CommandError {
            code: "bad-request",
            message: message.into(),
        }
    }
}

impl From<burnbar_engine::Error> for CommandError {
    fn from(e: burnbar_engine::Error) -> CommandError {
        use burnbar_engine::Error as E;
        let code = match &e {
            E::Settings { .. } => "invalid-settings",
            E::Io { .. } => "io",
            E::Store { .. } | E::Sql(_) => "store-unavailable",
            E::Prices { .. } => "invalid-prices",
            _ => "sync-failed",
        };
        CommandError {
            code,
            message: e.to_string(),
        }
    }
}
