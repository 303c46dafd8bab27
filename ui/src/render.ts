// The popover as a pure function of the model: render(model, handlers) returns the DOM to
// show. No Tauri, no fetching, no timers; main.ts owns those.

import { ago, bytes, clock, count, markedMoney, money, percent, plural, projectName, shortDay, span } from "./format.js";
import type { Budget, BudgetPeriod, ExportSettings, Figures, Model, Options, PeriodKey, ProviderId, Settings, Snapshot, Status } from "./types.js";

export interface Handlers {
  addBudget(b: Budget): void;
  removeBudget(index: number): void;
  period(p: PeriodKey): void;
  provider(p: ProviderId | null): void;
  refresh(): void;
  openSettings(): void;
  back(): void;
  saveSettings(s: Settings): void;
}

export const PERIODS: { key: PeriodKey; label: string }[] = [
  { key: "today", label: "Today" },
  { key: "week", label: "7 days" },
  { key: "30days", label: "30 days" },
  { key: "month", label: "Month" },
  { key: "all", label: "All" },
];

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** A tiny element builder: text is always set as text, never parsed as HTML. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    // through the CSSOM: the app's CSP forbids style attributes
    else if (k === "style") setStyle(el, String(v));
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

function setStyle(el: HTMLElement, css: string): void {
  for (const decl of css.split(";")) {
    const i = decl.indexOf(":");
    if (i > 0) el.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
  }
}

/** A tool's name for people, from the app's options (`get_options`); its id until they arrive. */
let providerLabel: (id: ProviderId | string) => string = (id) => id;

export function render(model: Model, on: Handlers): HTMLElement {
  const labels = new Map<string, string>((model.options?.providers ?? []).map((p) => [p.id, p.label]));
  providerLabel = (id) => labels.get(id) ?? id;
  if (model.page === "settings") return settingsPage(model, on);
  const s = model.snapshot;
  if (!s) {
    if (model.error && model.error.code !== "scanning") return errorState(model.error.message, model.error.code, on);
    return scanning(model.status);
  }
  return overview(s, model, on);
}

function header(title: string, on: Handlers, extra?: HTMLElement): HTMLElement {
  return h("header", { class: "bar" },
    h("h1", {}, title),
    extra,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "icon", "aria-label": "Refresh", title: "Refresh", "data-focus": "refresh", onclick: () => on.refresh() }, "⟳"),
      h("button", { type: "button", class: "icon", "aria-label": "Settings", title: "Settings", "data-focus": "settings", onclick: () => on.openSettings() }, "⚙"),
    ),
  );
}

function scanning(status: Status | null): HTMLElement {
  const done = status && status.phase === "scanning" ? status.filesDone : 0;
  const total = status && status.phase === "scanning" ? status.filesTotal : 0;
  return h("section", { class: "state" },
    h("h1", {}, "Burnbar"),
    h("p", {}, "Reading your AI coding tools' logs…"),
    h("div", {
      class: "progress", role: "progressbar", "aria-label": "Scan progress",
      "aria-valuemin": 0, "aria-valuemax": Math.max(total, 1), "aria-valuenow": done,
    }, h("span", { style: `width:${total ? Math.round((done / total) * 100) : 0}%` })),
    h("p", { class: "muted" }, total ? `${count(done)} of ${plural(total, "file")}` : "Looking for log files"),
  );
}

function errorState(message: string, code: string, on: Handlers): HTMLElement {
  return h("section", { class: "state" },
    h("h1", {}, "Burnbar"),
    h("div", { class: "alert", role: "alert" },
      h("strong", {}, "Could not read your usage"),
      h("p", {}, message),
      h("p", { class: "muted" }, `(${code})`),
    ),
    h("button", { type: "button", onclick: () => on.refresh(), "data-focus": "retry" }, "Try again"),
  );
}

