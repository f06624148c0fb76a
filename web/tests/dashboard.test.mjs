// Browser tests of the dashboard (port 8265) and the API docs (port 8000): Debian's Chromium,
// headless, driven by playwright-core against the real binary on free ports with a small
// simulator universe. Each page is checked on real data, with no console error, and saved as a
// screenshot. Needs TC_BINARY (the tradecluster binary); TC_SCREENSHOT_DIR (default: a temporary
// directory) receives the screenshots and timings.json.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { getJson, startNode, until } from "./node.mjs";

const binary = process.env.TC_BINARY;
const chromiumPath = process.env.TC_CHROMIUM ?? "/usr/bin/chromium";
const shots = process.env.TC_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), "tc-shots-"));
mkdirSync(shots, { recursive: true });
const timings = {};

let node;
let browser;
let page;
const consoleErrors = [];

async function open(hash) {
  await page.goto(`${node.dashboard}/${hash}`);
}
async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe("dashboard", () => {
  before(async () => {
    assert.ok(binary, "TC_BINARY names the tradecluster binary");
    node = await startNode(binary, {
      TC_PROBE_DEPLOYMENT: "true",
      PROBE_MIN_REPLICAS: "1",
      PROBE_MAX_REPLICAS: "3",
      PROBE_TARGET_REQUESTS: "1",
      PROBE_SCALE_UP_DELAY: "0",
      PROBE_LOOK_BACK_PERIOD: "1",
    });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  });

  after(async () => {
    writeFileSync(join(shots, "timings.json"), JSON.stringify(timings, null, 2));
    await browser?.close();
    await node?.stop();
  });

  test("the overview shows the node and the deployments with their real replica counts", async () => {
    const started = Date.now();
    await open("#/overview");
    await page.locator("#deployments tbody tr").first().waitFor();
    timings.first_load_ms = Date.now() - started;
    timings.first_load_dom_ms = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return Math.round(nav.domContentLoadedEventEnd);
    });
    // What the first load carried over the wire (scripts and styles go gzip-compressed).
    timings.first_load_bytes = await page.evaluate(() =>
      [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")].reduce((n, e) => n + (e.transferSize ?? 0), 0),
    );
    console.log(`first load: ${timings.first_load_ms} ms to the live overview (DOMContentLoaded ${timings.first_load_dom_ms} ms, ${timings.first_load_bytes} bytes transferred)`);
    const status = await getJson(`${node.dashboard}/api/cluster/status`);
    await until("the overview to match the status", async () => {
      const rows = await page.locator("#deployments tbody tr").evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
      );
      const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
      return status.deployments.every((d) => byName[d.name] && Number(byName[d.name][2]) === d.num_replicas && Number(byName[d.name][3]) === d.target_replicas);
    });
    for (const name of ["algorunner", "screener", "tickscrawler"]) {
      assert.ok(await page.locator("#deployments").getByRole("link", { name, exact: true }).isVisible(), name);
    }
    const nodes = await page.locator("#nodes tbody tr").count();
    assert.equal(nodes, status.nodes.length);
    await shot("overview");
  });

  test("the market chart has one candle per stored daily bar", async () => {
    const instruments = await getJson(`${node.api}/api/tickscrawler/instruments?source=simulator&limit=1`);
    const symbol = instruments.instruments[0].symbol;
    let expected = 0;
    let cursor = "";
    do {
      const r = await getJson(`${node.api}/api/tickscrawler/historical?symbol=${symbol}&interval=1d&start=2000-01-01&limit=1000${cursor ? "&cursor=" + cursor : ""}`);
      expected += r.bars.length;
      cursor = r.next_cursor ?? "";
    } while (cursor);
    assert.ok(expected > 100, `the simulator seeded ${expected} daily bars`);
    await open(`#/market?source=simulator&symbol=${symbol}&interval=1d`);
    await page.locator("#market-chart[data-candles]").waitFor();
    assert.equal(Number(await page.locator("#market-chart").getAttribute("data-candles")), expected);
    assert.ok(await page.locator("#market-chart canvas").count() > 0);
    await page.locator("#instrument-search").fill(symbol);
    await page.locator(`#instrument-results button[data-symbol="${symbol}"]`).waitFor();
    await shot("market");
  });

  test("a stream started on the market page appends its live trades to the chart", async () => {
    // A liquid simulated pair trades every few seconds around the clock.
    const crypto = await getJson(`${node.api}/api/tickscrawler/instruments?source=simulator&asset_class=crypto&limit=1`);
    const symbol = crypto.instruments[0].symbol;
    await open(`#/market?source=simulator&symbol=${symbol}&interval=1m`);
    await page.locator("#chart-caption").filter({ hasText: /candles|No stored history/ }).waitFor();
    await page.locator("#stream-toggle").click();
    await page.locator("#jobs tbody tr").filter({ hasText: "stream" }).filter({ hasText: symbol }).first().waitFor();
    await page.locator("#chart-caption").filter({ hasText: "live: last trade" }).waitFor({ timeout: 90000 });
    assert.ok(Number(await page.locator("#market-chart").getAttribute("data-candles")) >= 1);
    await shot("market-live");
    await page.locator("#stream-toggle", { hasText: "Stop stream" }).click();
    await until("the stream to stop", async () => {
      const streams = await getJson(`${node.api}/api/tickscrawler/streams`);
      return streams.streams.every((j) => !["pending", "running", "stopping"].includes(j.state));
    }, 30000);
  });

  test("a screen typed in the editor returns rows, and an error shows its position", async () => {
    await open("#/screener");
    await page.locator("#expression").fill("close > smaa(close, 20)");
    await page.locator("#expression-status .error").waitFor();
    assert.match(await page.locator("#expression-status").textContent(), /1:9/);
    assert.match(await page.locator("#expression-status pre.pointer").textContent(), /\n {8}\^/);
    await page.locator("#expression").fill("close > 0");
    await until("every instrument", async () => /^12 of 12 /.test((await page.locator("#screen-info").textContent()) ?? ""));
    assert.equal(await page.locator("#screen-results tbody tr").count(), 12);
    // The results sort by any column.
    await page.locator("#screen-results th button", { hasText: "rsi" }).click();
    await page.locator("#screen-results th button", { hasText: "rsi" }).click();
    const rsi = await page.locator("#screen-results tbody tr td:nth-child(5)").allTextContents();
    const values = rsi.map((t) => Number(t.replace(/,/g, ""))).filter(Number.isFinite);
    assert.deepEqual(values, [...values].sort((a, b) => a - b));
    await page.locator("#market-overview table").first().waitFor();
    await shot("screener");
  });

  test("a backtest started from the form shows an equity chart", async () => {
    await open("#/algorithms");
    await page.locator('#algorithm option[value="sma_crossover"]').waitFor({ state: "attached" });
    await page.locator("#algorithm").selectOption("sma_crossover");
    await page.locator('[data-param="fast_period"]').fill("5");
    await page.locator('[data-param="slow_period"]').fill("20");
    await page.locator("#run-submit").click();
    await page.waitForURL(/#\/algorithms\/run\//);
    await page.locator("#equity-chart[data-points]").waitFor({ timeout: 30000 });
    assert.ok(Number(await page.locator("#equity-chart").getAttribute("data-points")) > 100);
    assert.ok(await page.locator("#equity-chart canvas").count() > 0);
    assert.match(await page.locator("#metrics").textContent(), /sharpe/);
    await shot("backtest");

    await open("#/algorithms");
    await page.locator('[data-param="fast_period"]').waitFor();
    await page.locator('[data-param="fast_period"]').fill("5, 10");
    await page.locator('[data-param="slow_period"]').fill("20, 40, 60");
    await page.locator("#run-submit").click();
    await page.waitForURL(/#\/algorithms\/run\//);
    await page.locator("#heatmap table").waitFor({ timeout: 30000 });
    assert.equal(await page.locator("#heatmap tbody tr").count(), 3);
    await shot("sweep");
  });

  test("an autoscaling decision caused by load appears on the deployment chart", async () => {
    await open("#/deployment/probe");
    await page.locator("#replica-chart canvas").first().waitFor();
    // Six requests held for three seconds on a deployment that targets one per replica.
    const load = Array.from({ length: 6 }, () => fetch(`${node.api}/api/probe/sleep?ms=3000`));
    await page.locator("#decisions tbody tr").first().waitFor({ timeout: 30000 });
    await Promise.all(load);
    assert.match(await page.locator("#decisions tbody tr").first().textContent(), /load/);
    assert.ok(Number(await page.locator("#replica-chart").getAttribute("data-decisions")) >= 1);
    await shot("deployment");
  });

  test("logs are listed, filtered and followed", async () => {
    await open("#/logs");
    await until("log lines", async () => ((await page.locator("#log-lines").textContent()) ?? "").includes("event="));
    await page.locator("#log-filter").fill("node_started");
    await until("the filter", async () => {
      const text = (await page.locator("#log-lines").textContent()) ?? "";
      return text.includes("node_started") && !text.includes("simulator_seeded");
    });
    await shot("logs");
  });

  test("the theme switches and is kept", async () => {
    await open("#/overview");
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.locator("#theme").click();
    const switched = await page.evaluate(() => document.documentElement.dataset.theme);
    assert.notEqual(switched, before);
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), switched);
    await page.locator("#deployments tbody tr").first().waitFor();
    await shot(`overview-${switched}`);
  });

  test("the pages are reachable by keyboard", async () => {
    await open("#/overview");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    assert.ok(focused && focused.length > 0, "Tab reaches the navigation");
  });

  test("/docs on the API port renders every operation of /openapi.json", async () => {
    const spec = await getJson(`${node.api}/openapi.json`);
    const operations = Object.values(spec.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    await page.goto(`${node.api}/docs`);
    await until("the operations", async () => (await page.locator(".opblock").count()) === operations);
    await shot("docs");
  });

  test("no page logged a console error", () => {
    assert.deepEqual(consoleErrors, []);
  });
});

