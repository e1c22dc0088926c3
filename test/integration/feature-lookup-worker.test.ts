/**
 * Looked-up features served by a built Worker in workerd (miniflare), from the real local KV and D1 that `features push`
 * writes (issue 16): a prediction by id equals the one with the same values sent inline, for a kv view and a d1 view;
 * a key the view lacks is a 422, a bad key a 400; a Worker without the binding, or a D1 view never pushed, answers 503
 * with a hint and no prediction. The models are examples/titanic's ONNX registered with sex and passengerClass `from`
 * a view, as examples/feature-lookup does.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { LOCAL_STORE_ID, localPersist } from "../../cli/features/local-store.ts";
import { pushFeatures } from "../../cli/features/push.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const TITANIC = join(REPO_ROOT, "examples", "titanic", "out");
const root = tempDir();
const servers: WorkerServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

/** The titanic features with sex and passengerClass looked up in `view`. */
function featuresFrom(view: string): string {
  const features = JSON.parse(readFileSync(join(TITANIC, "features.json"), "utf8")) as { name: string; from?: string }[];
  const file = join(root, `features-${view}.json`);
  writeFileSync(file, JSON.stringify(features.map((f) => (f.name === "age" ? f : { ...f, from: view }))));
  return file;
}

const local = () => ({ ...localPersist(root), id: LOCAL_STORE_ID, dir: join(root, ".edge-ml", "features") });

/** `localFeatures` null: a Worker without the feature bindings (as deployed without them in wrangler.toml). */
async function serve(model: string, localFeatures: ReturnType<typeof local> | null = local()) {
  const build = await buildTarget({ root, ref: `${model}@1.0.0`, target: "worker", outDir: join(root, "dist", model) });
  const server = await serveWorker(build.outDir, { port: 0, ...(localFeatures ? { localFeatures } : {}) });
  servers.push(server);
  return server;
}

