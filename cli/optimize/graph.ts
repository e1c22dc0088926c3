/**
 * Offline graph optimization through onnxruntime-node: the session writes the graph it optimized
 * (`optimizedModelFilePath`). Only `basic` (constant folding, redundant-node removal: standard ONNX ops) and
 * `extended` (fusions into com.microsoft contrib ops such as FusedConv, FusedGemm, which onnxruntime-web's wasm build
 * also has) are offered: `all` adds layout transforms (NCHWc) that only the native CPU build runs, and ORT itself
 * warns that such a file is tied to the machine that wrote it. The result is checked where it will run: `optimize`
 * loads it in onnxruntime-web and compares its outputs with the original's.
 *
 * @example
 * ```ts
 * const optimized = await optimizeGraph(bytes, "extended");
 * ```
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { importOrtNode, ortNodeMissing } from "../baseline/ort-node.ts";

export const GRAPH_LEVELS = ["basic", "extended"] as const;
export type GraphLevel = (typeof GRAPH_LEVELS)[number];

export async function optimizeGraph(bytes: Uint8Array, level: GraphLevel): Promise<Uint8Array> {
  const ort = await importOrtNode();
  if (ort === undefined) throw ortNodeMissing(`graph optimization (--level ${level})`);
  const dir = mkdtempSync(join(tmpdir(), "edge-ml-opt-"));
  const out = join(dir, "optimized.onnx");
  try {
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level, optimizedModelFilePath: out, intraOpNumThreads: 1 });
    await session.release();
    return new Uint8Array(readFileSync(out));
  } catch (cause) {
    throw new EdgeMlError("ERR_ENGINE", `onnxruntime-node could not optimize the graph at level ${level}: ${(cause as Error).message}`, {
      hint: "check that the model loads in onnxruntime (`npx edge-ml validate`), or try --level basic",
      cause,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
