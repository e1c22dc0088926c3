/**
 * Drift of each feature against the training baseline as `data validate` reports it: the measure core/drift chose
 * (by sample size), rounded for stable JSON, and, with `--fail-on-drift`, as an error anomaly.
 *
 * @example
 * ```ts
 * const entries = Object.entries(compareProfile(baseline, profile).features).map(([name, d]) => driftEntry(name, d));
 * ```
 */
import type { DerivedColumn } from "../../core/derived-columns.ts";
import type { FeatureDrift } from "../../core/drift/compare.ts";
import type { DatePart } from "../../core/schema/preprocessing.ts";
import type { Anomaly } from "./anomaly.ts";

export interface DriftEntry {
  feature: string;
  /** Set for a number the model derives from a date (a date_part step): the date column and the part. */
  derivedFrom?: { feature: string; part: DatePart };
  kind: "numeric" | "categorical";
  measure: string;
  type: "test" | "distance";
  threshold: number;
  /** p-value (test) or distance; null when a side has no values. */
  value: number | null;
  drifted: boolean;
  reason: string;
  values: { baseline: number; current: number };
  missingRate: { baseline: number; current: number };
}

/**
 * Where a derived column comes from, in words: "from date" when the column is named after its part (month),
 * "day_of_week of date" when not (weekday); empty for a feature.
 */
export function derivedNote(e: Pick<DriftEntry, "feature" | "derivedFrom">): string {
  const from = e.derivedFrom;
  if (from === undefined) return "";
  return e.feature === from.part || e.feature === `${from.feature}.${from.part}` ? `from ${from.feature}` : `${from.part} of ${from.feature}`;
}

/** Six significant digits: stable across platforms in JSON and snapshots, far below any threshold's precision. */
export const round = (x: number) => Number(x.toPrecision(6));

export function driftEntry(feature: string, d: FeatureDrift, derived?: DerivedColumn): DriftEntry {
  const c = d.chosen;
  return {
    feature,
    ...(derived ? { derivedFrom: { feature: derived.feature, part: derived.part } } : {}),
    kind: d.kind,
    measure: c.measure,
    type: c.type,
    threshold: c.threshold,
    value: c.value === null ? null : round(c.value),
    drifted: c.drifted,
    reason: c.reason,
    values: { baseline: d.n.baseline, current: d.n.current },
    missingRate: { baseline: round(d.missing.baseline), current: round(d.missing.current) },
  };
}

export function driftAnomaly(e: DriftEntry): Anomaly {
  const cmp = e.type === "test" ? `p = ${e.value} < ${e.threshold}` : `${e.value} >= ${e.threshold}`;
  return {
    kind: "drift",
    severity: "error",
    column: e.feature,
    count: e.values.current,
    lines: [],
    message: `distribution differs from the training baseline (${e.measure} ${cmp}; ${e.reason})${e.derivedFrom ? `; derived: ${derivedNote(e)}` : ""}`,
  };
}
