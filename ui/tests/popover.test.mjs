// The popover in a real browser (Chromium), backend mocked from the CLI's golden snapshots.
// Assertions are on text and ARIA roles, as a user (or a screen reader) meets them.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { calls, emit, fixture, launch, open } from "./harness.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const typical = fixture("typical");
const limitsDay = fixture("limits");
// half a minute before the snapshot's moment: loading the page takes some of it
const at18 = { time: new Date("2026-11-22T17:59:30Z") };
const many = fixture("many-projects");
const runaway = { enabled: true, window_minutes: 10, usd_in_window: 5 };
const exportDefaults = {
  project_labels: "name", top_projects: 50, machine: null, user: null,
  serve: { enabled: false, listen: "127.0.0.1:9464", token_file: null, insecure_no_auth: false },
  push: { endpoint: null, headers_file: null, interval_seconds: 60 },
};
const settings = { currency: "USD", usd_rate: 1, providers: [], launch_at_login: false, prices: null, budgets: [], runaway, export: exportDefaults };

test("typical day: today's spend, stats, tools, projects and models", async () => {
  const page = await open(browser, { snapshots: { today: typical, "30days": many }, settings });
  const spend = page.getByTestId("spend");
  await spend.waitFor();
  assert.equal(await spend.textContent(), "$0.17");
  const stats = await page.locator(".stats").innerText();
  assert.match(stats, /Cache hit\s+80%/);
  assert.match(stats, /Calls\s+18/);
  const tab = page.getByRole("tab", { name: "Today" });
  assert.equal(await tab.getAttribute("aria-selected"), "true");
  const tools = page.getByRole("combobox", { name: "Tool" });
  assert.deepEqual(await tools.locator("option").allTextContents(), ["All tools", "Claude Code", "Codex", "Gemini CLI", "OpenCode"]);
  assert.equal(await page.getByRole("list", { name: "Projects" }).getByRole("listitem").count(), typical.report.projects.length);
  assert.equal(await page.getByRole("list", { name: "Models" }).getByRole("listitem").count(), typical.report.models.length);
  const chart = page.getByRole("img", { name: /Daily spend, last 7 days/ });
  assert.equal(await chart.locator("span").count(), 7);
  const heights = await chart.locator("span").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  const days = typical.trend.slice(-7);
  heights.forEach((px, i) => assert.equal(px > 0, days[i].cost > 0, `bar ${days[i].date}: ${px}px for $${days[i].cost}`));
  // (the Limits section's bars are tested on their own: a window that has reset is empty)
  const meters = await page.locator("section:not([data-testid=limits])").getByRole("meter").evaluateAll((els) => els.map((e) => e.firstElementChild.getBoundingClientRect().width));
  assert.ok(meters.every((w) => w > 0), `share bars are drawn: ${meters}`);
  assert.equal(await page.getByRole("status").count(), 0, "no unpriced warning on a fully priced day");
  assert.equal(await page.evaluate(() => window.__title), `Burnbar · $0.17 · Today (2026-10-30) · grade ${typical.tips.grade}`, "the title names the Tips grade");
});

test("one-shot rates and activities: the classifier's view of the day", async () => {
  const page = await open(browser, { snapshots: { today: typical, "30days": many }, settings });
  await page.getByTestId("spend").waitFor();
  const o = typical.report.overview;
  assert.ok(o.editTurns > 0, "the typical fixture has edit turns");
  const stats = await page.locator(".stats").innerText();
  assert.match(stats, new RegExp(`One-shot\\s+${Math.round(o.oneShotRate * 100)}% \\(${o.oneShotTurns}/${o.editTurns}\\)`));
  const list = page.getByRole("list", { name: "Activities" });
  const rows = await list.getByRole("listitem").allInnerTexts();
  assert.equal(rows.length, typical.report.activities.length);
  typical.report.activities.forEach((a, i) => {
    assert.ok(rows[i].startsWith(a.label), `${rows[i]} is ${a.label}`);
    assert.match(rows[i], new RegExp(`${a.turns} turns?`));
    assert.equal(/one-shot/.test(rows[i]), a.editTurns > 0, rows[i]);
  });
  // the activities' costs add up to the period's (every call belongs to one activity)
  const sum = typical.report.activities.reduce((t, a) => t + a.cost, 0);
  assert.ok(Math.abs(sum - o.cost) < 1e-6, `${sum} vs ${o.cost}`);
  const model = typical.report.models.find((m) => m.editTurns > 0);
  const models = await page.getByRole("list", { name: "Models" }).getByRole("listitem").allInnerTexts();
  assert.ok(models.some((t) => t.startsWith(model.model) && t.includes(`one-shot ${Math.round(model.oneShotRate * 100)}%`)), models.join(" | "));
});

