/** The predictor's errors speak the caller's API: HTTP routes at the edge, `model.infer({...})` in a page. */
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { EngineSession } from "../../runtime/engines/types.ts";
import { createPredictor, type Surface } from "../../runtime/predictor.ts";

const manifest = {
  name: "vad",
  version: "1.0.0",
  task: "tensor",
  io: {
    inputs: [
      { name: "input", dtype: "float32", shape: ["batch", "sequence"] },
      { name: "sr", dtype: "int64", shape: [] },
    ],
    outputs: [{ name: "output", dtype: "float32", shape: ["batch", 1] }],
  },
} as unknown as Manifest;
const session: EngineSession = {
  inputNames: ["input", "sr"],
  outputNames: ["output"],
  run: async () => ({ output: { dtype: "float32", data: Float32Array.of(0.5), dims: [1, 1] } }),
  release: async () => undefined,
};
const hintOf = async (surface: Surface | undefined, call: (p: ReturnType<typeof createPredictor>) => Promise<unknown>) => {
  const p = createPredictor({ manifest, session, maxBatch: 8, ...(surface ? { surface } : {}) });
  const err = (await call(p).then(
    () => undefined,
    (e: unknown) => e,
  )) as { message: string; extra?: { hint?: string } };
  return `${err.message} | ${err.extra?.hint}`;
};

describe("predictor surface", () => {
  it("a multi-input model's instances: HTTP names the V2 route, a page names named tensors", async () => {
    expect(await hintOf(undefined, (p) => p.predict({ instances: [[1]] }))).toBe(
      "this model has 2 inputs (input, sr); :predict instances cannot name them | use POST /v2/models/<name>/infer with one entry per input",
    );
    expect(await hintOf("page", (p) => p.predict({ instances: [[1]] }))).toBe(
      "this model has 2 inputs (input, sr); model.predict([...]) instances cannot name them | pass named tensors, one entry per input: model.predict({ name: tensor, ... }) or model.infer({ name: tensor, ... })",
    );
  });

  it("bad input: the page's hint points at the manifest, not /openapi.json", async () => {
    expect(await hintOf("page", (p) => p.infer({ inputs: [] }))).toContain("model.manifest.io.inputs");
    expect(await hintOf("http", (p) => p.infer({ inputs: [] }))).toContain("GET /openapi.json");
  });

  it("runs validated feeds and predicts from them", async () => {
    const p = createPredictor({ manifest, session, maxBatch: 8, surface: "page" });
    const feeds = {
      input: { dtype: "float32" as const, data: new Float32Array(4), dims: [1, 4] },
      sr: { dtype: "int64" as const, data: BigInt64Array.of(16000n), dims: [] },
    };
    expect((await p.run(feeds))["output"]!.data).toEqual(Float32Array.of(0.5));
    expect((await p.predictFeeds(feeds)).predictions).toEqual([[0.5]]);
  });
});
