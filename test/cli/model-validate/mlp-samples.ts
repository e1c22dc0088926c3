/**
 * Samples for test/fixtures/models/mlp-tensor.onnx (x float32[batch, 4] → y float32[batch, 3]): inputs from a seeded
 * generator, expected outputs from onnxruntime-node on the same bytes, labels = the argmax of each row.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { FIXTURES } from "../../helpers/tmp.ts";

export const MLP = join(FIXTURES, "models", "mlp-tensor.onnx");

export interface MlpLine {
  inputs: { name: string; shape: number[]; datatype: string; data: number[] }[];
  outputs?: { name: string; shape: number[]; datatype: string; data: number[] }[];
  labels?: number[];
}

/** `lines` request bodies of `batch` rows each; every other line carries its expected outputs, the first its labels. */
export async function mlpSamples(lines: number, batch = 2, seed = 7): Promise<MlpLine[]> {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;
  const session = await ort.InferenceSession.create(readFileSync(MLP));
  const out: MlpLine[] = [];
  try {
    for (let i = 0; i < lines; i++) {
      const x = Float32Array.from({ length: batch * 4 }, next);
      const y = (await session.run({ x: new ort.Tensor("float32", x, [batch, 4]) }))["y"];
      const data = Array.from(y?.data as Float32Array);
      const line: MlpLine = { inputs: [{ name: "x", shape: [batch, 4], datatype: "FP32", data: Array.from(x) }] };
      if (i % 2 === 0) line.outputs = [{ name: "y", shape: [batch, 3], datatype: "FP32", data }];
      if (i === 0)
        line.labels = Array.from({ length: batch }, (_, r) => data.slice(r * 3, r * 3 + 3).reduce((b, v, k, a) => (v > (a[b] ?? -Infinity) ? k : b), 0));
      out.push(line);
    }
  } finally {
    await session.release();
  }
  return out;
}

export function writeJsonl(file: string, lines: readonly unknown[]): string {
  writeFileSync(file, `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`);
  return file;
}