function overview(s: Snapshot, model: Model, on: Handlers): HTMLElement {
  const r = s.report;
  const d = s.display;
  const o = r.overview;
  const root = h("div", { class: "popover" });
  const providerSelect = s.providersWithData.length > 1
    ? h("select", {
        "aria-label": "Tool", "data-focus": "provider",
        onchange: (e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          on.provider(v === "all" ? null : (v as ProviderId));
        },
      },
      h("option", { value: "all", selected: s.view.provider === null }, "All tools"),
      ...s.providersWithData.map((p) => h("option", { value: p, selected: s.view.provider === p }, providerLabel(p))))
    : undefined;
  root.append(header("Burnbar", on, providerSelect));
  root.append(periodTabs(s.view.period, on));

  if (s.providersWithData.length === 0) {
    root.append(emptyState(s));
    root.append(footer(s, model));
    return root;
  }

  const hero = h("section", { class: "hero", "aria-label": "Spend" },
    h("div", { class: "label" }, r.period.label),
    h("div", { class: "amount", "data-testid": "spend" }, markedMoney(o.cost, o.estimatedCost > 0, o.unpricedCalls > 0, d)),
    h("dl", { class: "stats" },
      stat("Cache hit", percent(o.cacheHitRate)),
      o.editTurns > 0 ? stat("One-shot", oneShot(o)) : null,
      stat("Calls", count(o.calls)),
      stat("Sessions", count(o.sessions)),
    ),
  );
  root.append(hero);
  if (s.budgets && s.budgets.length > 0) root.append(budgets(s));
  if (s.limits && s.limits.windows.length > 0) root.append(limits(s, model));
  if (s.view.period !== "today") {
    root.append(h("p", { class: "muted today-line" }, `Today ${money(s.today.cost, d)}`));
  }

  if (r.unpricedModels.length > 0) {
    root.append(h("div", { class: "warning", role: "status" },
      h("strong", {}, `${plural(o.unpricedCalls, "call")} with no known price`),
      " (not in the total): ",
      r.unpricedModels.map((m) => `${m.model} (${plural(m.calls, "call")})`).join(", "),
    ));
  }
  const fallback = r.diagnostics.indexFallback;
  if (fallback) {
    root.append(h("div", { class: "warning", role: "status", "data-testid": "index-fallback", title: fallback.path },
      h("strong", {}, "Index unavailable"),
      ` (${fallback.reason}): these numbers come from a temporary copy, without history whose logs are gone. Burnbar goes back to the index as soon as it works.`,
    ));
  }
  if (o.estimatedCost > 0) {
    root.append(h("p", { class: "note" }, `~ ${money(o.estimatedCost, d)} is estimated: the log did not name the model or count the tokens.`));
  }
  if (o.sessionTotalCost > 0) {
    root.append(h("p", { class: "note", "data-testid": "session-total-note" },
      `${money(o.sessionTotalCost, d)} comes from tools that keep only whole-session sums: each is dated at its session's last activity.`));
  }
  if (o.calls === 0) {
    root.append(h("p", { class: "muted empty-period" }, "No usage in this period."));
  }

  root.append(trend(s));
  // what to change, right under where the money went
  const card = tips(s);
  if (card) root.append(card);
  if (r.projects.length > 0) root.append(projects(s));
  if (r.models.length > 0) root.append(models(s));
  if (r.activities.length > 0) root.append(activities(s));
  root.append(footer(s, model));
  return root;
}

const PERIOD_WORD: Record<BudgetPeriod, string> = { daily: "Today", weekly: "This week", monthly: "This month" };

function budgets(s: Snapshot): HTMLElement {
  const list = h("ul", { class: "rows budgets", "aria-label": "Budgets" });
  for (const b of s.budgets) {
    const pct = Math.round(b.fraction * 100);
    const left = b.over
      ? `${money(-b.remaining, s.display)} over`
      : `${money(b.remaining, s.display)} left`;
    list.append(h("li", { class: b.over ? "over" : null },
      h("div", { class: "row" },
        h("span", { class: "name" }, `${PERIOD_WORD[b.period]} · ${b.scope}`),
        h("span", { class: "value" }, `${money(b.spend, s.display)} of ${money(b.budget, s.display)}`),
      ),
      h("div", {
        class: "share", role: "meter", "aria-label": `${b.period} budget used`,
        "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.min(100, pct),
      }, h("span", { style: `width:${Math.min(100, pct)}%` })),
      h("div", { class: "sub muted" }, [`${pct}% used`, left, b.pace].filter(Boolean).join(" · ")),
    ));
  }
  return h("section", { "aria-label": "Budgets" }, h("h2", {}, "Budgets"), list);
}

const WINDOW_WORD = { "5h": "5-hour", weekly: "weekly" } as const;
const SOURCE_WORD = { log: "from the tool's log", live: "live", estimated: "estimated" } as const;

