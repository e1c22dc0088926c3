/**
 * A profile as additive cells, and back. Every number of a `Profile` (core/stats/profile-schema.ts) is one cell
 * (feature, cell, value) that merges on its own: counts and sums add, `min`/`max` keep the smaller/larger, and `kind`
 * (the shape: a numeric feature's bin count, 0 for a categorical one) never changes. So the database merges profiles
 * with an upsert per cell (value = value + excluded.value), and two writers lose nothing.
 *
 * Features are "f:<name>", the prediction "p", the prediction label "l", and the profile's own cells (`rows`) "".
 * Cells: "rows", "kind", "missing", "count", "sum", "sumSq", "min", "max", "other", "b:<bin>" (numeric counts, zeros
 * left out: the bin count is `kind`), "c:<category>" (every baseline category, zeros kept) and "u:<unseen name>".
 *
 * @example
 * ```ts
 * const cells = profileCells(batch.profile.overall); // [{ feature: "", cell: "rows", value: 40 }, ...]
 * assembleProfile(cells); // deep-equals batch.profile.overall
 * ```
 */
import type { CategoricalProfile, FeatureProfile, NumericProfile, Profile } from "../../../core/stats/profile-schema.ts";

export interface Cell {
  feature: string;
  cell: string;
  value: number;
}

/** How a cell merges with the stored one. */
type CellOp = "add" | "min" | "max" | "keep";

function cellOp(cell: string): CellOp {
  return cell === "min" ? "min" : cell === "max" ? "max" : cell === "kind" ? "keep" : "add";
}

/** Merge two values of the same cell the way the database does. */
export function mergeCell(cell: string, stored: number, incoming: number): number {
  const op = cellOp(cell);
  return op === "min" ? Math.min(stored, incoming) : op === "max" ? Math.max(stored, incoming) : op === "keep" ? stored : stored + incoming;
}

function featureCells(feature: string, p: FeatureProfile, out: Cell[]): void {
  const push = (cell: string, value: number, keepZero = false) => {
    if (value !== 0 || keepZero) out.push({ feature, cell, value });
  };
  if (p.kind === "numeric") {
    push("kind", p.counts.length, true);
    p.counts.forEach((c, i) => push(`b:${i}`, c));
    push("missing", p.missing);
    push("count", p.count);
    push("sum", p.sum);
    push("sumSq", p.sumSq);
    if (p.min !== null) push("min", p.min, true);
    if (p.max !== null) push("max", p.max, true);
    return;
  }
  push("kind", 0, true);
  for (const [name, c] of Object.entries(p.counts)) push(`c:${name}`, c, true);
  for (const [name, c] of Object.entries(p.unseen)) push(`u:${name}`, c, true);
  push("other", p.other);
  push("missing", p.missing);
}

export function profileCells(p: Profile): Cell[] {
  const out: Cell[] = [{ feature: "", cell: "rows", value: p.rows }];
  for (const [name, f] of Object.entries(p.features)) featureCells(`f:${name}`, f, out);
  if (p.prediction !== undefined) featureCells("p", p.prediction, out);
  if (p.predictionLabel !== undefined) featureCells("l", p.predictionLabel, out);
  return out;
}

function featureOf(cells: Map<string, number>): FeatureProfile | undefined {
  const kind = cells.get("kind");
  if (kind === undefined) return undefined;
  const get = (c: string) => cells.get(c) ?? 0;
  if (kind > 0) {
    const counts = new Array<number>(kind).fill(0);
    for (const [c, v] of cells) if (c.startsWith("b:")) counts[Number(c.slice(2))] = v;
    const p: NumericProfile = {
      kind: "numeric",
      counts: counts.slice(0, kind),
      missing: get("missing"),
      count: get("count"),
      sum: get("sum"),
      sumSq: get("sumSq"),
      min: cells.get("min") ?? null,
      max: cells.get("max") ?? null,
    };
    return p;
  }
  const counts = new Map<string, number>();
  const unseen = new Map<string, number>();
  for (const [c, v] of cells) {
    if (c.startsWith("c:")) counts.set(c.slice(2), v);
    else if (c.startsWith("u:")) unseen.set(c.slice(2), v);
  }
  const p: CategoricalProfile = {
    kind: "categorical",
    counts: Object.fromEntries(counts),
    other: get("other"),
    missing: get("missing"),
    unseen: Object.fromEntries(unseen),
  };
  return p;
}

/** The profile the cells of one (deployment, version, slice value, bucket) describe. */
export function assembleProfile(cells: Iterable<Cell>): Profile {
  const byFeature = new Map<string, Map<string, number>>();
  for (const c of cells) {
    let f = byFeature.get(c.feature);
    if (f === undefined) byFeature.set(c.feature, (f = new Map()));
    f.set(c.cell, c.value);
  }
  const features = new Map<string, FeatureProfile>();
  for (const [name, f] of byFeature) {
    if (!name.startsWith("f:")) continue;
    const p = featureOf(f);
    if (p !== undefined) features.set(name.slice(2), p);
  }
  const prediction = byFeature.has("p") ? featureOf(byFeature.get("p")!) : undefined;
  const label = byFeature.has("l") ? featureOf(byFeature.get("l")!) : undefined;
  return {
    rows: byFeature.get("")?.get("rows") ?? 0,
    features: Object.fromEntries(features),
    ...(prediction !== undefined ? { prediction } : {}),
    ...(label?.kind === "categorical" ? { predictionLabel: label } : {}),
  };
}
