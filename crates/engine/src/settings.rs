//! The user's settings: one TOML file shared by the tray and the CLI
//! (`$XDG_CONFIG_HOME/burnbar/settings.toml`, `~/.config/burnbar/settings.toml`).
//!
//! A missing file means defaults. Unknown keys are kept out of the way (ignored, not an
//! error) so an older build can read a newer file; a malformed file is an error naming it,
//! never silently replaced. Saving writes a temporary file and renames it over the old one,
//! so a reader never sees half a file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::budget::{Budget, Runaway};
use crate::error::{Error, Result};
use crate::model::ProviderId;

/// A settings value Burnbar cannot use ([`Settings::validate`], [`Budget::validate`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    /// `currency` is not an ISO 4217 code.
    #[error("currency {0:?} is not a three-letter ISO code such as USD or EUR")]
    Currency(String),
    /// `usd_rate` is not a positive number.
    #[error("usd_rate {0} must be a positive number")]
    UsdRate(f64),
    /// A budget's amount is not a positive number.
    #[error("{budget} budget: {usd} is not a positive amount")]
    BudgetAmount {
        /// The budget's id.
        budget: String,
        /// Its amount.
        usd: f64,
    },
    /// A budget's thresholds are empty or out of range (the budget's id).
    #[error("{0} budget: thresholds must be percentages between 1 and 1000")]
    Thresholds(String),
    /// A budget's project filter is blank (the budget's id).
    #[error("{0} budget: empty project name")]
    EmptyProject(String),
    /// Two budgets with one id.
    #[error("two budgets for {0}: keep one")]
    DuplicateBudget(String),
    /// The runaway window or rate is unusable.
    #[error("runaway: window_minutes must be > 0 and usd_in_window >= 0")]
    RunawayWindow,
    /// The runaway session cap is not a positive amount.
    #[error("runaway: session_cap_usd must be a positive amount")]
    RunawayCap,
    /// A limit alert is not a percentage between 1 and 100.
    #[error("limits: alerts must be percentages between 1 and 100")]
    LimitAlerts,
    /// `[export] top_projects` is 0.
    #[error("export: top_projects must be at least 1")]
    TopProjects,
    /// `[export.push] interval_seconds` is below 10.
    #[error("export.push: interval_seconds must be at least 10")]
    PushInterval,
}

/// The file name under the config dir.
pub const FILE_NAME: &str = "settings.toml";

/// Everything a user can set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct Settings {
    /// How money is shown: an ISO 4217 code (`USD`, `EUR`, ...). Stored amounts stay USD.
    pub currency: String,
    /// Units of `currency` per USD (1.0 for USD). Display only.
    pub usd_rate: f64,
    /// The tools to read; empty means every tool.
    pub providers: Vec<ProviderId>,
    /// Start the tray at login.
    pub launch_at_login: bool,
    /// A pinned LiteLLM-format price file (like `--prices`; `BURNBAR_PRICES` wins over it).
    pub prices: Option<PathBuf>,
    /// Spend budgets (`[[budgets]]` tables).
    pub budgets: Vec<Budget>,
    /// The runaway-session alert (`[runaway]`).
    pub runaway: Runaway,
    /// The tray icon (`[tray]`).
    pub tray: TrayPrefs,
    /// Usage windows (`[limits]`).
    pub limits: LimitPrefs,
    /// Team metrics: Prometheus exposition and OTLP push (`[export]`).
    pub export: ExportPrefs,
}

/// How projects are named in exported metrics (`[export] project_labels`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectLabels {
    /// The project's directory name (`api`).
    #[default]
    Name,
    /// Its whole path (`/home/ana/src/api`).
    Path,
    /// The first 12 hex digits of the SHA-256 of its path: stable, not readable.
    Hash,
    /// No project label (every project's figures summed).
    None,
}

