/**
 * Looked-up features through the edge app in-process (titanic-lookup@1.0.0: sex and passengerClass come from the
 * `passenger` view), on onnxruntime-node: a prediction by id equals the one with the same values inline, request events
 * carry the merged instances and the lookup stats (refused requests too), a looked-up value the schema refuses is the
 * validator's 400 naming the view and key, and a runtime without a feature store reader answers 503 with a hint.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { FeatureRecord } from "../../../core/feature-views-layout.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";
import { createEdgeRuntime } from "../../../runtime/adapter.ts";
import type { RequestEvent } from "../../../runtime/arms.ts";
import { createDeployment } from "../../../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../../../runtime/engines/ort.ts";
import { createServedRuntime } from "../../../runtime/rollout-app.ts";
import type { FeatureStoreReader, LookupPlan } from "../../../runtime/features/types.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
const dir = join(REPO_ROOT, "models", "titanic-lookup", "1.0.0");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
const modelBytes = new Uint8Array(readFileSync(join(dir, manifest.artifact.file)));
const plan: LookupPlan = { views: { passenger: { key: "passenger_id", features: ["sex", "passengerClass"], store: "kv" } } };
const P = "/v1/models/titanic-lookup:predict";

const rec = (sex: string, passengerClass: string): FeatureRecord => ({ values: { sex, passengerClass }, ts: Date.now() - 1000, pushedAt: Date.now() });
const records: Record<string, FeatureRecord> = { "1": rec("female", "1st"), "2": rec("male", "3rd"), "3": rec("unknown", "2nd") };
const reader: FeatureStoreReader = { read: async (_view, keys) => keys.map((k) => records[k]) };

function app(events: RequestEvent[]) {
  return createDeployment({ manifest, engine, modelBytes, lookup: { plan, reader }, onRequest: (e) => events.push(e) }).app;
}
const post = (a: { request(path: string, init: RequestInit): Response | Promise<Response> }, body: unknown) =>
  a.request(P, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("looked-up features in the edge app", () => {
  it("describes the request it accepts in /openapi.json: the view's key required, its features optional", async () => {
    const doc = (await (await app([]).request("/openapi.json")).json()) as {
      components: {
        schemas: { PredictRequest: { properties: { instances: { items: { required: string[]; properties: Record<string, { description?: string }> } } } } };
      };
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    const item = doc.components.schemas.PredictRequest.properties.instances.items;
    expect(item.required).toEqual(["passenger_id"]);
    expect(item.properties["passenger_id"]?.description).toMatch(/key of feature view "passenger"/);
    expect(item.properties["sex"]?.description).toMatch(/looked up in feature view "passenger" by passenger_id unless sent/);
    expect(Object.keys(doc.paths[P]!.post.responses)).toContain("503");
  });

  it("predicts by id exactly as with the same values inline, and reports the merged instances and the lookup", async () => {
    const events: RequestEvent[] = [];
    const a = app(events);
    const byId = await post(a, {
      instances: [
        { passenger_id: 1, age: 29 },
        { passenger_id: "2", age: null },
      ],
    });
    const inline = await post(a, {
      instances: [
        { sex: "female", age: 29, passengerClass: "1st" },
        { sex: "male", age: null, passengerClass: "3rd" },
      ],
    });
    expect(byId.status).toBe(200);
    const [x, y] = [(await byId.json()) as { predictions: unknown }, (await inline.json()) as { predictions: unknown }];
    expect(x.predictions).toEqual(y.predictions);
    expect(events[0]?.instances).toEqual([
      { age: 29, sex: "female", passengerClass: "1st" },
      { age: null, sex: "male", passengerClass: "3rd" },
    ]);
    expect(events[0]?.lookup?.views["passenger"]).toMatchObject({ keys: 2, misses: 0, expired: 0 });
    // Inline values need no lookup: no stats.
    expect(events[1]?.lookup).toBeUndefined();
  });

  it("answers 422 for a key the view lacks, with the stats in the request event", async () => {
    const events: RequestEvent[] = [];
    const res = await post(app(events), { instances: [{ passenger_id: 404, age: 1 }] });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe("FEATURE_NOT_FOUND");
    expect(body.error.message).toContain('feature view "passenger" has no value for key "404"');
    expect(events[0]).toMatchObject({ status: 422, errorClass: "unprocessable", lookup: { views: { passenger: { keys: 1, misses: 1 } } } });
  });

  it("refuses a looked-up value the schema refuses with the validator's 400, naming the view and key", async () => {
    const events: RequestEvent[] = [];
    const res = await post(app(events), { instances: [{ passenger_id: 3, age: 1 }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string; message: string }[] } };
    expect(body.error.code).toBe("INVALID_INPUT");
    expect(body.error.issues[0]?.path).toBe("instances[0].sex");
    expect(body.error.issues[0]?.message).toMatch(/\(looked up from feature view "passenger", key "3"\)$/);
    expect(events[0]?.lookup?.views["passenger"]?.keys).toBe(1);
  });

  it("answers 503 FEATURE_STORE_UNAVAILABLE when the target supplies no reader, and serves inline values", async () => {
    const edge = createEdgeRuntime({ manifest, engine, modelBytes, target: "node", lookup: plan });
    edge.configure({});
    const res = await post(edge.app, { instances: [{ passenger_id: 1, age: 29 }] });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error).toMatchObject({ code: "FEATURE_STORE_UNAVAILABLE" });
    expect(body.error.hint).toMatch(/featureReader/);
    const inline = await post(edge.app, { instances: [{ sex: "female", age: 29, passengerClass: "1st" }] });
    expect(inline.status).toBe(200);
  });

  it("reads through the target's featureReader, made once at configure with the env and the plan", async () => {
    const made: unknown[] = [];
    const edge = createEdgeRuntime({
      manifest,
      engine,
      modelBytes,
      target: "node",
      lookup: plan,
      featureReader: (env, p) => {
        made.push([env, p]);
        return reader;
      },
    });
    edge.configure({ SOME: "env" });
    edge.configure({ OTHER: "env" });
    const res = await post(edge.app, { instances: [{ passenger_id: 1, age: 29 }] });
    expect(res.status).toBe(200);
    expect(made).toEqual([[{ SOME: "env" }, plan]]);
  });

  it("looks up for a challenger too, with its own plan and the target's reader", async () => {
    const events: RequestEvent[] = [];
    const next = { ...manifest, version: "1.0.1" };
    const edge = createServedRuntime("node", {
      manifest,
      engine,
      modelBytes,
      lookup: plan,
      featureReader: () => reader,
      // Every request goes to the challenger: it answers by id only if it looks up.
      challenger: { manifest: next, modelBytes, rollout: { mode: "canary", share: 1 }, lookup: plan },
    });
    edge.configure({});
    const res = await post(edge.app, { instances: [{ passenger_id: 2, age: 40 }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edge-ml-version")).toBe("1.0.1");
    const inline = await post(app(events), { instances: [{ sex: "male", age: 40, passengerClass: "3rd" }] });
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toEqual(((await inline.json()) as { predictions: unknown[] }).predictions);
  });
});