describe("dashboard with a token", () => {
  let secured;
  let b;
  before(async () => {
    secured = await startNode(binary, { TC_API_TOKEN: "s3cret-token" });
    b = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
  });
  after(async () => {
    await b?.close();
    await secured?.stop();
  });

  test("asks for the token once, stays read-only without it, and sends it on actions", async () => {
    const p = await (await b.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await p.goto(`${secured.dashboard}/#/algorithms`);
    await p.locator("#token-dialog[open]").waitFor();
    await p.locator("#token-cancel").click();
    assert.equal(await p.locator("#run-submit").isVisible(), false, "read-only: no run button");
    await p.locator("#token").click();
    await p.locator("#token-input").fill("wrong");
    await p.locator("#token-form button[type=submit]").click();
    await p.locator("#token-error").filter({ hasText: "refused" }).waitFor();
    await p.locator("#token-input").fill("s3cret-token");
    await p.locator("#token-form button[type=submit]").click();
    await p.locator("#run-submit").waitFor();
    await p.locator('[data-param="fast_period"]').waitFor();
    await p.locator("#run-submit").click();
    await p.waitForURL(/#\/algorithms\/run\//);
    await p.locator("#run-summary .badge").waitFor();
    await p.screenshot({ path: join(shots, "token.png") });
  });
});
