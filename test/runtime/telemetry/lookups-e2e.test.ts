/**
 * Feature lookups end to end (issue 16): the edge app (titanic-lookup@1.0.0 on onnxruntime-node, its `passenger` view
 * read from a stand-in store) ▶ its request events ▶ the telemetry hook and client ▶ HTTP ▶ a real monitor (SQLite) ▶
 * `/v1/metrics` and `/metrics`: what the monitor shows is what the requests looked up, missed included.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { FeatureRecord } from "../../../core/feature-views-layout.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";
import type { MetricsResponse } from "../../../monitor/metrics.ts";
import { startMonitor } from "../../../monitor/server.ts";
import { createToken } from "../../../monitor/tokens.ts";
import { createDeployment } from "../../../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../../../runtime/engines/ort.ts";
import type { FeatureStoreReader, LookupPlan } from "../../../runtime/features/types.ts";
import { createTelemetryHook } from "../../../runtime/telemetry-hook.ts";
import { createTelemetry } from "../../../runtime/telemetry/index.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
const dir = join(REPO_ROOT, "models", "titanic-lookup", "1.0.0");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
const modelBytes = new Uint8Array(readFileSync(join(dir, manifest.artifact.file)));
const plan: LookupPlan = { views: { passenger: { key: "passenger_id", features: ["sex", "passengerClass"], store: "kv" } } };
const HOUR = 3_600_000;

describe("feature lookups: edge app ▶ telemetry ▶ monitor", () => {
  it("shows each view's lookups, misses and value ages as the requests made them", async () => {
    const now = Date.now();
    const rec = (sex: string, passengerClass: string, ageMs: number): FeatureRecord => ({ values: { sex, passengerClass }, ts: now - ageMs, pushedAt: now });
    const records: Record<string, FeatureRecord> = { "1": rec("female", "1st", 2 * HOUR), "2": rec("male", "3rd", 30 * 24 * HOUR + HOUR) };
    const reader: FeatureStoreReader = { read: async (_view, keys) => keys.map((k) => records[k]) };
    const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
    try {
      const { token } = await createToken(monitor.store, "prod");
      const telemetry = createTelemetry({ endpoint: monitor.url, token, deployment: "prod", target: "node", sampleRate: 1, maxAttempts: 1 });
      const onRequest = createTelemetryHook(telemetry, manifest, { flushDelayMs: 60_000, schedule: () => {} });
      const { app } = createDeployment({ manifest, engine, modelBytes, lookup: { plan, reader }, onRequest });
      const predict = (instances: unknown[]) =>
        app.request("/v1/models/titanic-lookup:predict", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ instances }),
        });

      for (let i = 0; i < 3; i++) expect((await predict([{ passenger_id: 1, age: 30 }])).status).toBe(200);
      expect((await predict([{ passenger_id: 2, age: 40 }])).status).toBe(200);
      const missing = await predict([{ passenger_id: 99, age: 22 }]);
      expect(missing.status).toBeGreaterThanOrEqual(400);
      expect(missing.status).toBeLessThan(500);
      await telemetry.flush();
      expect(telemetry.stats()).toMatchObject({ sentBatches: 1, rejectedBatches: 0 });

      const metrics = (await (await fetch(`${monitor.url}/v1/metrics?deployment=prod`)).json()) as MetricsResponse;
      const series = metrics.series.find((s) => s.model === "titanic-lookup")!;
      expect(series.totals.requests).toBe(5);
      expect(series.lookups).toHaveLength(1);
      const [l] = series.lookups;
      expect(l).toMatchObject({ view: "passenger", requests: 5, keys: 5, misses: 1, missRate: 0.2, expired: 0, share: 1 });
      // Three hits 2 h old, one 30 d + 1 h old (the open last bucket): the oldest is exact, the median in (1 h, 6 h].
      expect(l!.age.max).toBeGreaterThanOrEqual(30 * 24 * HOUR + HOUR);
      expect(l!.age.max).toBeLessThan(30 * 24 * HOUR + HOUR + 60_000);
      expect(l!.age.p50).toBeGreaterThan(HOUR);
      expect(l!.age.p50).toBeLessThanOrEqual(6 * HOUR);
      expect(l!.latency.p50).not.toBeNull();
      // The sampled rows hold the looked-up values the model saw.
      const samples = await monitor.store.recentSamples({ deployment: "prod", limit: 10 });
      expect(samples.some((s) => s.features?.["sex"] === "male" && s.features?.["passengerClass"] === "3rd")).toBe(true);
      const text = await (await fetch(`${monitor.url}/metrics`)).text();
      expect(text).toContain('edgeml_feature_lookup_misses_total{deployment="prod",model="titanic-lookup",version="1.0.0",view="passenger"} 1');
    } finally {
      await monitor.close();
    }
  });
});
