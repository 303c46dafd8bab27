//! What a command returns when it fails: a stable `code` the UI switches on, and a message
//! for people.

use serde::Serialize;

/// The codes a failed command carries, serialised in kebab-case. The popover switches on
/// them (`ui/src`); a test keeps the two lists in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The first scan has not finished: the UI shows its progress instead of an error.
    Scanning,
    /// An argument the command cannot use.
    BadRequest,
    /// Reading the logs failed.
    SyncFailed,
    /// Settings that do not validate (nothing was saved).
    InvalidSettings,
    /// A file could not be read or written.
    Io,
    /// The index could not be opened or queried.
    StoreUnavailable,
    /// The price table could not be read.
    InvalidPrices,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 7] = [
        ErrorCode::Scanning,
        ErrorCode::BadRequest,
        ErrorCode::SyncFailed,
        ErrorCode::InvalidSettings,
        ErrorCode::Io,
        ErrorCode::StoreUnavailable,
        ErrorCode::InvalidPrices,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Scanning => "scanning",
            ErrorCode::BadRequest => "bad-request",
            ErrorCode::SyncFailed => "sync-failed",
            ErrorCode::InvalidSettings => "invalid-settings",
            ErrorCode::Io => "io",
            ErrorCode::StoreUnavailable => "store-unavailable",
            ErrorCode::InvalidPrices => "invalid-prices",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed command, serialised as `{ "code": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened, naming the file or value.
    pub message: String,
}

impl CommandError {
    /// The first scan has not finished.
    pub fn scanning(message: impl Into<String>) -> CommandError {
        CommandError {
            code: ErrorCode::Scanning,
            message: message.into(),
        }
    }

    /// An argument the command cannot use.
    pub fn bad_request(message: impl Into<String>) -> CommandError {
        CommandError {
            code: ErrorCode::BadRequest,
            message: message.into(),
        }
    }
}

impl From<burnbar_engine::Error> for CommandError {
    fn from(e: burnbar_engine::Error) -> CommandError {
        use burnbar_engine::Error as E;
        let code = match &e {
            E::Settings { .. } | E::InvalidSettings { .. } => ErrorCode::InvalidSettings,
            E::Io { .. } | E::DataDir { .. } => ErrorCode::Io,
            E::Store { .. } | E::Sql(_) => ErrorCode::StoreUnavailable,
            E::Prices { .. } => ErrorCode::InvalidPrices,
            _ => ErrorCode::SyncFailed,
        };
        CommandError {
            code,
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_serialised_names() {
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().to_string())
            );
        }
    }

    /// Every code the popover's sources compare against is one the app sends, and the UI's
    /// `ErrorCode` type lists exactly the app's codes.
    #[test]
    fn the_ui_knows_exactly_the_codes_the_app_sends() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src");
        let types = std::fs::read_to_string(dir.join("types.ts")).unwrap();
        let decl = types
            .split("export type ErrorCode =")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .expect("ui/src/types.ts declares `export type ErrorCode = ...;`");
        let mut ui: Vec<&str> = decl
            .split('|')
            .map(|s| s.trim().trim_matches('"'))
            .filter(|s| !s.is_empty())
            .collect();
        ui.sort_unstable();
        let mut app: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        app.sort_unstable();
        assert_eq!(ui, app, "ui/src/types.ts ErrorCode vs src-tauri ErrorCode");
        for file in ["main.ts", "render.ts"] {
            let src = std::fs::read_to_string(dir.join(file)).unwrap();
            for part in src
                .split("code === \"")
                .skip(1)
                .chain(src.split("code !== \"").skip(1))
            {
                let used = part.split('"').next().unwrap();
                assert!(
                    app.contains(&used),
                    "{file} compares with unknown code {used:?}"
                );
            }
        }
    }
}
