/**
 * Baseline-vs-new distributions as labelled shares, for report charts: numeric features in the baseline's bins,
 * categorical ones by category (plus everything outside the top K), each with a "(missing)" bar so a jump in nulls
 * shows beside the shift of the values.
 *
 * @example
 * ```ts
 * const { labels, baseline, current } = histogramShares(manifest.baseline.features.age, profile.features.age);
 * ```
 */
import { alignCategories } from "../../core/drift/compare.ts";
import type { FeatureBaseline } from "../../core/schema/baseline.ts";
import type { FeatureProfile } from "../../core/stats/profile.ts";
import { num } from "./html.ts";

export interface Shares {
  labels: string[];
  baseline: number[];
  current: number[];
}

const shares = (counts: readonly number[]) => {
  const total = counts.reduce((a, c) => a + c, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
};

/** Bin labels for left-closed bins over interior edges: "< e1", "e1–e2", ..., "≥ ek". */
function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ["all"];
  const out = [`< ${num(edges[0])}`];
  for (let i = 1; i < edges.length; i++) out.push(`${num(edges[i - 1])}–${num(edges[i])}`);
  out.push(`≥ ${num(edges[edges.length - 1])}`);
  return out;
}

export function histogramShares(b: FeatureBaseline, c: FeatureProfile): Shares | undefined {
  if (b.kind === "numeric" && c.kind === "numeric") {
    return { labels: [...binLabels(b.edges), "(missing)"], baseline: shares([...b.counts, b.missing]), current: shares([...c.counts, c.missing]) };
  }
  if (b.kind === "categorical" && c.kind === "categorical") {
    const { labels, expected, actual } = alignCategories(b, c);
    return {
      labels: [...labels.map((l) => (l === "__other__" ? "(other)" : l)), "(missing)"],
      baseline: shares([...expected, b.missing]),
      current: shares([...actual, c.missing]),
    };
  }
  return undefined;
}