test("the period switch asks for the period and shows its numbers; arrow keys move it", async () => {
  const page = await open(browser, { snapshots: { today: typical, "30days": many }, settings });
  await page.getByTestId("spend").waitFor();
  await page.getByRole("tab", { name: "30 days" }).click();
  await page.getByTestId("spend").filter({ hasText: "$4.15" }).waitFor();
  assert.equal(await page.getByRole("tab", { name: "30 days" }).getAttribute("aria-selected"), "true");
  assert.match(await page.locator(".today-line").innerText(), /Today \$0\.17/);
  const last = (await calls(page)).filter((c) => c.cmd === "get_snapshot").at(-1);
  assert.deepEqual(last.args, { period: "30days", provider: "all" });
  // keyboard: focus stays on the tablist and ArrowRight selects the next period
  await page.getByRole("tab", { name: "30 days" }).focus();
  await page.keyboard.press("ArrowRight");
  await page.getByRole("tab", { name: "Month", selected: true }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Month");
});

test("many projects: one row and share meter each, shares add up to the whole", async () => {
  const page = await open(browser, { snapshots: { "30days": many }, settings });
  await page.getByTestId("spend").waitFor();
  const rows = page.getByRole("list", { name: "Projects" }).getByRole("listitem");
  assert.equal(await rows.count(), Math.min(8, many.report.projects.length));
  const meters = page.getByRole("meter");
  const values = await meters.evaluateAll((els) => els.map((e) => Number(e.getAttribute("aria-valuenow"))));
  const total = values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 100) <= values.length, `shares add to ~100%, got ${total}`);
  const first = many.report.projects[0];
  assert.match(await rows.first().innerText(), new RegExp(first.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
});

test("unpriced model: a warning names it and the total is marked as a lower bound", async () => {
  const page = await open(browser, { snapshots: { all: fixture("unpriced") }, settings });
  const warning = page.getByRole("status");
  await warning.waitFor();
  const text = await warning.innerText();
  assert.match(text, /1 call with no known price/);
  assert.match(text, /claude-mystery-5/);
  assert.equal(await page.getByTestId("spend").textContent(), "$1.70+");
  assert.match(await page.locator("footer").innerText(), /2 lines skipped/);
});

test("tips: the grade and the three most urgent findings with their savings", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings });
  const card = page.getByTestId("tips");
  await card.waitFor();
  const t = typical.tips;
  assert.ok(t && t.findingCount > 3, "the fixture has more findings than the card shows");
  assert.equal(await card.getByRole("heading").textContent(), `Tips · grade ${t.grade}`);
  const items = card.getByRole("listitem");
  assert.equal(await items.count(), 3);
  assert.match(await items.first().innerText(), new RegExp(t.top[0].title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(await card.innerText(), new RegExp(`${t.findingCount - 3} more finding`));
  assert.match(await card.innerText(), /burnbar optimize/);
});

test("tips: no card without findings", async () => {
  const snap = structuredClone(typical);
  snap.tips = { grade: "A", score: 100, potentialSavingsUSD: 0, findingCount: 0, top: [] };
  const page = await open(browser, { snapshots: { today: snap }, settings });
  await page.getByTestId("spend").waitFor();
  assert.equal(await page.getByTestId("tips").count(), 0);
});

