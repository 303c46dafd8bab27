// The one module that talks to Tauri (through the `window.__TAURI__` global that
// `withGlobalTauri` injects; tests install a fake one). Everything else imports from here.

import type { CommandError, Options, Page, PeriodKey, ProviderId, Settings, Snapshot, Status } from "./types.js";

interface TauriGlobal {
  core: { invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> };
  event: { listen<T>(event: string, handler: (e: { payload: T }) => void): Promise<() => void> };
  window?: { getCurrentWindow(): { setTitle(title: string): Promise<void> } };
}

function tauri(): TauriGlobal {
  const t = (window as unknown as { __TAURI__?: TauriGlobal }).__TAURI__;
  if (!t) throw { code: "no-backend", message: "This page runs inside the Burnbar tray app." } satisfies CommandError;
  return t;
}

/** Rejections are `CommandError`s ({code, message}); anything else is wrapped as one. */
async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await tauri().core.invoke<T>(cmd, args);
  } catch (e) {
    if (e && typeof e === "object" && "code" in e && "message" in e) throw e as CommandError;
    throw { code: "ipc", message: String(e) } satisfies CommandError;
  }
}

export const getSnapshot = (period: PeriodKey, provider: ProviderId | null) =>
  invoke<Snapshot>("get_snapshot", { period, provider: provider ?? "all" });
export const getStatus = () => invoke<Status>("get_status");
export const refresh = () => invoke<void>("refresh");
export const getSettings = () => invoke<Settings>("get_settings");
export const getOptions = () => invoke<Options>("get_options");
/** Saves the settings; the answer carries each budget's scope (`budget_scopes`), which is not sent. */
export const saveSettings = (settings: Settings) => {
  const { budget_scopes: _scopes, ...plain } = settings;
  return invoke<Settings>("save_settings", { settings: plain });
};
export const hidePopover = () => invoke<void>("hide_popover");

/** The window title carries the headline too (window lists, screen readers, the smoke test). */
export function setWindowTitle(title: string): void {
  const w = tauri().window?.getCurrentWindow();
  void w?.setTitle(title).catch(() => undefined);
}

export const onUsageUpdated = (f: (s: Snapshot) => void) =>
  tauri().event.listen<Snapshot>("usage:updated", (e) => f(e.payload));
export const onStatusChanged = (f: (s: Status) => void) =>
  tauri().event.listen<Status>("status:changed", (e) => f(e.payload));
export const onNavigate = (f: (p: Page) => void) =>
  tauri().event.listen<Page>("ui:navigate", (e) => f(e.payload));
