/**
 * ONNX → compiled graph (`model.graph`), at build time. Reads the model with onnx-proto, turns Constant nodes and
 * constant graph inputs into initializers, moves TENSOR attributes and long attribute lists into initializers
 * (`{ tensor }` refs), sorts the nodes topologically, encodes the file, and proves it loads by creating a compiled
 * session on it. Anything the compiled engine cannot run exactly comes back as `{ ok: false, reason }`, phrased for
 * `build` to print after "engine: ort (...)".
 *
 * ZipMap outputs (a sequence of maps in ONNX) are declared as float32 tensors [N, C]: the ZipMap kernel passes the
 * probability tensor through, with columns in class-label order; serving never returned maps anyway.
 *
 * @example
 * ```ts
 * const outcome = compileOnnx(readFileSync("model.onnx"), sha256);
 * if (outcome.ok) writeFileSync("model.graph", outcome.bytes);
 * else console.log(`engine: ort (${outcome.reason})`);
 * ```
 */
import onnxProto from "onnx-proto";
import { compiledSession } from "../../../runtime/engines/compiled/engine.ts";
import { type AttrValue, type CompiledNode, type CompiledValue, encodeCompiledGraph, type Tensor } from "../../../runtime/engines/compiled/format.ts";
import { KERNELS } from "../../../runtime/engines/compiled/kernels/index.ts";
import { kernelKey, UnsupportedNodeError } from "../../../runtime/engines/compiled/kernels/types.ts";
import { dtypeOf, readTensor, toNumber } from "./onnx-tensor.ts";

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

export type CompileOutcome =
  | { ok: true; bytes: Uint8Array; ops: string[] }
  | { ok: false; reason: string; node?: { name: string; op: string; domain: string } };

/** Number lists longer than this go to the data section (tree ensembles carry tens of thousands of values). */
const INLINE_LIST_MAX = 16;

/** A failure with the node it is about; thrown inside this module and turned into `{ ok: false }`. */
class CompileFailure extends Error {
  constructor(
    message: string,
    readonly node?: { name: string; op: string; domain: string },
  ) {
    super(message);
  }
}

const A = onnx.AttributeProto.AttributeType;

export function compileOnnx(model: Uint8Array, sha256: string): CompileOutcome {
  try {
    const { bytes, ops } = buildGraph(model, sha256);
    loadCheck(bytes);
    return { ok: true, bytes, ops };
  } catch (err) {
    if (err instanceof CompileFailure) return { ok: false, reason: err.message, ...(err.node ? { node: err.node } : {}) };
    throw err;
  }
}

/** Create a session on the encoded bytes: runs every kernel factory, so attributes a kernel refuses surface here. */
function loadCheck(bytes: Uint8Array): void {
  try {
    compiledSession(bytes);
  } catch (err) {
    if (err instanceof UnsupportedNodeError) {
      const { name, op, domain } = err.node;
      throw new CompileFailure(`compiled engine does not support ${err.message}`, { name, op, domain });
    }
    throw new CompileFailure(`compiled graph does not load: ${(err as Error).message}`);
  }
}

function buildGraph(model: Uint8Array, sha256: string): { bytes: Uint8Array; ops: string[] } {
  let proto: onnxProto.onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(model);
  } catch (err) {
    throw new CompileFailure(`the model is not a readable ONNX file (${(err as Error).message})`);
  }
  const graph = proto.graph;
  if (!graph) throw new CompileFailure("the model has no graph");
  if ((graph.sparseInitializer ?? []).length > 0) throw new CompileFailure("the graph has sparse initializers, which the compiled engine does not read");
  const opsets = (proto.opsetImport ?? []).map((o) => ({ domain: o.domain ?? "", version: toNumber(o.version ?? 0) }));

  const initializers = new Map<string, Tensor>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? "", tensorOrFail(readTensor(t, `initializer "${t.name}"`)));

  const named = (graph.node ?? []).map((n, i) => ({ proto: n, name: n.name || `${n.opType}_${i}` }));
  checkOps(named);

  const nodes: CompiledNode[] = [];
  for (const { proto: n, name } of named) {
    const domain = n.domain ?? "";
    const op = n.opType ?? "";
    const where = { name, op, domain };
    if (op === "Constant" && (domain === "" || domain === "ai.onnx")) {
      initializers.set(n.output?.[0] ?? "", constantValue(n, where));
      continue;
    }
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) attrs[a.name ?? ""] = attrValue(a, where, `${name}::${a.name}`, initializers);
    nodes.push({ op, domain, name, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs });
  }

  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map((v) => tensorValue(v, "input"));
  const zipMapClasses = new Map<string, number>();
  for (const n of nodes) if (n.op === "ZipMap") zipMapClasses.set(n.outputs[0] ?? "", zipMapWidth(n, initializers));
  const outputs = (graph.output ?? []).map((v) => outputValue(v, zipMapClasses));

  const header = {
    format: "edge-ml-graph" as const,
    version: 1 as const,
    source: { sha256, opsets },
    inputs,
    outputs,
    nodes: topoSort(nodes, inputs, initializers, outputs),
  };
  const ops = [...new Set(nodes.map((n) => kernelKey(n.domain, n.op)))].sort();
  return { bytes: encodeCompiledGraph(header, initializers), ops };
}

