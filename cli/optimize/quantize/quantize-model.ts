/**
 * quantizeModel: reads an ONNX model, applies one quantization scheme to its weights (initializers and Constant
 * values, in every subgraph), and returns the new bytes with a report of what changed, what stayed fp32 and why.
 *
 * @example
 * ```ts
 * const result = quantizeModel(readFileSync("model.onnx"), { scheme: "int8-per-channel" });
 * writeFileSync("model.int8.onnx", result.bytes);
 * result.weightBytes; // { before: 1_048_576, after: 262_400 }
 * ```
 */
import onnxProto from "onnx-proto";
import { EdgeMlError } from "../../../core/errors.ts";
import { createContext, type QuantizeContext } from "./context.ts";
import { quantizeDynamic } from "./dynamic.ts";
import { type Graph, type ModelScan, scanModel } from "./graph-scan.ts";
import { quantizeInt4 } from "./int4.ts";
import { minIrVersion, raiseBlockers } from "./opset.ts";
import { tensorBytes } from "./tensor-data.ts";
import { QUANTIZE_SCHEMES, type QuantizeOptions, type QuantizeResult } from "./types.ts";
import { quantizeWeightsFp16, quantizeWeightsInt8 } from "./weight-only.ts";

const { onnx } = onnxProto;

/** The opset DynamicQuantizeLinear (int8-dynamic) needs. */
const DYNAMIC_OPSET = 11;

export function quantizeModel(model: Uint8Array, opts: QuantizeOptions): QuantizeResult {
  checkOptions(opts);
  const m = decode(model);
  const graph = m.graph!;
  const defaultImport = (m.opsetImport ?? []).find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx");
  const from = Number(defaultImport?.version ?? 0);
  if (!defaultImport || from < 1) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", "the model imports no default-domain (ai.onnx) opset", {
      hint: "re-export the model with an opset between 9 and 21",
    });
  }
  const before = weightBytes(graph);
  const scan = scanModel(graph);
  checkExclude(opts.exclude ?? [], scan);
  let opset = from;
  let refusal: string | undefined;
  if (opts.scheme === "int8-dynamic" && from < DYNAMIC_OPSET) {
    const blockers = raiseBlockers(scan.ops, from, DYNAMIC_OPSET);
    if (blockers.length === 0) opset = DYNAMIC_OPSET;
    else refusal = `DynamicQuantizeLinear needs opset ${DYNAMIC_OPSET}, the model has ${from}, and raising it could change ${blockers.join(", ")}`;
  }
  const ctx = createContext(scan, opts, opset);
  if (refusal) {
    for (const { node } of ctx.nodes()) if (["MatMul", "Gemm", "Conv"].includes(node.opType ?? "")) ctx.skip(node, refusal);
  } else if (opts.scheme === "int8-per-tensor" || opts.scheme === "int8-per-channel") quantizeWeightsInt8(ctx, opts.scheme === "int8-per-channel");
  else if (opts.scheme === "fp16") quantizeWeightsFp16(ctx);
  else if (opts.scheme === "int8-dynamic") quantizeDynamic(ctx);
  else quantizeInt4(ctx);

  reportFp32Readers(ctx);
  // The report reads in graph order (a parent graph's nodes, then its subgraphs'), whatever order the scheme used.
  const order = new Map<string, number>();
  ctx.nodes().forEach(({ node }, i) => order.set(ctx.label(node), order.get(ctx.label(node)) ?? i));
  const byNode = (a: { node: string }, b: { node: string }) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0);
  ctx.quantized.sort(byNode);
  ctx.skipped.sort(byNode);
  if (ctx.quantized.length === 0) throw nothingQuantized(opts, ctx.skipped);
  for (const w of ctx.edit.apply(scan)) {
    for (const q of ctx.quantized) if (q.weight === w.name) q.detail += "; no longer an overridable graph input";
  }

  defaultImport.version = opset;
  for (const domain of ctx.domains) {
    if (!(m.opsetImport ?? []).some((o) => o.domain === domain)) m.opsetImport = [...(m.opsetImport ?? []), { domain, version: 1 }];
  }
  m.irVersion = Math.max(Number(m.irVersion ?? 0), minIrVersion(opset));
  const checked = [...scan.ops]
    .filter((o) => o.startsWith(":"))
    .map((o) => o.slice(1))
    .sort();
  const raised = opset === from ? "" : `, opset ${from} → ${opset} (ops checked unchanged: ${checked.join(", ")})`;
  const note = `${opts.scheme}: ${ctx.quantized.length} node(s) quantized, ${ctx.skipped.length} skipped${raised} (edge-ml quantize)`;
  m.metadataProps = [...(m.metadataProps ?? []).filter((p) => p.key !== "edge-ml.quantize"), { key: "edge-ml.quantize", value: note }];
  const bytes = onnx.ModelProto.encode(m).finish();
  return {
    bytes,
    quantized: ctx.quantized,
    skipped: ctx.skipped,
    opset: { from, to: opset },
    domains: [...ctx.domains].sort(),
    weightBytes: { before, after: weightBytes(graph) },
  };
}

