import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startMonitor } from "../../../monitor/server.ts";
import { createToken } from "../../../monitor/tokens.ts";
import { createTelemetry } from "../../../runtime/telemetry/index.ts";
import { tempDir } from "../../helpers/tmp.ts";

const model = { name: "titanic", version: "1.0.0" };

describe("telemetry client ▶ real monitor over HTTP", () => {
  it("delivers exact counters; a monitor that was down, then up, gets every batch once", async () => {
    const dbFile = join(tempDir(), "monitor.db");
    let monitor = await startMonitor({ port: 0, dbFile });
    const { port } = monitor;
    const { token } = await createToken(monitor.store, "prod");
    const t = createTelemetry({
      endpoint: monitor.url,
      token,
      deployment: "prod",
      target: "node",
      sampleRate: 0.05,
      maxAttempts: 2,
      retryBaseMs: 1,
      flushIntervalMs: 0,
    });
    const send = (from: number, n: number) => {
      for (let i = from; i < from + n; i++)
        t.record({ model, requestId: `r${i}`, latencyMs: (i % 50) / 5, status: i % 25 === 0 ? 500 : 200, features: [{ i }], predictions: [i % 2] });
    };

    send(0, 500);
    await t.flush();
    expect(t.stats().pendingBatches).toBe(0);

    await monitor.close(); // down: connection refused
    send(500, 300);
    await t.flush();
    send(800, 200);
    await t.flush();
    expect(t.stats().pendingBatches).toBe(2);
    expect(t.stats().lastError).toBeTruthy();

    monitor = await startMonitor({ port, dbFile }); // up again: same port, same database
    send(1000, 100);
    await t.flush();
    expect(t.stats()).toMatchObject({ pendingBatches: 0, rejectedBatches: 0 });

    const totals = await monitor.store.totals();
    expect(totals.rows).toHaveLength(1);
    expect(totals.rows[0]).toMatchObject({ requests: 1100, errorsByClass: { internal: 44 } });
    expect(totals.batches).toEqual({ prod: 4 });
    const samples = await monitor.store.recentSamples({ deployment: "prod", limit: 500 });
    expect(samples.filter((s) => s.error === "internal")).toHaveLength(44);
    expect(new Set(samples.map((s) => s.requestId)).size).toBe(samples.length); // no sample stored twice
    await monitor.close();
  });

  it("does not double count when the monitor stored a batch but the answer was lost", async () => {
    const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
    const { token } = await createToken(monitor.store, "prod");
    let loseNextAnswer = true;
    const answers: unknown[] = [];
    const t = createTelemetry({
      endpoint: monitor.url,
      token,
      deployment: "prod",
      target: "node",
      sampleRate: 1,
      retryBaseMs: 1,
      // Real fetch to the real monitor; the first answer is thrown away as if the connection broke after the commit.
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        answers.push(await res.clone().json());
        if (loseNextAnswer) {
          loseNextAnswer = false;
          throw new TypeError("connection reset");
        }
        return res;
      },
    });
    for (let i = 0; i < 10; i++) t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200 });
    await t.flush();
    expect(answers).toEqual([expect.objectContaining({ duplicate: false }), expect.objectContaining({ duplicate: true })]);
    const totals = await monitor.store.totals();
    expect(totals.rows[0]?.requests).toBe(10);
    expect(await monitor.store.recentSamples({ deployment: "prod", limit: 100 })).toHaveLength(10);
    await monitor.close();
  });
});
