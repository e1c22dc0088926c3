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
 * edit.apply(scan.weights);
 * ```
 */
import type { GraphScope, Node, Weight } from "./graph-scan.ts";
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
  apply(weights: readonly Weight[]): Weight[];
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
    apply(weights) {
      const dead = new Set<Node | Tensor>();
      const deadNames = new Set<string>();
      const droppedInputs: Weight[] = [];
      // New nodes may read an original weight too (a Gemm bias re-read by the Add that replaces it).
      const readByNew = new Set([...replaced.values(), ...prepended.values()].flat().flatMap((n) => n.input ?? []));
      for (const w of weights) {
        const read = readByNew.has(w.name) || w.uses.some((u) => !replaced.has(u.node) && u.node.input?.[u.index] === w.name);
        if (read || w.pinned || w.uses.length === 0) continue;
        dead.add(w.constantNode ?? w.tensor);
        deadNames.add(w.name);
        touched.add(w.scope);
        if (w.listedAsInput) droppedInputs.push(w);
      }
      for (const scope of touched) {
        const g = scope.graph;
        const nodes = (g.node ?? []).filter((n) => !dead.has(n)).flatMap((n) => replaced.get(n) ?? [n]);
        g.node = [...(prepended.get(scope) ?? []), ...nodes];
        g.initializer = [...(g.initializer ?? []).filter((t) => !dead.has(t)), ...(added.get(scope) ?? [])];
        g.valueInfo = (g.valueInfo ?? []).filter((v) => !deadNames.has(v.name ?? ""));
        g.input = (g.input ?? []).filter((v) => !droppedInputs.some((w) => w.scope === scope && w.name === v.name));
      }
      return droppedInputs;
    },
  };
}