/** A node the scheme did not rewrite that reads a weight it quantized: the fp32 weight stays for it (stored twice). */
function reportFp32Readers(ctx: QuantizeContext): void {
  const quantized = new Set(ctx.quantized.map((q) => q.weight));
  for (const w of ctx.scan.weights) {
    // Only the weights a rewritten node took in quantized form: a Gemm bias re-read by the new Add is not one.
    if (!quantized.has(w.name) || !w.uses.some((u) => ctx.edit.isReplaced(u.node))) continue;
    for (const u of w.uses) {
      // An Identity forwarding the weight is not a reader: the nodes reading its output are.
      if (ctx.edit.isReplaced(u.node) || ctx.scan.aliases.has(u.node) || u.node.input?.[u.index] !== u.name) continue;
      if (ctx.skipped.some((s) => s.node === ctx.label(u.node) && s.weight === w.name)) continue;
      ctx.skip(u.node, `reads "${w.name}" as fp32, which therefore stays in the file beside its quantized copy`, w.name);
    }
  }
}

/** An exclude entry that names nothing is almost always a typo: say so rather than quantize what it meant to keep. */
function checkExclude(exclude: readonly string[], scan: ModelScan): void {
  const known = new Set(scan.weights.map((w) => w.name));
  for (const { graph } of scan.scopes) {
    for (const n of graph.node ?? []) for (const name of [n.name ?? "", ...(n.output ?? [])]) known.add(name);
  }
  const unknown = exclude.filter((e) => !known.has(e));
  if (unknown.length > 0) {
    throw new EdgeMlError("ERR_USAGE", `exclude names no node, node output or weight of the model: ${unknown.map((u) => `"${u}"`).join(", ")}`, {
      hint: "use the node names (or output names) that the quantization report lists, e.g. from a run without exclude",
    });
  }
}

function checkOptions(opts: QuantizeOptions): void {
  if (!QUANTIZE_SCHEMES.includes(opts.scheme)) {
    throw new EdgeMlError("ERR_USAGE", `unknown quantization scheme "${String(opts.scheme)}"`, { hint: `use one of: ${QUANTIZE_SCHEMES.join(", ")}` });
  }
  const bs = opts.blockSize;
  if (bs !== undefined && (!Number.isInteger(bs) || bs < 16 || (bs & (bs - 1)) !== 0)) {
    throw new EdgeMlError("ERR_USAGE", `blockSize ${bs} is not a power of two ≥ 16`, {
      hint: "MatMulNBits takes block sizes 16, 32, 64, 128 ...; 32 is the default",
    });
  }
  if (opts.minElements !== undefined && !(opts.minElements >= 0)) {
    throw new EdgeMlError("ERR_USAGE", `minElements ${opts.minElements} must be a number ≥ 0`);
  }
}

function decode(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  let m: onnxProto.onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `not a readable ONNX model: ${(cause as Error).message}`, {
      hint: "pass the .onnx file your exporter wrote (torch.onnx.export, skl2onnx, tf2onnx ...)",
      cause,
    });
  }
  if (!m.graph || (m.graph.output ?? []).length === 0) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", "the file has no graph outputs: it is not an ONNX model", {
      hint: "check that the file is a complete .onnx export (not a checkpoint or a truncated download)",
    });
  }
  return m;
}

function weightBytes(graph: Graph): number {
  return scanModel(graph).weights.reduce((sum, w) => sum + tensorBytes(w.tensor), 0);
}

function nothingQuantized(opts: QuantizeOptions, skipped: QuantizeResult["skipped"]): EdgeMlError {
  const lines = skipped.map((s) => `  • ${s.node} (${s.op}${s.weight ? `, ${s.weight}` : ""}): ${s.reason}`);
  const found = lines.length > 0 ? `:\n${lines.join("\n")}` : ": the model has no weight this scheme covers";
  return new EdgeMlError("ERR_BAD_INPUT", `nothing in the model could be quantized with ${opts.scheme}${found}`, {
    hint:
      "try another scheme (fp16 covers every float32 weight; int8-per-channel covers MatMul, Gemm, Conv, ConvTranspose, LSTM, GRU, RNN), " +
      "lower minElements, or remove entries from exclude",
    issues: skipped.map((s) => ({ path: s.node, message: s.reason })),
  });
}
