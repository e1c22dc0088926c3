/**
 * Issue 15's "done when" for Postgres, with real processes as a new user runs them: a real Postgres, two
 * `edge-ml monitor --store postgres://…` processes behind one address (a round-robin TCP proxy on 127.0.0.1, as a
 * load balancer would be), `edge-ml dev … --monitor <that address>` in workerd with traffic, one monitor SIGKILLed in
 * the middle of it and restarted: the edge's retries land, and the totals in Postgres are exact (each request counted
 * once). And a batch posted to both monitors at the same instant is stored once.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it, onTestFinished } from "vitest";
import type { TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { runCli } from "../helpers/cli.ts";
import { freshDatabase } from "../helpers/postgres.ts";
import { killOnFinish, spawnCli } from "../helpers/process.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";
import { makeBatch, prometheusTotals } from "../monitor/helpers.ts";
import { until } from "../helpers/poll.ts";

const MONITOR_URL = /monitor listening on (http:\/\/127\.0\.0\.1:(\d+))/;

/**
 * One address for several monitors, as a load balancer: each request goes to the next monitor in turn; when that one
 * is down (refused, reset) the client gets a 502, as from nginx, and the edge retries the batch.
 */
async function roundRobin(ports: readonly number[]): Promise<{ url: string; requests: number[]; failed: number[]; close(): Promise<void> }> {
  let next = 0;
  const requests = ports.map(() => 0);
  const failed = ports.map(() => 0);
  const server = createServer((req, res) => {
    const i = next++ % ports.length;
    requests[i]!++;
    const upstream = request({ host: "127.0.0.1", port: ports[i], method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => {
      failed[i]!++;
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway");
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe("monitor on Postgres, two processes behind one address", () => {
  it("counts every request exactly once across a kill -9 of one monitor, with the edge's retries", async () => {
    const base = tempDir();
    expect((await runCli(["init", "proj"], base)).code).toBe(0);
    const project = join(base, "proj");
    expect((await runCli(["models", "add", join(FIXTURES, "models", "mlp-tensor.onnx"), "--name", "mlp", "--version", "0.1.0"], project)).code).toBe(0);
    const store = await freshDatabase();

    // Both monitors start at once on the empty database: one migrates, the other waits for it.
    const start = (port = "0") => {
      const m = spawnCli(["monitor", "--port", port, "--store", store, "--window", "5s"], project);
      killOnFinish(m);
      return m;
    };
    let a = start();
    const b = start();
    const [[, urlA, portA], [, urlB, portB]] = await Promise.all([a.waitFor(MONITOR_URL), b.waitFor(MONITOR_URL)]);
    expect((await a.waitFor(/^ {2}store (\S+)/m))[1]).toBe(store);
    // The token commands use the same store (here through $EDGE_ML_MONITOR_STORE); either monitor accepts the token.
    const created = await (async () => {
      process.env["EDGE_ML_MONITOR_STORE"] = store;
      try {
        return await runCli(["monitor", "token", "create", "e2e", "--json"], project);
      } finally {
        delete process.env["EDGE_ML_MONITOR_STORE"];
      }
    })();
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const proxy = await roundRobin([Number(portA), Number(portB)]);
    onTestFinished(() => proxy.close());

    const dev = spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--monitor", proxy.url, "--sample-rate", "0.2"], project, { EDGE_ML_MONITOR_TOKEN: token });
    killOnFinish(dev);
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    const edge = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())![1]!;

    const statuses: number[] = [];
    const send = async (n: number, good: boolean, pauseMs = 0) => {
      for (let i = 0; i < n; i++) {
        const body = good ? { instances: [[i / 10, 1, -1, 0.5]] } : { instances: [[1, 2]] };
        const res = await fetch(`${edge}v1/models/mlp:predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        statuses.push(res.status);
        await res.arrayBuffer();
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    };
    await send(150, true);
    await send(10, false);
    await until(
      () => prometheusTotals(urlB!, "e2e"),
      (c) => c.requests > 0,
      30_000,
    );
    // Kill one monitor while traffic goes on: the proxy keeps sending it every other request, which now fails, and the
    // edge retries those batches (through the proxy: they land on the other monitor, or on the restarted one).
    const traffic = send(150, true, 15).then(() => send(5, false));
    await new Promise((r) => setTimeout(r, 700));
    a.child.kill("SIGKILL");
    await a.exited;
    await traffic;
    expect(statuses.filter((s) => s === 200)).toHaveLength(300);
    expect(statuses.filter((s) => s === 400)).toHaveLength(15);
    // The edge's telemetry reached the dead monitor at least once (a 502 it must retry) before the restart.
    await until(
      async () => proxy.failed[0]!,
      (n) => n > 0,
      30_000,
    );
    expect(proxy.failed[0]).toBeGreaterThan(0);

    a = start(portA);
    await a.waitFor(MONITOR_URL);
    const final = await until(
      () => prometheusTotals(urlB!, "e2e"),
      (c) => c.requests >= 315,
      90_000,
    );
    expect(final).toEqual({ requests: 315, errors: 15 });
    // Still exact a while later (no late retry counted twice), and the same through the restarted monitor.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await prometheusTotals(urlA!, "e2e")).toEqual({ requests: 315, errors: 15 });
    // The totals in Postgres itself.
    const [row] = await sql<{ requests: number; errors: number; batches: number }>(
      store,
      "select sum(requests)::int as requests, sum(errors)::int as errors, sum(batches)::int as batches from minute_counters where deployment = 'e2e'",
    );
    const [stored] = await sql<{ batches: number; distinct: number; samples: number; sampled: number }>(
      store,
      "select (select count(*)::int from batches where deployment = 'e2e') as batches, (select count(distinct batch_id)::int from batches) as distinct, (select count(*)::int from samples) as samples, (select count(distinct (request_id, idx))::int from samples) as sampled",
    );
    expect({ requests: row!.requests, errors: row!.errors }).toEqual({ requests: 315, errors: 15 });
    expect(row!.batches).toBe(stored!.batches);
    expect(stored!.distinct).toBe(stored!.batches);
    expect(stored!.samples).toBe(stored!.sampled); // no sampled request stored twice
    expect(stored!.samples).toBeGreaterThan(0);
    expect(proxy.requests[1]).toBeGreaterThan(0);
    console.log(
      `requests per monitor ${proxy.requests.join(" / ")}, failed while down ${proxy.failed[0]}; batches ${stored!.batches}, samples ${stored!.samples}`,
    );

    dev.child.kill("SIGINT");
    a.child.kill("SIGINT");
    b.child.kill("SIGINT");
    await Promise.all([dev.exited, a.exited, b.exited]);
  });

  it("stores a batch posted to both monitors at the same instant once", async () => {
    const project = tempDir();
    const store = await freshDatabase();
    const created = await runCli(["monitor", "token", "create", "prod", "--store", store, "--json"], project);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const monitors = [spawnCli(["monitor", "--port", "0", "--store", store], project), spawnCli(["monitor", "--port", "0", "--store", store], project)];
    monitors.forEach(killOnFinish);
    const urls = (await Promise.all(monitors.map((m) => m.waitFor(MONITOR_URL)))).map((m) => m[1]!);
    const post = (url: string, b: TelemetryBatchInput) =>
      fetch(`${url}/v1/ingest`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(b) });

    const batches = Array.from({ length: 50 }, (_, i) =>
      makeBatch({ batchId: `both-at-once-${i}`, samples: [{ ts: 1, requestId: `r-${i}`, latencyMs: 1, status: 200, features: { i } }] }),
    );
    const stored = [0, 0];
    for (const batch of batches) {
      const answers = await Promise.all(urls.map(async (u) => (await post(u, batch)).json() as Promise<{ duplicate: boolean }>));
      expect(answers.map((x) => x.duplicate).sort()).toEqual([false, true]);
      answers.forEach((x, i) => (stored[i]! += x.duplicate ? 0 : 1));
    }
    const [row] = await sql<{ requests: number; batches: number; samples: number }>(
      store,
      "select (select sum(requests)::int from minute_counters) as requests, (select count(*)::int from batches) as batches, (select count(*)::int from samples) as samples",
    );
    expect(row).toEqual({ requests: 50 * 10, batches: 50, samples: 50 });
    console.log(`stored by the first monitor ${stored[0]}, by the second ${stored[1]}`);
    for (const m of monitors) m.child.kill("SIGTERM");
    expect(await Promise.all(monitors.map((m) => m.exited))).toEqual([0, 0]);
  });
});
