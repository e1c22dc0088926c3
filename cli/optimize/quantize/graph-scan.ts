/**
 * Finds every constant weight of a model and every place it is read, across subgraphs (If branches, Loop and Scan
 * bodies) with ONNX scoping: a name defined in a subgraph shadows the outer one, and a subgraph may read an outer
 * initializer. Also hands out fresh names that collide with nothing in any graph.
 *
 * @example
 * ```ts
 * const scan = scanModel(model.graph);
 * for (const w of scan.weights) w.uses; // [{ scope, node, index, name }] — node.input[index] === name (w.name or an Identity of it)
 * ```
 */
import type onnxProto from "onnx-proto";
import type { Tensor } from "./tensor-data.ts";

export type Graph = onnxProto.onnx.IGraphProto;
export type Node = onnxProto.onnx.INodeProto;

/** A graph in the model, with the graph it is nested in. */
export interface GraphScope {
  graph: Graph;
  parent: GraphScope | undefined;
}

/**
 * One read of a weight: `node.input[index]` (=== `name`), with `node` in `scope.graph`. `name` is the weight's own
 * name, or the output of an Identity that forwards it (exporters route shared or tied weights through Identity).
 */
export interface Use {
  scope: GraphScope;
  node: Node;
  index: number;
  name: string;
}

/** A constant tensor: an initializer or the `value` of a Constant node, owned by the graph that defines it. */
export interface Weight {
  name: string;
  scope: GraphScope;
  tensor: Tensor;
  /** Set when the weight is a Constant node's output rather than an initializer. */
  constantNode: Node | undefined;
  uses: Use[];
  /** The weight is also a graph output: it must keep its name and type. */
  pinned: "graph output" | undefined;
  /**
   * The initializer is also listed in graph.input (an "overridable" weight, what older exporters wrote for every weight).
   * Quantizing it drops it from the inputs: callers never feed it, and the new model could not honour a fed value.
   */
  listedAsInput: boolean;
}

export interface ModelScan {
  weights: Weight[];
  scopes: GraphScope[];
  /** Every op in the model (all graphs), as `domain:op`, for opset decisions. */
  ops: Set<string>;
  /** Identity nodes that forward a weight: once nothing reads their output they can go, and the weight with them. */
  aliases: Set<Node>;
  freshName(base: string): string;
}

const SUBGRAPH_ATTR = 5;
const SUBGRAPHS_ATTR = 10;

function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of node.attribute ?? []) {
    if (a.type === SUBGRAPH_ATTR && a.g) out.push(a.g);
    if (a.type === SUBGRAPHS_ATTR) out.push(...(a.graphs ?? []));
  }
  return out;
}

/** The default ONNX domain is written "" or, by some exporters, "ai.onnx". */
export function isDefaultDomain(node: Node): boolean {
  return !node.domain || node.domain === "ai.onnx";
}

export function nodeLabel(node: Node, fallbackIndex: number): string {
  return node.name || node.output?.[0] || `${node.opType ?? "node"}#${fallbackIndex}`;
}

export function scanModel(root: Graph): ModelScan {
  const weights: Weight[] = [];
  const scopes: GraphScope[] = [];
  const ops = new Set<string>();
  const aliases = new Set<Node>();
  const used = new Set<string>();

  const visit = (graph: Graph, parent: GraphScope | undefined, outer: Map<string, Weight | null>) => {
    const scope: GraphScope = { graph, parent };
    scopes.push(scope);
    // Names this graph defines shadow the outer scope: null marks "defined here, not a weight".
    const names = new Map(outer);
    const inputs = new Set((graph.input ?? []).map((v) => v.name ?? ""));
    const outputs = new Set((graph.output ?? []).map((v) => v.name ?? ""));
    for (const n of inputs) {
      names.set(n, null);
      used.add(n);
    }
    const pinnedOf = (name: string) => (outputs.has(name) ? ("graph output" as const) : undefined);
    for (const t of graph.initializer ?? []) {
      const name = t.name ?? "";
      used.add(name);
      const w: Weight = { name, scope, tensor: t, constantNode: undefined, uses: [], pinned: pinnedOf(name), listedAsInput: inputs.has(name) };
      weights.push(w);
      names.set(name, w);
    }
    for (const node of graph.node ?? []) {
      for (const o of node.output ?? []) {
        used.add(o);
        const value = node.opType === "Constant" && isDefaultDomain(node) ? node.attribute?.find((a) => a.name === "value")?.t : undefined;
        if (value) {
          const w: Weight = { name: o, scope, tensor: value, constantNode: node, uses: [], pinned: pinnedOf(o), listedAsInput: false };
          weights.push(w);
          names.set(o, w);
        } else if (node.opType === "Identity" && isDefaultDomain(node) && names.get(node.input?.[0] ?? "")) {
          names.set(o, names.get(node.input![0]!)!);
          aliases.add(node);
        } else names.set(o, null);
      }
    }
    for (const node of graph.node ?? []) {
      ops.add(`${isDefaultDomain(node) ? "" : node.domain}:${node.opType ?? ""}`);
      if (node.name) used.add(node.name);
      (node.input ?? []).forEach((name, index) => {
        const w = names.get(name);
        if (w) w.uses.push({ scope, node, index, name });
      });
      for (const g of subgraphsOf(node)) visit(g, scope, names);
    }
  };
  visit(root, undefined, new Map());

  return {
    weights,
    scopes,
    ops,
    aliases,
    freshName(base: string) {
      let name = base;
      for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
      used.add(name);
      return name;
    },
  };
}
