/**
 * Quantization written directly on the ONNX protobuf (no Python): int8 weight-only QDQ (per tensor or per channel),
 * int8 dynamic (MatMulInteger/ConvInteger), fp16 weights and int4 MatMulNBits.
 *
 * Kernels measured 2026-12-02 with onnxruntime-node 1.30.0 and onnxruntime-web 1.30.0 (WASM build in Node, 1 thread),
 * on tiny hand-built models (all ran and agreed between the two runtimes):
 * - ai.onnx DequantizeLinear: per-tensor (opset 10) and per-channel `axis` (opset 13), int8 input: node ✓, wasm ✓.
 * - com.microsoft DequantizeLinear with `axis`, in an opset-9 model: node ✓, wasm ✓ (used for models below opset 13).
 * - DynamicQuantizeLinear (opset 11) → MatMulInteger with uint8 A and uint8 or int8 B: node ✓, wasm ✓.
 * - ConvInteger with uint8 X and uint8 or int8 W: node ✓, wasm ✓.
 * - com.microsoft MatMulNBits (bits 4, block 16, with and without zero_points): node ✓, wasm ✓.
 * - ConvInteger also grouped, depthwise, 1-D and 3-D (uint8 X, int8 W): node ✓, wasm ✓ (test/cli/optimize).
 * - com.microsoft FusedConv / FusedGemm (what onnxruntime's extended graph optimization writes) reading a
 *   DequantizeLinear or Cast output: node ✓, wasm ✓.
 * - Cast float16 → float (opset 9): node ✓, wasm ✓. Float16 MatMul/Gemm/Conv/Add/Relu/Tanh also load and run in both,
 *   but (as far as we can tell) through Casts that onnxruntime's CPU provider inserts around fp16 nodes it has no kernel
 *   for: the fp16 scheme therefore stores weights as float16 and writes the Cast(to=float) itself, so compute is fp32
 *   by construction and the result does not depend on that fallback.
 *
 * @example
 * ```ts
 * import { quantizeModel } from "./cli/optimize/quantize/index.ts";
 * const { bytes, quantized, skipped } = quantizeModel(modelBytes, { scheme: "int8-per-channel" });
 * ```
 */
export { quantizeModel } from "./quantize-model.ts";
export type { QuantizeResult, QuantizeScheme } from "./types.ts";
export { QUANTIZE_SCHEMES } from "./types.ts";
