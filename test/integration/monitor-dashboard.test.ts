import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import { startMonitor, type RunningMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { makeBatch } from "../monitor/helpers.ts";
import { decodePng, distinctColors } from "../monitor/png.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { tempDir } from "../helpers/tmp.ts";

let monitor: RunningMonitor;
let browser: Browser;

beforeAll(async () => {
  monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
  const tokens = { prod: (await createToken(monitor.store, "titanic-prod")).token, staging: (await createToken(monitor.store, "titanic-staging")).token };
  const post = (token: string, body: unknown) =>
    fetch(`${monitor.url}/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const now = Date.now();
  // 30 minutes of traffic for two versions of titanic-prod, one batch a minute each; a little for staging.
  for (let m = 30; m >= 1; m--) {
    for (const [version, requests, bucket] of [
      ["1.0.0", 100, 3],
      ["1.1.0", 40 + m, 5],
    ] as const) {
      const counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
      counts[bucket] = requests - 10;
      counts[bucket + 2] = 10;
      const end = now - m * 60_000;
      const res = await post(
        tokens.prod,
        makeBatch({
          deployment: "titanic-prod",
          model: { name: "titanic", version },
          window: { start: end - 10_000, end },
          counters: {
            requests,
            errors: m % 5 === 0 ? { bad_request: 3 } : {},
            latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 4 },
            dropped: 0,
          },
          samples: [
            {
              ts: end,
              requestId: `req-${version}-${m}`,
              features: { age: 20 + m, sex: m % 2 ? "male" : "female" },
              prediction: { label: m % 2, score: 0.31 },
              latencyMs: 3.5,
              status: 200,
            },
          ],
        }),
      );
      expect(res.status).toBe(200);
    }
  }
  await post(tokens.staging, makeBatch({ deployment: "titanic-staging", window: { start: now - 20_000, end: now - 10_000 } }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await monitor?.close();
});

describe("dashboard in Chromium", () => {
  it("lists deployments, draws charts per version from the API, and shows samples", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1400 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    const external: string[] = [];
    page.on("request", (r) => void (new URL(r.url()).origin !== monitor.url && external.push(r.url())));

    await page.goto(`${monitor.url}/`);
    await page.waitForSelector("#detail[data-loaded]", { timeout: 20_000 });

    const deployments = await page.$$eval("#deployments-table tbody tr", (rows) =>
      rows.map((r) => [r.getAttribute("data-deployment"), r.querySelector('[data-field="requests"]')?.textContent]),
    );
    // 30 × 100 + (41 + ... + 70) = 3000 + 1665
    expect(deployments).toEqual([
      ["titanic-prod", "4,665"],
      ["titanic-staging", "10"],
    ]);
    const versions = await page.$$eval("#versions tbody tr", (rows) =>
      rows.map((r) => [r.getAttribute("data-version"), r.querySelector('[data-field="requests"]')?.textContent]),
    );
    expect(versions).toEqual([
      ["titanic@1.0.0", "3,000"],
      ["titanic@1.1.0", "1,665"],
    ]);
    expect(await page.locator("#samples tbody tr").count()).toBe(50); // the 50 most recent of 60
    expect(await page.locator("#samples tbody").textContent()).toContain("req-1.1.0-1");

    // Three uPlot charts, each with a legend entry per series and pixels drawn on its canvas.
    expect(await page.locator(".chart .uplot").count()).toBe(3);
    expect(await page.locator("#chart-latency .u-legend .u-series").count()).toBe(1 + 2 * 3);
    const inked = await page.$$eval(".chart canvas", (canvases) =>
      canvases.map((c) => {
        const ctx = (c as HTMLCanvasElement).getContext("2d")!;
        const { data } = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return n;
      }),
    );
    expect(inked).toHaveLength(3);
    for (const n of inked) expect(n).toBeGreaterThan(500);

    const png = await page.screenshot({ fullPage: true });
    const img = decodePng(png);
    expect(img.width).toBe(1400);
    expect(distinctColors(img)).toBeGreaterThan(50);

    // Switching the range reloads from the API.
    await page.click('#ranges button[data-range="21600000"]');
    await page.waitForFunction(() => document.querySelector("#ranges button.active")?.textContent === "6h");
    expect(errors).toEqual([]);
    expect(external).toEqual([]); // no CDN, no network: everything comes from the monitor
    await context.close();
  });

  it("shows another deployment when asked", async () => {
    const page = await browser.newPage();
    await page.goto(`${monitor.url}/?deployment=titanic-staging`);
    await page.waitForSelector("#detail[data-loaded]", { timeout: 20_000 });
    expect(await page.locator("#detail h2").textContent()).toBe("titanic-staging");
    expect(await page.$$eval("#versions tbody tr", (rows) => rows.map((r) => r.getAttribute("data-version")))).toEqual(["titanic@1.0.0"]);
    await page.close();
  });
});
