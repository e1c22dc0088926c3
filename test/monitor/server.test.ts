import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { tempDir } from "../helpers/tmp.ts";
import { makeBatch } from "./helpers.ts";

describe("startMonitor", () => {
  it("serves ingest, the dashboard and its assets (uPlot from node_modules) on 127.0.0.1", async () => {
    const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "m.db") });
    try {
      expect(monitor.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { token } = await createToken(monitor.store, "prod");
      await createToken(monitor.store, "staging");
      const ok = await fetch(`${monitor.url}/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(makeBatch()),
      });
      expect(ok.status).toBe(200);

      const page = await fetch(`${monitor.url}/`);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain('<tr class="selected" data-deployment="prod">');
      expect(html).toContain('data-deployment="staging"');
      expect(html).toContain('<td class="num" data-field="requests">10</td>');
      expect(html).toContain('<script src="/assets/uPlot.iife.min.js">');

      const uplot = await fetch(`${monitor.url}/assets/uPlot.iife.min.js`);
      expect(uplot.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(await uplot.text()).toContain("uPlot");
      expect((await fetch(`${monitor.url}/assets/uPlot.min.css`)).status).toBe(200);
      expect(await (await fetch(`${monitor.url}/assets/dashboard.js`)).text()).toContain("/v1/metrics");
      expect((await fetch(`${monitor.url}/assets/..%2Fserver.ts`)).status).toBe(404);
    } finally {
      await monitor.close();
    }
  });

  it("insists on an admin token when bound to a non-loopback interface", async () => {
    await expect(startMonitor({ port: 0, host: "0.0.0.0", dbFile: join(tempDir(), "m.db") })).rejects.toThrow("reachable on 0.0.0.0");
    const open = await startMonitor({ port: 0, host: "0.0.0.0", dbFile: join(tempDir(), "m.db"), adminToken: "s3cret" });
    try {
      const url = open.url.replace("0.0.0.0", "127.0.0.1");
      expect((await fetch(`${url}/v1/deployments`)).status).toBe(401);
      expect((await fetch(`${url}/v1/deployments`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it("explains a port in use", async () => {
    const first = await startMonitor({ port: 0, dbFile: join(tempDir(), "a.db") });
    try {
      await expect(startMonitor({ port: first.port, dbFile: join(tempDir(), "b.db") })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${first.port} (EADDRINUSE)`,
      );
    } finally {
      await first.close();
    }
  });
});
