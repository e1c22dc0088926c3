/**
 * Issue 14's monitor "done when", with real processes: `edge-ml monitor`, a token, and `edge-ml dev titanic
 * --challenger titanic@1.1.0 --shadow` (a Worker in workerd serving titanic@1.0.0 with 1.1.0 in shadow mode) sending
 * telemetry to it. Every answer comes from 1.0.0, while `GET /v1/compare` shows both versions' counts (1.1.0's as
 * shadow runs, apart from client requests), their agreement on the shadowed requests (both clients sample the same
 * request ids) and their latency.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { compareReport } from "../../monitor/analytics/compare.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { runCli } from "../helpers/cli.ts";
import { P, predict } from "../helpers/edge-cases.ts";
import { type CliProcess, spawnCli } from "../helpers/process.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { until } from "../helpers/poll.ts";

type Report = Awaited<ReturnType<typeof compareReport>>;
const MONITOR_URL = /monitor listening on (http:\/\/127\.0\.0\.1:\d+)/;

function stopOnFinish(p: CliProcess) {
  onTestFinished(async () => {
    if (p.child.exitCode === null) {
      p.child.kill("SIGINT");
      await p.exited;
    }
  });
}

describe("champion vs challenger on the monitor", () => {
  it("shows both versions' counts, agreement and latency while 1.0.0 answers every request", async () => {
    const base = tempDir();
    expect((await runCli(["init", "demo"], base)).code).toBe(0);
    const project = join(base, "demo");
    for (const v of ["1.0.0", "1.1.0"]) cpSync(join(REPO_ROOT, "models", "titanic", v), join(project, "models", "titanic", v), { recursive: true });
    expect((await runCli(["models", "alias", "titanic", "champion", "1.0.0"], project)).code).toBe(0);

    const db = join(base, "monitor.db");
    const monitor = spawnCli(["monitor", "--port", "0", "--db", db, "--window", "5s"], project);
    stopOnFinish(monitor);
    const [, monitorUrl] = await monitor.waitFor(MONITOR_URL);
    const created = await runCli(["monitor", "token", "create", "titanic-ab", "--db", db, "--json"], project);
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };

    const dev = spawnCli(
      ["dev", "titanic", "--challenger", "titanic@1.1.0", "--shadow", "--port", "0", "--monitor", monitorUrl!, "--sample-rate", "0.5"],
      project,
      { EDGE_ML_MONITOR_TOKEN: token, EDGE_ML_FLUSH_INTERVAL_MS: "1000" },
    );
    stopOnFinish(dev);
    await dev.waitFor(/stop: Ctrl-C/, 150_000);
    const edge = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())![1]!;

    const N = 120;
    const versions = new Set<string>();
    for (let i = 0; i < N; i++) {
      const instance = { sex: i % 2 === 0 ? "female" : "male", age: 5 + (i % 60), passengerClass: ["1st", "2nd", "3rd"][i % 3] };
      const res = await fetch(new URL(P.slice(1), edge), { method: "POST", headers: { "content-type": "application/json" }, body: predict([instance]) });
      expect(res.status).toBe(200);
      versions.add(((await res.json()) as { model: { version: string } }).model.version);
      versions.add(res.headers.get("x-edge-ml-version") ?? "1.0.0");
    }
    expect([...versions]).toEqual(["1.0.0"]);

    const url = `${monitorUrl}/v1/compare?deployment=titanic-ab&model=titanic&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`;
    const report = await until(
      async () => {
        const res = await fetch(url);
        return res.status === 200 ? ((await res.json()) as Report) : undefined;
      },
      (r) => r !== undefined && r.arms[0].requests === N && r.arms[1].shadowRuns === N && r.agreement.pairs > 0,
      60_000,
    );
    expect(report).toBeDefined();
    const [champion, challenger] = report!.arms;
    console.log(
      `compare: champion ${champion.version} ${champion.requests} requests p50 ${champion.latency.p50} ms; challenger ${challenger.version} ${challenger.shadowRuns} shadow runs p50 ${challenger.latency.p50} ms; agreement ${report!.agreement.agree}/${report!.agreement.pairs}`,
    );
    expect(report!.mode).toBe("shadow");
    expect(champion).toMatchObject({ arm: "champion", version: "1.0.0", requests: N, shadowRuns: 0, errors: 0 });
    expect(challenger).toMatchObject({ arm: "challenger", version: "1.1.0", mode: "shadow", requests: 0, shadowRuns: N, errors: 0 });
    expect(champion.latency.count).toBe(N);
    expect(challenger.latency.count).toBe(N);
    expect(champion.latency.p50).not.toBeNull();
    // One sampling decision per request id: every sampled champion row has its challenger pair.
    expect(report!.agreement.pairs).toBeGreaterThan(20);
    expect(report!.agreement.rate).toBeGreaterThan(0.5);
    expect(report!.agreement.by).toBe("label");
    expect(champion.prediction?.counts.reduce((a, b) => a + b, 0)).toBe(N);

    // The dashboard's Compare tab (linked from every deployment's tabs) draws the same numbers in Chromium.
    const browser = await launchChromium();
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${monitorUrl}/?deployment=titanic-ab`);
    await page.click("#tabs a[data-tab=compare]");
    await page.waitForSelector("#ml[data-loaded]", { timeout: 20_000 });
    const rows = await page.$$eval("#compare-arms tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ["champion", "1.0.0", String(N), "0"],
      ["challenger", "1.1.0", "0", String(N)],
    ]);
    expect(await page.locator("#ml-summary").textContent()).toContain("shadowed pairs");
    expect(await page.$$eval("#compare-verdicts tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-metric")))).toEqual(["error_rate", "latency_mean"]);
    expect(await page.locator("#chart-compare canvas").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  }, 300_000);
});
