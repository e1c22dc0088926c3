/**
 * int8-dynamic, as onnxruntime's quantize_dynamic writes it: the activation is quantized at run time
 * (DynamicQuantizeLinear → uint8, per tensor), the weight ahead of time (int8, symmetric, per output channel), the
 * integer product runs in MatMulInteger / ConvInteger and is scaled back to float32:
 * `Y = Cast(MatMulInteger(Aq, Bq, Azp, 0)) · (Ascale · Bscale) (+ bias)`. Gemm goes through the MatMul form.
 * All three kernels (uint8 A with int8 B) run in onnxruntime-node and onnxruntime-web's WASM build (see index.ts).
 *
 * @example
 * ```ts
 * quantizeDynamic(ctx); // needs ctx.opset >= 11 (DynamicQuantizeLinear)
 * ```
 */
import type { QuantizeContext } from "./context.ts";
import { type GraphScope, type Node, isDefaultDomain } from "./graph-scan.ts";
import { matmulForm } from "./matmul-form.ts";
import { bytesTensor, DT, dimsOf, floatTensor, int64Tensor, quantizeInt8, readFloat32 } from "./tensor-data.ts";

const FUSED = "a com.microsoft fused op from graph optimization is not rewritten: quantize before --level extended, or use int8-per-channel / fp16";
const UNCOVERED: Record<string, string> = {
  FusedConv: FUSED,
  FusedGemm: FUSED,
  FusedMatMul: FUSED,
  ConvTranspose: "int8-dynamic has no ConvTranspose integer kernel in onnxruntime; int8-per-channel covers it",
  LSTM: "int8-dynamic covers MatMul, Gemm and Conv (DynamicQuantizeLSTM is not emitted); int8-per-channel covers LSTM",
  GRU: "int8-dynamic covers MatMul, Gemm and Conv; int8-per-channel covers GRU",
  RNN: "int8-dynamic covers MatMul, Gemm and Conv; int8-per-channel covers RNN",
};

export function quantizeDynamic(ctx: QuantizeContext): void {
  const cache: Cache = { weights: new Map(), activations: new Map() };
  for (const { scope, node } of ctx.nodes()) {
    const op = isDefaultDomain(node) || node.domain === "com.microsoft" ? (node.opType ?? "") : "";
    if (!isDefaultDomain(node) || (op !== "MatMul" && op !== "Gemm" && op !== "Conv")) {
      if (UNCOVERED[op] && node.input?.some((_, i) => ctx.weightAt(node, i))) ctx.skip(node, UNCOVERED[op]!);
      continue;
    }
    if (ctx.isExcluded(node)) {
      ctx.skip(node, "excluded by the exclude option", node.input?.[1]);
      continue;
    }
    const reason = op === "Conv" ? convInteger(ctx, scope, node, cache) : matmulInteger(ctx, scope, node, cache);
    if (reason) ctx.skip(node, reason, ctx.weightAt(node, 1)?.name);
  }
}

interface QuantizedWeight {
  q: string;
  scale: string;
  zp: string;
}
/**
 * Weights quantized so far (a shared weight is quantized once), and activations already quantized per graph: nodes
 * that read the same A (Q, K and V projections) share one DynamicQuantizeLinear, emitted with the first of them.
 */
interface Cache {
  weights: Map<string, QuantizedWeight>;
  activations: Map<GraphScope, Map<string, [string, string, string]>>;
}

function matmulInteger(ctx: QuantizeContext, scope: GraphScope, node: Node, cache: Cache): string | undefined {
  const form = matmulForm(ctx, node);
  if (typeof form === "string") return form;
  const { weight: w, k, n } = form;
  const key = `${w.name}|${form.transposed}|${form.alpha}`;
  let qw = cache.weights.get(key);
  if (!qw) {
    const { q, scales } = quantizeInt8(form.b, [k, n], 1);
    const f = ctx.scan.freshName;
    qw = { q: f(`${w.name}_quantized`), scale: f(`${w.name}_scale`), zp: f(`${w.name}_zero_point`) };
    ctx.edit.addInitializer(w.scope, bytesTensor(qw.q, [k, n], DT.INT8, new Uint8Array(q.buffer)));
    ctx.edit.addInitializer(
      w.scope,
      floatTensor(
        qw.scale,
        [n],
        scales.map((s) => s * form.alpha),
      ),
    );
    ctx.edit.addInitializer(w.scope, bytesTensor(qw.zp, [], DT.INT8, new Uint8Array(1)));
    cache.weights.set(key, qw);
  }
  const nodes = integerProduct(ctx, cache, scope, node, form.a, "MatMulInteger", qw, [], form.bias);
  ctx.edit.replace(scope, node, [...form.pre, ...nodes]);
  const how = [form.transposed ? "B transposed" : "", form.alpha !== 1 ? "alpha folded into the scale" : "", form.bias ? "bias added after" : ""].filter(
    Boolean,
  );
  ctx.record(node, w, ["DynamicQuantizeLinear + MatMulInteger (uint8 A, int8 B per-channel)", ...how].join("; "));
  return undefined;
}