impl ProjectLabels {
    /// The settings spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectLabels::Name => "name",
            ProjectLabels::Path => "path",
            ProjectLabels::Hash => "hash",
            ProjectLabels::None => "none",
        }
    }

    /// Parses the settings spelling.
    pub fn parse(s: &str) -> Option<ProjectLabels> {
        [Self::Name, Self::Path, Self::Hash, Self::None]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Team metrics (`[export]`): what `burnbar serve` and `burnbar push` export, and whether the
/// tray does either itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct ExportPrefs {
    /// How projects are named in metric labels.
    pub project_labels: ProjectLabels,
    /// Projects beyond this many (by cost) are summed as `other`.
    pub top_projects: usize,
    /// The `machine` label (default: the host name).
    pub machine: Option<String>,
    /// The `user` label (default: the login name).
    pub user: Option<String>,
    /// The tray serves `/metrics` itself (`[export.serve]`).
    pub serve: ServePrefs,
    /// The tray pushes OTLP itself (`[export.push]`).
    pub push: PushPrefs,
}

impl Default for ExportPrefs {
    fn default() -> ExportPrefs {
        ExportPrefs {
            project_labels: ProjectLabels::Name,
            top_projects: DEFAULT_TOP_PROJECTS,
            machine: None,
            user: None,
            serve: ServePrefs::default(),
            push: PushPrefs::default(),
        }
    }
}

/// Projects kept as their own label value by default.
pub const DEFAULT_TOP_PROJECTS: usize = 50;

/// The default `/metrics` address: loopback, Prometheus's port range.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// `[export.serve]`: the tray's own metrics endpoint (off by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct ServePrefs {
    /// Serve while the tray runs.
    pub enabled: bool,
    /// Where (loopback unless a token file is set, or `insecure_no_auth`).
    pub listen: String,
    /// A file holding the bearer token scrapers must send (required off loopback).
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without a token (explicitly insecure).
    pub insecure_no_auth: bool,
}

impl Default for ServePrefs {
    fn default() -> ServePrefs {
        ServePrefs {
            enabled: false,
            listen: DEFAULT_LISTEN.to_string(),
            token_file: None,
            insecure_no_auth: false,
        }
    }
}

/// `[export.push]`: the tray pushes OTLP/HTTP metrics (off while `endpoint` is unset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct PushPrefs {
    /// The OTLP/HTTP metrics endpoint (`https://collector:4318/v1/metrics`).
    pub endpoint: Option<String>,
    /// A file of `Key=Value` header lines (API keys stay out of this file).
    pub headers_file: Option<PathBuf>,
    /// Seconds between pushes.
    pub interval_seconds: u64,
}

impl Default for PushPrefs {
    fn default() -> PushPrefs {
        PushPrefs {
            endpoint: None,
            headers_file: None,
            interval_seconds: 60,
        }
    }
}

/// What the tray's title shows (`[tray] title`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrayTitle {
    /// Today's spend: `$12.34`.
    #[default]
    Cost,
    /// The tightest usage window: `5h 42%`.
    Limit,
    /// Both: `$12.34 · 42%`.
    Both,
}

/// The tray icon (`[tray]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct TrayPrefs {
    /// What the title shows.
    pub title: TrayTitle,
}

/// Usage windows (`[limits]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct LimitPrefs {
    /// Notify when a window's used share crosses these percentages (each once per window).
    pub alerts: Vec<u32>,
    /// Also notify when a window that ran out, or came close, has reset.
    pub notify_reset: bool,
    /// Ask Claude Code's and Codex's own endpoints for their figures, with the token each tool
    /// stored (off by default; see `limits::live`).
    pub live: bool,
}

impl Default for LimitPrefs {
    fn default() -> LimitPrefs {
        LimitPrefs {
            alerts: vec![80, 95],
            notify_reset: false,
            live: false,
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            currency: "USD".to_string(),
            usd_rate: 1.0,
            providers: Vec::new(),
            launch_at_login: false,
            prices: None,
            budgets: Vec::new(),
            runaway: Runaway::default(),
            tray: TrayPrefs::default(),
            limits: LimitPrefs::default(),
            export: ExportPrefs::default(),
        }
    }
}

