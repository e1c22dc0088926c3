/**
 * The ML tabs of the dashboard in headless Chromium, over 30 simulated hours of real titanic traffic (the last six
 * with age + 25 years), labels and the alerts the evaluator opened: drift verdicts and baseline-vs-current histograms
 * per feature, slices with the prediction rate, label-joined performance, and the open age alert.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeAssets } from "../../monitor/server.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { decodePng, distinctColors } from "../monitor/png.ts";
import { HOUR, T0, loadTitanic, registerTitanic, simulate, type Simulation, type Titanic } from "../monitor/simulate.ts";

let t: Titanic;
let sim: Simulation;
let server: ServerType;
let url: string;
let browser: Browser;

beforeAll(async () => {
  t = await loadTitanic();
  sim = await simulate(t, { seed: 41, sampleRate: 0.5, assets: nodeAssets() });
  await registerTitanic(sim, t);
  for (let h = 0; h < 30; h++) {
    const sent = await sim.sendWindow(
      T0 + h * HOUR,
      200,
      h >= 24 ? { transform: (i) => ({ ...i, age: typeof i["age"] === "number" ? i["age"] + 25 : null }) } : {},
    );
    await sim.app.request("/v1/feedback", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${sim.token}` },
      body: JSON.stringify({ items: sent.map((s) => ({ requestId: s.requestId, label: s.label })) }),
    });
    sim.clock.t = T0 + (h + 1) * HOUR;
    await sim.json("/v1/alerts/evaluate", { method: "POST" });
  }
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: sim.app.fetch, port: 0, hostname: "127.0.0.1" });
    s.once("listening", () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sim.close();
  await t.predictor.release();
});

async function open(tab: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  await page.goto(`${url}/?deployment=prod&tab=${tab}`);
  await page.waitForSelector("#ml[data-loaded]", { timeout: 20_000 });
  return { page, errors };
}

describe("ML tabs of the dashboard", () => {
  it("drift: verdicts per window and baseline-vs-current histograms per feature", async () => {
    const { page, errors } = await open("drift");
    expect(await page.locator("#tabs a.active").textContent()).toBe("Drift");
    expect(await page.locator("#ml-summary").textContent()).toContain("titanic@1.0.0 · windows of 3600s · chi-square p < 0.01");
    const rows = await page.$$eval("#drift-windows tbody tr", (trs) =>
      trs.map((tr) => ({ feature: tr.getAttribute("data-feature"), cells: Array.from(tr.querySelectorAll("td"), (td) => td.className) })),
    );
    expect(rows.map((r) => r.feature)).toEqual(["sex", "age", "passengerClass", "prediction"]);
    const age = rows.find((r) => r.feature === "age")!.cells;
    expect(age).toHaveLength(24); // the last 24 windows
    expect(age.slice(0, 6)).toEqual(new Array(6).fill("drifted")); // the six shifted hours, newest first
    expect(age.filter((c) => c === "drifted").length).toBeLessThanOrEqual(6 + 2); // and chance, at p < 0.01
    expect(await page.locator(".card svg.histogram").count()).toBe(4);
    expect(await page.locator('.card[data-feature="age"] rect[data-series="current"]').count()).toBe(10);
    expect(await page.getAttribute('.card[data-feature="age"]', "class")).toContain("drifted");
    expect(await page.locator('.card[data-feature="age"] dl').textContent()).toMatch(/chosen\s*chi_square = /);
    const png = await page.screenshot({ fullPage: true });
    if (process.env["EDGE_ML_SCREENSHOTS"]) (await import("node:fs")).writeFileSync(`${process.env["EDGE_ML_SCREENSHOTS"]}/drift.png`, png);
    const img = decodePng(png);
    expect(distinctColors(img)).toBeGreaterThan(50);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("slices: share, training share and prediction rate per value, with the rate chart", async () => {
    const { page, errors } = await open("slices");
    const sex = await page.$$eval('table[data-slice="sex"] tr[data-value]', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)),
    );
    expect(sex.map((r) => r[0]).sort()).toEqual(["female", "male"]);
    expect(sex.find((r) => r[0] === "male")![3]).toBe("64.8%"); // 636 of 981 training rows
    expect(await page.locator("#chart-rate .uplot").count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("performance and alerts: label-joined metrics per slice, and the open age alert", async () => {
    const perf = await open("performance");
    const subjects = await perf.page.$$eval("#performance-table tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-subject")));
    expect(subjects).toEqual(["overall", "passengerClass=1st", "passengerClass=2nd", "passengerClass=3rd", "sex=female", "sex=male"]);
    expect(await perf.page.locator("#chart-performance .uplot").count()).toBe(1);
    expect(perf.errors).toEqual([]);
    await perf.page.close();

    const alerts = await open("alerts");
    expect(await alerts.page.locator('#alert-events tr[data-subject="age"][data-state="open"]').count()).toBe(1);
    expect(await alerts.page.locator("#alert-rules tbody tr").count()).toBe(5);
    expect(alerts.errors).toEqual([]);
    await alerts.page.close();
  });
});