test("index fallback: the popover says the index is unavailable and why", async () => {
  const snap = structuredClone(typical);
  snap.report.diagnostics.indexFallback = { path: "/home/you/.local/share/burnbar/usage.sqlite", reason: "the disk is full" };
  const page = await open(browser, { snapshots: { today: snap }, settings });
  const notice = page.getByTestId("index-fallback");
  await notice.waitFor();
  assert.equal(await notice.getAttribute("role"), "status");
  assert.match(await notice.innerText(), /Index unavailable \(the disk is full\)/);
  assert.equal(await notice.getAttribute("title"), "/home/you/.local/share/burnbar/usage.sqlite");
});

test("session totals: the part of the spend kept only as whole-session sums is said", async () => {
  const snap = structuredClone(typical);
  snap.report.overview.sessionTotalCost = 1.25;
  const page = await open(browser, { snapshots: { today: snap }, settings });
  const note = page.getByTestId("session-total-note");
  await note.waitFor();
  assert.match(await note.innerText(), /\$1\.25 comes from tools that keep only whole-session sums/);
});

test("no session-total note when no tool kept only sums", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings });
  await page.getByTestId("spend").waitFor();
  assert.equal(await page.getByTestId("session-total-note").count(), 0);
});

test("empty machine: says nothing was found and where it looked", async () => {
  const page = await open(browser, { snapshots: { today: fixture("empty") }, settings });
  const empty = page.getByRole("heading", { name: "No AI coding usage found yet" });
  await empty.waitFor();
  const where = await page.locator(".sources").innerText();
  assert.match(where, /Claude Code .*\/home\/you\/\.claude\/projects/);
  assert.match(where, /Codex .*\/home\/you\/\.codex\/sessions/);
  assert.match(where, /not found/);
  assert.equal(await page.getByRole("combobox", { name: "Tool" }).count(), 0, "no tool filter without data");
});

test("error: the message is an alert and Try again asks for a rescan", async () => {
  const page = await open(browser, {
    snapshots: { today: typical },
    errors: { get_snapshot: { code: "sync-failed", message: "index /home/you/.local/share/burnbar/usage.sqlite: database is locked" } },
    settings,
  });
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /database is locked/);
  await page.getByRole("button", { name: "Try again" }).click();
  assert.ok((await calls(page)).some((c) => c.cmd === "refresh"));
});

test("first scan: progress, then the numbers arrive live", async () => {
  const page = await open(browser, {
    snapshots: { today: typical },
    errors: { get_snapshot: { code: "scanning", message: "reading your logs: 3 of 10 files" } },
    status: { phase: "scanning", filesDone: 3, filesTotal: 10 },
    settings,
  });
  const bar = page.getByRole("progressbar", { name: "Scan progress" });
  await bar.waitFor();
  assert.equal(await bar.getAttribute("aria-valuenow"), "3");
  await emit(page, "status:changed", { phase: "scanning", filesDone: 9, filesTotal: 10 });
  assert.equal(await bar.getAttribute("aria-valuenow"), "9");
  await emit(page, "usage:updated", typical);
  await page.getByTestId("spend").filter({ hasText: "$0.17" }).waitFor();
});

test("a log append pushes a new snapshot and the spend changes without a reload", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings });
  await page.getByTestId("spend").filter({ hasText: "$0.17" }).waitFor();
  const next = structuredClone(typical);
  next.report.overview.cost = 12.345;
  await emit(page, "usage:updated", next);
  await page.getByTestId("spend").filter({ hasText: "$12.35" }).waitFor();
});

