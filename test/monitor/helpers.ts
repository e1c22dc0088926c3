/** Builders shared by the monitor and telemetry tests: valid batches, and a monitor app over an in-memory store. */
import { createMonitorApp, type MonitorAppOptions } from "../../monitor/app.ts";
import { openSqliteStore } from "../../monitor/store/sqlite/store.ts";
import type { MonitorStore } from "../../monitor/store/contract.ts";
import { createToken } from "../../monitor/tokens.ts";
import { LATENCY_BUCKETS_MS, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";

let seq = 0;

/** A valid batch: `requests` requests spread over the latency buckets given (default all in the 2-5 ms bucket). */
export function makeBatch(over: Partial<TelemetryBatchInput> & { latencyCounts?: number[]; latencySum?: number } = {}): TelemetryBatchInput {
  const { latencyCounts, latencySum, ...rest } = over;
  const requests = over.counters?.requests ?? 10;
  const counts = latencyCounts ?? LATENCY_BUCKETS_MS.map((_b, i) => (i === 3 ? requests : 0)).concat(0);
  const end = Date.UTC(2026, 0, 1, 12, 0, 30);
  return {
    v: 1,
    batchId: `batch-${Date.now().toString(36)}-${++seq}`,
    deployment: "prod",
    target: "worker",
    model: { name: "titanic", version: "1.0.0" },
    window: { start: end - 10_000, end },
    counters: { requests, errors: {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: latencySum ?? requests * 3 }, dropped: 0 },
    samples: [{ ts: end - 1000, requestId: "req-1", features: { age: 22, sex: "male" }, prediction: { label: 0, score: 0.12 }, latencyMs: 3.1, status: 200 }],
    ...rest,
  };
}

export interface TestMonitor {
  store: MonitorStore;
  app: ReturnType<typeof createMonitorApp>;
  token: string;
  post(body: unknown, init?: { token?: string | null; contentType?: string }): Promise<Response>;
  get(path: string): Promise<Response>;
}

/** A monitor app (no socket) over an in-memory SQLite store, with a token for deployment "prod". */
export async function testMonitor(
  opts: Pick<MonitorAppOptions, "now" | "adminToken" | "maxBodyBytes" | "webhooks" | "log" | "refusalIntervalMs"> = {},
): Promise<TestMonitor> {
  const store = await openSqliteStore({ file: ":memory:" });
  // Refusals are logged to stderr by default; tests that check the log pass their own.
  const app = createMonitorApp({ store, log: () => {}, ...opts });
  const { token } = await createToken(store, "prod");
  return {
    store,
    app,
    token,
    post: (body, init = {}) =>
      Promise.resolve(
        app.request("/v1/ingest", {
          method: "POST",
          headers: {
            "content-type": init.contentType ?? "application/json",
            ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? token}` }),
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      ),
    get: (path) => Promise.resolve(app.request(path)),
  };
}

/** Everything the store holds about ingested data, to assert that a refused batch stored nothing. */
export async function storedState(store: MonitorStore) {
  const totals = await store.totals();
  const samples = await store.recentSamples({ deployment: "prod", limit: 500 });
  return { rows: totals.rows.length, batches: Object.values(totals.batches).reduce((a, n) => a + n, 0), samples: samples.length };
}
