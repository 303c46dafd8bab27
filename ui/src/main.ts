// Wiring: subscribe first, then load, then redraw on every event. The only timer rewrites the
// text of the "updated N s ago" line (nothing else is drawn), when that text would change, and
// only while the popover is visible.

import * as ipc from "./ipc.js";
import { agoChangesIn } from "./format.js";
import { render, updatedLine } from "./render.js";
import type { CommandError, Model, PeriodKey, ProviderId } from "./types.js";

const model: Model = {
  page: location.hash === "#settings" ? "settings" : "overview",
  snapshot: null,
  status: null,
  error: null,
  settings: null,
  options: null,
  settingsError: null,
  settingsSaved: false,
  receivedAt: Date.now(),
  now: Date.now(),
};

const root = document.getElementById("app") as HTMLElement;

function draw(): void {
  // keep keyboard focus on the "same" control across redraws
  const active = document.activeElement as HTMLElement | null;
  // on the tab list, focus follows the selected tab (arrow keys select)
  const focusKey = active?.getAttribute("role") === "tab" && model.snapshot
    ? `period-${model.snapshot.view.period}`
    : active?.dataset?.focus;
  model.now = Date.now();
  root.replaceChildren(render(model, handlers));
  scheduleAgo();
  if (focusKey) root.querySelector<HTMLElement>(`[data-focus="${focusKey}"]`)?.focus();
  const spend = root.querySelector('[data-testid="spend"]')?.textContent;
  // the window title names what the popover shows (the smoke test reads it): spend, period
  // and, when the Tips card is there, its grade
  const tips = root.querySelector('[data-testid="tips"]') && model.snapshot?.tips;
  // ... and the fullest usage window drawn in the Limits section
  const top = [...root.querySelectorAll('[data-testid="limits"] [role="meter"]')]
    .reduce((m, el) => Math.max(m, Number(el.getAttribute("aria-valuenow") ?? 0)), 0);
  const title = spend && model.snapshot
    ? `Burnbar · ${spend} · ${model.snapshot.report.period.label}${tips ? ` · grade ${tips.grade}` : ""}${top > 0 ? ` · limit ${top}%` : ""}`
    : "Burnbar";
  if (title !== lastTitle) {
    lastTitle = title;
    ipc.setWindowTitle(title);
  }
}

let lastTitle = "";

function asError(e: unknown): CommandError {
  return e && typeof e === "object" && "code" in e ? (e as CommandError) : { code: "ipc", message: String(e) };
}

async function load(period?: PeriodKey, provider?: ProviderId | null): Promise<void> {
  const view = model.snapshot?.view;
  try {
    model.snapshot = await ipc.getSnapshot(period ?? view?.period ?? "today", provider === undefined ? view?.provider ?? null : provider);
    model.receivedAt = Date.now();
    model.error = null;
  } catch (e) {
    model.error = asError(e);
    if (model.error.code === "scanning") model.status = await ipc.getStatus().catch(() => null);
  }
  draw();
}

async function loadSettings(): Promise<void> {
  try {
    [model.settings, model.options] = await Promise.all([ipc.getSettings(), model.options ?? ipc.getOptions()]);
  } catch (e) {
    model.settingsError = asError(e).message;
  }
  draw();
}

function saveBudgets(budgets: import("./types.js").Budget[]): void {
  if (model.settings) handlers.saveSettings({ ...model.settings, budgets });
}

const handlers = {
  addBudget: (b: import("./types.js").Budget) => {
    if (!(b.usd > 0)) {
      model.settingsError = "A budget needs a positive amount in USD.";
      model.settingsSaved = false;
      draw();
      return;
    }
    saveBudgets([...(model.settings?.budgets ?? []), b]);
  },
  removeBudget: (i: number) => saveBudgets((model.settings?.budgets ?? []).filter((_, j) => j !== i)),
  period: (p: PeriodKey) => void load(p),
  provider: (p: ProviderId | null) => void load(undefined, p),
  refresh: () => {
    void ipc.refresh().catch(() => undefined);
  },
  openSettings: () => {
    model.page = "settings";
    model.settingsSaved = false;
    model.settingsError = null;
    draw();
    void loadSettings();
  },
  back: () => {
    model.page = "overview";
    draw();
  },
  saveSettings: (s: import("./types.js").Settings) => {
    ipc.saveSettings(s).then(
      (saved) => {
        model.settings = saved;
        model.settingsError = null;
        model.settingsSaved = true;
        draw();
        void load();
      },
      (e) => {
        model.settingsError = asError(e).message;
        model.settingsSaved = false;
        draw();
      },
    );
  },
};

async function start(): Promise<void> {
  try {
    await ipc.onUsageUpdated((s) => {
      model.snapshot = s;
      model.receivedAt = Date.now();
      model.error = null;
      draw();
    });
    await ipc.onStatusChanged((st) => {
      model.status = st;
      if (st.phase === "failed" && !model.snapshot) model.error = { code: "sync-failed", message: st.message };
      draw();
    });
    await ipc.onNavigate((p) => (p === "settings" ? handlers.openSettings() : handlers.back()));
  } catch (e) {
    model.error = asError(e);
    draw();
    return;
  }
  // the tools' names and the settings' choices, from the app (a failure only costs the names)
  model.options = await ipc.getOptions().catch(() => null);
  if (model.page === "settings") void loadSettings();
  await load();
}

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    if (model.page === "settings") handlers.back();
    else void ipc.hidePopover().catch(() => undefined);
  }
});

let agoTimer: ReturnType<typeof setTimeout> | undefined;

/** Keeps the "updated" line current: one timer, due when its text changes, off while hidden. */
function scheduleAgo(): void {
  clearTimeout(agoTimer);
  agoTimer = undefined;
  if (document.visibilityState !== "visible" || !model.snapshot) return;
  agoTimer = setTimeout(() => {
    const el = root.querySelector('[data-testid="updated"]');
    if (el && model.snapshot) {
      model.now = Date.now();
      el.textContent = updatedLine(model.snapshot, model);
    }
    scheduleAgo();
  }, agoChangesIn(model.receivedAt, Date.now()));
}

document.addEventListener("visibilitychange", scheduleAgo);

void start();
