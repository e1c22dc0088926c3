/**
 * The default-domain ONNX kernels of the compiled engine, one table joined from the files that implement them. Each
 * matches onnxruntime's CPU kernel (exactly for integer, shape and copy ops; within 1e-5 for float math), and refuses
 * at prepare time what it does not implement.
 *
 * @example
 * ```ts
 * const run = ONNX_KERNELS.Gemm!(node, ctx);
 * ```
 */
import { CAST_KERNELS } from "./onnx-cast.ts";
import { ELEMENTWISE_KERNELS } from "./onnx-elementwise.ts";
import { MATMUL_KERNELS } from "./onnx-matmul.ts";
import { SHAPE_KERNELS } from "./onnx-shape.ts";
import { UNARY_KERNELS } from "./onnx-unary.ts";
import type { KernelFactory } from "./types.ts";

export const ONNX_KERNELS: Record<string, KernelFactory> = {
  ...MATMUL_KERNELS,
  ...ELEMENTWISE_KERNELS,
  ...SHAPE_KERNELS,
  ...CAST_KERNELS,
  ...UNARY_KERNELS,
};
