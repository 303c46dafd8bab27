//! The canonical record every provider produces, and the money and token types.
//!
//! Token semantics are Anthropic's for every provider: `input` is fresh (uncached) input only,
//! `cache_read` is cached input, cache writes are split into the 5-minute and 1-hour buckets.
//! Whether `reasoning` is already inside `output` is a per-provider fact carried on each event
//! ([`UsageEvent::reasoning_in_output`]), so nothing downstream has to know which tool wrote it.

use std::fmt;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

/// Money as integer micro-USD (1 USD = 1,000,000). Sums are exact; `f64` only when rendering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(pub i64);

impl Usd {
    /// Zero dollars.
    pub const ZERO: Usd = Usd(0);

    /// Micro-USD value.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// Dollars given as a float (a setting, a tool's reported cost), rounded to the nearest
    /// micro-dollar; NaN is zero and values beyond the range saturate.
    ///
    /// ```
    /// use burnbar_engine::Usd;
    /// assert_eq!(Usd::from_dollars(12.3456785), Usd(12_345_679));
    /// assert_eq!(Usd::from_dollars(f64::NAN), Usd(0));
    /// ```
    pub fn from_dollars(dollars: f64) -> Usd {
        // `as` saturates at the ends and maps NaN to 0: exactly the guarantee above
        #[allow(clippy::cast_possible_truncation)]
        Usd((dollars * 1_000_000.0).round() as i64)
    }

    /// The value in dollars, for rendering only.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// Dollars with exactly six decimals: the export format.
    ///
    /// ```
    /// use burnbar_engine::Usd;
    /// assert_eq!(Usd(12_345_678).to_decimal_string(), "12.345678");
    /// assert_eq!(Usd(-1).to_decimal_string(), "-0.000001");
    /// ```
    pub fn to_decimal_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

impl Add for Usd {
    type Output = Usd;
    fn add(self, rhs: Usd) -> Usd {
        Usd(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::Sub for Usd {
    type Output = Usd;
    fn sub(self, rhs: Usd) -> Usd {
        Usd(self.0.saturating_sub(rhs.0))
    }
}

impl AddAssign for Usd {
    fn add_assign(&mut self, rhs: Usd) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, Add::add)
    }
}

impl Serialize for Usd {
    /// Serialised as a JSON number of dollars (micro-USD / 1e6, shortest exact form).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

/// The tools we read. Data, the CLI and the UI use the kebab-case form (`claude-code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderId {
    /// Anthropic's Claude Code CLI (`~/.claude/projects/**.jsonl`).
    ClaudeCode,
    /// OpenAI's Codex CLI (`~/.codex/sessions/**/rollout-*.jsonl`).
    Codex,
    /// Google's Gemini CLI (`~/.gemini/tmp/<project>/chats/session-*.json[l]`).
    Gemini,
    /// `OpenCode` (`~/.local/share/opencode/storage/message/**.json`).
    #[serde(rename = "opencode")]
    OpenCode,
    /// Qwen Code (`~/.qwen/projects/<project>/chats/*.jsonl`).
    Qwen,
    /// Pi and Oh My Pi (`~/.pi/agent/sessions`, `~/.omp/agent/sessions`).
    Pi,
    /// GitHub Copilot CLI (`~/.copilot/session-state/<session>/events.jsonl`).
    Copilot,
    /// Cursor, the IDE (`…/Cursor/User/globalStorage/state.vscdb`).
    Cursor,
    /// Cline, the VS Code extension and its CLI (`…/globalStorage/saoudrizwan.claude-dev/tasks`, `~/.cline/data/tasks`).
    Cline,
    /// Roo Code (`…/globalStorage/rooveterinaryinc.roo-cline/tasks`).
    RooCode,
    /// Kilo Code, the VS Code extension (`…/globalStorage/kilocode.kilo-code/tasks`).
    KiloCode,
    /// Kilo CLI, OpenCode's fork (`~/.local/share/kilo/kilo.db`).
    Kilo,
    /// Goose, Block's agent (`~/.local/share/goose/sessions/sessions.db`): session totals.
    Goose,
    /// Crush, Charm's agent (`<project>/.crush/crush.db`, listed in `~/.local/share/crush/projects.json`): session costs.
    Crush,
    /// Factory Droid (`~/.factory/sessions/**/<id>.settings.json`): session totals.
    Droid,
    /// Amp (`~/.local/share/amp/threads/T-*.json`).
    Amp,
    /// cursor-agent, the Cursor CLI (`~/.cursor/projects/<slug>/agent-transcripts/`): estimated from text length.
    CursorAgent,
    /// Aider (its opt-in `--analytics-log` file).
    Aider,
    /// Zed's agent panel (`~/.local/share/zed/threads/threads.db`): thread totals.
    Zed,
    /// Kimi CLI (`~/.kimi/sessions/<md5>/<session>/wire.jsonl`).
    Kimi,
    /// Hermes Agent (`~/.hermes/state.db`): session totals.
    Hermes,
    /// OpenClaw (`~/.openclaw/agents/<agent>/sessions/*.jsonl`, pi's session format).
    #[serde(rename = "openclaw")]
    OpenClaw,
    /// Kiro (the CLI's `~/.kiro/sessions/cli/<session>.json`, the IDE's `~/.kiro/sessions/<bucket>/<session>/messages.jsonl`): credits, converted and labelled.
    Kiro,
    /// Codebuff (`~/.config/manicode/projects/<name>/chats/<chat>/chat-messages.json`): credits, converted and labelled.
    Codebuff,
}

impl ProviderId {
    /// Every provider, in display order.
    pub const ALL: [ProviderId; 24] = [
        ProviderId::ClaudeCode,
        ProviderId::Codex,
        ProviderId::Gemini,
        ProviderId::OpenCode,
        ProviderId::Qwen,
        ProviderId::Pi,
        ProviderId::Copilot,
        ProviderId::Cursor,
        ProviderId::Cline,
        ProviderId::RooCode,
        ProviderId::KiloCode,
        ProviderId::Kilo,
        ProviderId::Goose,
        ProviderId::Crush,
        ProviderId::Droid,
        ProviderId::Amp,
        ProviderId::CursorAgent,
        ProviderId::Aider,
        ProviderId::Zed,
        ProviderId::Kimi,
        ProviderId::Hermes,
        ProviderId::OpenClaw,
        ProviderId::Kiro,
        ProviderId::Codebuff,
    ];

