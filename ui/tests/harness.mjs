// Shared test harness: Debian's Chromium (never a downloaded browser) driven by
// playwright-core, the built ui/dist served from disk, and a fake `window.__TAURI__` that
// answers commands from the golden snapshot files the CLI writes (fixtures/*.json).

import { readFileSync } from "node:fs";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const dist = join(here, "..", "dist");

export function fixture(name) {
  return JSON.parse(readFileSync(join(here, "fixtures", `${name}.json`), "utf8"));
}

export async function launch() {
  const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

/**
 * Opens the popover with a mocked backend.
 * `backend`: { snapshots: {period: snapshot}, errors: {cmd: {code, message}}, status, settings,
 *   saveError }.
 */
export async function open(browser, backend, { colorScheme = "light", hash = "", fakeClock = false } = {}) {
  // the settings page's choices as the app sends them (src-tauri/tests/ipc.rs checks the file)
  backend = { options: fixture("options"), ...backend };
  // clock times are the machine's zone: UTC here, whatever zone runs the tests
  const context = await browser.newContext({ colorScheme, timezoneId: "UTC", viewport: { width: 380, height: 600 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => {
    throw e;
  });
  await page.route("http://burnbar.test/**", (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/+/, "") || "index.html";
    const file = normalize(join(dist, path));
    if (!file.startsWith(dist)) return route.fulfill({ status: 403 });
    try {
      return route.fulfill({ body: readFileSync(file), contentType: TYPES[extname(file)] ?? "application/octet-stream" });
    } catch {
      return route.fulfill({ status: 404 });
    }
  });
  await page.addInitScript((backend) => {
    const listeners = {};
    window.__calls = [];
    window.__emit = (event, payload) => (listeners[event] ?? []).forEach((f) => f({ payload }));
    const reply = (cmd, args) => {
      window.__calls.push({ cmd, args: args ?? null });
      const err = backend.errors?.[cmd];
      if (err) return Promise.reject(err);
      switch (cmd) {
        case "get_snapshot": {
          const s = backend.snapshots[args?.period] ?? Object.values(backend.snapshots)[0];
          const provider = args?.provider === "all" ? null : args?.provider ?? null;
          return Promise.resolve({ ...s, view: { period: args?.period ?? s.view.period, provider } });
        }
        case "get_status": return Promise.resolve(backend.status ?? { phase: "ready" });
        case "get_settings": return Promise.resolve(backend.settings);
        case "get_options": return Promise.resolve(backend.options);
        case "save_settings":
          return backend.saveError ? Promise.reject(backend.saveError) : Promise.resolve(args.settings);
        default: return Promise.resolve(null);
      }
    };
    window.__TAURI__ = {
      core: { invoke: reply },
      window: {
        getCurrentWindow: () => ({
          setTitle: (t) => {
            window.__title = t;
            return Promise.resolve();
          },
        }),
      },
      event: {
        listen: (event, f) => {
          (listeners[event] ??= []).push(f);
          return Promise.resolve(() => {});
        },
      },
    };
  }, backend);
  // fake timers and Date (page.clock.fastForward moves them) for tests of what time changes;
  // `fakeClock: {time}` starts them at that moment
  if (fakeClock) await page.clock.install(fakeClock === true ? undefined : fakeClock);
  await page.goto(`http://burnbar.test/index.html${hash}`);
  return page;
}

export const calls = (page) => page.evaluate(() => window.__calls);
export const emit = (page, event, payload) => page.evaluate(([e, p]) => window.__emit(e, p), [event, payload]);