function tensorOrFail(t: Tensor | string, node?: { name: string; op: string; domain: string }): Tensor {
  if (typeof t === "string") throw new CompileFailure(`compiled engine cannot load the model: ${t}`, node);
  return t;
}

/** Every op must have a kernel: one failure naming the first unsupported op's node and listing the other ops once. */
function checkOps(named: { proto: NodeProto; name: string }[]): void {
  const missing = new Map<string, { name: string; op: string; domain: string }>();
  for (const { proto: n, name } of named) {
    const domain = n.domain ?? "";
    const op = n.opType ?? "";
    const key = kernelKey(domain, op);
    if (KERNELS[key] === undefined && !missing.has(key)) missing.set(key, { name, op, domain });
  }
  if (missing.size === 0) return;
  // The first op with its node (what to look at), then the other ops by name: one line `build` can print.
  const entries = [...missing];
  const [firstKey, first] = entries[0]!;
  const rest = entries.slice(1).map(([key]) => key);
  const also = rest.length === 0 ? "" : `; also ${rest.length === 1 ? rest[0] : `${rest.slice(0, -1).join(", ")} and ${rest.at(-1)}`}`;
  const text = `${firstKey} (node ${first.name})${also}`;
  throw new CompileFailure(`compiled engine does not support ${text}`, first);
}

function constantValue(n: NodeProto, where: { name: string; op: string; domain: string }): Tensor {
  const a = n.attribute?.[0];
  if (a === undefined) throw new CompileFailure(`compiled engine cannot load Constant (node ${where.name}): it has no value`, where);
  switch (a.name) {
    case "value":
      return tensorOrFail(readTensor(a.t ?? {}, `Constant (node ${where.name})`), where);
    case "value_float":
      return { dtype: "float32", data: Float32Array.of(a.f ?? 0), dims: [] };
    case "value_floats":
      return { dtype: "float32", data: Float32Array.from(a.floats ?? []), dims: [a.floats?.length ?? 0] };
    case "value_int":
      return { dtype: "int64", data: BigInt64Array.of(BigInt(String(a.i ?? 0))), dims: [] };
    case "value_ints":
      return { dtype: "int64", data: BigInt64Array.from(a.ints ?? [], (v) => BigInt(String(v))), dims: [a.ints?.length ?? 0] };
    case "value_string":
      return { dtype: "string", data: [new TextDecoder().decode(a.s ?? new Uint8Array())], dims: [] };
    case "value_strings":
      return { dtype: "string", data: (a.strings ?? []).map((s) => new TextDecoder().decode(s)), dims: [a.strings?.length ?? 0] };
    default:
      throw new CompileFailure(`compiled engine does not support Constant (node ${where.name}) with ${a.name}`, where);
  }
}

