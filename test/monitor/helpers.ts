/** Builders shared by the monitor and telemetry tests: valid batches, and a monitor app over an in-memory store. */
import { createMonitorApp, type MonitorAppOptions } from "../../monitor/app.ts";
import type { MonitorStore } from "../../monitor/store/contract.ts";
import { createToken } from "../../monitor/tokens.ts";
import { LATENCY_BUCKETS_MS, type BatchProfile, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { createProfileSet } from "../../runtime/telemetry/profiles.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { defaultStore } from "./stores.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";

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

/** A monitor app (no socket) over a fresh store (the first of ./stores.ts), with a token for deployment "prod". */
export async function testMonitor(
  opts: Pick<MonitorAppOptions, "now" | "adminToken" | "maxBodyBytes" | "webhooks" | "log" | "refusalIntervalMs"> = {},
): Promise<TestMonitor> {
  const store = await defaultStore();
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

export const TITANIC = Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")));

/** A batch profile of `n` titanic rows sliced by sex, varied by `seed` (in the baseline's bins unless another is given). */
export function makeProfile(n: number, seed: number, baseline = TITANIC.baseline!): BatchProfile {
  const set = createProfileSet(baseline, ["sex"]);
  for (let i = 0; i < n; i++)
    set.add(
      [{ sex: (i + seed) % 3 === 0 ? "female" : "male", age: (i * 7 + seed) % 90, passengerClass: "3rd" }],
      [{ score: ((i + seed) % 10) / 10, label: "no" }],
    );
  return set.take()!;
}

/** A batch whose window ends at `end`, with `requests` requests and profile `p`. */
export function batchAt(end: number, p: BatchProfile | undefined, requests = 10): TelemetryBatchInput {
  const counts = LATENCY_BUCKETS_MS.map((_b, k) => (k === 3 ? requests : 0)).concat(0);
  return makeBatch({
    window: { start: end - 5000, end },
    ...(p ? { profile: p } : {}),
    counters: { requests, errors: {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 3 }, dropped: 0 },
  });
}

/** A deployment's request and error totals from a running monitor's Prometheus page (summed over versions and classes). */
export async function prometheusTotals(monitorUrl: string, deployment: string): Promise<{ requests: number; errors: number }> {
  const text = await (await fetch(`${monitorUrl}/metrics`)).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  return {
    requests: sum(new RegExp(`^edgeml_requests_total\\{deployment="${deployment}"[^}]*\\} (\\d+)$`, "gm")),
    errors: sum(new RegExp(`^edgeml_errors_total\\{deployment="${deployment}"[^}]*\\} (\\d+)$`, "gm")),
  };
}