/**
 * The Limits section: per tool and window, a bar with the used share and a pace marker (where
 * even use would be now), when it resets, the forecast, and where the figure comes from.
 */
function limits(s: Snapshot, model: Model): HTMLElement {
  const now = new Date(model.now);
  const list = h("ul", { class: "rows limits", "aria-label": "Usage windows" });
  for (const w of s.limits?.windows ?? []) {
    const name = `${providerLabel(w.tool)} · ${WINDOW_WORD[w.kind]}`;
    const reset = w.resetsAt ? new Date(w.resetsAt) : null;
    const passed = reset !== null && reset.getTime() <= model.now;
    const pct = passed ? 0 : w.usedPercent;
    const idle = pct === null && (!w.used || w.used.calls === 0);
    const value = pct !== null
      ? `${w.source === "estimated" ? "~" : ""}${Math.round(pct)}%`
      : !idle && w.used ? `${money(w.used.cost, s.display)} · ${count(w.used.tokens)} tokens` : "idle";
    const sub: string[] = [];
    if (!passed && pct !== null && pct >= 100 && w.forecast.hitAt) sub.push(`limit hit at ${clock(new Date(w.forecast.hitAt), now)}`);
    if (passed) sub.push("reset since your last call");
    else if (reset) sub.push(`resets in ${span(reset.getTime() - model.now)} (${clock(reset, now)})`);
    if (!passed && pct !== null && pct < 100 && w.forecast.hitAt) {
      sub.push(`at this pace you hit it at ${clock(new Date(w.forecast.hitAt), now)}`);
    } else if (!passed && pct !== null && pct > 0 && pct < 100 && w.forecast.endPercent !== null && reset) {
      sub.push(`ends near ${Math.round(w.forecast.endPercent)}%`);
    }
    if (!passed && w.note && w.note !== "limit reached" && !(pct === null && w.note.startsWith("no limit notice"))) sub.push(w.note);
    if (pct === null && w.kind === "5h" && !idle) sub.push("no percentage until a limit notice calibrates it");
    sub.push(SOURCE_WORD[w.source]);
    const meter = pct !== null
      ? h("div", {
          class: "share", role: "meter", "aria-label": `${name} window used`,
          "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(Math.min(100, pct)),
        },
        h("span", { style: `width:${Math.min(100, pct)}%` }),
        w.pacePercent !== null && !passed
          ? h("i", { class: "pace", title: "even pace", style: `left:${Math.min(100, w.pacePercent)}%` })
          : null)
      : null;
    list.append(h("li", { class: pct !== null && pct >= 100 ? "over" : null, "data-source": w.source },
      h("div", { class: "row" }, h("span", { class: "name" }, name), h("span", { class: "value" }, value)),
      meter,
      h("div", { class: "sub muted" }, sub.join(" · ")),
    ));
  }
  return h("section", { "aria-label": "Limits", "data-testid": "limits" }, h("h2", {}, "Limits"), list);
}

function stat(label: string, value: string): HTMLElement {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

function periodTabs(current: PeriodKey, on: Handlers): HTMLElement {
  const list = h("div", { class: "tabs", role: "tablist", "aria-label": "Period" });
  PERIODS.forEach((p, i) => {
    const selected = p.key === current;
    list.append(h("button", {
      type: "button", role: "tab", "aria-selected": selected ? "true" : "false",
      tabindex: selected ? 0 : -1, "data-focus": `period-${p.key}`,
      onclick: () => on.period(p.key),
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key;
        const step = k === "ArrowRight" ? 1 : k === "ArrowLeft" ? -1 : 0;
        if (step) {
          e.preventDefault();
          on.period(PERIODS[(i + step + PERIODS.length) % PERIODS.length].key);
        }
      },
    }, p.label));
  });
  return list;
}

function trend(s: Snapshot): HTMLElement {
  const days = s.view.period === "today" || s.view.period === "week" ? s.trend.slice(-7) : s.trend;
  const max = Math.max(...days.map((t) => t.cost), 0);
  const total = days.reduce((a, t) => a + t.cost, 0);
  const chart = h("div", {
    class: "chart", role: "img",
    "aria-label": `Daily spend, last ${days.length} days: ${money(total, s.display)} in total`,
  });
  for (const t of days) {
    const pct = max > 0 ? Math.max(t.cost > 0 ? 3 : 0, Math.round((t.cost / max) * 100)) : 0;
    chart.append(h("span", {
      class: t.date === s.today.date ? "today" : null,
      style: `height:${pct}%`,
      title: `${shortDay(t.date)}: ${money(t.cost, s.display)}, ${plural(t.calls, "call")}`,
    }));
  }
  return h("section", { "aria-label": "Trend" },
    h("h2", {}, `Last ${days.length} days`),
    chart,
    h("div", { class: "axis muted" }, h("span", {}, shortDay(days[0]?.date ?? s.today.date)), h("span", {}, "Today")),
  );
}

