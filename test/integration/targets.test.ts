/**
 * One suite, every server target in its real runtime (nitro's `testNitro` pattern): the Worker in workerd
 * (miniflare), the Deno build in the deno binary, the Node build in a Node child process. Each is built by
 * `buildTarget` and served by its registry entry (what `edge-ml dev --target <name>` does), then: ready; the example's
 * eval set and a tensor model equal onnxruntime-node within 1e-5; KServe V2 infer; int64 exact; metadata and
 * OpenAPI; the whole 4xx table (test/helpers/edge-cases.ts); telemetry batches with counters, profiles and slices
 * reaching a local monitor; a tampered model never answers. Each target runs once per engine: onnxruntime-web's wasm
 * and the compiled engine (titanic and the MLP compile; int-sum's ReduceSum does not, so `auto` falls back to ORT
 * there). The browser target keeps its Chromium test (browser.test.ts).
 */
import { parse } from "csv-parse/sync";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { registerBaseline, registrationFromManifest } from "../../monitor/registration.ts";
import { startMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { getTarget, type TargetName } from "../../targets/index.ts";
import type { LocalServer, ServeOptions } from "../../targets/types.ts";
import { EDGE_CASES, edgeRequest, expectEdgeError, good, P } from "../helpers/edge-cases.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";
import { until } from "../helpers/poll.ts";

const TITANIC = join(REPO_ROOT, "models", "titanic", "1.0.0");
const MLP = join(FIXTURES, "models", "mlp-tensor.onnx");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(TITANIC, "manifest.json"), "utf8")));
const rows = parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const instances = rows.map((r) => ({ sex: r["sex"]!, age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"]! }));

/** What differs per target: a tampered model is refused at start by long-lived servers, per request by a Worker. */
const SERVERS: { name: TargetName; tampered: "refused at start" | "503 per request" }[] = [
  { name: "worker", tampered: "503 per request" },
  { name: "deno", tampered: "refused at start" },
  { name: "node", tampered: "refused at start" },
];
const TARGETS = (["ort", "compiled"] as const).flatMap((engine) => SERVERS.map((t) => ({ ...t, engine })));

const root = tempDir();
let monitor: Awaited<ReturnType<typeof startMonitor>>;

beforeAll(async () => {
  await addModel(root, { model: MLP, name: "mlp", version: "1.0.0", slices: [] });
  await addModel(root, { model: join(FIXTURES, "models", "int-sum.onnx"), name: "int-sum", version: "1.0.0", slices: [] });
  monitor = await startMonitor({ port: 0, dbFile: join(root, "monitor.db") });
});
afterAll(async () => {
  await monitor?.close();
});

const post = (server: LocalServer, path: string, body: unknown) =>
  fetch(new URL(path.slice(1), server.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe.each(TARGETS)("$name target, $engine engine", ({ name, tampered, engine }) => {
  const deployment = `targets-${name}-${engine}`;
  const servers: Record<"titanic" | "mlp" | "int", LocalServer> = {} as never;
  let serve: (outDir: string, opts: ServeOptions) => Promise<LocalServer>;
  let mlpDir: string;
  let modelFile: string;

  beforeAll(async () => {
    serve = await getTarget(name, "dev").serve!.load();
    const out = join(root, `${name}-${engine}`);
    const [t, m, i] = await Promise.all([
      buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: name, engine, outDir: join(out, "titanic") }),
      buildTarget({ root, ref: "mlp@1.0.0", target: name, engine, outDir: join(out, "mlp") }),
      buildTarget({ root, ref: "int-sum@1.0.0", target: name, engine: engine === "compiled" ? "auto" : "ort", outDir: join(out, "int") }),
    ]);
    expect([t.engine.name, m.engine.name]).toEqual(engine === "compiled" ? ["compiled", "compiled"] : ["ort-wasm", "ort-wasm"]);
    expect(i.engine).toMatchObject({ name: "ort-wasm", reason: engine === "compiled" ? expect.stringContaining("ReduceSum") : "--engine ort" });
    mlpDir = m.outDir;
    modelFile = engine === "compiled" ? "model.graph" : "model.onnx";
    const { token } = await createToken(monitor.store, deployment);
    const registration = registrationFromManifest(manifest)!;
    expect((await registerBaseline(monitor.url, deployment, registration, undefined)).ok).toBe(true);
    const env = {
      EDGE_ML_MONITOR_URL: monitor.url,
      EDGE_ML_MONITOR_TOKEN: token,
      EDGE_ML_DEPLOYMENT: deployment,
      EDGE_ML_FLUSH_INTERVAL_MS: "300",
      EDGE_ML_SAMPLE_RATE: "1",
    };
    [servers.titanic, servers.mlp, servers.int] = await Promise.all([
      serve(t.outDir, { port: 0, env }),
      serve(m.outDir, { port: 0 }),
      serve(i.outDir, { port: 0 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s?.close()));
  });

  it("is live and ready (model loaded and verified)", async () => {
    expect((await fetch(new URL("v2/health/live", servers.mlp.url))).status).toBe(200);
    const ready = await fetch(new URL("v2/health/ready", servers.titanic.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, model: { name: "titanic", version: "1.0.0" } });
  });

  it("predicts the titanic eval set equal to onnxruntime-node within 1e-5", async () => {
    expect(instances.length).toBeGreaterThan(200);
    const scores: number[] = [];
    const labels: string[] = [];
    for (let i = 0; i < instances.length; i += 100) {
      const res = await post(servers.titanic, P, { instances: instances.slice(i, i + 100) });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-edge-ml-version")).toBe("1.0.0");
      for (const p of ((await res.json()) as { predictions: { score: number; label: string }[] }).predictions) {
        scores.push(p.score);
        labels.push(p.label);
      }
    }
    const x = createPreprocessor(manifest.preprocessing!).transform(instances).get("features")!;
    const out = await referenceRun(join(TITANIC, "model.onnx"), { features: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
    const expected = Array.from(out["logit"]!.data as Float32Array, (z) => 1 / (1 + Math.exp(-z)));
    expect(maxAbsDiff(scores, expected)).toBeLessThanOrEqual(1e-5);
    expect(labels).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
    // A real model: it beats the majority class on held-out data.
    expect(labels.filter((l, i) => l === rows[i]!["survived"]).length / labels.length).toBeGreaterThan(0.7);
  });

  it("tensor :predict equals onnxruntime-node within 1e-5 (batch 1 and 64)", async () => {
    for (const n of [1, 64]) {
      const batch = randomBatch(n, n);
      const res = await post(servers.mlp, "/v1/models/mlp:predict", { instances: batch });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: number[][]; model: unknown; requestId: string };
      expect(body.model).toEqual({ name: "mlp", version: "1.0.0" });
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const ref = await referenceRun(MLP, { x: { dtype: "float32", data: Float32Array.from(batch.flat()), dims: [n, 4] } });
      expect(maxAbsDiff(body.predictions.flat(), ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("KServe V2 infer returns output tensors equal to the reference", async () => {
    const batch = randomBatch(3, 7);
    const res = await post(servers.mlp, "/v2/models/mlp/infer", { id: "req-1", inputs: [{ name: "x", shape: [3, 4], datatype: "FP32", data: batch.flat() }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; model_name: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
    expect([body.id, body.model_name]).toEqual(["req-1", "mlp"]);
    expect(body.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual([["y", [3, 3], "FP32"]]);
    const ref = await referenceRun(MLP, { x: { dtype: "float32", data: Float32Array.from(batch.flat()), dims: [3, 4] } });
    expect(maxAbsDiff(body.outputs[0]!.data, ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
  });

  it("int64 inputs and outputs round-trip exactly", async () => {
    const res = await post(servers.int, "/v1/models/int-sum:predict", {
      instances: [
        [1, 2, 3],
        [10, -20, 4000000000],
      ],
    });
    expect(((await res.json()) as { predictions: unknown }).predictions).toEqual([[6], [3999999990]]);
    const v2 = await post(servers.int, "/v2/models/int-sum/infer", { inputs: [{ name: "ids", shape: [1, 3], datatype: "INT64", data: [[5, 5, 5]] }] });
    expect(((await v2.json()) as { outputs: { data: number[]; datatype: string }[] }).outputs[0]).toMatchObject({ data: [15], datatype: "INT64" });
  });

  it("serves metadata and an OpenAPI document listing the features", async () => {
    const meta = (await (await fetch(new URL("v2/models/mlp", servers.mlp.url))).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ name: "mlp", versions: ["1.0.0"], inputs: [{ name: "x", datatype: "FP32", shape: [-1, 4] }] });
    const titanic = (await (await fetch(new URL("v2/models/titanic", servers.titanic.url))).json()) as { task: string; features: { name: string }[] };
    expect(titanic.task).toBe("binary");
    expect(titanic.features.map((f) => f.name).sort()).toEqual(["age", "passengerClass", "sex"]);
    const openapi = (await (await fetch(new URL("openapi.json", servers.mlp.url))).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(openapi.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.paths)).toContain("/v1/models/mlp:predict");
    expect(openapi.components.schemas["PredictRequest"]!.properties["instances"]).toMatchObject({
      maxItems: 256,
      items: { type: "array", minItems: 4, maxItems: 4 },
    });
    const doc = JSON.stringify(await (await fetch(new URL("openapi.json", servers.titanic.url))).json());
    for (const word of ["sex", "age", "passengerClass", "female", "3rd"]) expect(doc).toContain(word);
  });

  it.each(EDGE_CASES)("bad input: $name → $status", async (c) => {
    const res = await fetch(new URL(c.path.slice(1), servers[c.model].url), edgeRequest(c));
    // Node and Deno close the connection after a 413 (targets/closing-after-413.ts): the next upload gets a fresh socket.
    if (c.status === 413 && name !== "worker") expect(res.headers.get("connection")).toBe("close");
    await expectEdgeError(res, c);
  });

  it("names every bad field with its path and says what it got, with a hint", async () => {
    const res = await post(servers.titanic, P, { instances: [{ sex: "robot", age: "x", passengerClass: "1st" }] });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { issues: { path: string; message: string }[]; hint: string } };
    expect(error.issues.map((i) => i.path).sort()).toEqual(["instances[0].age", "instances[0].sex"]);
    expect(error.issues.find((i) => i.path === "instances[0].age")!.message).toContain("string");
    expect(error.hint).toBeTruthy();
  });

  it("still predicts correctly after the bad input", async () => {
    const res = await post(servers.titanic, P, { instances: [good, { sex: "male", age: null, passengerClass: "3rd" }] });
    expect(((await res.json()) as { predictions: { label: string }[] }).predictions.map((p) => p.label)).toEqual(["yes", "no"]);
  });

  it("sends telemetry: exact counts, and profiles and slices the monitor reads drift from", async () => {
    for (let i = 0; i < 20; i++) await (await post(servers.titanic, P, { instances: [{ sex: "male", age: i + 1, passengerClass: "2nd" }] })).text();
    const sent = 20 + Math.ceil(instances.length / 100) + 1;
    // Bad requests that reach the predict handler count as requests and errors (not 404s and 405s of the router).
    const titanicCases = EDGE_CASES.filter((c) => c.model === "titanic" && c.path === P && c.method !== "GET").length + 1;
    const requests = await until(
      () => counter("requests", deployment),
      (n) => n >= sent + titanicCases,
      20_000,
    );
    // Checked after a pause too, so that a duplicate delivery would show.
    await new Promise((r) => setTimeout(r, 1000));
    expect(requests).toBe(sent + titanicCases);
    expect(await counter("requests", deployment)).toBe(sent + titanicCases);
    expect(await counter("errors", deployment)).toBe(titanicCases);
    const metrics = await (await fetch(`${monitor.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`edgeml_errors_total\\{deployment="${deployment}",[^}]*class="too_large"\\} 1\\n`));
    expect(metrics).toMatch(new RegExp(`edgeml_errors_total\\{deployment="${deployment}",[^}]*class="unsupported_media"\\} 3\\n`));
    // Profiles: every predicted instance counted in the baseline's bins, per slice value too.
    const slices = (await (await fetch(`${monitor.url}/v1/slices?deployment=${deployment}`)).json()) as {
      rows: number;
      slices: { key: string; values: { value: string; rows: number }[] }[];
    };
    expect(slices.rows).toBe(instances.length + 20 + 2);
    const byClass = slices.slices.find((s) => s.key === "passengerClass")!;
    expect(byClass.values.find((v) => v.value === "2nd")!.rows).toBe(instances.filter((x) => x.passengerClass === "2nd").length + 20);
    expect(slices.slices.map((s) => s.key).sort()).toEqual(["passengerClass", "sex"]);
  });

  it(`a model altered after build never answers (${tampered})`, async () => {
    const dir = join(root, `${name}-${engine}`, "tampered");
    cpSync(mlpDir, dir, { recursive: true });
    const bytes = readFileSync(join(dir, modelFile));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(join(dir, modelFile), bytes);
    if (tampered === "refused at start") {
      await expect(serve(dir, { port: 0 })).rejects.toThrow(/integrity check/);
      return;
    }
    const server = await serve(dir, { port: 0 });
    try {
      const ready = await fetch(new URL("v2/health/ready", server.url));
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain("integrity check");
      const res = await post(server, "/v1/models/mlp:predict", { instances: [[1, 2, 3, 4]] });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("MODEL_UNAVAILABLE");
    } finally {
      await server.close();
    }
  });
});

function randomBatch(n: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 10 - 5;
  return Array.from({ length: n }, () => Array.from({ length: 4 }, next));
}

async function counter(kind: "requests" | "errors", deployment: string): Promise<number> {
  const text = await (await fetch(`${monitor.url}/metrics`)).text();
  const re = new RegExp(`^edgeml_${kind}_total\\{deployment="${deployment}"[^}]*\\} (\\d+)$`, "gm");
  return [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
}