function convInteger(ctx: QuantizeContext, scope: GraphScope, node: Node, cache: Cache): string | undefined {
  const w = ctx.weightAt(node, 1);
  if (!w) return `W ("${node.input?.[1] ?? ""}") is computed at run time, not a constant weight`;
  const problem = ctx.weightProblem(w);
  if (problem) return problem;
  const dims = dimsOf(w.tensor);
  const biasName = node.input?.[2];
  const bias = biasName ? ctx.weightAt(node, 2) : undefined;
  const biasValues = bias ? readFloat32(bias.tensor) : undefined;
  const channelShape = [dims[0]!, ...dims.slice(2).map(() => 1)];
  const f = ctx.scan.freshName;
  let qw = cache.weights.get(w.name);
  if (!qw) {
    const { q, scales } = quantizeInt8(readFloat32(w.tensor)!, dims, 0);
    qw = { q: f(`${w.name}_quantized`), scale: f(`${w.name}_scale`), zp: f(`${w.name}_zero_point`) };
    ctx.edit.addInitializer(w.scope, bytesTensor(qw.q, dims, DT.INT8, new Uint8Array(q.buffer)));
    ctx.edit.addInitializer(w.scope, floatTensor(qw.scale, channelShape, scales));
    ctx.edit.addInitializer(w.scope, bytesTensor(qw.zp, [], DT.INT8, new Uint8Array(1)));
    cache.weights.set(w.name, qw);
  }
  // ConvInteger has no bias: it is added after, shaped [M, 1, ...] to broadcast over the spatial dims — ahead of time
  // when it is a constant, by a Reshape when it is computed (exporters often route a bias through an Identity).
  let biasOut: string | undefined;
  const pre: Node[] = [];
  if (bias && biasValues) {
    biasOut = f(`${bias.name}_per_channel`);
    ctx.edit.addInitializer(bias.scope, floatTensor(biasOut, channelShape, biasValues));
  } else if (biasName) {
    const shape = f(`${ctx.label(node)}_bias_shape`);
    biasOut = f(`${biasName}_per_channel`);
    ctx.edit.addInitializer(scope, int64Tensor(shape, channelShape));
    pre.push({ name: f(`${ctx.label(node)}_ReshapeBias`), opType: "Reshape", domain: "", input: [biasName, shape], output: [biasOut] });
  }
  const attrs = (node.attribute ?? []).filter((a) => ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"].includes(a.name ?? ""));
  ctx.edit.replace(scope, node, [...pre, ...integerProduct(ctx, cache, scope, node, node.input![0]!, "ConvInteger", qw, attrs, biasOut)]);
  ctx.record(node, w, `DynamicQuantizeLinear + ConvInteger (uint8 X, int8 W per-channel)${biasOut ? "; bias added after" : ""}`, "Conv");
  return undefined;
}

/** DynamicQuantizeLinear(A) → integer op → Cast(float) → Mul(Ascale · Wscale) (→ Add bias), writing the node's output. */
function integerProduct(
  ctx: QuantizeContext,
  cache: Cache,
  scope: GraphScope,
  node: Node,
  a: string,
  op: "MatMulInteger" | "ConvInteger",
  qw: QuantizedWeight,
  attribute: NonNullable<Node["attribute"]>,
  bias: string | undefined,
): Node[] {
  const f = ctx.scan.freshName;
  const base = ctx.label(node);
  const nodes: Node[] = [];
  const inScope = cache.activations.get(scope) ?? new Map<string, [string, string, string]>();
  cache.activations.set(scope, inScope);
  let aq = inScope.get(a);
  if (!aq) {
    aq = [f(`${a}_quantized`), f(`${a}_scale`), f(`${a}_zero_point`)];
    inScope.set(a, aq);
    nodes.push({ name: f(`${a}_DynamicQuantizeLinear`), opType: "DynamicQuantizeLinear", domain: "", input: [a], output: [...aq] });
  }
  const [yi, yf, s] = [f(`${base}_int32`), f(`${base}_float`), f(`${base}_scale`)];
  const out = node.output![0]!;
  const scaled = bias ? f(`${base}_scaled`) : out;
  nodes.push(
    { name: f(`${base}_${op}`), opType: op, domain: "", input: [aq[0], qw.q, aq[2], qw.zp], output: [yi], attribute },
    { name: f(`${base}_Cast`), opType: "Cast", domain: "", input: [yi], output: [yf], attribute: [{ name: "to", type: 2, i: DT.FLOAT }] },
    { name: f(`${base}_ScaleMul`), opType: "Mul", domain: "", input: [aq[1], qw.scale], output: [s] },
    { name: f(`${base}_Mul`), opType: "Mul", domain: "", input: [yf, s], output: [scaled] },
  );
  if (bias) nodes.push({ name: f(`${base}_AddBias`), opType: "Add", domain: "", input: [scaled, bias], output: [out] });
  return nodes;
}
