/**
 * Tensor models (no feature schema) built for Workers and served by real workerd (miniflare): predictions equal
 * onnxruntime-node's within 1e-5, KServe V2 infer, metadata, health, OpenAPI, and the integrity check at load.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addModel } from "../../cli/registry/add-model.ts";
import { buildTarget } from "../../cli/build/bundle.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

const MLP = join(FIXTURES, "models", "mlp-tensor.onnx");
const INT_SUM = join(FIXTURES, "models", "int-sum.onnx");
const root = tempDir();
let mlp: WorkerServer;
let intSum: WorkerServer;
let mlpDir: string;

const post = (server: WorkerServer, path: string, body: unknown) =>
  fetch(new URL(path, server.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  await addModel(root, { model: MLP, name: "mlp", version: "1.0.0", slices: [] });
  await addModel(root, { model: INT_SUM, name: "int-sum", version: "0.1.0", slices: [] });
  mlpDir = (await buildTarget({ root, ref: "mlp@1.0.0", target: "worker", outDir: join(root, "dist", "mlp") })).outDir;
  const intDir = (await buildTarget({ root, ref: "int-sum@0.1.0", target: "worker", outDir: join(root, "dist", "int") })).outDir;
  [mlp, intSum] = await Promise.all([serveWorker(mlpDir), serveWorker(intDir)]);
});
afterAll(async () => {
  await Promise.all([mlp?.close(), intSum?.close()]);
});

function randomBatch(n: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 10 - 5;
  return Array.from({ length: n }, () => Array.from({ length: 4 }, next));
}

describe("tensor model in workerd", () => {
  it(":predict equals onnxruntime-node within 1e-5 (batch 1 and 64)", async () => {
    for (const n of [1, 64]) {
      const instances = randomBatch(n, n);
      const res = await post(mlp, "v1/models/mlp:predict", { instances });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: number[][]; model: unknown; requestId: string };
      expect(body.model).toEqual({ name: "mlp", version: "1.0.0" });
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.predictions).toHaveLength(n);
      const ref = await referenceRun(MLP, { x: { dtype: "float32", data: Float32Array.from(instances.flat()), dims: [n, 4] } });
      expect(maxAbsDiff(body.predictions.flat(), ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("V2 infer returns output tensors equal to the reference", async () => {
    const instances = randomBatch(3, 7);
    const res = await post(mlp, "v2/models/mlp/infer", { id: "req-1", inputs: [{ name: "x", shape: [3, 4], datatype: "FP32", data: instances.flat() }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; model_name: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
    expect(body.id).toBe("req-1");
    expect(body.model_name).toBe("mlp");
    expect(body.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual([["y", [3, 3], "FP32"]]);
    const ref = await referenceRun(MLP, { x: { dtype: "float32", data: Float32Array.from(instances.flat()), dims: [3, 4] } });
    expect(maxAbsDiff(body.outputs[0]!.data, ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
  });

  it("int64 inputs and outputs round-trip exactly", async () => {
    const res = await post(intSum, "v1/models/int-sum:predict", {
      instances: [
        [1, 2, 3],
        [10, -20, 4000000000],
      ],
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: unknown }).predictions).toEqual([[6], [3999999990]]);
    const v2 = await post(intSum, "v2/models/int-sum/infer", { inputs: [{ name: "ids", shape: [1, 3], datatype: "INT64", data: [[5, 5, 5]] }] });
    expect(v2.status).toBe(200);
    expect(((await v2.json()) as { outputs: { data: number[]; datatype: string }[] }).outputs[0]).toMatchObject({ data: [15], datatype: "INT64" });
  });

  it("serves metadata, health and an OpenAPI document", async () => {
    const meta = (await (await fetch(new URL("v2/models/mlp", mlp.url))).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ name: "mlp", versions: ["1.0.0"], inputs: [{ name: "x", datatype: "FP32", shape: [-1, 4] }] });
    expect((await fetch(new URL("v2/health/live", mlp.url))).status).toBe(200);
    const ready = await fetch(new URL("v2/health/ready", mlp.url));
    expect(ready.status).toBe(200);
    const openapi = (await (await fetch(new URL("openapi.json", mlp.url))).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, { maxItems: number; items: unknown }> }> };
    };
    expect(openapi.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.paths)).toContain("/v1/models/mlp:predict");
    expect(openapi.components.schemas["PredictRequest"]!.properties["instances"]).toMatchObject({
      maxItems: 256,
      items: { type: "array", minItems: 4, maxItems: 4 },
    });
  });

  it("a model altered after build fails its integrity check at load: 503, never a wrong answer", async () => {
    const tampered = join(root, "dist", "tampered");
    cpSync(mlpDir, tampered, { recursive: true });
    const bytes = new Uint8Array(await (await import("node:fs/promises")).readFile(join(tampered, "model.onnx")));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // flip bits in the last weight
    writeFileSync(join(tampered, "model.onnx"), bytes);
    const server = await serveWorker(tampered);
    try {
      const ready = await fetch(new URL("v2/health/ready", server.url));
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain("integrity check");
      const res = await post(server, "v1/models/mlp:predict", { instances: [[1, 2, 3, 4]] });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("MODEL_UNAVAILABLE");
    } finally {
      await server.close();
    }
  });
});