test("settings: shows the saved values, saves edits, shows a rejected value's error", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings });
  await page.getByTestId("spend").waitFor();
  await page.getByRole("button", { name: "Settings" }).click();
  const currency = page.getByRole("textbox", { name: /Currency/ });
  assert.equal(await currency.inputValue(), "USD");
  await currency.fill("eur");
  await page.getByRole("spinbutton", { name: /Units per USD/ }).fill("0.5");
  await page.getByRole("checkbox", { name: "Codex", exact: true }).check();
  const tray = page.getByRole("combobox", { name: "Tray shows" });
  assert.equal(await tray.inputValue(), "cost", "the spend by default");
  await tray.selectOption("both");
  await page.getByRole("checkbox", { name: /Notify when a usage window resets/ }).check();
  const live = page.getByRole("checkbox", { name: /Live usage figures/ });
  assert.equal(await live.isChecked(), false, "live figures are off by default");
  const serve = page.getByRole("checkbox", { name: /Serve \/metrics for Prometheus on 127\.0\.0\.1:9464/ });
  assert.equal(await serve.isChecked(), false, "team metrics are off by default");
  await serve.check();
  await page.getByRole("textbox", { name: /Push OTLP metrics to/ }).fill(" http://collector.internal:4318/v1/metrics ");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved").waitFor();
  const saved = (await calls(page)).find((c) => c.cmd === "save_settings");
  assert.deepEqual(saved.args.settings, {
    currency: "EUR", usd_rate: 0.5, providers: ["codex"], launch_at_login: false, prices: null, budgets: [], runaway,
    tray: { title: "both" }, limits: { alerts: [80, 95], notify_reset: true, live: false },
    export: {
      ...exportDefaults,
      serve: { ...exportDefaults.serve, enabled: true },
      push: { ...exportDefaults.push, endpoint: "http://collector.internal:4318/v1/metrics" },
    },
  });

  const bad = await open(browser, {
    snapshots: { today: typical }, settings,
    saveError: { code: "invalid-settings", message: "currency \"XX\" is not a three-letter ISO code such as USD or EUR" },
  }, { hash: "#settings" });
  await bad.getByRole("button", { name: "Save" }).click();
  assert.match(await bad.getByRole("alert").innerText(), /three-letter ISO code/);
  await bad.keyboard.press("Escape");
  await bad.getByTestId("spend").waitFor();
});

test("Escape hides the popover", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings });
  await page.getByTestId("spend").waitFor();
  await page.keyboard.press("Escape");
  assert.ok((await calls(page)).some((c) => c.cmd === "hide_popover"));
});

test("readable in dark mode: dark background, light text", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings }, { colorScheme: "dark" });
  await page.getByTestId("spend").waitFor();
  const [bg, fg] = await page.evaluate(() => {
    const s = getComputedStyle(document.body);
    return [s.backgroundColor, s.color];
  });
  assert.equal(bg, "rgb(27, 30, 36)");
  assert.equal(fg, "rgb(232, 234, 237)");
});

test("display currency converts amounts for display only", async () => {
  const eur = structuredClone(typical);
  eur.display = { currency: "EUR", usdRate: 2 };
  const page = await open(browser, { snapshots: { today: eur }, settings });
  assert.equal(await page.getByTestId("spend").textContent(), "€0.35");
});

test("budgets: a bar each, over-budget marked, the pace in words", async () => {
  const page = await open(browser, { snapshots: { today: fixture("over-budget") }, settings });
  const list = page.getByRole("list", { name: "Budgets" });
  await list.waitFor();
  const items = list.getByRole("listitem");
  assert.equal(await items.count(), 3);
  const daily = items.nth(0);
  assert.match(await daily.innerText(), /Today · all tools and projects\s+\$0\.17 of \$0\.15/);
  assert.match(await daily.innerText(), /115% used · \$0\.02 over/);
  assert.equal(await daily.getAttribute("class"), "over");
  assert.equal(await daily.getByRole("meter").getAttribute("aria-valuenow"), "100");
  const weekly = items.nth(1);
  assert.match(await weekly.innerText(), /This week · project ml\.pipeline/);
  assert.match(await weekly.innerText(), /77% used · \$0\.50 left · at this rate you reach it on the 1st/);
  assert.equal(await weekly.getAttribute("class"), null);
  assert.equal(await page.getByRole("list", { name: "Budgets" }).count(), 1);
  const none = await open(browser, { snapshots: { today: typical }, settings });
  await none.getByTestId("spend").waitFor();
  assert.equal(await none.getByRole("list", { name: "Budgets" }).count(), 0, "no section without budgets");
});