impl Settings {
    /// The settings file under `config_dir`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join(FILE_NAME)
    }

    /// Reads `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Settings> {
        let text = match crate::untrusted::read_capped_string(path, crate::untrusted::SIDECAR_CAP) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let settings: Settings = toml::from_str(&text).map_err(|e| Error::Settings {
            path: path.to_path_buf(),
            msg: e.message().to_string(),
        })?;
        settings
            .validate()
            .map_err(|source| Error::InvalidSettings {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(settings)
    }

    /// Checks values a parser cannot: the currency code and rate.
    pub fn validate(&self) -> std::result::Result<(), Invalid> {
        let code_ok =
            self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase());
        if !code_ok {
            return Err(Invalid::Currency(self.currency.clone()));
        }
        if !(self.usd_rate.is_finite() && self.usd_rate > 0.0) {
            return Err(Invalid::UsdRate(self.usd_rate));
        }
        let mut ids = std::collections::BTreeSet::new();
        for b in &self.budgets {
            b.validate()?;
            if !ids.insert(b.id()) {
                return Err(Invalid::DuplicateBudget(b.id()));
            }
        }
        let r = &self.runaway;
        if r.window_minutes == 0 || !(r.usd_in_window.is_finite() && r.usd_in_window >= 0.0) {
            return Err(Invalid::RunawayWindow);
        }
        if r.session_cap_usd
            .is_some_and(|c| !(c.is_finite() && c > 0.0))
        {
            return Err(Invalid::RunawayCap);
        }
        if self.limits.alerts.iter().any(|a| !(1..=100).contains(a)) {
            return Err(Invalid::LimitAlerts);
        }
        if self.export.top_projects == 0 {
            return Err(Invalid::TopProjects);
        }
        if self.export.push.interval_seconds < 10 {
            return Err(Invalid::PushInterval);
        }
        Ok(())
    }

    /// Writes the settings to `path` atomically (temporary file + rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        self.validate().map_err(|source| Error::InvalidSettings {
            path: path.to_path_buf(),
            source,
        })?;
        let body = toml::to_string_pretty(self).map_err(|e| Error::Settings {
            path: path.to_path_buf(),
            msg: e.to_string(),
        })?;
        let text = match crate::untrusted::read_capped_string(path, crate::untrusted::SIDECAR_CAP) {
            // edit the file in place: its comments, layout and keys this build does not know
            // stay as they were; only the values that changed are rewritten
            Ok(old) => edited(&old, &body).unwrap_or_else(|| header(&body)),
            Err(_) => header(&body),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let tmp = path.with_extension("toml.tmp");
        let _ = std::fs::remove_file(&tmp); // a leftover from a crash: start it afresh, private
        create_private(&tmp).map_err(|e| Error::io(&tmp, e))?;
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// True when `provider` is to be read.
    pub fn reads(&self, provider: ProviderId) -> bool {
        self.providers.is_empty() || self.providers.contains(&provider)
    }
}

/// A new settings file: a header line and the settings.
fn header(body: &str) -> String {
    format!("# Burnbar settings, shared by the tray app and the CLI.\n{body}")
}

/// What [`Settings`] reads and writes, key by key: a value, or a table merged key by key with
/// the keys this build knows; any other key in the file is kept as it is.
#[derive(Clone, Copy)]
enum Known {
    Value,
    Table(&'static [(&'static str, Known)]),
}

const KNOWN: &[(&str, Known)] = &[
    ("currency", Known::Value),
    ("usd_rate", Known::Value),
    ("providers", Known::Value),
    ("launch_at_login", Known::Value),
    ("prices", Known::Value),
    ("budgets", Known::Value),
    (
        "runaway",
        Known::Table(&[
            ("enabled", Known::Value),
            ("window_minutes", Known::Value),
            ("usd_in_window", Known::Value),
            ("session_cap_usd", Known::Value),
        ]),
    ),
    ("tray", Known::Table(&[("title", Known::Value)])),
    (
        "limits",
        Known::Table(&[
            ("alerts", Known::Value),
            ("notify_reset", Known::Value),
            ("live", Known::Value),
        ]),
    ),
    (
        "export",
        Known::Table(&[
            ("project_labels", Known::Value),
            ("top_projects", Known::Value),
            ("machine", Known::Value),
            ("user", Known::Value),
            (
                "serve",
                Known::Table(&[
                    ("enabled", Known::Value),
                    ("listen", Known::Value),
                    ("token_file", Known::Value),
                    ("insecure_no_auth", Known::Value),
                ]),
            ),
            (
                "push",
                Known::Table(&[
                    ("endpoint", Known::Value),
                    ("headers_file", Known::Value),
                    ("interval_seconds", Known::Value),
                ]),
            ),
        ]),
    ),
];