    /// The kebab-case id used in data, flags and payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::ClaudeCode => "claude-code",
            ProviderId::Codex => "codex",
            ProviderId::Gemini => "gemini",
            ProviderId::OpenCode => "opencode",
            ProviderId::Qwen => "qwen",
            ProviderId::Pi => "pi",
            ProviderId::Copilot => "copilot",
            ProviderId::Cursor => "cursor",
            ProviderId::Cline => "cline",
            ProviderId::RooCode => "roo-code",
            ProviderId::KiloCode => "kilo-code",
            ProviderId::Kilo => "kilo",
            ProviderId::Goose => "goose",
            ProviderId::Crush => "crush",
            ProviderId::Droid => "droid",
            ProviderId::Amp => "amp",
            ProviderId::CursorAgent => "cursor-agent",
            ProviderId::Aider => "aider",
            ProviderId::Zed => "zed",
            ProviderId::Kimi => "kimi",
            ProviderId::Hermes => "hermes",
            ProviderId::OpenClaw => "openclaw",
            ProviderId::Kiro => "kiro",
            ProviderId::Codebuff => "codebuff",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            ProviderId::ClaudeCode => "Claude Code",
            ProviderId::Codex => "Codex",
            ProviderId::Gemini => "Gemini CLI",
            ProviderId::OpenCode => "OpenCode",
            ProviderId::Qwen => "Qwen Code",
            ProviderId::Pi => "Pi",
            ProviderId::Copilot => "Copilot CLI",
            ProviderId::Cursor => "Cursor",
            ProviderId::Cline => "Cline",
            ProviderId::RooCode => "Roo Code",
            ProviderId::KiloCode => "Kilo Code",
            ProviderId::Kilo => "Kilo CLI",
            ProviderId::Goose => "Goose",
            ProviderId::Crush => "Crush",
            ProviderId::Droid => "Factory Droid",
            ProviderId::Amp => "Amp",
            ProviderId::CursorAgent => "cursor-agent",
            ProviderId::Aider => "Aider",
            ProviderId::Zed => "Zed",
            ProviderId::Kimi => "Kimi CLI",
            ProviderId::Hermes => "Hermes Agent",
            ProviderId::OpenClaw => "OpenClaw",
            ProviderId::Kiro => "Kiro",
            ProviderId::Codebuff => "Codebuff",
        }
    }

