//! Where things live: the tools' data roots and our own cache/data/config dirs.
//!
//! This is the only module that reads the environment (clippy's `disallowed-methods` enforces
//! it). Everything else receives a [`Paths`], so tests point the whole engine at a fake home
//! without `set_var`. Pointing `HOME` at a generated tree reads only that tree: every default
//! root is derived from the home directory, and the XDG variables are honoured only when set.

use std::path::{Path, PathBuf};

/// Resolved locations. Build with [`Paths::from_env`] or, in tests, [`Paths::for_home`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The user's home directory.
    pub home: PathBuf,
    /// Our cache dir (`$XDG_CACHE_HOME/burnbar`, `~/.cache/burnbar`): the LiteLLM price copy.
    pub cache: PathBuf,
    /// Our data dir (`BURNBAR_DATA_DIR`, else `$XDG_DATA_HOME/burnbar`): the index.
    pub data: PathBuf,
    /// Our config dir (`$XDG_CONFIG_HOME/burnbar`): settings.
    pub config: PathBuf,
    /// Claude Code config dirs; sessions live in `<dir>/projects/`. `CLAUDE_CONFIG_DIR` (a comma
    /// list) replaces the defaults `~/.config/claude` and `~/.claude`.
    pub claude_dirs: Vec<PathBuf>,
    /// Codex home (`CODEX_HOME`, else `~/.codex`).
    pub codex_home: PathBuf,
    /// Gemini CLI dir (`GEMINI_DATA_DIR`, else `~/.gemini`).
    pub gemini_dir: PathBuf,
    /// Qwen Code dir (`QWEN_DATA_DIR`, else `~/.qwen`).
    pub qwen_dir: PathBuf,
    /// Cursor's `User` dir (per OS, see [`crate::providers::cursor`]).
    pub cursor_user_dir: PathBuf,
    /// The `User` directories of the VS Code family (Code, Code - Insiders, VSCodium, Cursor,
    /// Windsurf, and a remote host's `~/.vscode-server/data/User`): where extensions such as
    /// Cline keep their `globalStorage`.
    pub vscode_user_dirs: Vec<PathBuf>,
    /// The XDG data directory (`~/.local/share`), where several tools keep their stores.
    pub data_home: PathBuf,
    /// Goose's `GOOSE_PATH_ROOT`, when set (its data then lives in `<root>/data`).
    pub goose_root: Option<PathBuf>,
    /// Factory Droid's home (`FACTORY_DIR`, else `~/.factory`).
    pub factory_dir: PathBuf,
    /// Amp's data directory (`AMP_DATA_DIR`, else `$XDG_DATA_HOME/amp`).
    pub amp_data: PathBuf,
    /// Crush's global data directory (`CRUSH_GLOBAL_DATA`, else `$XDG_DATA_HOME/crush`).
    pub crush_data: PathBuf,
    /// Aider's analytics log named by `AIDER_ANALYTICS_LOG`, if any.
    pub aider_analytics_log: Option<PathBuf>,
    /// Kimi CLI's share directory (`KIMI_SHARE_DIR`, else `~/.kimi`).
    pub kimi_share: PathBuf,
    /// Hermes Agent's home (`HERMES_HOME`, else `~/.hermes`).
    pub hermes_home: PathBuf,
    /// Kiro's home (`KIRO_HOME`, else `~/.kiro`).
    pub kiro_home: PathBuf,
    /// Cline's data directory (`CLINE_DATA_DIR`, else `$CLINE_DIR/data`, else
    /// `~/.cline/data`): the CLI's older task store is its `tasks/`.
    pub cline_data: PathBuf,
    /// The Cline SDK's session store (`CLINE_SESSION_DATA_DIR`, else `<cline_data>/sessions`).
    pub cline_sessions: PathBuf,
    /// Copilot CLI's OpenTelemetry export file (`COPILOT_OTEL_FILE_EXPORTER_PATH`), if set.
    pub copilot_otel_file: Option<PathBuf>,
    /// OpenClaw's state directories (`OPENCLAW_STATE_DIR`, else `~/.openclaw` and the older
    /// `~/.clawdbot` and `~/.moltbot`).
    pub openclaw_state: Vec<PathBuf>,
    /// OpenCode data dir (`OPENCODE_DATA_DIR`, else `$XDG_DATA_HOME/opencode`, else
    /// `~/.local/share/opencode`).
    pub opencode_data: PathBuf,
    /// A pinned price table (`BURNBAR_PRICES`, LiteLLM format).
    pub prices_file: Option<PathBuf>,
    /// `TZ`, if set: the default report time zone.
    pub tz: Option<String>,
    /// The login name (`USER`, `LOGNAME`, `USERNAME`), if set: the team metrics' `user` label.
    pub login: Option<String>,
    /// Where live usage figures are asked for, Claude Code's and Codex's (the providers'
    /// endpoints unless `BURNBAR_CLAUDE_USAGE_URL` / `BURNBAR_CODEX_USAGE_URL` say otherwise).
    pub usage_urls: crate::limits::live::Urls,
}

