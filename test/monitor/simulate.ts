/**
 * Simulated traffic from real data for the ML-monitoring tests: titanic's eval.csv resampled with a seeded RNG,
 * predictions from the real model (onnxruntime-node through the edge's own preprocessing and postprocessing),
 * counted by the real runtime telemetry client (profiles + samples) and delivered to a monitor app over an in-memory
 * store. One clock drives both, so a test moves through hundreds of hourly windows in seconds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createBatchPredictor } from "../../cli/baseline/predict.ts";
import { readCsv } from "../../cli/tabular/csv.ts";
import type { Prediction } from "../../core/postprocess.ts";
import { mulberry32 } from "../../core/random.ts";
import type { Instance } from "../../core/schema/features.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { createMonitor } from "../../monitor/app.ts";
import { defaultStore } from "./stores.ts";
import type { MonitorStore } from "../../monitor/store/contract.ts";
import { createToken } from "../../monitor/tokens.ts";
import { createTelemetry } from "../../runtime/telemetry/index.ts";
import type { Telemetry } from "../../runtime/telemetry/index.ts";
import { sliceValues } from "../../runtime/telemetry-hook.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const MODEL_DIR = join(REPO_ROOT, "models", "titanic", "1.0.0");

interface Row {
  instance: Instance;
  label: "yes" | "no";
}

export async function loadTitanic() {
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(MODEL_DIR, "manifest.json"), "utf8")));
  const rows: Row[] = [];
  for await (const r of readCsv(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv"))) {
    const v = r.values;
    rows.push({
      instance: { sex: v["sex"]!, age: v["age"] === "" ? null : Number(v["age"]), passengerClass: v["passengerClass"]! },
      label: v["survived"] === "yes" ? "yes" : "no",
    });
  }
  const predictor = await createBatchPredictor(
    readFileSync(join(MODEL_DIR, "model.onnx")),
    manifest.preprocessing!,
    manifest.postprocessing,
    manifest.io.outputs,
  );
  return { manifest, rows, predictor };
}

export type Titanic = Awaited<ReturnType<typeof loadTitanic>>;

export interface Sent {
  requestId: string;
  ts: number;
  instance: Instance;
  label: "yes" | "no";
  prediction: Prediction;
}

export interface Simulation {
  store: MonitorStore;
  app: ReturnType<typeof createMonitor>["app"];
  alerting: ReturnType<typeof createMonitor>["alerting"];
  token: string;
  clock: { t: number };
  telemetry: Telemetry;
  /** Send `n` resampled rows with timestamps inside [start, start + spanMs), flush, and return what was sent. */
  sendWindow(start: number, n: number, o?: { transform?: (i: Instance) => Instance; spanMs?: number }): Promise<Sent[]>;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  json<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  close(): Promise<void>;
}

type MonitorOptions = Parameters<typeof createMonitor>[0];

export async function simulate(
  t: Titanic,
  o: {
    seed: number;
    deployment?: string;
    sampleRate?: number;
    windowMs?: number;
    bucketMs?: number;
    webhooks?: MonitorOptions["webhooks"];
    assets?: MonitorOptions["assets"];
  },
): Promise<Simulation> {
  const deployment = o.deployment ?? "prod";
  const clock = { t: T0 };
  const store = await defaultStore(o.bucketMs ? { profileBucketMs: o.bucketMs } : {});
  const { app, alerting } = createMonitor({
    store,
    now: () => clock.t,
    windowMs: o.windowMs ?? HOUR,
    ...(o.webhooks ? { webhooks: o.webhooks } : {}),
    ...(o.assets ? { assets: o.assets } : {}),
  });
  const { token } = await createToken(store, deployment);
  const random = mulberry32(o.seed);
  let seq = 0;
  const telemetry = createTelemetry({
    endpoint: "http://monitor.test",
    token,
    deployment,
    target: "worker",
    baseline: t.manifest.baseline,
    slices: t.manifest.slices,
    sampleRate: o.sampleRate ?? 0,
    maxBufferedSamples: 100_000,
    maxBatchSamples: 1000,
    maxPendingBatches: 1000,
    now: () => clock.t,
    random: mulberry32(o.seed + 1),
    sleep: async () => {},
    fetch: (input, init) => Promise.resolve(app.request(String(input), init)),
    onError: (e) => {
      throw e;
    },
  });
  const model = { name: t.manifest.name, version: t.manifest.version };
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    Promise.resolve(
      app.request(path, {
        method: init.method ?? "GET",
        ...(init.body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(init.body) }),
      }),
    );
  return {
    store,
    app,
    alerting,
    token,
    clock,
    telemetry,
    admin,
    async json<T>(path: string, init?: { method?: string; body?: unknown }) {
      const res = await admin(path, init);
      if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async sendWindow(start, n, w = {}) {
      const span = w.spanMs ?? HOUR / 2;
      const picked = Array.from({ length: n }, () => t.rows[Math.floor(random() * t.rows.length)]!);
      const instances = picked.map((r) => (w.transform ? w.transform({ ...r.instance }) : r.instance));
      const predictions = await t.predictor.predict(instances);
      const sent: Sent[] = [];
      for (let i = 0; i < n; i++) {
        clock.t = start + Math.floor((i * span) / n);
        const requestId = `req-${deployment}-${++seq}`;
        const instance = instances[i]!;
        telemetry.record({
          model,
          requestId,
          latencyMs: 2 + (i % 7),
          status: 200,
          features: [instance],
          predictions: [predictions[i]],
          slices: sliceValues(t.manifest.slices, [instance]),
        });
        sent.push({ requestId, ts: clock.t, instance, label: picked[i]!.label, prediction: predictions[i]! });
      }
      clock.t = start + span;
      await telemetry.flush();
      const stats = telemetry.stats();
      if (stats.pendingBatches > 0 || stats.rejectedBatches > 0) throw new Error(`telemetry did not deliver: ${JSON.stringify(stats)}`);
      return sent;
    },
    /** Closes the store; the predictor belongs to `loadTitanic`'s caller (release it in afterAll). */
    async close() {
      await store.close();
    },
  };
}

/** Register titanic's baseline for the simulated deployment, as `edge-ml dev` does. */
export async function registerTitanic(sim: Simulation, t: Titanic, extra: Record<string, unknown> = {}) {
  return sim.json<{ rules: { id: string; kind: string }[]; config: Record<string, unknown> }>("/v1/deployments/prod/baseline", {
    method: "POST",
    body: { model: t.manifest.name, version: t.manifest.version, baseline: t.manifest.baseline, slices: t.manifest.slices, ...extra },
  });
}
