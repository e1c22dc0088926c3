/**
 * The monitor on Workers + D1 (issue 15), as a user runs it: `edge-ml monitor build --target worker` writes a Worker
 * module and its wrangler.toml (D1 binding, Cron Trigger); the built module runs in workerd with a local D1 and keeps
 * its read side closed without an admin token; `edge-ml monitor dev --target worker` serves it with a local D1, and
 * the same telemetry sent to it and to `edge-ml monitor` (SQLite) gives the same drift answer and the same counters;
 * the dashboard and its assets load; the Cron Trigger opens an alert and delivers its webhook to a 127.0.0.1 receiver;
 * ingest needs a token made through the Worker's token API (`edge-ml monitor token create --url`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { describe, expect, it, onTestFinished } from "vitest";
import { LATENCY_BUCKETS_MS, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { runCli } from "../helpers/cli.ts";
import { killOnFinish, spawnCli, type CliProcess } from "../helpers/process.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { makeBatch, makeProfile, TITANIC } from "../monitor/helpers.ts";

const LISTENING = /monitor listening on (http:\/\/127\.0\.0\.1:\d+)/;
const ADMIN = "admin-secret-for-the-worker-test";
const MINUTE = 60_000;

/** `monitor dev` stops its workerd on SIGTERM; SIGKILL would leave workerd running without its parent. */
function stopOnFinish(p: CliProcess) {
  onTestFinished(async () => {
    if (p.child.exitCode !== null) return;
    p.child.kill("SIGTERM");
    const stopped = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!stopped) p.child.kill("SIGKILL");
  });
}

interface Monitor {
  url: string;
  headers: Record<string, string>;
}

