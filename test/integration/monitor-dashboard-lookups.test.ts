import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningMonitor, startMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { tempDir } from "../helpers/tmp.ts";
import { makeBatch } from "../monitor/helpers.ts";
import { viewLookups } from "../monitor/lookups-helpers.ts";

const MIN = 60_000;
let monitor: RunningMonitor;
let browser: Browser;

beforeAll(async () => {
  monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
  const post = async (deployment: string, body: unknown) => {
    const { token } = await createToken(monitor.store, deployment);
    const res = await fetch(`${monitor.url}/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const end = Date.now() - 2 * MIN;
  const window = { start: end - 10_000, end };
  await post(
    "fraud-prod",
    makeBatch({
      deployment: "fraud-prod",
      window,
      lookups: {
        customer: viewLookups({
          keys: 10,
          misses: 2,
          expired: 1,
          latenciesMs: [2, 2, 3, 3, 3, 4, 4, 4, 45, 3],
          agesMs: [30_000, 40_000, 50_000, 5 * MIN, 20 * MIN, 90 * MIN, 2 * 86_400_000, 3 * 86_400_000],
        }),
        merchant: viewLookups({ keys: 10, misses: 0, latenciesMs: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], agesMs: new Array<number>(10).fill(10_000) }),
      },
    }),
  );
  await post("plain-prod", makeBatch({ deployment: "plain-prod", window }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await monitor?.close();
});

describe("dashboard feature lookups in Chromium", () => {
  it("shows a row per version and view for a deployment with lookups", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${monitor.url}/?deployment=fraud-prod`);
    await page.waitForSelector("#detail[data-loaded]", { timeout: 20_000 });
    expect(await page.locator("#lookups").isVisible()).toBe(true);
    const rows = await page.$$eval("#lookups-table tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
    expect(rows).toHaveLength(2);
    const [customer, merchant] = rows;
    expect(customer!.slice(0, 5)).toEqual(["titanic@1.0.0", "customer", "10", "20.0%", "1"]);
    expect(Number(customer![5])).toBeGreaterThan(25); // p95 in the (25, 50] ms bucket
    expect(customer![6]).toMatch(/ min$/); // the median of 8 hits is in (10 min, 1 h]
    expect(customer![7]).toBe("3.0 d");
    expect(merchant!.slice(0, 5)).toEqual(["titanic@1.0.0", "merchant", "10", "0.0%", "0"]);
    expect(merchant![7]).toBe("10 s");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("hides the table for a deployment without lookups", async () => {
    const page = await browser.newPage();
    await page.goto(`${monitor.url}/?deployment=plain-prod`);
    await page.waitForSelector("#detail[data-loaded]", { timeout: 20_000 });
    expect(await page.locator("#lookups").isVisible()).toBe(false);
    expect(await page.locator("#lookups-table tbody tr").count()).toBe(0);
    await page.close();
  });
});