test("settings: add and remove budgets (saved at once, other settings kept)", async () => {
  const withOne = {
    ...settings, currency: "EUR", budgets: [{ period: "daily", usd: 20, thresholds: [50, 80, 100] }],
    budget_scopes: ["all tools and projects"],
  };
  const page = await open(browser, { snapshots: { today: typical }, settings: withOne }, { hash: "#settings" });
  const list = page.getByRole("list", { name: "Budget list" });
  await list.waitFor();
  assert.match(await list.innerText(), /daily \$20\.00 · all tools and projects/, "the scope as the app words it");
  await page.getByRole("combobox", { name: "Budget period" }).selectOption("monthly");
  await page.getByRole("spinbutton", { name: "Budget in USD" }).fill("300");
  await page.getByRole("textbox", { name: "Budget project (optional)" }).fill("api");
  await page.getByRole("button", { name: "Add budget" }).click();
  await page.getByText("Saved").waitFor();
  let saved = (await calls(page)).filter((c) => c.cmd === "save_settings").at(-1).args.settings;
  assert.equal(saved.currency, "EUR", "the rest of the settings is kept");
  assert.deepEqual(saved.runaway, runaway);
  assert.deepEqual(saved.budgets, [
    { period: "daily", usd: 20, thresholds: [50, 80, 100] },
    { period: "monthly", usd: 300, project: "api", thresholds: [50, 80, 100] },
  ]);
  // (the fake backend answers a save without scopes, as a budget just added has none yet)
  await page.getByRole("button", { name: /^Remove the daily budget/ }).click();
  await page.waitForFunction(() => window.__calls.filter((c) => c.cmd === "save_settings").length === 2);
  saved = (await calls(page)).filter((c) => c.cmd === "save_settings").at(-1).args.settings;
  assert.deepEqual(saved.budgets.map((b) => b.period), ["monthly"]);
  // no amount: refused before anything is saved
  await page.getByRole("button", { name: "Add budget" }).click();
  assert.match(await page.getByRole("alert").innerText(), /positive amount/);
});

test("idle: only the 'updated' line changes as time passes, nothing else is redrawn", async () => {
  const page = await open(browser, { snapshots: { today: typical }, settings }, { fakeClock: true });
  const spend = page.getByTestId("spend");
  await spend.waitFor();
  assert.match(await page.getByTestId("updated").textContent(), /^Updated just now/);
  await page.evaluate(() => { window.__spendNode = document.querySelector('[data-testid="spend"]'); });
  await page.clock.fastForward(61_000);
  assert.match(await page.getByTestId("updated").textContent(), /^Updated 1 min ago/);
  await page.clock.fastForward(3 * 60_000);
  assert.match(await page.getByTestId("updated").textContent(), /^Updated 4 min ago/);
  assert.equal(
    await page.evaluate(() => window.__spendNode === document.querySelector('[data-testid="spend"]')),
    true,
    "the popover was not redrawn: the same spend element is still in place",
  );
});

/** The Limits section's rows as [name, value, words under the bar]. */
async function limitRows(page) {
  const list = page.getByRole("list", { name: "Usage windows" });
  await list.waitFor();
  return list.getByRole("listitem").evaluateAll((items) => items.map((li) => [
    li.querySelector(".name").textContent, li.querySelector(".value").textContent, li.querySelector(".sub").textContent,
  ]));
}

