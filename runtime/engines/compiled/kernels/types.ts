/**
 * The kernel contract of the compiled engine. A kernel factory runs once per node when a session is created: it reads
 * and checks the node's attributes (throwing UnsupportedNodeError for anything it does not implement exactly as
 * onnxruntime does) and precomputes what it can (transposed weights, tree tables). The function it returns runs per
 * request over typed arrays and must not keep state between calls.
 */
import type { CompiledNode, Tensor } from "../format.ts";

/** Inputs in the node's order; `undefined` for an omitted optional input (name ""). */
export type KernelRun = (inputs: readonly (Tensor | undefined)[]) => Tensor[];

export interface PrepareContext {
  /** The constant value of a node input, when it is an initializer (e.g. Gemm's B, Reshape's shape). */
  constant(name: string): Tensor | undefined;
  /** The opset version the model imports for a domain ("" = default ONNX domain). */
  opset(domain: string): number;
}

export type KernelFactory = (node: CompiledNode, ctx: PrepareContext) => KernelRun;

/** A node this engine cannot run exactly as onnxruntime would; `auto` then falls back to ORT and prints the reason. */
export class UnsupportedNodeError extends Error {
  override name = "UnsupportedNodeError";
  constructor(
    readonly node: CompiledNode,
    readonly reason: string,
  ) {
    super(`${node.domain ? `${node.domain}.` : ""}${node.op} (node ${node.name}): ${reason}`);
  }
}

/** The registry key of an op: "Gemm" in the default domain, "ai.onnx.ml:TreeEnsembleClassifier" elsewhere. */
export const kernelKey = (domain: string, op: string): string => (domain === "" || domain === "ai.onnx" ? op : `${domain}:${op}`);
