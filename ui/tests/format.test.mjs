// format.ts is pure: tested directly on the compiled module.
import assert from "node:assert/strict";
import { test } from "node:test";

import { readFileSync } from "node:fs";

import { ago, agoChangesIn, bytes, markedMoney, money, percent, plural, shortDay } from "../dist/format.js";

test("money: the engine's golden cases (tests/fixtures/format/money.json) are written the same", () => {
  const cases = JSON.parse(readFileSync(new URL("../../tests/fixtures/format/money.json", import.meta.url), "utf8"));
  assert.ok(cases.length > 10);
  for (const c of cases) {
    const display = { currency: c.currency ?? "USD", usdRate: c.usdRate ?? 1 };
    const usd = c.micros / 1e6;
    const text = c.places !== undefined
      ? money(usd, display, c.places)
      : markedMoney(usd, c.estimated ?? false, c.unpriced ?? false, display);
    assert.equal(text, c.text, `${c.micros} micros in ${display.currency}`);
  }
});

test("money: cents, currencies, and tiny amounts are never shown as zero", () => {
  assert.equal(money(12.345678), "$12.35");
  assert.equal(money(0), "$0.00");
  assert.equal(money(1234567.891), "$1,234,567.89");
  assert.equal(money(0.001), "<$0.01");
  assert.equal(money(10, { currency: "EUR", usdRate: 0.5 }), "€5.00");
  assert.equal(money(10, { currency: "JPY", usdRate: 150 }), "¥1,500");
  assert.equal(money(1, { currency: "bogus!", usdRate: 1 }), "1.00 bogus!");
});

test("percent, plural, ago, dates, sizes", () => {
  assert.equal(percent(0.8009), "80%");
  assert.equal(percent(null), "—");
  assert.equal(percent(1.2), "100%");
  assert.equal(plural(1, "call"), "1 call");
  assert.equal(plural(1200, "call"), "1,200 calls");
  assert.equal(ago(0, 2_000), "just now");
  assert.equal(ago(0, 42_000), "42 s ago");
  assert.equal(ago(0, 3 * 60_000), "3 min ago");
  assert.equal(ago(0, 5 * 3_600_000), "5 h ago");
  assert.equal(shortDay("2026-11-22"), "Nov 22");
  assert.equal(bytes(512), "512 B");
  assert.equal(bytes(12_600_000), "12 MB");
});

test("the updated line is refreshed only when its text changes", () => {
  assert.equal(agoChangesIn(0, 1_000), 4_000, "\"just now\" until 5 s");
  assert.equal(agoChangesIn(0, 42_000), 8_000, "then every 10 s");
  assert.equal(agoChangesIn(0, 3 * 60_000 + 15_000), 45_000, "minutes: at the next whole minute");
  assert.equal(agoChangesIn(0, 5 * 3_600_000 + 60_000), 3_540_000, "hours: at the next whole hour");
  for (const age of [0, 4_999, 5_000, 59_999, 60_000, 3_599_999, 3_600_000, 90_000_000]) {
    const wait = agoChangesIn(0, age);
    assert.ok(wait > 0 && wait <= 3_600_000, `${age}: ${wait}`);
  }
});
