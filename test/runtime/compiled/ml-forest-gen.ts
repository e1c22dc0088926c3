/**
 * Seeded random tree ensembles in ai.onnx.ml attribute form, and inputs that hit their thresholds exactly (so
 * LEQ/LT/GTE/GT/EQ/NEQ edges are exercised) or are NaN.
 */
import { mulberry32 } from "../../../core/random.ts";
import type { AttrSpec } from "./ml-harness.ts";

export const BRANCH_MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"];

/** Float32-exact thresholds plus 0.1 and 1/3 (rounded to float32 in the model, which float64 inputs then miss). */
const GRID = [-2, -1.5, -1, -0.5, -0.25, 0, 0.1, 0.25, 1 / 3, 0.5, 0.75, 1, 1.5, 2, 3];

export interface ForestOptions {
  seed: number;
  trees: number;
  maxDepth: number;
  features: number;
  /** Branch modes to draw from (one entry = every branch node uses it). */
  modes?: string[];
  /** Threshold values to draw from. */
  grid?: number[];
  /** Per node nodes_missing_value_tracks_true: random 0/1, or omitted. */
  missing?: boolean;
  prefix: "class" | "target";
  /** The target/class ids a leaf of tree `tree` carries weights for. */
  leafTargets: (tree: number, random: () => number) => number[];
  /** A leaf weight. */
  weight: (random: () => number) => number;
  /** Grow BRANCH_EQ nodes into LightGBM-style categorical chains (same feature, shared true child). */
  eqChains?: boolean;
}

export function randomForest(o: ForestOptions): AttrSpec {
  const random = mulberry32(o.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const modes = o.modes ?? BRANCH_MODES;
  const grid = o.grid ?? GRID;
  const n = {
    treeids: [] as number[],
    nodeids: [] as number[],
    featureids: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    truenodeids: [] as number[],
    falsenodeids: [] as number[],
    missing: [] as number[],
  };
  const w = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  for (let tree = 0; tree < o.trees; tree++) {
    let next = 0;
    // Depth-first, root first; children get ids as they are created (so ids are not in listing order).
    const push = (id: number, feature: number, mode: string, value: number) => {
      n.treeids.push(tree);
      n.nodeids.push(id);
      n.featureids.push(feature);
      n.modes.push(mode);
      n.values.push(value);
      n.missing.push(random() < 0.5 ? 1 : 0);
      n.truenodeids.push(0);
      n.falsenodeids.push(0);
      return n.treeids.length - 1;
    };
    const grow = (depth: number): number => {
      const id = next++;
      const leaf = depth >= o.maxDepth || (depth > 0 && random() < 0.25);
      const feature = leaf ? 0 : Math.floor(random() * o.features);
      const mode = leaf ? "LEAF" : pick(modes);
      const at = push(id, feature, mode, leaf ? 0 : pick(grid));
      if (!leaf && mode === "BRANCH_EQ" && o.eqChains) {
        // The chain: at → c1 → c2 … on false, all sharing one true child.
        const chain = [at];
        for (let k = Math.floor(random() * 4); k > 0; k--) chain.push(push(next++, feature, "BRANCH_EQ", pick(grid)));
        const t = grow(depth + 1);
        chain.forEach((c, k) => {
          n.truenodeids[c] = t;
          if (k > 0) n.falsenodeids[chain[k - 1]!] = n.nodeids[c]!;
        });
        n.falsenodeids[chain.at(-1)!] = grow(depth + 1);
        return id;
      }
      if (leaf) {
        for (const target of o.leafTargets(tree, random)) {
          w.treeids.push(tree);
          w.nodeids.push(id);
          w.ids.push(target);
          w.weights.push(o.weight(random));
        }
      } else {
        n.truenodeids[at] = grow(depth + 1);
        n.falsenodeids[at] = grow(depth + 1);
      }
      return id;
    };
    grow(0);
  }
  const p = o.prefix;
  return {
    ints: {
      nodes_treeids: n.treeids,
      nodes_nodeids: n.nodeids,
      nodes_featureids: n.featureids,
      nodes_truenodeids: n.truenodeids,
      nodes_falsenodeids: n.falsenodeids,
      ...(o.missing ? { nodes_missing_value_tracks_true: n.missing } : {}),
      [`${p}_treeids`]: w.treeids,
      [`${p}_nodeids`]: w.nodeids,
      [`${p}_ids`]: w.ids,
    },
    strings: { nodes_modes: n.modes },
    floats: { nodes_values: n.values, [`${p}_weights`]: w.weights },
  };
}

/** rows × features values: mostly grid values (exact threshold hits), some uniform in [-3, 3], some NaN. */
export function randomRows(seed: number, rows: number, features: number, opts: { nan?: number; grid?: number[] } = {}): number[] {
  const random = mulberry32(seed ^ 0x5bd1e995);
  const grid = opts.grid ?? GRID;
  return Array.from({ length: rows * features }, () => {
    const r = random();
    if (r < (opts.nan ?? 0)) return Number.NaN;
    return r < 0.65 ? grid[Math.floor(random() * grid.length)]! : random() * 6 - 3;
  });
}

/** Merges attribute specs (later groups win per name). */
export function mergeAttrs(...specs: AttrSpec[]): AttrSpec {
  const out: AttrSpec = {};
  for (const s of specs) {
    for (const k of Object.keys(s) as (keyof AttrSpec)[]) Object.assign((out[k] ??= {}), s[k]);
  }
  return out;
}
