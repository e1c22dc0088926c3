/**
 * onnxruntime-node is an optional peer dependency: without it the baseline runs on onnxruntime-web's wasm build with
 * the same numbers, and `validate --runtime node` is a user error that says how to install it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import type { Instance } from "../../../core/schema/features.ts";
import type { EdgeMlError } from "../../../core/errors.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const dir = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
const bytes = new Uint8Array(readFileSync(join(dir, "model.onnx")));
const instances: Instance[] = [
  { sex: "female", age: 29, passengerClass: "1st" },
  { sex: "male", age: null, passengerClass: "3rd" },
  { sex: "male", age: 4, passengerClass: "2nd" },
];
const probabilities = (ps: { probabilities?: number[] | Record<string, number> }[]) => ps.map((p) => Object.values(p.probabilities ?? {}));

async function predictWith(runtime: "auto" | "node" | "wasm") {
  const { createBatchPredictor } = await import("../../../cli/baseline/predict.ts");
  const predictor = await createBatchPredictor(bytes, manifest.preprocessing!, manifest.postprocessing, manifest.io.outputs, runtime);
  try {
    return probabilities(await predictor.predict(instances));
  } finally {
    await predictor.release();
  }
}

describe("onnxruntime-node as an optional peer", () => {
  afterEach(() => {
    vi.doUnmock("../../../cli/baseline/ort-node.ts");
    vi.resetModules();
  });

  it("loads onnxruntime-node when it is installed (here it is)", async () => {
    const { importOrtNode } = await import("../../../cli/baseline/ort-node.ts");
    expect(typeof (await importOrtNode())?.InferenceSession.create).toBe("function");
  });

  it("without it, the baseline predictor falls back to wasm with the same probabilities; --runtime node says how to install it", async () => {
    const native = await predictWith("node");
    vi.resetModules();
    vi.doMock("../../../cli/baseline/ort-node.ts", async (importOriginal) => ({
      ...(await importOriginal<typeof import("../../../cli/baseline/ort-node.ts")>()),
      importOrtNode: async () => undefined,
    }));
    const fallback = await predictWith("auto");
    expect(fallback).toHaveLength(native.length);
    for (const [i, row] of fallback.entries()) for (const [j, p] of row.entries()) expect(p).toBeCloseTo(native[i]![j]!, 5);
    const err = await predictWith("node").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as EdgeMlError).code).toBe("ERR_USAGE");
    expect((err as EdgeMlError).hint).toContain("npm install -D onnxruntime-node");
    expect((err as EdgeMlError).hint).toContain("--runtime wasm");
  });
});