function projects(s: Snapshot): HTMLElement {
  const rows = s.report.projects.slice(0, 8);
  const list = h("ul", { class: "rows", "aria-label": "Projects" });
  for (const p of rows) {
    const name = projectName(p.name, p.path);
    list.append(h("li", { title: p.path },
      h("div", { class: "row" },
        h("span", { class: "name" }, name),
        h("span", { class: "value" }, money(p.cost, s.display)),
      ),
      h("div", { class: "share", role: "meter", "aria-label": `${name} share of spend`, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(p.share * 100) },
        h("span", { style: `width:${Math.round(p.share * 100)}%` })),
      h("div", { class: "sub muted" }, `${plural(p.sessions, "session")} · ${percent(p.share)} of spend`),
    ));
  }
  const more = s.report.projects.length - rows.length;
  return h("section", { "aria-label": "By project" },
    h("h2", {}, "Projects"),
    list,
    more > 0 ? h("p", { class: "muted" }, `and ${plural(more, "more project")}`) : null,
  );
}

function models(s: Snapshot): HTMLElement {
  const list = h("ul", { class: "rows", "aria-label": "Models" });
  for (const m of s.report.models.slice(0, 8)) {
    const bits = [`cache hit ${percent(m.cacheHitRate)}`, plural(m.calls, "call")];
    if (m.editTurns > 0) bits.splice(1, 0, `one-shot ${oneShot(m)}`);
    list.append(h("li", {},
      h("div", { class: "row" },
        h("span", { class: "name" }, m.model),
        h("span", { class: "value" }, m.priced ? money(m.cost, s.display) : "unpriced"),
      ),
      h("div", { class: "sub muted" }, `${m.providers.map(providerLabel).join(", ")} · ${bits.join(" · ")}`),
    ));
  }
  return h("section", { "aria-label": "By model" }, h("h2", {}, "Models"), list);
}

/** "80% (4/5)": the rate with the edit turns it is over. */
function oneShot(f: Figures): string {
  return `${percent(f.oneShotRate)} (${f.oneShotTurns}/${f.editTurns})`;
}

function activities(s: Snapshot): HTMLElement {
  const list = h("ul", { class: "rows", "aria-label": "Activities" });
  for (const a of s.report.activities.slice(0, 8)) {
    list.append(h("li", {},
      h("div", { class: "row" }, h("span", { class: "name" }, a.label), h("span", { class: "value" }, money(a.cost, s.display))),
      h("div", { class: "sub muted" }, `${plural(a.turns, "turn")}${a.editTurns > 0 ? ` · one-shot ${oneShot(a)}` : ""}`),
    ));
  }
  return h("section", { "aria-label": "By activity" }, h("h2", {}, "Activities"), list);
}

/** The Tips card: the grade and the three most urgent findings of `burnbar optimize`. */
function tips(s: Snapshot): HTMLElement | null {
  const t = s.tips;
  if (!t || t.findingCount === 0) return null;
  const list = h("ol", { class: "rows tips", "aria-label": "Top findings" });
  for (const f of t.top) {
    list.append(h("li", { "data-severity": f.severity },
      h("div", { class: "row" },
        h("span", { class: "name" }, f.title),
        f.estimatedSavingsUSD > 0 ? h("span", { class: "value" }, `~${money(f.estimatedSavingsUSD, s.display)}`) : null,
      ),
    ));
  }
  const more = t.findingCount - t.top.length;
  return h("section", { "aria-label": "Tips", "data-testid": "tips" },
    h("h2", {}, `Tips · grade ${t.grade}`),
    list,
    h("p", { class: "muted" },
      more > 0 ? `${plural(more, "more finding")} and every fix: ` : "Every fix: ",
      h("code", {}, "burnbar optimize"),
    ),
  );
}

