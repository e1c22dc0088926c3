import type { KernelFactory } from "./types.ts";
export const ML_KERNELS: Record<string, KernelFactory> = {};
