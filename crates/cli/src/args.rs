//! Command-line flags (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `0.2.0 (1a2b3c4d5e6f, built 2026-12-05)`: the workspace version, the git commit and the
/// build date (build/version.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("BURNBAR_COMMIT"),
    ", built ",
    env!("BURNBAR_BUILD_DATE"),
    ")"
);

/// Where your AI coding money went: reads Claude Code, Codex, Cursor, Gemini CLI, OpenCode,
/// Qwen Code, Pi and Copilot CLI session logs on this machine,
/// prices every call with LiteLLM's price data, and reports spend by day, project, model and
/// tool. Nothing leaves your machine except an optional daily price-table download.
#[derive(Debug, Parser)]
#[command(name = "burnbar", version = VERSION, about, long_about = None)]
#[command(
    after_help = "With no command, `burnbar` runs `burnbar report`. Every command first \
brings the index (~/.local/share/burnbar/usage.sqlite) up to date, reading only what the tools \
appended since the last run.\n\n\
Examples:\n  burnbar                                  last 30 days, readable summary\n  \
burnbar report --period today\n  burnbar report --from 2026-10-01 --to 2026-10-31 --format json\n  \
burnbar export --format csv -o spend.csv\n  burnbar report --provider codex --project api"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for the default command (`report`).
    #[command(flatten)]
    pub report: ReportArgs,
}

impl Cli {
    /// `--verbose` of whichever command runs.
    pub fn verbose(&self) -> bool {
        match &self.command {
            Some(Command::Serve(a)) => a.daemon.verbose,
            Some(Command::Push(a)) => a.daemon.verbose,
            _ => self.common().is_some_and(|c| c.verbose),
        }
    }