    /// The integer stored in the index.
    pub fn code(self) -> i64 {
        match self {
            ProviderId::ClaudeCode => 0,
            ProviderId::Codex => 1,
            ProviderId::Gemini => 2,
            ProviderId::OpenCode => 3,
            ProviderId::Qwen => 4,
            ProviderId::Pi => 5,
            ProviderId::Copilot => 6,
            ProviderId::Cursor => 7,
            ProviderId::Cline => 8,
            ProviderId::RooCode => 9,
            ProviderId::KiloCode => 10,
            ProviderId::Kilo => 11,
            ProviderId::Goose => 12,
            ProviderId::Crush => 13,
            ProviderId::Droid => 14,
            ProviderId::Amp => 15,
            ProviderId::CursorAgent => 16,
            ProviderId::Aider => 17,
            ProviderId::Zed => 18,
            ProviderId::Kimi => 19,
            ProviderId::Hermes => 20,
            ProviderId::OpenClaw => 21,
            ProviderId::Kiro => 22,
            ProviderId::Codebuff => 23,
        }
    }

    /// The provider of an index code.
    pub fn from_code(code: i64) -> Option<ProviderId> {
        ProviderId::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Parses an id or a common alias (`claude`, `claude-code`, `codex`), case-insensitively.
    pub fn parse(s: &str) -> Option<ProviderId> {
        match s.trim().to_ascii_lowercase().as_str() {
            "claude-code" | "claude" | "claude_code" | "claudecode" => Some(ProviderId::ClaudeCode),
            "codex" | "openai-codex" => Some(ProviderId::Codex),
            "gemini" | "gemini-cli" => Some(ProviderId::Gemini),
            "opencode" | "open-code" => Some(ProviderId::OpenCode),
            "qwen" | "qwen-code" => Some(ProviderId::Qwen),
            "pi" | "omp" => Some(ProviderId::Pi),
            "copilot" | "copilot-cli" | "github-copilot" => Some(ProviderId::Copilot),
            "cursor" => Some(ProviderId::Cursor),
            "cline" | "cline-cli" | "claude-dev" => Some(ProviderId::Cline),
            "roo-code" | "roo" | "roo-cline" | "roocode" => Some(ProviderId::RooCode),
            "kilo-code" | "kilocode" => Some(ProviderId::KiloCode),
            "kilo" | "kilo-cli" => Some(ProviderId::Kilo),
            "goose" => Some(ProviderId::Goose),
            "crush" => Some(ProviderId::Crush),
            "droid" | "factory" | "factory-droid" => Some(ProviderId::Droid),
            "amp" | "ampcode" => Some(ProviderId::Amp),
            "cursor-agent" | "cursor-cli" => Some(ProviderId::CursorAgent),
            "aider" => Some(ProviderId::Aider),
            "zed" | "zed-agent" => Some(ProviderId::Zed),
            "kimi" | "kimi-cli" => Some(ProviderId::Kimi),
            "hermes" | "hermes-agent" => Some(ProviderId::Hermes),
            "openclaw" | "clawdbot" | "moltbot" => Some(ProviderId::OpenClaw),
            "kiro" | "kiro-cli" => Some(ProviderId::Kiro),
            "codebuff" | "manicode" => Some(ProviderId::Codebuff),
            _ => None,
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Token counts of one call (or a sum of calls). All counts are tokens except
/// `web_search_requests`, which counts server-side web searches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// Fresh, uncached input tokens.
    pub input: u64,
    /// Output tokens as the tool reports them (see [`UsageEvent::reasoning_in_output`]).
    pub output: u64,
    /// Input tokens served from the prompt cache.
    pub cache_read: u64,
    /// Tokens written to the 5-minute prompt cache.
    pub cache_write_5m: u64,
    /// Tokens written to the 1-hour prompt cache.
    pub cache_write_1h: u64,
    /// Reasoning ("thinking") tokens, informational or billable per provider.
    pub reasoning: u64,
    /// Server-side web search requests.
    pub web_search_requests: u64,
}

impl Tokens {
    /// `n` tokens read from the prompt cache, nothing else.
    pub fn cache_reads(n: u64) -> Tokens {
        Tokens {
            cache_read: n,
            ..Tokens::default()
        }
    }

    /// `n` tokens written to the 5-minute prompt cache, nothing else.
    pub fn cache_writes_5m(n: u64) -> Tokens {
        Tokens {
            cache_write_5m: n,
            ..Tokens::default()
        }
    }

    /// `n` tokens written to the 1-hour prompt cache, nothing else.
    pub fn cache_writes_1h(n: u64) -> Tokens {
        Tokens {
            cache_write_1h: n,
            ..Tokens::default()
        }
    }

    /// All cache writes (5m + 1h).
    pub fn cache_write(&self) -> u64 {
        self.cache_write_5m.saturating_add(self.cache_write_1h)
    }

    /// True when nothing was billed: no input, cache or output tokens (a record a tool wrote
    /// before its request had any usage).
    pub fn is_empty(&self) -> bool {
        self.prompt() == 0 && self.output == 0
    }

    /// The prompt size of the request: input + cache writes + cache reads.
    pub fn prompt(&self) -> u64 {
        self.input
            .saturating_add(self.cache_write())
            .saturating_add(self.cache_read)
    }
}

/// Sums saturate: a sum never wraps below one of its parts (ingest keeps each call's counts
/// plausible, so a real sum never gets near the limit).
impl AddAssign for Tokens {
    fn add_assign(&mut self, o: Tokens) {
        self.input = self.input.saturating_add(o.input);
        self.output = self.output.saturating_add(o.output);
        self.cache_read = self.cache_read.saturating_add(o.cache_read);
        self.cache_write_5m = self.cache_write_5m.saturating_add(o.cache_write_5m);
        self.cache_write_1h = self.cache_write_1h.saturating_add(o.cache_write_1h);
        self.reasoning = self.reasoning.saturating_add(o.reasoning);
        self.web_search_requests = self
            .web_search_requests
            .saturating_add(o.web_search_requests);
    }
}

/// Where a cost figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostSource {
    /// Computed by us from tokens and the price table.
    Computed,
    /// Reported by the tool itself.
    Reported,
    /// The tool keeps only a session's sum: one record at the session's last activity, exact
    /// in total but not spread over the calls that made it.
    SessionTotal,
    /// Computed from estimated tokens (text length, credits) or a guessed model.
    Estimated,
    /// No price known for the model: the cost is missing, not zero.
    Unpriced,
}

impl CostSource {
    /// The kebab-case name used in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            CostSource::Computed => "computed",
            CostSource::Reported => "reported",
            CostSource::SessionTotal => "session-total",
            CostSource::Estimated => "estimated",
            CostSource::Unpriced => "unpriced",
        }
    }

