// Pure formatting: no DOM, no Tauri. Unit-tested in tests/format.test.mjs.

import type { Display } from "./types.js";

/**
 * Currencies written with a symbol: code -> [symbol, minor-unit places]. The same table and
 * rules as the engine's `format` module (crates/engine/src/format.rs); both are tested on
 * tests/fixtures/format/money.json.
 */
const SYMBOLS: Record<string, [string, number]> = {
  USD: ["$", 2],
  EUR: ["€", 2],
  GBP: ["£", 2],
  JPY: ["¥", 0],
  INR: ["₹", 2],
  CAD: ["CA$", 2],
  AUD: ["A$", 2],
};

/**
 * A USD amount in the display currency, rounded half up to the currency's minor unit (from
 * integer micro-dollars when no conversion applies, as the engine does); a positive amount
 * that rounds to zero is written `<$0.01`, never as a silent zero.
 */
export function money(usd: number, display: Display = { currency: "USD", usdRate: 1 }, places?: number): string {
  const known = SYMBOLS[display.currency];
  const decimals = Math.min(6, places ?? (known ? known[1] : 2));
  const unit = 10 ** decimals;
  const micros = Math.round(usd * 1e6);
  const minor = display.usdRate === 1
    ? Math.floor((micros * unit + 500_000) / 1_000_000)
    : Math.floor(usd * display.usdRate * unit + 0.5);
  const write = (m: number): string => {
    const sign = m < 0 ? "-" : "";
    const abs = Math.abs(m);
    let digits = groupThousands(Math.floor(abs / unit));
    if (decimals > 0) digits += "." + String(abs % unit).padStart(decimals, "0");
    return known ? `${sign}${known[0]}${digits}` : `${sign}${digits} ${display.currency}`;
  };
  if (minor === 0 && micros > 0) return `<${write(1)}`;
  return write(minor);
}

/** An amount with its provenance marks: `~` when part is estimated, `+` when unpriced calls are left out. */
export function markedMoney(usd: number, estimated: boolean, unpriced: boolean, display?: Display): string {
  return `${estimated ? "~" : ""}${money(usd, display)}${unpriced ? "+" : ""}`;
}

function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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

/**
 * Milliseconds until `ago(then, now)` next reads differently, or close to it: every 10 s while
 * it counts seconds, at the next whole minute while it counts minutes, at the next whole hour
 * after that. The popover refreshes its "updated" line only then.
 */
export function agoChangesIn(thenMs: number, nowMs: number): number {
  const age = Math.max(0, nowMs - thenMs);
  if (age < 5_000) return 5_000 - age;
  if (age < 60_000) return 10_000 - (age % 10_000);
  if (age < 3_600_000) return 60_000 - (age % 60_000);
  return 3_600_000 - (age % 3_600_000);
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

/** A span for people, as the engine writes it: "2h 10m", "45m", "3d 4h", "<1m". */
export function span(ms: number): string {
  const m = Math.max(0, Math.floor(ms / 60_000));
  if (m === 0) return "<1m";
  if (m < 60) return `${m}m`;
  if (m < 1440) return `${Math.floor(m / 60)}h ${m % 60}m`;
  return `${Math.floor(m / 1440)}d ${Math.floor((m % 1440) / 60)}h`;
}

/** A clock time in the machine's zone, "15:00"; with the weekday when not today. */
export function clock(at: Date, now: Date): string {
  const time = at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
  return at.toDateString() === now.toDateString() ? time : `${at.toLocaleDateString("en-US", { weekday: "short" })} ${time}`;
}
