import type { KernelFactory } from "./types.ts";
export const ONNX_KERNELS: Record<string, KernelFactory> = {};
