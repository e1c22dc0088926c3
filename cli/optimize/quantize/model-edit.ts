/**
 * Collects the changes a scheme makes to a model's graphs and applies them in one pass, so that scanning and editing
 * never interleave: nodes prepended to a graph (dequantizers, whose inputs are initializers), nodes replaced by a list,
 * initializers added, and weights dropped once nothing reads them any more.
 *
 * @example
 * ```ts
 * const edit = createModelEdit();
 * edit.prepend(w.scope, dqNode);
 * edit.replace(use.scope, use.node, [a, b, c]);
 * edit.apply(scan); // also drops the weights (and Identity forwarders) nothing reads any more
 * ```
 */
import type { GraphScope, ModelScan, Node, Weight } from "./graph-scan.ts";
import type { Tensor } from "./tensor-data.ts";

export interface ModelEdit {
  addInitializer(scope: GraphScope, tensor: Tensor): void;
  prepend(scope: GraphScope, node: Node): void;
  replace(scope: GraphScope, node: Node, nodes: Node[]): void;
  isReplaced(node: Node): boolean;
  /**
   * Rewrites the graphs: replacements, prepended nodes, new initializers; removes weights nobody reads any more.
   * Returns the weights removed that were also listed as graph inputs.
   */
  apply(scan: ModelScan): Weight[];
}

export function createModelEdit(): ModelEdit {
  const added = new Map<GraphScope, Tensor[]>();
  const prepended = new Map<GraphScope, Node[]>();
  const replaced = new Map<Node, Node[]>();
  const touched = new Set<GraphScope>();
  const push = <T>(map: Map<GraphScope, T[]>, scope: GraphScope, item: T) => {
    touched.add(scope);
    const list = map.get(scope);
    if (list) list.push(item);
    else map.set(scope, [item]);
  };
  return {
    addInitializer: (scope, tensor) => push(added, scope, tensor),
    prepend: (scope, node) => push(prepended, scope, node),
    replace(scope, node, nodes) {
      touched.add(scope);
      replaced.set(node, nodes);
    },
    isReplaced: (node) => replaced.has(node),
    apply(scan) {
      const lists = new Map(scan.scopes.map((s) => [s, [...(prepended.get(s) ?? []), ...(s.graph.node ?? []).flatMap((n) => replaced.get(n) ?? [n])]]));
      const removed = unreadAliases(scan, lists, replaced);
      const dead = new Set<Node | Tensor>(removed);
      const deadNames = new Set([...removed].flatMap((n) => n.output ?? []));
      const droppedInputs: Weight[] = [];
      // New nodes may read an original weight too (a Gemm bias re-read by the Add that replaces it).
      const readByNew = new Set([...replaced.values(), ...prepended.values()].flat().flatMap((n) => n.input ?? []));
      for (const w of scan.weights) {
        const read = readByNew.has(w.name) || w.uses.some((u) => !replaced.has(u.node) && !removed.has(u.node) && u.node.input?.[u.index] === w.name);
        if (read || w.pinned || w.uses.length === 0) continue;
        dead.add(w.constantNode ?? w.tensor);
        deadNames.add(w.name);
        touched.add(w.scope);
        if (w.listedAsInput) droppedInputs.push(w);
      }
      for (const n of removed) touched.add(scan.scopes.find((s) => s.graph.node?.includes(n))!);
      for (const scope of touched) {
        const g = scope.graph;
        g.node = (lists.get(scope) ?? []).filter((n) => !dead.has(n));
        g.initializer = [...(g.initializer ?? []).filter((t) => !dead.has(t)), ...(added.get(scope) ?? [])];
        g.valueInfo = (g.valueInfo ?? []).filter((v) => !deadNames.has(v.name ?? ""));
        g.input = (g.input ?? []).filter((v) => !droppedInputs.some((w) => w.scope === scope && w.name === v.name));
      }
      return droppedInputs;
    },
  };
}

/** Identity nodes forwarding a weight whose output nothing reads any more (their readers now read the quantized form). */
function unreadAliases(scan: ModelScan, lists: Map<GraphScope, Node[]>, replaced: Map<Node, Node[]>): Set<Node> {
  const removed = new Set<Node>();
  for (let changed = true; changed; ) {
    changed = false;
    const read = new Set<string>();
    for (const [scope, nodes] of lists) {
      for (const n of nodes) if (!removed.has(n)) for (const i of n.input ?? []) read.add(i);
      for (const o of scope.graph.output ?? []) read.add(o.name ?? "");
    }
    for (const n of scan.aliases) {
      if (removed.has(n) || replaced.has(n) || (n.output ?? []).some((o) => read.has(o))) continue;
      removed.add(n);
      changed = true;
    }
  }
  return removed;
}
