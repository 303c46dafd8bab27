// Pure formatting: no DOM, no Tauri. Unit-tested in tests/format.test.mjs.

import type { Display, ProviderId } from "./types.js";

const PROVIDER_LABELS: Record<ProviderId, string> = {
  "claude-code": "Claude Code",
  codex: "Codex",
  gemini: "Gemini CLI",
  opencode: "OpenCode",
  qwen: "Qwen Code",
  pi: "Pi",
  copilot: "Copilot CLI",
  cursor: "Cursor",
};

export function providerLabel(id: ProviderId | string): string {
  return PROVIDER_LABELS[id as ProviderId] ?? id;
}

/** USD amount shown in the display currency; tiny non-zero amounts say so instead of $0.00. */
export function money(usd: number, display: Display = { currency: "USD", usdRate: 1 }): string {
  const value = usd * display.usdRate;
  let fmt: Intl.NumberFormat;
  try {
    fmt = new Intl.NumberFormat("en-US", { style: "currency", currency: display.currency });
  } catch {
    return `${value.toFixed(2)} ${display.currency}`;
  }
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  const smallest = Math.pow(10, -digits);
  if (value > 0 && value < smallest / 2) {
    return `<${fmt.format(smallest)}`;
  }
  return fmt.format(value);
}

/** A 0..1 fraction as a whole percent; null (nothing to measure) as an em dash. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return "—";
  return `${Math.round(Math.min(1, Math.max(0, rate)) * 100)}%`;
}

export function count(n: number): string {
  return new Intl.NumberFormat("en-US").format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** "just now", "12 s ago", "3 min ago", "2 h ago", "3 d ago". */
export function ago(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** "Nov 22" from "2026-11-22" (no time zone shift: the date is already local). */
export function shortDay(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  const date = new Date(Date.UTC(y, (m ?? 1) - 1, d ?? 1));
  return date.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** The last path segment of a project path ("~" for the home directory itself). */
export function projectName(name: string, path: string): string {
  if (name) return name;
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