    /// The integer stored in the index (codes are published: a new source takes a new code,
    /// whatever its rank).
    pub fn code(self) -> i64 {
        match self {
            CostSource::Computed => 0,
            CostSource::Reported => 1,
            CostSource::Estimated => 2,
            CostSource::Unpriced => 3,
            CostSource::SessionTotal => 4,
        }
    }

    /// The source of an index code (unknown codes read as unpriced).
    pub fn from_code(code: i64) -> CostSource {
        match code {
            0 => CostSource::Computed,
            1 => CostSource::Reported,
            2 => CostSource::Estimated,
            4 => CostSource::SessionTotal,
            _ => CostSource::Unpriced,
        }
    }

    /// The weaker of two sources: a row mixing sources is as trustworthy as its weakest call.
    #[must_use]
    pub fn weakest(self, other: CostSource) -> CostSource {
        self.max(other)
    }
}

/// One billable API call as a provider read it, before pricing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // independent facts about one record, not a state
pub struct UsageEvent {
    /// The tools this call used, in order (metadata only: names, hashed file paths, shell
    /// program names). Empty when the tool does not log them.
    pub tools: Vec<ToolUse>,
    /// The git branch the tool recorded, if any (Claude's `gitBranch`).
    pub branch: Option<String>,
    /// The assistant's text owned up to a mistake (compare's self-correction rate); the text
    /// itself is never kept.
    pub self_correction: bool,
    /// Which tool wrote it.
    pub provider: ProviderId,
    /// Dedup key, unique per provider (`claude:msg_…`, `codex:<session>:<cumulative…>`).
    pub key: String,
    /// When the call happened, UTC milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// The model id exactly as the tool logged it.
    pub model: String,
    /// The session the call belongs to.
    pub session_id: String,
    /// The working directory (or, failing that, the tool's project slug) as logged.
    pub project: String,
    /// Token counts.
    pub tokens: Tokens,
    /// Fast mode (Claude `usage.speed == "fast"`): priced with the model's fast multiplier.
    pub fast: bool,
    /// True when `tokens.reasoning` is already part of `tokens.output` (Claude, Codex).
    pub reasoning_in_output: bool,
    /// OpenAI semantics for cache writes: when the model's price row has no explicit
    /// cache-write rate, cache writes are billed at the input rate (OpenAI charged nothing extra
    /// before gpt-5.6). False = Anthropic semantics: a missing rate is derived as 1.25 x input.
    pub openai_cache_semantics: bool,
    /// A cost the tool reported itself, if any.
    pub reported_cost: Option<Usd>,
    /// Tokens or model were estimated rather than read.
    pub estimated: bool,
    /// True when this record is the final form of a streamed message (Claude `stop_reason`).
    pub is_final: bool,
    /// Supplementary accounting (Copilot session rollups): its tokens and cost count, but it is
    /// not a call of its own.
    pub supplementary: bool,
    /// The tool keeps only the session's sum (Goose, Crush, Factory Droid): this one record
    /// holds it, dated at the session's last activity, and its cost is labelled
    /// [`CostSource::SessionTotal`]. It counts as one call.
    pub session_total: bool,
    /// The tool's own cost is the better figure even where the table has a price (its log
    /// lacks the cache split the table price needs: Aider's analytics).
    pub reported_first: bool,
    /// A per-request record from the tool's own telemetry export (Copilot CLI's OpenTelemetry
    /// file): when a session has any, its other records (per-message output, shutdown
    /// rollups) stop counting tokens and cost and serve only for turns and tool uses, so the
    /// session counts once.
    pub authoritative: bool,
}