/// The environment variables we read, captured once.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `HOME`.
    pub home: Option<PathBuf>,
    /// `XDG_CACHE_HOME`.
    pub xdg_cache: Option<PathBuf>,
    /// `XDG_DATA_HOME`.
    pub xdg_data: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`.
    pub xdg_config: Option<PathBuf>,
    /// `CLAUDE_CONFIG_DIR`.
    pub claude_config_dir: Option<String>,
    /// `CODEX_HOME`.
    pub codex_home: Option<PathBuf>,
    /// `OPENCODE_DATA_DIR`.
    pub opencode_data_dir: Option<PathBuf>,
    /// `QWEN_DATA_DIR`.
    pub qwen_data_dir: Option<PathBuf>,
    /// `GEMINI_DATA_DIR`.
    pub gemini_data_dir: Option<PathBuf>,
    /// `BURNBAR_PRICES`.
    pub burnbar_prices: Option<PathBuf>,
    /// `BURNBAR_DATA_DIR`: where the index lives, without moving other tools' XDG data.
    pub burnbar_data_dir: Option<PathBuf>,
    /// `GOOSE_PATH_ROOT`.
    pub goose_path_root: Option<PathBuf>,
    /// `FACTORY_DIR`.
    pub factory_dir: Option<PathBuf>,
    /// `AMP_DATA_DIR`.
    pub amp_data_dir: Option<PathBuf>,
    /// `CRUSH_GLOBAL_DATA`.
    pub crush_global_data: Option<PathBuf>,
    /// `AIDER_ANALYTICS_LOG`.
    pub aider_analytics_log: Option<PathBuf>,
    /// `KIMI_SHARE_DIR`.
    pub kimi_share_dir: Option<PathBuf>,
    /// `HERMES_HOME`.
    pub hermes_home: Option<PathBuf>,
    /// `KIRO_HOME`.
    pub kiro_home: Option<PathBuf>,
    /// `CLINE_DIR`.
    pub cline_dir: Option<PathBuf>,
    /// `CLINE_DATA_DIR`.
    pub cline_data_dir: Option<PathBuf>,
    /// `CLINE_SESSION_DATA_DIR`.
    pub cline_session_data_dir: Option<PathBuf>,
    /// `COPILOT_OTEL_FILE_EXPORTER_PATH`.
    pub copilot_otel_file: Option<PathBuf>,
    /// `OPENCLAW_STATE_DIR`.
    pub openclaw_state_dir: Option<PathBuf>,
    /// `TZ`.
    pub tz: Option<String>,
    /// `USER`, else `LOGNAME`, else `USERNAME` (Windows).
    pub login: Option<String>,
    /// `BURNBAR_CLAUDE_USAGE_URL`.
    pub claude_usage_url: Option<String>,
    /// `BURNBAR_CODEX_USAGE_URL`.
    pub codex_usage_url: Option<String>,
}

impl Env {
    /// Reads the process environment. Directories are canonicalised where they exist (a
    /// relative `HOME`, or one reached through a symlink, names the same files as the real
    /// path does), so a file's identity in the index does not depend on how a path was spelled.
    #[allow(clippy::disallowed_methods)] // the one place that reads the environment
    pub fn capture() -> Env {
        let path = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        };
        let string = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Env {
            home: path("HOME")
                .or_else(|| dirs::home_dir().map(|h| std::fs::canonicalize(&h).unwrap_or(h))),
            xdg_cache: path("XDG_CACHE_HOME"),
            xdg_data: path("XDG_DATA_HOME"),
            xdg_config: path("XDG_CONFIG_HOME"),
            claude_config_dir: string("CLAUDE_CONFIG_DIR"),
            codex_home: path("CODEX_HOME"),
            opencode_data_dir: path("OPENCODE_DATA_DIR"),
            qwen_data_dir: path("QWEN_DATA_DIR"),
            gemini_data_dir: path("GEMINI_DATA_DIR"),
            burnbar_prices: path("BURNBAR_PRICES"),
            burnbar_data_dir: path("BURNBAR_DATA_DIR"),
            goose_path_root: path("GOOSE_PATH_ROOT"),
            factory_dir: path("FACTORY_DIR"),
            amp_data_dir: path("AMP_DATA_DIR"),
            crush_global_data: path("CRUSH_GLOBAL_DATA"),
            aider_analytics_log: path("AIDER_ANALYTICS_LOG"),
            kimi_share_dir: path("KIMI_SHARE_DIR"),
            hermes_home: path("HERMES_HOME"),
            kiro_home: path("KIRO_HOME"),
            cline_dir: path("CLINE_DIR"),
            cline_data_dir: path("CLINE_DATA_DIR"),
            cline_session_data_dir: path("CLINE_SESSION_DATA_DIR"),
            copilot_otel_file: path("COPILOT_OTEL_FILE_EXPORTER_PATH"),
            openclaw_state_dir: path("OPENCLAW_STATE_DIR"),
            tz: string("TZ"),
            login: string("USER")
                .or_else(|| string("LOGNAME"))
                .or_else(|| string("USERNAME"))
                .filter(|s| !s.trim().is_empty()),
            claude_usage_url: string("BURNBAR_CLAUDE_USAGE_URL"),
            codex_usage_url: string("BURNBAR_CODEX_USAGE_URL"),
        }
    }
}

impl Paths {
    /// Paths from the process environment.
    pub fn from_env() -> Paths {
        Paths::resolve(&Env::capture())
    }

    /// Paths from a captured environment.
    pub fn resolve(env: &Env) -> Paths {
        let home = env.home.clone().unwrap_or_else(|| PathBuf::from("/"));
        let under = |xdg: &Option<PathBuf>, default: &[&str]| {
            xdg.clone()
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| default.iter().fold(home.clone(), |p, s| p.join(s)))
        };
        // an override (`~` expanded) or a default
        let or_default = |over: &Option<PathBuf>, default: PathBuf| {
            over.as_deref()
                .map_or(default, |p| expand_tilde_path(p, &home))
        };
        let cache_base = under(&env.xdg_cache, &[".cache"]);
        let data_base = under(&env.xdg_data, &[".local", "share"]);
        let config_base = under(&env.xdg_config, &[".config"]);
        let (cline_data, cline_sessions) = cline_dirs(env, &home);
        let claude_dirs = match &env.claude_config_dir {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| expand_tilde(s, &home))
                .collect(),
            None => vec![config_base.join("claude"), home.join(".claude")],
        };
        Paths {
            cache: cache_base.join("burnbar"),
            data: env
                .burnbar_data_dir
                .clone()
                .unwrap_or_else(|| data_base.join("burnbar")),
            config: config_base.join("burnbar"),
            claude_dirs: dedup_paths(claude_dirs),
            codex_home: or_default(&env.codex_home, home.join(".codex")),
            gemini_dir: or_default(&env.gemini_data_dir, home.join(".gemini")),
            vscode_user_dirs: vscode_user_dirs(&home, &config_base),
            data_home: data_base.clone(),
            goose_root: env.goose_path_root.clone().filter(|p| p.is_absolute()),
            factory_dir: or_default(&env.factory_dir, home.join(".factory")),
            amp_data: or_default(&env.amp_data_dir, data_base.join("amp")),
            aider_analytics_log: env
                .aider_analytics_log
                .as_deref()
                .map(|p| expand_tilde_path(p, &home)),
            kimi_share: or_default(&env.kimi_share_dir, home.join(".kimi")),
            hermes_home: or_default(&env.hermes_home, home.join(".hermes")),
            kiro_home: or_default(&env.kiro_home, home.join(".kiro")),
            cline_data,
            cline_sessions,
            copilot_otel_file: env
                .copilot_otel_file
                .as_deref()
                .map(|p| expand_tilde_path(p, &home)),
            openclaw_state: openclaw_state(env, &home),
            crush_data: or_default(&env.crush_global_data, data_base.join("crush")),
            cursor_user_dir: if cfg!(target_os = "macos") {
                home.join("Library/Application Support/Cursor/User")
            } else if cfg!(windows) {
                home.join("AppData/Roaming/Cursor/User")
            } else {
                config_base.join("Cursor/User")
            },
            qwen_dir: or_default(&env.qwen_data_dir, home.join(".qwen")),
            opencode_data: or_default(&env.opencode_data_dir, data_base.join("opencode")),
            prices_file: env.burnbar_prices.clone(),
            tz: env.tz.clone(),
            login: env.login.clone(),
            usage_urls: crate::limits::live::Urls {
                claude: env
                    .claude_usage_url
                    .clone()
                    .unwrap_or_else(|| crate::limits::live::CLAUDE_URL.to_string()),
                codex: env
                    .codex_usage_url
                    .clone()
                    .unwrap_or_else(|| crate::limits::live::CODEX_URL.to_string()),
            },
            home,
        }
    }

    /// Paths for a fake home with no environment overrides (tests).
    pub fn for_home(home: &Path) -> Paths {
        Paths::resolve(&Env {
            home: Some(home.to_path_buf()),
            ..Env::default()
        })
    }
}

/// The VS Code family's `User` directories on this OS.
fn vscode_user_dirs(home: &Path, config_base: &Path) -> Vec<PathBuf> {
    let base = if cfg!(target_os = "macos") {
        home.join("Library/Application Support")
    } else if cfg!(windows) {
        home.join("AppData/Roaming")
    } else {
        config_base.to_path_buf()
    };
    let mut dirs: Vec<PathBuf> = ["Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf"]
        .iter()
        .map(|host| base.join(host).join("User"))
        .collect();
    dirs.push(home.join(".vscode-server/data/User"));
    dirs
}

fn expand_tilde(s: &str, home: &Path) -> PathBuf {
    match s.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if s == "~" => home.to_path_buf(),
        None => PathBuf::from(s),
    }
}

/// OpenClaw's state directories: `OPENCLAW_STATE_DIR`, else `~/.openclaw` and the older
/// `~/.clawdbot` and `~/.moltbot`.
fn openclaw_state(env: &Env, home: &Path) -> Vec<PathBuf> {
    match &env.openclaw_state_dir {
        Some(d) => vec![expand_tilde_path(d, home)],
        None => [".openclaw", ".clawdbot", ".moltbot"]
            .iter()
            .map(|d| home.join(d))
            .collect(),
    }
}

/// Cline's data directory and its SDK's session store, as Cline resolves them
/// (`sdk/packages/shared/src/storage/paths.ts`): `CLINE_DATA_DIR`, else `$CLINE_DIR/data`, else
/// `~/.cline/data`; `CLINE_SESSION_DATA_DIR`, else `<data>/sessions`.
fn cline_dirs(env: &Env, home: &Path) -> (PathBuf, PathBuf) {
    let over = |p: &Option<PathBuf>| p.as_deref().map(|p| expand_tilde_path(p, home));
    let data = over(&env.cline_data_dir).unwrap_or_else(|| {
        over(&env.cline_dir)
            .unwrap_or_else(|| home.join(".cline"))
            .join("data")
    });
    let sessions = over(&env.cline_session_data_dir).unwrap_or_else(|| data.join("sessions"));
    (data, sessions)
}

fn expand_tilde_path(p: &Path, home: &Path) -> PathBuf {
    p.to_str()
        .map_or_else(|| p.to_path_buf(), |s| expand_tilde(s, home))
}

fn dedup_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for p in paths {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_derive_from_home() {
        let p = Paths::for_home(Path::new("/h"));
        assert_eq!(
            p.claude_dirs,
            vec![
                PathBuf::from("/h/.config/claude"),
                PathBuf::from("/h/.claude")
            ]
        );
        assert_eq!(p.codex_home, PathBuf::from("/h/.codex"));
        assert_eq!(p.cache, PathBuf::from("/h/.cache/burnbar"));
        assert_eq!(p.data, PathBuf::from("/h/.local/share/burnbar"));
    }

    #[test]
    fn claude_config_dir_is_a_comma_list_that_replaces_defaults() {
        let env = Env {
            home: Some("/h".into()),
            claude_config_dir: Some("~/a, /b ,,/b".into()),
            codex_home: Some("~/cx".into()),
            ..Env::default()
        };
        let p = Paths::resolve(&env);
        assert_eq!(
            p.claude_dirs,
            vec![PathBuf::from("/h/a"), PathBuf::from("/b")]
        );
        assert_eq!(p.codex_home, PathBuf::from("/h/cx"));
    }

    #[test]
    fn relative_xdg_dirs_are_ignored() {
        let env = Env {
            home: Some("/h".into()),
            xdg_cache: Some("rel".into()),
            xdg_data: Some("/d".into()),
            ..Env::default()
        };
        let p = Paths::resolve(&env);
        assert_eq!(p.cache, PathBuf::from("/h/.cache/burnbar"));
        assert_eq!(p.data, PathBuf::from("/d/burnbar"));
    }
}

/// Serde helpers that write paths as text even when they are not valid UTF-8 (undecodable
/// bytes become U+FFFD): a report must never fail, or stop half-written, over a directory's
/// name. Only what is shown is lossy; the index keeps every path exactly.
pub mod lossy {
    use std::path::{Path, PathBuf};

    use serde::Serializer;

    /// One path.
    pub fn path<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&p.to_string_lossy())
    }

    /// A list of paths.
    pub fn paths<S: Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ps.iter().map(|p| p.to_string_lossy()))
    }
}