test("limits: a bar per window with its pace marker, reset, forecast and source", async () => {
  const page = await open(browser, { snapshots: { today: limitsDay }, settings }, { fakeClock: at18 });
  const rows = await limitRows(page);
  assert.deepEqual(rows.map((r) => r.slice(0, 2)), [
    ["Codex · 5-hour", "42%"],
    ["Codex · weekly", "12%"],
    ["Claude Code · 5-hour", "~50%"],
    ["Claude Code · weekly", "$1.98 · 612,000 tokens"],
  ]);
  assert.equal(rows[0][2], "resets in 2h 0m (20:00) · ends near 76% · from the tool's log");
  assert.equal(rows[2][2], "resets in 3h 0m (21:00) · at this pace you hit it at 19:55 · estimated");
  assert.match(rows[3][2], /^rolling 7 days: no weekly reset known yet · estimated$/);
  const meter = page.getByRole("meter", { name: "Codex · 5-hour window used" });
  assert.equal(await meter.getAttribute("aria-valuenow"), "42");
  const [bar, pace, width] = await meter.evaluate((m) => [
    m.querySelector("span").getBoundingClientRect().width, m.querySelector(".pace").getBoundingClientRect().left - m.getBoundingClientRect().left, m.getBoundingClientRect().width,
  ]);
  assert.ok(Math.abs(bar / width - 0.42) < 0.02, `bar ${bar} of ${width}`);
  assert.ok(Math.abs(pace / width - 0.6) < 0.03, `pace marker at ${pace} of ${width}`);
  assert.equal(await page.getByRole("meter", { name: "Claude Code · weekly window used" }).count(), 0, "no bar without a percentage");
  assert.match(await page.evaluate(() => window.__title), / · limit 50%$/, "the window title names the fullest window");
});

test("limits: a window whose reset has come shows reset, never the stale figure", async () => {
  const page = await open(browser, { snapshots: { today: limitsDay }, settings }, { fakeClock: { time: new Date("2026-11-22T20:00:30Z") } });
  const rows = await limitRows(page);
  assert.deepEqual(rows[0], ["Codex · 5-hour", "0%", "reset since your last call · from the tool's log"]);
  assert.equal(await page.getByRole("meter", { name: "Codex · 5-hour window used" }).getAttribute("aria-valuenow"), "0");
});

test("limits: log-only Claude shows use and time left; live and used-up windows are labelled", async () => {
  const snap = structuredClone(limitsDay);
  const [codex5h, , claude5h] = snap.limits.windows;
  codex5h.source = "live";
  Object.assign(claude5h, { usedPercent: null, capacity: null, forecast: { hitAt: null, endPercent: null }, note: "no limit notice to calibrate with yet: used cost and tokens, no percentage" });
  snap.limits.windows[1] = { ...snap.limits.windows[1], usedPercent: 100, note: "limit reached", forecast: { hitAt: "2026-11-22T17:00:00Z", endPercent: null } };
  const page = await open(browser, { snapshots: { today: snap }, settings }, { fakeClock: at18 });
  const rows = await limitRows(page);
  assert.match(rows[0][2], / · live$/);
  assert.deepEqual(rows[2].slice(0, 2), ["Claude Code · 5-hour", "$0.66 · 204,000 tokens"]);
  assert.equal(rows[2][2], "resets in 3h 0m (21:00) · no percentage until a limit notice calibrates it · estimated");
  assert.equal(await page.getByRole("meter", { name: "Claude Code · 5-hour window used" }).count(), 0);
  const used = page.getByRole("list", { name: "Usage windows" }).getByRole("listitem").nth(1);
  assert.equal(await used.getAttribute("class"), "over");
  assert.equal(rows[1][2], "limit hit at 17:00 · resets in 3d 15h (Thu 09:00) · from the tool's log");
});

test("limits: a Claude 5-hour window with no block running reads idle", async () => {
  const snap = structuredClone(limitsDay);
  Object.assign(snap.limits.windows[2], {
    usedPercent: null, capacity: null, resetsAt: null, startsAt: null, pacePercent: null,
    forecast: { hitAt: null, endPercent: null }, used: { cost: 0, tokens: 0, calls: 0 },
    note: "no active 5-hour window: the next call starts one",
  });
  const page = await open(browser, { snapshots: { today: snap }, settings }, { fakeClock: at18 });
  const rows = await limitRows(page);
  assert.deepEqual(rows[2], ["Claude Code · 5-hour", "idle", "no active 5-hour window: the next call starts one · estimated"]);
});

test("limits: no section when no tool has a window", async () => {
  const snap = structuredClone(limitsDay);
  snap.limits.windows = [];
  const page = await open(browser, { snapshots: { today: snap }, settings }, { fakeClock: at18 });
  await page.getByTestId("spend").waitFor();
  assert.equal(await page.getByTestId("limits").count(), 0);
});
