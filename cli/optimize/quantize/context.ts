/**
 * What every scheme shares: the scanned model, the pending edit, the options resolved, the report being written, and
 * the checks that decide whether a weight can be quantized at all (inline float32, big enough, not a graph output).
 *
 * @example
 * ```ts
 * const ctx = createContext(scan, opts, opset);
 * const w = ctx.weightAt(node, 1); // the constant read as node.input[1], if any
 * const why = w && ctx.weightProblem(w); // "too small (64 elements < 256)" ...
 * ```
 */
import type { GraphScope, ModelScan, Node, Use, Weight } from "./graph-scan.ts";
import { nodeLabel } from "./graph-scan.ts";
import { createModelEdit, type ModelEdit } from "./model-edit.ts";
import { dimsOf, elementCount, readFloat32 } from "./tensor-data.ts";
import { DEFAULT_BLOCK_SIZE, DEFAULT_MIN_ELEMENTS, type QuantizedEntry, type QuantizeOptions, type SkippedEntry } from "./types.ts";

export interface QuantizeContext {
  scan: ModelScan;
  edit: ModelEdit;
  /** Default-domain opset the emitted nodes must satisfy (after any raise). */
  opset: number;
  minElements: number;
  blockSize: number;
  quantized: QuantizedEntry[];
  skipped: SkippedEntry[];
  domains: Set<string>;
  label(node: Node): string;
  isExcluded(node: Node): boolean;
  /** The uses whose node is not excluded; each excluded one is reported as skipped. */
  notExcluded<U extends Use>(uses: readonly U[], weight: string): U[];
  weightAt(node: Node, index: number): Weight | undefined;
  useAt(node: Node, index: number): Use | undefined;
  /** Why this weight cannot be quantized (excluded, not float32, too small ...), or undefined when it can. */
  weightProblem(w: Weight): string | undefined;
  /** Every node of the model with its graph, in graph order (subgraph nodes after their parent graph's). */
  nodes(): { scope: GraphScope; node: Node }[];
  skip(node: Node, reason: string, weight?: string): void;
  /** Report a node that now reads weight `w` quantized (`op`: the op it was, when the node itself was replaced). */
  record(node: Node, w: Weight, detail: string, op?: string): void;
}

const DATA_TYPE_NAMES: Record<number, string> = { 2: "uint8", 3: "int8", 6: "int32", 7: "int64", 10: "float16", 11: "float64", 16: "bfloat16" };

export function createContext(scan: ModelScan, opts: QuantizeOptions, opset: number): QuantizeContext {
  const exclude = new Set(opts.exclude ?? []);
  const uses = new Map<Node, Map<number, Use & { weight: Weight }>>();
  for (const w of scan.weights) {
    for (const u of w.uses) {
      const m = uses.get(u.node) ?? new Map();
      m.set(u.index, { ...u, weight: w });
      uses.set(u.node, m);
    }
  }
  const minElements = opts.minElements ?? DEFAULT_MIN_ELEMENTS;
  const index = new Map<Node, number>();
  const all = scan.scopes.flatMap((scope) => (scope.graph.node ?? []).map((node) => ({ scope, node })));
  all.forEach(({ node }, i) => index.set(node, i));
  const label = (node: Node) => nodeLabel(node, index.get(node) ?? 0);
  const ctx: QuantizeContext = {
    scan,
    edit: createModelEdit(),
    opset,
    minElements,
    blockSize: opts.blockSize ?? DEFAULT_BLOCK_SIZE,
    quantized: [],
    skipped: [],
    domains: new Set(),
    label,
    isExcluded: (node) => exclude.has(node.name ?? "") || (node.output ?? []).some((o) => exclude.has(o)),
    notExcluded(list, weight) {
      return list.filter((u) => {
        if (!ctx.isExcluded(u.node)) return true;
        ctx.skip(u.node, "excluded by the exclude option", weight);
        return false;
      });
    },
    weightAt: (node, i) => uses.get(node)?.get(i)?.weight,
    useAt: (node, i) => uses.get(node)?.get(i),
    weightProblem(w) {
      // A weight is named by its initializer name, which for a Constant node is also the output name.
      if (exclude.has(w.name) || (w.constantNode && ctx.isExcluded(w.constantNode))) return "excluded by the exclude option";
      if (w.pinned) return `"${w.name}" is also a ${w.pinned}: it keeps its name and type`;
      const dt = w.tensor.dataType ?? 0;
      if (dt !== 1) return `"${w.name}" is ${DATA_TYPE_NAMES[dt] ?? `data type ${dt}`}, not float32`;
      if (w.tensor.dataLocation === 1 || (w.tensor.externalData ?? []).length > 0) return `"${w.name}" is stored as external data (not read here)`;
      const n = elementCount(dimsOf(w.tensor));
      if (n < minElements) return `too small (${n} elements < minElements ${minElements})`;
      if (!readFloat32(w.tensor)) return `"${w.name}" has a payload that does not match its shape`;
      return undefined;
    },
    nodes: () => all,
    skip(node, reason, weight) {
      ctx.skipped.push({ node: label(node), op: node.opType ?? "", ...(weight === undefined ? {} : { weight }), reason });
    },
    record(node, w, detail, op) {
      ctx.quantized.push({ node: label(node), op: op ?? node.opType ?? "", weight: w.name, shape: dimsOf(w.tensor), detail });
    },
  };
  return ctx;
}