impl UsageEvent {
    /// A final, priced-by-table call with no extras: reasoning inside output, Anthropic cache
    /// semantics, not fast, not estimated, not supplementary. Providers override the fields that
    /// differ with struct-update syntax.
    pub fn new(
        provider: ProviderId,
        key: String,
        timestamp_ms: i64,
        model: String,
        session_id: String,
        project: String,
        tokens: Tokens,
    ) -> UsageEvent {
        UsageEvent {
            provider,
            key,
            timestamp_ms,
            model,
            session_id,
            project,
            tokens,
            fast: false,
            reasoning_in_output: true,
            openai_cache_semantics: false,
            reported_cost: None,
            estimated: false,
            is_final: true,
            tools: Vec::new(),
            branch: None,
            self_correction: false,
            supplementary: false,
            session_total: false,
            reported_first: false,
            authoritative: false,
        }
    }

    /// The ordering used to pick the most complete copy of a streamed or replayed call:
    /// a final record beats a partial one, then more output, then more of everything else.
    /// It is a total order on usage, so merging copies is commutative and associative.
    pub fn completeness(&self) -> impl Ord + '_ {
        let t = &self.tokens;
        (
            self.is_final,
            t.output,
            t.prompt(),
            t.cache_write_1h,
            t.cache_read,
            t.reasoning,
            t.web_search_requests,
            // a session's sum kept as a cost alone (Crush) grows by its cost
            self.reported_cost,
            (self.fast, self.model.as_str()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_decimal_string_has_six_places() {
        assert_eq!(Usd(12_345_678).to_decimal_string(), "12.345678");
        assert_eq!(Usd(5).to_decimal_string(), "0.000005");
        assert_eq!(Usd(-1).to_decimal_string(), "-0.000001");
        assert_eq!(Usd(0).to_decimal_string(), "0.000000");
    }

    #[test]
    fn provider_aliases_parse() {
        assert_eq!(ProviderId::parse("Claude"), Some(ProviderId::ClaudeCode));
        assert_eq!(
            ProviderId::parse("claude-code"),
            Some(ProviderId::ClaudeCode)
        );
        assert_eq!(ProviderId::parse("codex"), Some(ProviderId::Codex));
        assert_eq!(ProviderId::parse("cursor"), Some(ProviderId::Cursor));
        assert_eq!(ProviderId::parse("windsurf"), None);
    }

    #[test]
    fn weakest_cost_source_wins() {
        assert_eq!(
            CostSource::Computed.weakest(CostSource::Unpriced),
            CostSource::Unpriced
        );
        assert_eq!(
            CostSource::Estimated.weakest(CostSource::Computed),
            CostSource::Estimated
        );
        assert_eq!(
            CostSource::SessionTotal.weakest(CostSource::Reported),
            CostSource::SessionTotal
        );
        assert_eq!(
            CostSource::SessionTotal.weakest(CostSource::Estimated),
            CostSource::Estimated
        );
    }

    #[test]
    fn cost_source_codes_round_trip() {
        for s in [
            CostSource::Computed,
            CostSource::Reported,
            CostSource::SessionTotal,
            CostSource::Estimated,
            CostSource::Unpriced,
        ] {
            assert_eq!(CostSource::from_code(s.code()), s, "{}", s.as_str());
        }
    }
}

/// One tool use within a call, reduced to what the classifier and the breakdowns need: no
/// file contents, commands or paths, only the tool's name, a hash of the file it touched, the
/// program names of a shell command and whether that command only reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ToolUse {
    /// A short hash of the tool-use id when the tool logs one (merges streamed copies of a
    /// call); empty otherwise.
    #[serde(rename = "i", default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The tool's name as logged (`Edit`, `Bash`, `mcp__github__get_issue`).
    #[serde(rename = "t")]
    pub tool: String,
    /// A 32-bit hash of the file path it touched (enough to tell a turn's files apart).
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub file: Option<u32>,
    /// For shell tools: the programs the command runs (`ls -la | grep x && npm test` ->
    /// `ls`, `grep`, `npm`).
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    /// For shell tools: every part of the command only reads (`rg`, `cat`, `git log`).
    #[serde(rename = "r", default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// A skill's name or a sub-agent's type.
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For shell tools: the command delivers work (`git commit`, `git push`, `gh pr
    /// create|merge`).
    #[serde(rename = "v", default, skip_serializing_if = "std::ops::Not::not")]
    pub delivers: bool,
    /// For file tools: the path is generated or vendored (`node_modules`, `dist`, `build`,
    /// `.git`, caches, virtualenvs), never worth reading.
    #[serde(rename = "g", default, skip_serializing_if = "std::ops::Not::not")]
    pub generated: bool,
}

/// Path parts of generated and vendored files (`build-folder-reads`).
const GENERATED_PARTS: &[&str] = &[
    "/node_modules/",
    "/.git/",
    "/dist/",
    "/build/",
    "/__pycache__/",
    "/.next/",
    "/.nuxt/",
    "/.output/",
    "/coverage/",
    "/.cache/",
    "/.venv/",
    "/venv/",
    "/.svn/",
    "/.hg/",
    "/target/debug/",
    "/target/release/",
];

/// True for a path in a generated or vendored directory.
pub fn is_generated_path(path: &str) -> bool {
    if path.contains('\\') {
        return is_generated_path(&path.replace('\\', "/"));
    }
    // a relative path may start with the directory itself (`node_modules/x`)
    GENERATED_PARTS
        .iter()
        .any(|part| path.contains(part) || path.starts_with(&part[1..]))
        || path.ends_with(".tsbuildinfo")
}

/// The characters the index's tool-use codec (`store::codec`) uses as separators: replaced
/// in every name a [`ToolUse`] is made with, so a stored list always reads back the same.
const TOOL_MARKS: &[char] = &['#', '@', '$', '!', '^', '%', '=', '\n', ','];

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if TOOL_MARKS.contains(&c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl ToolUse {
    /// A tool use with nothing but its name (and the tool's id for it, hashed).
    pub fn named(id: &str, tool: &str) -> ToolUse {
        ToolUse {
            id: if id.is_empty() {
                String::new()
            } else {
                format!("{:08x}", fnv32(id))
            },
            tool: clean(tool),
            ..ToolUse::default()
        }
    }

    /// A tool use on a file (the path is hashed, not kept).
    pub fn on_file(id: &str, tool: &str, path: &str) -> ToolUse {
        ToolUse {
            file: Some(fnv32(path)),
            generated: is_generated_path(path),
            ..ToolUse::named(id, tool)
        }
    }

    /// A shell tool use (the command is reduced to its programs and whether it only reads).
    pub fn shell(id: &str, tool: &str, command: &str) -> ToolUse {
        ToolUse {
            programs: crate::classify::shell::programs(command)
                .iter()
                .map(|p| clean(p))
                .collect(),
            read_only: crate::classify::shell::is_read_shaped(command),
            delivers: crate::classify::shell::delivers(command),
            ..ToolUse::named(id, tool)
        }
    }

    /// With a skill's name or a sub-agent's type.
    #[must_use]
    pub fn with_detail(mut self, detail: Option<&str>) -> ToolUse {
        self.detail = detail.map(clean);
        self
    }

    /// The MCP server of an `mcp__<server>__<tool>` name.
    pub fn mcp_server(&self) -> Option<&str> {
        let rest = self.tool.strip_prefix("mcp__")?;
        let (server, tool) = rest.split_once("__")?;
        (!server.is_empty() && !tool.is_empty()).then_some(server)
    }
}

/// A stable 32-bit FNV-1a hash.
pub fn fnv32(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}
