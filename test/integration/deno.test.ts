/**
 * The Deno target in the real `deno` binary: the example and a tensor model answer like onnxruntime-node, bad input
 * is a 4xx, a tampered model is refused at start, and telemetry reaches a monitor.
 */
import { cpSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addModel } from "../../cli/registry/add-model.ts";
import { buildTarget } from "../../cli/build/bundle.ts";
import { serveDeno, type DenoServer } from "../../targets/deno/serve.ts";
import { startMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const root = tempDir();
let titanic: DenoServer;
let mlp: DenoServer;
let monitor: Awaited<ReturnType<typeof startMonitor>>;
let mlpDir: string;

const post = (server: DenoServer, path: string, body: unknown) =>
  fetch(new URL(path, server.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  monitor = await startMonitor({ port: 0, dbFile: join(root, "monitor.db") });
  const { token } = await createToken(monitor.store, "deno-test");
  await addModel(root, { model: join(FIXTURES, "models", "mlp-tensor.onnx"), name: "mlp", version: "1.0.0", slices: [] });
  const [t, m] = await Promise.all([
    buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "deno", outDir: join(root, "titanic") }),
    buildTarget({ root, ref: "mlp@1.0.0", target: "deno", outDir: join(root, "mlp") }),
  ]);
  mlpDir = m.outDir;
  const env = {
    EDGE_ML_MONITOR_URL: monitor.url,
    EDGE_ML_MONITOR_TOKEN: token,
    EDGE_ML_DEPLOYMENT: "deno-test",
    EDGE_ML_FLUSH_INTERVAL_MS: "500",
    EDGE_ML_SAMPLE_RATE: "1",
  };
  [titanic, mlp] = await Promise.all([serveDeno(t.outDir, { port: 0, env }), serveDeno(m.outDir, { port: 0 })]);
});
afterAll(async () => {
  await Promise.all([titanic?.close(), mlp?.close()]);
  await monitor?.close();
});

describe("Deno target", () => {
  it("tensor predictions equal onnxruntime-node within 1e-5", async () => {
    const instances = Array.from({ length: 16 }, (_, i) => [Math.sin(i), Math.cos(i), i / 16, -i / 8]);
    const res = await post(mlp, "v1/models/mlp:predict", { instances });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: number[][] };
    const ref = await referenceRun(join(FIXTURES, "models", "mlp-tensor.onnx"), {
      x: { dtype: "float32", data: Float32Array.from(instances.flat()), dims: [16, 4] },
    });
    expect(maxAbsDiff(predictions.flat(), ref["y"]!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
  });

  it("serves the example with feature objects and rejects bad input with paths", async () => {
    const ok = await post(titanic, "v1/models/titanic:predict", {
      instances: [
        { sex: "female", age: 29, passengerClass: "1st" },
        { sex: "male", age: null, passengerClass: "3rd" },
      ],
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { predictions: { label: string }[] }).predictions.map((p) => p.label)).toEqual(["yes", "no"]);
    const bad = await post(titanic, "v1/models/titanic:predict", { instances: [{ sex: "robot", age: "x", passengerClass: "1st" }] });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(["instances[0].age", "instances[0].sex"]);
    const v2 = await post(mlp, "v2/models/mlp/infer", { inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }] });
    expect(v2.status).toBe(200);
  });

  it("sends telemetry: the monitor counts the requests", async () => {
    for (let i = 0; i < 20; i++)
      await (await post(titanic, "v1/models/titanic:predict", { instances: [{ sex: "male", age: i + 1, passengerClass: "2nd" }] })).text();
    const deadline = Date.now() + 15_000;
    let requests = 0;
    while (Date.now() < deadline) {
      const text = await (await fetch(`${monitor.url}/metrics`)).text();
      requests = Number(/edgeml_requests_total\{deployment="deno-test"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      if (requests >= 22) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // 2 from the previous test (one good, one bad: errors count as requests) + 20 here; checked again after a pause
    // so a duplicate delivery would show.
    await new Promise((r) => setTimeout(r, 1000));
    const text = await (await fetch(`${monitor.url}/metrics`)).text();
    expect(requests).toBe(22);
    expect(Number(/edgeml_requests_total\{deployment="deno-test"[^}]*\} (\d+)/.exec(text)?.[1])).toBe(22);
    expect(text).toMatch(/edgeml_errors_total\{deployment="deno-test",[^}]*class="bad_request"\} 1/);
  });

  it("refuses to start with a tampered model", async () => {
    const dir = join(root, "tampered");
    cpSync(mlpDir, dir, { recursive: true });
    const bytes = readFileSync(join(dir, "model.onnx"));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(join(dir, "model.onnx"), bytes);
    await expect(serveDeno(dir, { port: 0 })).rejects.toThrow(/integrity check/);
  });
});