function emptyState(s: Snapshot): HTMLElement {
  const list = h("ul", { class: "sources" });
  for (const src of s.report.sources) {
    list.append(h("li", {},
      h("strong", {}, providerLabel(src.provider)),
      " ",
      h("span", { class: "muted" }, src.roots.join(", ")),
      src.rootsFound > 0 ? h("span", { class: "muted" }, ` — ${plural(src.files, "file")}, no usage`) : h("span", { class: "muted" }, " — not found"),
    ));
  }
  return h("section", { class: "empty", "aria-label": "No usage yet" },
    h("h2", {}, "No AI coding usage found yet"),
    h("p", {}, "Burnbar reads the session logs your tools write. Use Claude Code, Codex, Cursor, Gemini CLI, OpenCode, Qwen Code, Pi or Copilot CLI and your spend shows up here within a second."),
    h("p", { class: "muted" }, "Where we looked:"),
    list,
  );
}

/** The footer's first line: "Updated 3 min ago · 2 lines skipped" (main.ts refreshes just this text). */
export function updatedLine(s: Snapshot, model: Model): string {
  const skipped = s.report.diagnostics.skipped.reduce((a, k) => a + k.count, 0);
  const errors = s.report.diagnostics.errors.length;
  const bits = [`Updated ${ago(model.receivedAt, model.now)}`];
  if (skipped) bits.push(`${plural(skipped, "line")} skipped`);
  if (errors) bits.push(`${plural(errors, "file")} unreadable`);
  return bits.join(" · ");
}

function footer(s: Snapshot, model: Model): HTMLElement {
  const read = s.report.sources.reduce((a, src) => a + src.bytes, 0);
  return h("footer", { class: "muted" },
    h("span", { "data-testid": "updated" }, updatedLine(s, model)),
    read ? h("span", {}, ` · ${bytes(read)} of logs`) : null,
  );
}

/** Team metrics from the tray: serve /metrics, push OTLP (docs/team.md; the rest of `[export]` is in settings.toml). */
function teamFields(x: ExportSettings, field: (label: string, input: HTMLElement, help?: string) => HTMLElement): HTMLElement {
  return h("fieldset", { "data-testid": "team" }, h("legend", {}, "Team metrics (docs/team.md)"),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "serve_metrics", checked: x.serve.enabled }),
      `Serve /metrics for Prometheus on ${x.serve.listen}`),
    field("Push OTLP metrics to", h("input", { name: "otlp_endpoint", type: "url", value: x.push.endpoint ?? "", placeholder: "http://collector:4318/v1/metrics" }),
      `Every ${x.push.interval_seconds} s; headers (API keys) from headers_file in settings.toml`),
  );
}

