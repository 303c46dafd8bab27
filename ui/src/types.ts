// The payloads, written by hand from crates/engine/src/{snapshot,report}.rs. Golden files made
// by the CLI (tests/fixtures/*.json) catch drift: the browser tests render them.

export type ProviderId =
  | "claude-code" | "codex" | "gemini" | "opencode" | "qwen" | "pi" | "copilot" | "cursor"
  | "cline"
  | "roo-code"
  | "kilo-code"
  | "kilo"
  | "goose"
  | "crush"
  | "droid"
  | "amp"
  | "cursor-agent"
  | "aider"
  | "zed"
  | "kimi"
  | "hermes"
  | "openclaw"
  | "kiro"
  | "codebuff";

export type PeriodKey = "today" | "week" | "30days" | "month" | "all";

export interface Figures {
  cost: number;
  calls: number;
  unpricedCalls: number;
  estimatedCost: number;
  /** Part of cost recorded only as whole-session sums, each dated at its session's last activity. */
  sessionTotalCost: number;
  cacheHitRate: number | null;
  /** Turns (a prompt and the calls it led to), counted on their first call. */
  turns: number;
  /** Turns that edited files. */
  editTurns: number;
  /** Edit turns without a retry. */
  oneShotTurns: number;
  /** oneShotTurns / editTurns, 0..1; null without edit turns. */
  oneShotRate: number | null;
  retries: number;
}

export interface ProjectRow extends Figures { name: string; path: string; sessions: number; share: number }
export interface ModelRow extends Figures { model: string; providers: ProviderId[]; priced: boolean; costSource: string }
export interface ProviderRow extends Figures { id: ProviderId; label: string; sessions: number }
export interface DayRow extends Figures { date: string; sessions: number }
export interface ActivityRow extends Figures { category: string; label: string; share: number }
export interface UnpricedModel { model: string; provider: ProviderId; calls: number; tokens: number }
export interface SourceInfo { provider: ProviderId; roots: string[]; rootsFound: number; files: number; bytes: number }

export interface Report {
  schema: string;
  generated: string;
  period: { key: string; label: string; from: string | null; to: string | null };
  timezone: string;
  overview: Figures & { sessions: number; projects: number; firstCall: string | null; lastCall: string | null; indexOnlyCalls: number };
  daily: DayRow[];
  projects: ProjectRow[];
  models: ModelRow[];
  providers: ProviderRow[];
  activities: ActivityRow[];
  unpricedModels: UnpricedModel[];
  sources: SourceInfo[];
  diagnostics: {
    skipped: { provider: ProviderId; kind: string; count: number; files: number }[];
    errors: { provider: ProviderId; path: string; message: string }[];
    /** Set when the on-disk index failed and a temporary in-memory one stands in. */
    indexFallback?: { path: string; reason: string };
  };
  prices: { kind: string; path?: string; fetched?: string };
}

export interface Display { currency: string; usdRate: number }

export type BudgetPeriod = "daily" | "weekly" | "monthly";

export interface BudgetStatus {
  id: string;
  period: BudgetPeriod;
  scope: string;
  periodKey: string;
  budget: number;
  spend: number;
  remaining: number;
  fraction: number;
  over: boolean;
  crossAt: string | null;
  pace: string | null;
}

export interface Budget {
  period: BudgetPeriod;
  usd: number;
  project?: string;
  provider?: ProviderId;
  thresholds: number[];
}

export interface Runaway { enabled: boolean; window_minutes: number; usd_in_window: number; session_cap_usd?: number }

export interface Snapshot {
  schema: string;
  view: { period: PeriodKey; provider: ProviderId | null };
  today: { date: string; cost: number; estimatedCost: number; sessionTotalCost: number; calls: number; unpricedCalls: number; cacheHitRate: number | null };
  trend: { date: string; cost: number; calls: number }[];
  providersWithData: ProviderId[];
  display: Display;
  budgets: BudgetStatus[];
  report: Report;
  /** The Tips card: `burnbar optimize` over the last 30 days (absent while not computed). */
  tips?: Tips | null;
  /** The usage windows (`burnbar limits`; absent while not computed). */
  limits?: Limits | null;
}

export interface Limits {
  windows: LimitWindow[];
  hits: { tool: ProviderId; account: string; kind: "5h" | "weekly"; scope: string | null; at: string; resetsAt: string | null }[];
}

export interface LimitWindow {
  tool: ProviderId;
  account: string;
  kind: "5h" | "weekly";
  /** 0-100, or null when nothing says (Claude without a calibration). */
  usedPercent: number | null;
  resetsAt: string | null;
  startsAt: string | null;
  source: "log" | "live" | "estimated";
  observedAt: string;
  /** Where even use would be now, 0-100. */
  pacePercent: number | null;
  forecast: { hitAt: string | null; endPercent: number | null };
  used: { cost: number; tokens: number; calls: number } | null;
  capacity: { cost: number; hits: number } | null;
  note: string | null;
}

export type Severity = "high" | "medium" | "low";

export interface Tips {
  grade: string;
  score: number;
  potentialSavingsUSD: number;
  findingCount: number;
  top: { id: string; title: string; severity: Severity; estimatedSavingsUSD: number }[];
}

export type Status =
  | { phase: "scanning"; filesDone: number; filesTotal: number }
  | { phase: "ready" }
  | { phase: "failed"; message: string };

/** The codes a failed command carries (src-tauri/src/error.rs `ErrorCode`; a test keeps them in step). */
export type ErrorCode =
  | "scanning" | "bad-request" | "sync-failed" | "invalid-settings" | "io" | "store-unavailable" | "invalid-prices";
/** Failures the popover itself detects: no Tauri backend, or an IPC call that threw. */
export type ClientErrorCode = "ipc" | "no-backend";
export interface CommandError { code: ErrorCode | ClientErrorCode; message: string }

export interface Settings {
  currency: string;
  usd_rate: number;
  providers: ProviderId[];
  launch_at_login: boolean;
  prices: string | null;
  budgets: Budget[];
  runaway: Runaway;
  /** The tray's title: today's spend, the tightest usage window, or both. */
  tray?: { title: "cost" | "limit" | "both" };
  /** Usage-window notifications: percentages, and whether a reset is told. */
  limits?: { alerts: number[]; notify_reset: boolean; live: boolean };
  /** Team metrics (`[export]`, docs/team.md): what the tray serves or pushes, off by default. */
  export?: ExportSettings;
  /** Each budget's scope in the engine's words (sent by the app; ignored when saved). */
  budget_scopes?: string[];
}

export interface ExportSettings {
  project_labels: "name" | "path" | "hash" | "none";
  top_projects: number;
  machine: string | null;
  user: string | null;
  serve: { enabled: boolean; listen: string; token_file: string | null; insecure_no_auth: boolean };
  push: { endpoint: string | null; headers_file: string | null; interval_seconds: number };
}

export type Page = "overview" | "settings";

/** Everything the popover shows: `render` is a pure function of this. */
/** What the settings page offers (`get_options`): from the engine, never retyped here. */
export interface Options {
  providers: { id: ProviderId; label: string }[];
  defaultThresholds: number[];
}

export interface Model {
  page: Page;
  snapshot: Snapshot | null;
  status: Status | null;
  error: CommandError | null;
  settings: Settings | null;
  options: Options | null;
  settingsError: string | null;
  settingsSaved: boolean;
  /** When the snapshot arrived (ms since epoch), and the time now. */
  receivedAt: number;
  now: number;
}