    /// The common options of whichever command runs (budget edits have none).
    pub fn common(&self) -> Option<&Common> {
        Some(match &self.command {
            Some(Command::Report(a)) => &a.common,
            Some(Command::Compare(a)) => &a.common,
            Some(Command::Optimize(a)) => &a.common,
            Some(Command::Yield(a)) => &a.common,
            Some(Command::Blocks(a)) => &a.common,
            Some(Command::Limits(a)) => &a.common,
            Some(Command::Export(a)) => &a.common,
            Some(
                Command::Watch(a)
                | Command::Reprice(a)
                | Command::Snapshot(a)
                | Command::Statusline(a),
            ) => a,
            Some(Command::Budget(b)) => return b.common(),
            Some(
                Command::Serve(_) | Command::Push(_) | Command::Completions { .. } | Command::Man,
            ) => return None,
            None => &self.report.common,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise spend: totals, by day, by project, by model, by tool (the default command).
    Report(ReportArgs),
    /// Export one row per (date, tool, model, project) as CSV or JSON.
    Export(ExportArgs),
    /// Models side by side: one-shot rate, retries, self-correction, cost per call and per
    /// edit turn, output per call, cache hit, one-shot per activity (default period: all).
    Compare(CompareArgs),
    /// What to change: ranked findings (re-reads, idle MCP servers, long instructions, cache
    /// expiry, model choice, ...) with their savings, an A-F grade and a fix for each
    /// (default period: 30days).
    Optimize(OptimizeArgs),
    /// How much of the spend shipped: each session's commits (read from its git repository),
    /// its cost labelled productive, reverted, abandoned, ambiguous or no repository
    /// (default period: week).
    Yield(YieldArgs),
    /// Claude Code's 5-hour blocks (each starts at its first call's hour and lasts 5 h, as in
    /// ccusage), with the gaps between them; the active one with its burn rate and where it
    /// ends at that pace (default period: week).
    Blocks(BlocksArgs),
    /// The 5-hour and weekly usage windows: Codex's own figures from its logs; Claude Code's
    /// reconstructed from the calls (a percentage only once a limit notice calibrated it),
    /// with when each resets, the pace and where it ends at that pace.
    Limits(LimitsArgs),
    /// One short line for Claude Code's status bar: the session's cost, today's, and the
    /// 5-hour window ("$3.21 session · $12.34 today · 5h 42% 2h10m"). Reads Claude Code's
    /// status JSON on stdin; never fails the status bar. In ~/.claude/settings.json:
    /// "statusLine": {"type": "command", "command": "burnbar statusline"}.
    Statusline(Common),
    /// Keep the index current as the tools write, printing one JSON line with today's
    /// figures each time they change (for status bars; Ctrl-C stops).
    Watch(Common),
    /// Recompute every stored cost with the price table in force and say what changed.
    Reprice(Common),
    /// Serve this machine's spend to Prometheus: GET /metrics (either of Prometheus's text
    /// formats), /api/report?period=..., /healthz. Keeps the index current as the tools
    /// write; counters never reset (docs/team.md).
    Serve(ServeArgs),
    /// Print a shell completion script: `burnbar completions bash > ~/.local/share/bash-completion/completions/burnbar`
    /// (zsh: into a directory of your $fpath as `_burnbar`; fish: ~/.config/fish/completions/burnbar.fish).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `burnbar man | man -l -`.
    Man,
    /// Push this machine's spend to an OpenTelemetry endpoint (OTLP/HTTP, protobuf,
    /// cumulative) every --interval, for laptops a Prometheus cannot reach (docs/team.md).
    Push(PushArgs),
    /// Print the tray popover's payload as JSON: the report for --period (default today)
    /// and at most one --provider, plus today's headline and a 30-day trend.
    Snapshot(Common),
    /// Spend budgets (daily, weekly, monthly; overall or per project/tool), shared with the
    /// tray app, which notifies when a threshold is crossed.
    Budget(BudgetArgs),
}

#[derive(Debug, Args)]
pub struct BudgetArgs {
    #[command(subcommand)]
    pub action: BudgetAction,
}

impl BudgetArgs {
    pub fn common(&self) -> Option<&Common> {
        match &self.action {
            BudgetAction::Status { common, .. } => Some(common),
            BudgetAction::Set { .. } | BudgetAction::Rm { .. } | BudgetAction::List { .. } => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BudgetAction {
    /// Add or change a budget: `burnbar budget set daily 20`, `... monthly 300 --project api`.
    Set {
        #[command(flatten)]
        target: BudgetTarget,
        /// The amount in USD.
        usd: f64,
        /// Alert at these percentages of the budget [default: 50,80,100].
        #[arg(long, value_delimiter = ',', value_name = "PCT")]
        thresholds: Vec<u32>,
    },
    /// Remove a budget.
    Rm {
        #[command(flatten)]
        target: BudgetTarget,
    },
    /// List the budgets.
    List {
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Spend against each budget in its current period, with the pace.
    Status {
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        #[command(flatten)]
        common: Common,
    },
}

/// Which budget: its period and scope.
#[derive(Debug, Args)]
pub struct BudgetTarget {
    /// daily, weekly (ISO week, Monday to Sunday) or monthly.
    #[arg(value_name = "PERIOD")]
    pub period: String,
    /// Only this project (matches a project path or name, case-insensitive).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Only this tool (claude-code, codex, ...).
    #[arg(long, value_name = "TOOL")]
    pub provider: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  burnbar compare                    the top 3 models by cost\n  \
burnbar compare opus sonnet        every Opus model against every Sonnet model\n  \
burnbar compare gpt-5.2-codex claude-sonnet-4-5 --period month --format json"
)]
pub struct CompareArgs {
    /// Models to compare: an exact model id, or a word every id in the column contains
    /// (case-insensitive). None: the top models by cost.
    #[arg(value_name = "MODEL")]
    pub models: Vec<String>,
    /// How many models to compare when none are named.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub top: usize,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  burnbar optimize                       the last 30 days, all tools\n  \
burnbar optimize --provider claude-code --period week\n  \
burnbar optimize --format json | jq '.findings[] | {id, estimatedSavingsUSD}'"
)]
pub struct OptimizeArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Apply the fix of this finding (a CLAUDE.md rule or a settings key): shows the change
    /// and asks first, keeps a backup; `burnbar optimize undo` restores it.
    #[arg(long, value_name = "ID")]
    pub apply: Option<String>,
    /// With --apply: do not ask.
    #[arg(long, short = 'y', requires = "apply")]
    pub yes: bool,
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub action: Option<OptimizeAction>,
}

#[derive(Debug, Subcommand)]
pub enum OptimizeAction {
    /// Restore the file a fix changed, byte for byte (the latest fix, or the latest of ID).
    Undo {
        /// The finding whose fix to undo.
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
#[command(
    after_help = "A commit counts for a session when it was authored during the session (from its \
first call to an hour after its last) and touches a file the session edited; the main branch is \
origin/HEAD, else main, else master. Repositories are only read.\n\nExamples:\n  \
burnbar yield                          this week\n  \
burnbar yield --period 30days --project api --format json"
)]
pub struct YieldArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct BlocksArgs {
    /// Only the active block.
    #[arg(long)]
    pub active: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Codex: the latest rate-limit snapshot its rollouts carry, per Codex home (source \"log\"); a \
window whose reset has passed since is shown reset. Claude Code: the active 5-hour block and \
the week from the last weekly reset a limit notice named (else a rolling 7 days), with the \
cost and tokens used; past limit notices calibrate a percentage (source \"estimated\").\n\n\
Examples:\n  \
burnbar limits\n  \
burnbar limits --format json | jq '.windows[] | select(.kind == \"5h\")'")]
pub struct LimitsArgs {
    /// Also ask Claude Code's and Codex's own endpoints for their figures, with the access
    /// token each tool stored (read-only; at most once per 5 minutes; see the README). Off by
    /// default; `[limits] live = true` in the settings turns it on for good.
    #[arg(long)]
    pub live: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A readable terminal summary.
    Text,
    /// One JSON document (the tray popover's payload).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document with a `rows` array.
    Json,
}

/// Options shared by every command.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Period to cover, ending today [default: 30days for report, all for export].
    #[arg(long, short = 'p', value_enum, conflicts_with_all = ["from", "to"])]
    pub period: Option<PeriodArg>,
    /// First day to include (YYYY-MM-DD, in --timezone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// Last day to include (YYYY-MM-DD, in --timezone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,
    /// Time zone whose calendar days bucket the calls (IANA name) [default: local].
    #[arg(long, visible_alias = "tz", value_name = "IANA")]
    pub timezone: Option<String>,
    /// Only these tools, by id (claude-code, codex, cursor, cline, goose, zed, ...; an unknown
    /// id is refused with the whole list).
    #[arg(long, value_name = "TOOL", value_delimiter = ',')]
    pub provider: Vec<String>,
    /// Only projects whose path or name contains this text (case-insensitive); repeatable.
    #[arg(long, value_name = "TEXT")]
    pub project: Vec<String>,
    /// Never touch the network: price with the cached or embedded table.
    #[arg(long)]
    pub offline: bool,
    /// Price with this LiteLLM-format table only (also: env `BURNBAR_PRICES`).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// List every skipped line and file on stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Pretend the current time is this RFC 3339 instant (reproducible output).
    #[arg(long, value_name = "RFC3339", hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    /// Today.
    Today,
    /// The last 7 days, today included.
    Week,
    /// The last 30 days, today included.
    #[value(name = "30days")]
    ThirtyDays,
    /// This calendar month.
    Month,
    /// Everything on record.
    #[value(alias = "lifetime")]
    All,
}

/// Options of the long-running exporters (`serve`, `push`).
#[derive(Debug, Clone, Args)]
pub struct DaemonArgs {
    /// Time zone of "today" and the budgets' periods (IANA name) [default: local].
    #[arg(long, visible_alias = "tz", value_name = "IANA")]
    pub timezone: Option<String>,
    /// Never touch the network for prices: the cached or embedded table.
    #[arg(long)]
    pub offline: bool,
    /// Price with this LiteLLM-format table only (also: env `BURNBAR_PRICES`).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Log each sync and request on stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl DaemonArgs {
    /// As the other commands' options (the period and filters do not apply: metrics cover
    /// everything on record).
    pub fn common(&self) -> Common {
        Common {
            period: None,
            from: None,
            to: None,
            timezone: self.timezone.clone(),
            provider: Vec::new(),
            project: Vec::new(),
            offline: self.offline,
            prices: self.prices.clone(),
            verbose: self.verbose,
            now: None,
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  burnbar serve                                   http://127.0.0.1:9464/metrics\n  \
burnbar serve --listen 0.0.0.0:9464 --token-file ~/.config/burnbar/token\n\n\
Off loopback, a bearer token is required (or --insecure-no-auth). Project labels, the top-N \
cut and the machine/user labels come from [export] in settings.toml (docs/team.md)."
)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = burnbar_engine::settings::DEFAULT_LISTEN)]
    pub listen: std::net::SocketAddr,
    /// Require `Authorization: Bearer <token>`, the token being this file's first line.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without a token (anyone who can connect reads your spend).
    #[arg(long)]
    pub insecure_no_auth: bool,
    #[command(flatten)]
    pub daemon: DaemonArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  burnbar push --otlp-endpoint http://collector.internal:4318/v1/metrics\n  \
burnbar push --otlp-endpoint https://otlp.example.com/v1/metrics --header-file ~/.config/burnbar/otlp-headers\n  \
burnbar push --otlp-endpoint http://localhost:4318/v1/metrics --once\n\n\
Header values (API keys) are never printed; prefer --header-file to keep them out of `ps`."
)]
pub struct PushArgs {
    /// The OTLP/HTTP metrics endpoint (usually ends in /v1/metrics).
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: String,
    /// A request header, Key=Value (repeatable), e.g. an API key.
    #[arg(long, value_name = "K=V", value_parser = burnbar_serve::push::parse_header)]
    pub header: Vec<(String, String)>,
    /// Read Key=Value header lines from this file.
    #[arg(long, value_name = "FILE")]
    pub header_file: Option<PathBuf>,
    /// Time between pushes: 60s, 5m, 90 (seconds); at least 10s.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_interval)]
    pub interval: std::time::Duration,
    /// Push once (after bringing the index up to date) and exit.
    #[arg(long)]
    pub once: bool,
    #[command(flatten)]
    pub daemon: DaemonArgs,
}

/// `60s`, `5m`, `1h`, `90`.
pub fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 60s or 5m"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?}: use s, m or h")),
    };
    if secs < 10 {
        return Err("the interval must be at least 10s".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}