function attrValue(a: AttributeProto, where: { name: string; op: string; domain: string }, refName: string, initializers: Map<string, Tensor>): AttrValue {
  const decoder = new TextDecoder();
  const long = (t: Tensor): AttrValue => {
    initializers.set(refName, t);
    return { tensor: refName };
  };
  switch (a.type) {
    case A.FLOAT:
      return a.f ?? 0;
    case A.INT:
      return toNumber(a.i ?? 0);
    case A.STRING:
      return decoder.decode(a.s ?? new Uint8Array());
    case A.TENSOR:
      return long(tensorOrFail(readTensor(a.t ?? {}, `attribute ${a.name} of ${where.op} (node ${where.name})`), where));
    case A.FLOATS: {
      const v = a.floats ?? [];
      return v.length > INLINE_LIST_MAX ? long({ dtype: "float32", data: Float32Array.from(v), dims: [v.length] }) : [...v];
    }
    case A.INTS: {
      const v = a.ints ?? [];
      return v.length > INLINE_LIST_MAX ? long({ dtype: "int64", data: BigInt64Array.from(v, (x) => BigInt(String(x))), dims: [v.length] }) : v.map(toNumber);
    }
    case A.STRINGS:
      // Inline at any length: string tensors live in the header JSON too, so a ref would save nothing.
      return (a.strings ?? []).map((s) => decoder.decode(s));
    case A.GRAPH:
    case A.GRAPHS:
      throw new CompileFailure(`compiled engine does not support ${where.op} (node ${where.name}): it has a subgraph (attribute ${a.name})`, where);
    default:
      throw new CompileFailure(
        `compiled engine does not support ${where.op} (node ${where.name}): attribute ${a.name} has ONNX attribute type ${a.type}`,
        where,
      );
  }
}

function shapeOf(v: ValueInfo): (number | string)[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? toNumber(d.dimValue) : "?"));
}

function tensorValue(v: ValueInfo, kind: "input" | "output"): CompiledValue {
  const tensor = v.type?.tensorType;
  const dtype = tensor ? dtypeOf(tensor.elemType) : undefined;
  if (!tensor) throw new CompileFailure(`compiled engine does not support graph ${kind} "${v.name}": it is not a tensor`);
  if (dtype === undefined || dtype === "float16")
    throw new CompileFailure(`compiled engine does not support graph ${kind} "${v.name}": element type ${tensor.elemType}`);
  return { name: v.name ?? "", dtype, shape: shapeOf(v) };
}

/** A graph output: a tensor, or a ZipMap's sequence of maps declared as its float32 [N, C] probability tensor. */
function outputValue(v: ValueInfo, zipMapClasses: ReadonlyMap<string, number>): CompiledValue {
  const classes = zipMapClasses.get(v.name ?? "");
  if (v.type?.sequenceType && classes !== undefined) return { name: v.name ?? "", dtype: "float32", shape: ["N", classes] };
  return tensorValue(v, "output");
}

function zipMapWidth(n: CompiledNode, initializers: ReadonlyMap<string, Tensor>): number {
  const labels = n.attrs.classlabels_int64s ?? n.attrs.classlabels_strings;
  if (Array.isArray(labels)) return labels.length;
  if (labels !== undefined && typeof labels === "object") return initializers.get(labels.tensor)?.data.length ?? 0;
  throw new CompileFailure(`compiled engine does not support ZipMap (node ${n.name}): it has no class labels`, { name: n.name, op: n.op, domain: n.domain });
}

/** Kahn's algorithm, stable: among ready nodes the earliest in the file goes first. */
function topoSort(nodes: CompiledNode[], inputs: CompiledValue[], initializers: ReadonlyMap<string, Tensor>, outputs: CompiledValue[]): CompiledNode[] {
  const available = new Set<string>([...inputs.map((i) => i.name), ...initializers.keys(), ""]);
  const pending = [...nodes];
  const sorted: CompiledNode[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((n) => n.inputs.every((x) => available.has(x)));
    if (i < 0) {
      const stuck = pending[0]!;
      const missing = stuck.inputs.find((x) => !available.has(x));
      throw new CompileFailure(`compiled engine cannot order the graph: node ${stuck.name} reads "${missing}", which no node produces (or a cycle)`, {
        name: stuck.name,
        op: stuck.op,
        domain: stuck.domain,
      });
    }
    const [n] = pending.splice(i, 1);
    sorted.push(n!);
    for (const o of n!.outputs) available.add(o);
  }
  for (const o of outputs) {
    if (!available.has(o.name)) throw new CompileFailure(`compiled engine cannot load the model: nothing produces the output "${o.name}"`);
  }
  return sorted;
}
