/** onnxruntime-node as the numerical reference for everything the edge computes. */
import * as ort from "onnxruntime-node";

export async function referenceRun(modelPath: string, feeds: Record<string, { dtype: string; data: ArrayLike<number> | ArrayLike<bigint>; dims: number[] }>) {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.dtype as "float32", f.data as Float32Array, f.dims);
  const out = await session.run(tensors);
  await session.release();
  return out;
}

/** Largest absolute difference between two numeric arrays (their lengths must match). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