const get = async (m: Monitor, path: string) => {
  const res = await fetch(`${m.url}${path}`, { headers: m.headers });
  expect(res.status, `${m.url}${path}`).toBe(200);
  return res;
};
const post = (m: Monitor, path: string, body: unknown, headers: Record<string, string> = m.headers) =>
  fetch(`${m.url}${path}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });

/** Ten minutes of titanic traffic ending two minutes ago: profiles that drift after minute 5, samples, a few errors. */
function traffic(now: number): TelemetryBatchInput[] {
  const start = Math.floor(now / MINUTE) * MINUTE - 12 * MINUTE;
  const out: TelemetryBatchInput[] = [];
  for (let m = 0; m < 10; m++) {
    for (const part of [0, 1]) {
      const end = start + m * MINUTE + 20_000 + part * 20_000;
      const requests = 30 + m;
      const counts = LATENCY_BUCKETS_MS.map((_b, k) => (k === 2 + part ? requests : 0)).concat(0);
      out.push(
        makeBatch({
          batchId: `traffic-${m}-${part}`,
          window: { start: end - 20_000, end },
          counters: {
            requests,
            errors: m % 4 === 0 ? { bad_request: 2 } : {},
            latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 3 },
            dropped: part,
          },
          profile: makeProfile(requests, m < 5 ? 1 : 40 + m * 7),
          samples: [
            {
              ts: end - 500,
              requestId: `req-${m}-${part}`,
              features: { age: 20 + m, sex: part ? "male" : "female" },
              prediction: { label: "no", score: 0.2 },
              latencyMs: 2.5,
              status: 200,
            },
          ],
        }),
      );
    }
  }
  return out;
}

/** The counter lines of the Prometheus exposition (no timestamps in them). */
const counters = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^edgeml_(requests|errors|dropped|batches)_total\{/.test(l))
    .sort();

describe("the monitor as a Worker with a D1 store", () => {
  it("builds a Worker module and a wrangler.toml; the built module runs in workerd with a local D1 and is closed without an admin token", async () => {
    const dir = tempDir();
    const r = await runCli(["monitor", "build", "--target", "worker", "--out", "mw", "--name", "team-monitor", "--json"], dir);
    expect(r.code, r.stderr).toBe(0);
    const built = JSON.parse(r.stdout) as { name: string; database: string; files: { path: string; bytes: number }[] };
    expect(built).toMatchObject({ name: "team-monitor", database: "team-monitor" });
    expect(built.files.map((f) => f.path)).toEqual(["monitor.js"]);
    const toml = readFileSync(join(dir, "mw", "wrangler.toml"), "utf8");
    expect(toml).toContain('name = "team-monitor"');
    expect(toml).toMatch(/\[\[d1_databases\]\]\nbinding = "DB"\ndatabase_name = "team-monitor"/);
    expect(toml).toContain('crons = ["* * * * *"]');
    expect(toml).not.toContain("ADMIN_TOKEN =");
    // Portable: nothing of Node in the bundle a Worker runs.
    expect(readFileSync(join(dir, "mw", "monitor.js"), "utf8")).not.toMatch(/from\s*["']node:/);

    const mf = new Miniflare({
      modulesRoot: join(dir, "mw"),
      modules: [{ type: "ESModule", path: join(dir, "mw", "monitor.js") }],
      compatibilityDate: COMPATIBILITY_DATE,
      d1Databases: { DB: "team-monitor" },
      d1Persist: join(dir, "d1"),
    });
    onTestFinished(() => mf.dispose());
    const url = (await mf.ready).toString().replace(/\/$/, "");
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    const closed = await fetch(`${url}/v1/deployments`);
    expect(closed.status).toBe(401);
    expect(((await closed.json()) as { error: { hint: string } }).error.hint).toContain("wrangler secret put EDGE_ML_MONITOR_ADMIN_TOKEN");
    expect((await fetch(`${url}/v1/tokens`, { method: "POST" })).status).toBe(401);
    // Ingest stays open to deployments' tokens (and refuses a batch without one).
    expect((await fetch(`${url}/v1/ingest`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    // The Cron Trigger's handler runs against the freshly migrated database.
    const worker = (await mf.getWorker()) as unknown as { scheduled(o: { cron: string }): Promise<{ outcome: string }> };
    expect((await worker.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
  }, 120_000);

  it("the Cron Trigger compacts by EDGE_ML_MONITOR_RETENTION: samples past their retention expire, counters roll into hours", async () => {
    const dir = tempDir();
    const r = await runCli(["monitor", "build", "--target", "worker", "--out", "mw", "--retention", "samples=1h,minutes=1h,every=1m"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "mw", "wrangler.toml"), "utf8")).toContain('EDGE_ML_MONITOR_RETENTION = "samples=1h,minutes=1h,every=1m"');
    const bad = await runCli(["monitor", "build", "--target", "worker", "--out", "mw2", "--retention", "samples=often"], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--retention samples=often");

    const mf = new Miniflare({
      modulesRoot: join(dir, "mw"),
      modules: [{ type: "ESModule", path: join(dir, "mw", "monitor.js") }],
      compatibilityDate: COMPATIBILITY_DATE,
      d1Databases: { DB: "team-monitor" },
      bindings: { EDGE_ML_MONITOR_LOCAL: "1", EDGE_ML_MONITOR_RETENTION: "samples=1h,minutes=1h,every=1m" },
    });
    onTestFinished(() => mf.dispose());
    const m: Monitor = { url: (await mf.ready).toString().replace(/\/$/, ""), headers: {} };
    const { token } = (await (await post(m, "/v1/tokens", { deployment: "prod" })).json()) as { token: string };
    const old = Date.now() - 3 * 3_600_000;
    for (const [end, id] of [
      [old, "old"],
      [Date.now() - 60_000, "new"],
    ] as const) {
      const b = makeBatch({ window: { start: end - 10_000, end }, samples: [{ ts: end - 1000, requestId: id, latencyMs: 2, status: 200 }] });
      expect((await post(m, "/v1/ingest", b, { authorization: `Bearer ${token}` })).status).toBeLessThan(300);
    }
    const samples = async () =>
      ((await (await get(m, "/v1/samples?deployment=prod")).json()) as { samples: { requestId: string }[] }).samples.map((x) => x.requestId);
    const requests = async () => counters(await (await get(m, "/metrics")).text());
    expect((await samples()).sort()).toEqual(["new", "old"]);
    const before = await requests();
    const worker = (await mf.getWorker()) as unknown as { scheduled(o: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }> };
    expect((await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() })).outcome).toBe("ok");
    expect(await samples()).toEqual(["new"]);
    expect(await requests()).toEqual(before); // rolled into hours, not lost
  }, 120_000);

  it("deploy --dry-run runs wrangler's offline dry run: the upload and the D1 binding, nothing uploaded", async () => {
    const dir = tempDir();
    const r = await runCli(["monitor", "deploy", "--dry-run", "--name", "team-monitor", "--database-id", "0123abcd", "--json"], dir);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { dryRun: boolean; upload: string; bindings: string[]; url?: string };
    expect(result.dryRun).toBe(true);
    expect(result.url).toBeUndefined();
    expect(result.upload).toMatch(/^Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB$/);
    expect(result.bindings).toEqual(["env.DB (team-monitor)  D1 Database", 'env.EDGE_ML_MONITOR_WINDOW ("1h")  Environment Variable']);
    expect(readFileSync(join(dir, "dist", "monitor-worker", "wrangler.toml"), "utf8")).toContain('database_id = "0123abcd"');
  }, 120_000);

  it("gives the same drift and counters as the SQLite monitor, serves the dashboard, and alerts through the Cron Trigger", async () => {
    const dir = tempDir();
    // A webhook receiver on 127.0.0.1.
    const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => void receiver.close());
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const sqliteProc = spawnCli(["monitor", "--port", "0", "--db", join(dir, "monitor.db"), "--evaluate-every", "0"], dir);
    killOnFinish(sqliteProc);
    const d1Proc = spawnCli(["monitor", "dev", "--target", "worker", "--port", "0", "--persist", join(dir, "d1"), "--evaluate-every", "1s"], dir, {
      EDGE_ML_MONITOR_ADMIN_TOKEN: ADMIN,
    });
    stopOnFinish(d1Proc);
    const sqlite: Monitor = { url: (await sqliteProc.waitFor(LISTENING))[1]!, headers: {} };
    const d1: Monitor = { url: (await d1Proc.waitFor(LISTENING, 120_000))[1]!, headers: { authorization: `Bearer ${ADMIN}` } };

    // Tokens: the CLI on the SQLite file, and the CLI through the Worker's token API (admin only) for D1: the command
    // `monitor dev` prints for it.
    const printed = (await d1Proc.waitFor(/ingest token: (.*)\n/))[1];
    expect(printed).toBe(`npx edge-ml monitor token create <deployment> --url ${d1.url} (with $EDGE_ML_MONITOR_ADMIN_TOKEN set)`);
    const created = await runCli(["monitor", "token", "create", "prod", "--db", join(dir, "monitor.db"), "--json"], dir);
    expect(created.code, created.stderr).toBe(0);
    const sqliteToken = (JSON.parse(created.stdout) as { token: string }).token;
    expect((await post(d1, "/v1/tokens", { deployment: "prod" }, {})).status).toBe(401);
    writeFileSync(join(dir, "admin-token"), ADMIN);
    const made = await runCli(["monitor", "token", "create", "prod", "--url", d1.url, "--admin-token-file", "admin-token", "--json"], dir);
    expect(made.code, made.stderr).toBe(0);
    const d1Token = (JSON.parse(made.stdout) as { token: string }).token;
    expect(d1Token).toMatch(/^edgeml_/);
    const listed = await runCli(["monitor", "token", "list", "--url", d1.url, "--admin-token-file", "admin-token", "--json"], dir);
    expect((JSON.parse(listed.stdout) as { deployment: string; revokedAt: null }[]).map((t) => [t.deployment, t.revokedAt])).toEqual([["prod", null]]);

    const registration = { model: "titanic", version: "1.0.0", baseline: TITANIC.baseline, task: "binary", positiveLabel: "yes" };
    for (const m of [sqlite, d1]) expect((await post(m, "/v1/deployments/prod/baseline", registration)).status).toBe(201);

    // Ingest auth: no token, a wrong token, then the same batches to both (one of them twice: stored once).
    const now = Date.now();
    const batches = traffic(now);
    expect((await post(d1, "/v1/ingest", batches[0], {})).status).toBe(401);
    expect((await post(d1, "/v1/ingest", batches[0], { authorization: `Bearer ${sqliteToken}` })).status).toBe(401);
    for (const [m, token] of [
      [sqlite, sqliteToken],
      [d1, d1Token],
    ] as const) {
      for (const b of [...batches, batches[3]!]) {
        const res = await post(m, "/v1/ingest", b, { authorization: `Bearer ${token}` });
        expect(res.status, await res.clone().text()).toBeLessThan(300);
      }
    }

    // The same answers.
    const from = Math.floor(now / MINUTE) * MINUTE - 12 * MINUTE;
    const range = `deployment=prod&from=${from}&to=${from + 12 * MINUTE}`;
    for (const path of [
      `/v1/drift?${range}&step=2m`,
      `/v1/drift?${range}&step=12m`,
      `/v1/slices?${range}&step=12m&slice=sex`,
      `/v1/metrics?${range}&step=1m`,
    ]) {
      const [a, b] = await Promise.all([get(sqlite, path).then((r) => r.json()), get(d1, path).then((r) => r.json())]);
      expect(b, path).toEqual(a);
    }
    const drift = (await (await get(d1, `/v1/drift?${range}&step=12m`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(drift)).toContain("drift");
    const [promA, promB] = await Promise.all([get(sqlite, "/metrics").then((r) => r.text()), get(d1, "/metrics").then((r) => r.text())]);
    expect(counters(promB)).toEqual(counters(promA));
    expect(counters(promB).join("\n")).toMatch(/edgeml_requests_total\{deployment="prod"[^}]*\} 690/);

    // The dashboard and its assets (uPlot from node_modules, our scripts), from the bundle.
    const page = await (await get(d1, "/?deployment=prod")).text();
    expect(page).toContain("/assets/dashboard.js");
    const uplot = await (await fetch(`${d1.url}/assets/uPlot.iife.min.js`)).text();
    expect(uplot).toBe(readFileSync(join(REPO_ROOT, "node_modules", "uplot", "dist", "uPlot.iife.min.js"), "utf8"));
    for (const asset of ["uPlot.min.css", "dashboard-common.js", "dashboard.js", "dashboard-ml.js", "dashboard-compare.js"]) {
      expect((await fetch(`${d1.url}/assets/${asset}`)).status, asset).toBe(200);
    }

    // An alert rule with a webhook; errors in the last whole minute (the window error_rate reads). The Cron Trigger
    // (every second here) evaluates it and delivers the webhook through the outbox.
    const rule = await post(d1, "/v1/alerts/rules", {
      deployment: "prod",
      kind: "error_rate",
      params: { max: 0.05, minRequests: 5, window: "1m" },
      webhook: hookUrl,
    });
    expect(rule.status).toBe(201);
    const sentFor = new Set<number>();
    const deadline = Date.now() + 60_000;
    let open: { ruleId: string; message: string }[] = [];
    while (hooks.length === 0 && Date.now() < deadline) {
      // The batch lands in the minute before now, so that minute is complete when the evaluator reads it.
      const minute = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
      if (!sentFor.has(minute)) {
        sentFor.add(minute);
        const failing = makeBatch({
          window: { start: minute + 10_000, end: minute + 30_000 },
          counters: {
            requests: 20,
            errors: { internal: 10 },
            latency: { bounds: [...LATENCY_BUCKETS_MS], counts: LATENCY_BUCKETS_MS.map((_b, k) => (k === 3 ? 20 : 0)).concat(0), sum: 60 },
            dropped: 0,
          },
        });
        expect((await post(d1, "/v1/ingest", failing, { authorization: `Bearer ${d1Token}` })).status).toBeLessThan(300);
      }
      await new Promise((r) => setTimeout(r, 500));
      open = ((await (await get(d1, "/v1/alerts?deployment=prod&state=open")).json()) as { events: typeof open }).events;
    }
    expect(open.map((e) => e.ruleId)).toContain(((await rule.clone().json()) as { rule: { id: string } }).rule.id);
    expect(hooks.length).toBeGreaterThan(0);
    expect(hooks[0]!.headers["x-edge-ml-event"]).toBe("alert.opened");
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({ type: "alert.opened", deployment: "prod", rule: { kind: "error_rate" } });
    type Deliveries = { deliveries: { status: string; lastStatus: number }[] };
    await expect
      .poll(async () => ((await (await get(d1, "/v1/alerts/deliveries")).json()) as Deliveries).deliveries.map((d) => [d.status, d.lastStatus]), {
        timeout: 10_000,
      })
      .toContainEqual(["delivered", 204]);
  }, 240_000);
});
