/**
 * The example tabular model, built from models/ and served by real workerd: `:predict` with feature objects equals
 * the reference (edge preprocessing in Node ▶ onnxruntime-node ▶ sigmoid) within 1e-5 on the whole eval set.
 */
import { parse } from "csv-parse/sync";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const dir = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
const rows = parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const instances = rows.map((r) => ({ sex: r["sex"]!, age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"]! }));
let server: WorkerServer;

beforeAll(async () => {
  const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "worker", outDir: join(tempDir(), "titanic") });
  server = await serveWorker(build.outDir);
});
afterAll(async () => {
  await server?.close();
});

describe("titanic example in workerd", () => {
  it("predicts the eval set with feature objects, equal to onnxruntime-node within 1e-5", async () => {
    expect(instances.length).toBeGreaterThan(200);
    const scores: number[] = [];
    const labels: string[] = [];
    for (let i = 0; i < instances.length; i += 100) {
      const res = await fetch(new URL("v1/models/titanic:predict", server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: instances.slice(i, i + 100) }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: { score: number; label: string }[] };
      for (const p of body.predictions) {
        scores.push(p.score);
        labels.push(p.label);
      }
    }
    const x = createPreprocessor(manifest.preprocessing!).transform(instances).get("features")!;
    const out = await referenceRun(join(dir, "model.onnx"), { features: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
    const expected = Array.from(out["logit"]!.data as Float32Array, (z) => 1 / (1 + Math.exp(-z)));
    expect(maxAbsDiff(scores, expected)).toBeLessThanOrEqual(1e-5);
    expect(labels).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
    // The model is a real one: it beats the majority class on held-out data.
    const accuracy = labels.filter((l, i) => l === rows[i]!["survived"]).length / labels.length;
    expect(accuracy).toBeGreaterThan(0.7);
  });

  it("metadata describes the features, and the OpenAPI schema lists them", async () => {
    const meta = (await (await fetch(new URL("v2/models/titanic", server.url))).json()) as { task: string; features: { name: string }[] };
    expect(meta.task).toBe("binary");
    expect(meta.features.map((f) => f.name).sort()).toEqual(["age", "passengerClass", "sex"]);
    const openapi = JSON.stringify(await (await fetch(new URL("openapi.json", server.url))).json());
    for (const name of ["sex", "age", "passengerClass", "female", "3rd"]) expect(openapi).toContain(name);
  });
});
