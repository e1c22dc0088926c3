/** Every op the compiled engine runs: the default ONNX domain (onnx.ts) and ai.onnx.ml (ml.ts). */
import { ML_KERNELS } from "./ml.ts";
import { ONNX_KERNELS } from "./onnx.ts";
import type { KernelFactory } from "./types.ts";

export const KERNELS: Readonly<Record<string, KernelFactory>> = { ...ONNX_KERNELS, ...ML_KERNELS };