async function predict(server: WorkerServer, model: string, body: unknown) {
  const res = await fetch(`${server.url}v1/models/${model}:predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      predictions?: unknown[];
      error?: { code: string; message: string; hint?: string; issues?: { path: string; message: string }[] };
    },
  };
}

const all = readFileSync(join(REPO_ROOT, "examples", "feature-lookup", "passengers.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [, sex, passengerClass] = line.split(",") as [string, string, string];
    return { sex, passengerClass };
  });
/** Every 32nd passenger of examples/feature-lookup/passengers.csv (all classes), as the requests to compare. */
const passengers = readFileSync(join(REPO_ROOT, "examples", "feature-lookup", "passengers.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .filter((_, i) => i % 32 === 0)
  .map((line) => {
    const [id, sex, passengerClass] = line.split(",") as [string, string, string];
    return { id: Number(id), sex, passengerClass };
  });
const ages = passengers.map((_, i) => (i % 7 === 3 ? null : (i * 3.7) % 80));

beforeAll(async () => {
  writeFileSync(
    join(root, "edge-ml.config.json"),
    JSON.stringify({
      featureViews: {
        passenger: { key: "passenger_id", features: ["sex", "passengerClass"], timestamp: "updated_at", store: "kv" },
        passenger_sql: { key: "passenger_id", features: ["sex", "passengerClass"], store: "d1" },
        nowhere: { key: "passenger_id", features: ["sex", "passengerClass"], store: "d1" },
      },
    }),
  );
  mkdirSync(join(root, "models"), { recursive: true });
  for (const [name, view] of [
    ["by-kv", "passenger"],
    ["by-d1", "passenger_sql"],
    ["by-nowhere", "nowhere"],
  ] as const) {
    await addModel(root, {
      model: join(TITANIC, "model.onnx"),
      name,
      version: "1.0.0",
      features: featuresFrom(view),
      preprocess: join(TITANIC, "preprocess.json"),
      postprocess: join(TITANIC, "postprocess.json"),
      slices: [],
    });
  }
  const csv = join(REPO_ROOT, "examples", "feature-lookup", "passengers.csv");
  await pushFeatures(root, { view: "passenger", csv });
  await pushFeatures(root, { view: "passenger_sql", csv });
}, 120_000);

describe.each([
  ["kv", "by-kv"],
  ["d1", "by-d1"],
])("a %s view in workerd", (_, model) => {
  let server: WorkerServer;
  beforeAll(async () => {
    server = await serve(model);
  }, 180_000);

  it("predicts by id exactly as with the same values inline (41 passengers in one request)", async () => {
    const byId = await predict(server, model, { instances: passengers.map((p, i) => ({ passenger_id: i % 2 === 0 ? p.id : String(p.id), age: ages[i] })) });
    const inline = await predict(server, model, { instances: passengers.map((p, i) => ({ sex: p.sex, age: ages[i], passengerClass: p.passengerClass })) });
    expect(byId.status).toBe(200);
    expect(inline.status).toBe(200);
    expect(byId.body.predictions).toHaveLength(41);
    expect(byId.body.predictions).toEqual(inline.body.predictions);
    // Both sexes and all classes are among them: the lookup decides the answer.
    expect(new Set(passengers.map((p) => `${p.sex}/${p.passengerClass}`)).size).toBe(6);
  });

  it("reads more keys than one bulk get or D1 statement takes (150 > 100) in chunks, with the same answers", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => i * 8 + 1);
    const byId = await predict(server, model, { instances: ids.map((id) => ({ passenger_id: id, age: 30 })) });
    const inline = await predict(server, model, { instances: ids.map((id) => ({ ...all[id - 1], age: 30 })) });
    expect(byId.status).toBe(200);
    expect(byId.body.predictions).toEqual(inline.body.predictions);
  });

  it("answers 422 FEATURE_NOT_FOUND for an id the view lacks, and 400 for a bad or missing id", async () => {
    const missing = await predict(server, model, {
      instances: [
        { passenger_id: 1, age: 3 },
        { passenger_id: 999_999, age: 3 },
      ],
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error?.code).toBe("FEATURE_NOT_FOUND");
    expect(missing.body.error?.issues?.[0]?.path).toBe("instances[1].passenger_id");
    expect(missing.body.error?.message).toContain('key "999999"');
    expect(missing.body.error?.hint).toMatch(/edge-ml features push passenger/);
    const bad = await predict(server, model, { instances: [{ passenger_id: { id: 1 }, age: 3 }, { age: 3 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.issues?.map((i) => i.path)).toEqual(["instances[0].passenger_id", "instances[1].passenger_id"]);
  });
});

it("workerd's KV binding has bulk get (a Map from get(keys[])): the reader's one call per 100 keys, not its fallback", async () => {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    script: `export default { async fetch(_, env) { const got = await env.KV.get(["a", "b"], "json"); return Response.json({ map: got instanceof Map, a: got.get("a"), b: got.get("b") }); } };`,
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces: { KV: "bulk" },
  });
  try {
    const kv = (await mf.getKVNamespace("KV")) as unknown as { put(key: string, value: string): Promise<void> };
    await kv.put("a", JSON.stringify({ x: 1 }));
    expect(await (await mf.dispatchFetch("http://local/")).json()).toEqual({ map: true, a: { x: 1 }, b: null });
  } finally {
    await mf.dispose();
  }
});

describe("a store the Worker cannot read", () => {
  it("answers 503 naming the missing KV binding and the wrangler.toml section, and still serves inline values", async () => {
    const server = await serve("by-kv", null);
    const res = await predict(server, "by-kv", { instances: [{ passenger_id: 1, age: 3 }] });
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe("FEATURE_STORE_UNAVAILABLE");
    expect(res.body.error?.message).toContain("EDGE_ML_FEATURES_KV");
    expect(res.body.error?.hint).toContain('[[kv_namespaces]]\nbinding = "EDGE_ML_FEATURES_KV"');
    expect(res.body.predictions).toBeUndefined();
    const inline = await predict(server, "by-kv", { instances: [{ sex: "male", age: 3, passengerClass: "2nd" }] });
    expect(inline.status).toBe(200);
  }, 180_000);

  it("answers 503 for a D1 view never pushed (no table), with the push to run", async () => {
    const server = await serve("by-nowhere");
    const res = await predict(server, "by-nowhere", { instances: [{ passenger_id: 1, age: 3 }] });
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe("FEATURE_STORE_UNAVAILABLE");
    expect(res.body.error?.message).toContain("feature_view_nowhere");
    expect(res.body.error?.hint).toBe("push the view first: edge-ml features push nowhere <csv>");
  }, 180_000);
});
