/**
 * The "done when", as a new user's models take it: a tabular MLP (titanic) and a random forest
 * (titanic-forest, sklearn, converted by examples/tabular-models) registered with their preprocessing build with
 * `--engine auto` to a Worker that carries no onnxruntime-web, under 300 KB gzip, and answer the whole Titanic eval
 * set in workerd equal to onnxruntime-node within 1e-5 (labels exact). Cold start against a hello-world Worker is a
 * speed target: it is measured by `build` and the bench, not asserted here.
 */
import { parse } from "csv-parse/sync";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import type { LocalServer } from "../../targets/types.ts";
import { serveWorker } from "../../targets/worker/serve.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const rows = parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const instances = rows.map((r) => ({ sex: r["sex"]!, age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"]! }));

/** What onnxruntime-node says P(survived) is for each eval row, from the registered model and its own preprocessing. */
async function referenceScores(name: string): Promise<number[]> {
  const dir = join(REPO_ROOT, "models", name, "1.0.0");
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  const x = createPreprocessor(manifest.preprocessing!).transform(instances).get("features")!;
  const out = await referenceRun(join(dir, "model.onnx"), { features: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
  if (name === "titanic") return Array.from(out["logit"]!.data as Float32Array, (z) => 1 / (1 + Math.exp(-z)));
  const p = out["probabilities"]!.data as Float32Array;
  return Array.from({ length: instances.length }, (_, i) => p[i * 2 + 1]!);
}

describe.each([
  { name: "titanic", ops: ["Gemm", "Relu"] },
  { name: "titanic-forest", ops: ["ai.onnx.ml:TreeEnsembleClassifier"] },
])("$name with --engine auto", ({ name, ops }) => {
  const servers: LocalServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("compiles, ships no wasm, fits 300 KB gzip, and predicts the eval set equal to onnxruntime-node within 1e-5", async () => {
    const build = await buildTarget({ root: REPO_ROOT, ref: `${name}@1.0.0`, target: "worker", engine: "auto", outDir: join(tempDir(), name) });
    expect(build.engine.name).toBe("compiled");
    expect(build.engine.compiled!.ops).toEqual(ops);
    expect(build.engine.compiled!.check).toMatchObject({ reference: "onnxruntime-node", tolerance: 1e-5 });
    expect(build.engine.compiled!.check.maxAbsError).toBeLessThanOrEqual(1e-5);
    expect(build.files.map((f) => [f.path, f.type])).toEqual([
      ["worker.js", "ESModule"],
      ["model.graph", "Data"],
    ]);
    // No onnxruntime-web code in the bundle (its session API and wasm loader), only edge-ml's own messages name it.
    const code = readFileSync(join(build.outDir, "worker.js"), "utf8");
    expect(["InferenceSession", "ort-wasm-simd-threaded", "wasmBinary"].filter((s) => code.includes(s))).toEqual([]);
    expect(build.totalGzipBytes).toBeLessThan(300 * 1000);

    const server = await serveWorker(build.outDir);
    servers.push(server);
    const scores: number[] = [];
    const labels: string[] = [];
    for (let i = 0; i < instances.length; i += 64) {
      const res = await fetch(new URL(`v1/models/${name}:predict`, server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: instances.slice(i, i + 64) }),
      });
      expect(res.status).toBe(200);
      for (const p of ((await res.json()) as { predictions: { score: number; label: string }[] }).predictions) {
        scores.push(p.score);
        labels.push(p.label);
      }
    }
    const expected = await referenceScores(name);
    expect(scores).toHaveLength(instances.length);
    expect(maxAbsDiff(scores, expected)).toBeLessThanOrEqual(1e-5);
    expect(labels).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
    // Real models: both beat the majority class on held-out data.
    expect(labels.filter((l, i) => l === rows[i]!["survived"]).length / labels.length).toBeGreaterThan(0.75);
  });
});