/// `old` (the file as it is) with each known key set as in `new` (the settings serialised):
/// an unchanged value keeps its text and comments, a changed one is replaced (a table key by
/// key, at any depth), one no longer set or set back to its default is removed, and unknown
/// keys and comments elsewhere stay. `None` when `old` does not parse (the
/// caller then writes the file afresh; `load` refused it before anyway).
fn edited(old: &str, new: &str) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = old.parse().ok()?;
    let fresh: toml_edit::DocumentMut = new.parse().ok()?;
    let defaults: toml_edit::DocumentMut = toml::to_string_pretty(&Settings::default())
        .ok()?
        .parse()
        .ok()?;
    merge(
        doc.as_table_mut(),
        fresh.as_table(),
        defaults.as_table(),
        KNOWN,
    );
    Some(doc.to_string())
}

/// Sets the `known` keys of `table` as in `fresh` (see [`edited`]), tables key by key.
fn merge(
    table: &mut toml_edit::Table,
    fresh: &toml_edit::Table,
    defaults: &toml_edit::Table,
    known: &[(&str, Known)],
) {
    let none = toml_edit::Table::new();
    for &(key, kind) in known {
        if let (Known::Table(keys), Some(toml_edit::Item::Table(now))) = (kind, fresh.get(key)) {
            let default = defaults
                .get(key)
                .and_then(toml_edit::Item::as_table)
                .unwrap_or(&none);
            match table.get_mut(key) {
                Some(toml_edit::Item::Table(was)) => {
                    merge(was, now, default, keys);
                    if was.is_empty() {
                        table.remove(key); // nothing of ours or the user's left in it
                    }
                    continue;
                }
                None => {
                    // only what differs from the defaults is spelled out
                    let mut added = toml_edit::Table::new();
                    merge(&mut added, now, default, keys);
                    if !added.is_empty() {
                        table.insert(key, toml_edit::Item::Table(added));
                    }
                    continue;
                }
                Some(_) => {} // written inline: replaced whole, below
            }
        }
        match (table.get(key), fresh.get(key)) {
            (Some(was), Some(now)) if same_value(key, was, now) => {}
            // back to (or still at) its default: not spelled out
            (_, Some(now))
                if defaults
                    .get(key)
                    .is_some_and(|default| same_value(key, default, now)) =>
            {
                table.remove(key);
            }
            (_, Some(now)) => {
                table.insert(key, now.clone());
            }
            (_, None) => {
                table.remove(key);
            }
        }
    }
}

/// Whether two items hold the same value, whatever their formatting and comments.
fn same_value(key: &str, a: &toml_edit::Item, b: &toml_edit::Item) -> bool {
    let value = |item: &toml_edit::Item| {
        let mut doc = toml_edit::DocumentMut::new();
        doc.insert(key, item.clone());
        toml::from_str::<toml::Table>(&doc.to_string()).ok()
    };
    value(a).is_some_and(|v| Some(v) == value(b))
}