function settingsPage(model: Model, on: Handlers): HTMLElement {
  const s = model.settings;
  const options = model.options;
  const root = h("div", { class: "popover settings" });
  root.append(h("header", { class: "bar" },
    h("button", { type: "button", class: "icon", "aria-label": "Back", "data-focus": "back", onclick: () => on.back() }, "←"),
    h("h1", {}, "Settings"),
  ));
  if (!s || !options) {
    root.append(h("p", { class: "muted" }, "Loading settings…"));
    return root;
  }
  const form = h("form", {
    "aria-label": "Settings",
    onsubmit: (e: Event) => {
      e.preventDefault();
      const f = e.target as HTMLFormElement;
      const data = new FormData(f);
      on.saveSettings({
        ...s,
        currency: String(data.get("currency") ?? "USD").trim().toUpperCase(),
        usd_rate: Number(data.get("usd_rate") ?? 1),
        providers: options.providers.map((p) => p.id).filter((p) => data.get(`provider-${p}`) === "on"),
        launch_at_login: data.get("launch_at_login") === "on",
        prices: String(data.get("prices") ?? "").trim() || null,
        tray: { title: (String(data.get("tray_title") ?? "cost") as "cost" | "limit" | "both") },
        limits: { alerts: s.limits?.alerts ?? [80, 95], notify_reset: data.get("notify_reset") === "on", live: data.get("live_limits") === "on" },
        ...(s.export ? {
          export: {
            ...s.export,
            serve: { ...s.export.serve, enabled: data.get("serve_metrics") === "on" },
            push: { ...s.export.push, endpoint: String(data.get("otlp_endpoint") ?? "").trim() || null },
          },
        } : {}),
      });
    },
  });
  const field = (label: string, input: HTMLElement, help?: string) =>
    h("label", { class: "field" }, h("span", {}, label), input, help ? h("small", { class: "muted" }, help) : null);
  form.append(
    field("Currency", h("input", { name: "currency", value: s.currency, maxlength: 3, autocomplete: "off", "data-focus": "currency" }), "ISO code, e.g. USD, EUR"),
    field("Units per USD", h("input", { name: "usd_rate", type: "number", step: "any", min: "0", value: s.usd_rate }), "Display only; stored amounts stay USD"),
  );
  const tools = h("fieldset", {}, h("legend", {}, "Tools to count (none ticked = all)"));
  for (const p of options.providers) {
    tools.append(h("label", { class: "check" },
      h("input", { type: "checkbox", name: `provider-${p.id}`, checked: s.providers.includes(p.id) }), p.label));
  }
  form.append(
    tools,
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "launch_at_login", checked: s.launch_at_login }), "Launch at login"),
    field("Tray shows", h("select", { name: "tray_title" },
      ...([["cost", "Today's spend ($12.34)"], ["limit", "Tightest usage window (5h 42%)"], ["both", "Both ($12.34 · 42%)"]] as const)
        .map(([v, label]) => h("option", { value: v, selected: (s.tray?.title ?? "cost") === v }, label)))),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "notify_reset", checked: s.limits?.notify_reset ?? false }),
      `Notify when a usage window resets (alerts at ${(s.limits?.alerts ?? [80, 95]).map((a) => `${a}%`).join(", ")} and when one runs out)`),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "live_limits", checked: s.limits?.live ?? false }),
      "Live usage figures: ask Claude Code's and Codex's servers with the sign-in they stored (at most every 5 minutes)"),
    field("Price file (LiteLLM JSON)", h("input", { name: "prices", value: s.prices ?? "", placeholder: "daily LiteLLM prices" }), "BURNBAR_PRICES overrides this"),
  );
  if (s.export) form.append(teamFields(s.export, field));
  form.append(budgetEditor(s, options, on));
  if (model.settingsError) form.append(h("p", { class: "alert", role: "alert" }, model.settingsError));
  if (model.settingsSaved) form.append(h("p", { class: "ok", role: "status" }, "Saved"));
  form.append(h("button", { type: "submit", "data-focus": "save" }, "Save"));
  root.append(form);
  return root;
}

function budgetEditor(s: Settings, options: Options, on: Handlers): HTMLElement {
  const alertsAt = options.defaultThresholds.map((t) => `${t}%`).join(", ");
  const box = h("fieldset", { class: "budget-editor" }, h("legend", {}, `Budgets (alerts at ${alertsAt})`));
  const list = h("ul", { class: "rows", "aria-label": "Budget list" });
  s.budgets.forEach((b, i) => {
    // the scope as the app words it; a budget just added has none until the save returns
    const scope = s.budget_scopes?.[i];
    list.append(h("li", { class: "row" },
      h("span", {}, `${b.period} ${money(b.usd)}${scope ? ` · ${scope}` : ""}`),
      h("button", { type: "button", "aria-label": `Remove the ${b.period} budget${scope ? ` for ${scope}` : ""}`, onclick: () => on.removeBudget(i) }, "Remove"),
    ));
  });
  if (s.budgets.length) box.append(list);
  const period = h("select", { "aria-label": "Budget period", name: "budget-period" },
    h("option", { value: "daily" }, "Daily"), h("option", { value: "weekly" }, "Weekly"), h("option", { value: "monthly" }, "Monthly"));
  const usd = h("input", { "aria-label": "Budget in USD", name: "budget-usd", type: "number", min: "0", step: "any", placeholder: "USD" });
  const project = h("input", { "aria-label": "Budget project (optional)", name: "budget-project", placeholder: "project (optional)" });
  box.append(h("div", { class: "add" }, period, usd, project,
    h("button", {
      type: "button", "data-focus": "add-budget",
      onclick: () => {
        const amount = Number((usd as HTMLInputElement).value);
        const name = (project as HTMLInputElement).value.trim();
        on.addBudget({
          period: (period as HTMLSelectElement).value as BudgetPeriod,
          usd: amount,
          ...(name ? { project: name } : {}),
          thresholds: [...options.defaultThresholds],
        });
      },
    }, "Add budget")));
  return box;
}