/// Creates `path` as an empty file readable and writable by its owner only (0600 on Unix,
/// whatever the umask), unless it exists already (an existing file keeps its permissions).
pub(crate) fn create_private(path: &Path) -> std::io::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    match open.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_tables_are_edited_key_by_key_and_defaults_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Settings::path(dir.path());
        std::fs::write(
            &path,
            "# mine\ncurrency = \"EUR\" # euro\n[export]\nmy_note = 1\n",
        )
        .expect("write");
        let mut s = Settings::load(&path).expect("load");
        s.export.serve.enabled = true;
        s.export.push.endpoint = Some("http://c:4318/v1/metrics".into());
        s.save(&path).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("# mine") && text.contains("# euro") && text.contains("my_note = 1"));
        assert!(text.contains("[export.serve]\nenabled = true"), "{text}");
        assert!(!text.contains("listen"), "defaults are left out: {text}");
        assert_eq!(Settings::load(&path).expect("load"), s);
        s.export = ExportPrefs::default();
        s.save(&path).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("serve") && !text.contains("push"), "{text}");
        assert!(text.contains("my_note = 1"), "the user's key stays: {text}");
    }

    #[test]
    fn a_missing_file_is_the_defaults_and_a_saved_file_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Settings::path(dir.path());
        assert_eq!(
            Settings::load(&path).expect("defaults"),
            Settings::default()
        );
        let s = Settings {
            currency: "EUR".into(),
            usd_rate: 0.92,
            providers: vec![ProviderId::ClaudeCode, ProviderId::Codex],
            launch_at_login: true,
            prices: Some(PathBuf::from("/tmp/prices.json")),
            budgets: vec![
                Budget::new(crate::BudgetPeriod::Daily, 20.0),
                Budget {
                    project: Some("api".into()),
                    thresholds: vec![90],
                    ..Budget::new(crate::BudgetPeriod::Monthly, 300.0)
                },
            ],
            runaway: Runaway {
                session_cap_usd: Some(25.0),
                ..Runaway::default()
            },
            tray: TrayPrefs {
                title: TrayTitle::Both,
            },
            limits: LimitPrefs {
                alerts: vec![90],
                notify_reset: true,
                live: true,
            },
            export: ExportPrefs {
                project_labels: ProjectLabels::Hash,
                top_projects: 20,
                machine: Some("ana-laptop".into()),
                user: None,
                serve: ServePrefs {
                    enabled: true,
                    listen: "0.0.0.0:9464".into(),
                    token_file: Some(PathBuf::from("/etc/burnbar/token")),
                    insecure_no_auth: false,
                },
                push: PushPrefs {
                    endpoint: Some("http://collector:4318/v1/metrics".into()),
                    headers_file: None,
                    interval_seconds: 30,
                },
            },
        };
        s.save(&path).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.contains("[tray]\ntitle = \"both\"") && text.contains("notify_reset = true"),
            "{text}"
        );
        assert_eq!(Settings::load(&path).expect("load"), s);
        assert!(
            !path.with_extension("toml.tmp").exists(),
            "no temporary left behind"
        );
    }

    #[test]
    fn partial_files_fill_in_defaults_and_unknown_keys_are_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Settings::path(dir.path());
        std::fs::write(
            &path,
            "currency = \"GBP\"\nusd_rate = 0.8\nfuture_key = 3\n",
        )
        .expect("write");
        let s = Settings::load(&path).expect("load");
        assert_eq!(s.currency, "GBP");
        assert_eq!(s.providers, Vec::<ProviderId>::new());
        assert!(s.reads(ProviderId::Gemini), "empty list = every tool");
    }

    #[test]
    fn limit_alerts_outside_1_to_100_are_refused() {
        for bad in [vec![0], vec![80, 101]] {
            let s = Settings {
                limits: LimitPrefs {
                    alerts: bad,
                    ..LimitPrefs::default()
                },
                ..Settings::default()
            };
            assert_eq!(s.validate(), Err(Invalid::LimitAlerts));
        }
    }

    #[test]
    fn a_malformed_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Settings::path(dir.path());
        for bad in [
            "currency = [",
            "currency = \"dollars\"",
            "usd_rate = -1.0",
            "providers = [\"nope\"]",
        ] {
            std::fs::write(&path, bad).expect("write");
            let err = Settings::load(&path).expect_err(bad).to_string();
            assert!(err.contains("settings.toml"), "{bad}: {err}");
        }
    }
}
