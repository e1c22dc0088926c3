/**
 * Drift between the champion's and the challenger's prediction distributions over the same range, with core/drift's
 * measures (chosen by effective sample size: chi-square up to 1000, else PSI / Jensen-Shannon). The champion's
 * profile plays the baseline. Predicted labels always compare (categories by name); scores compare only when both
 * versions' baselines bin them with the same edges (a profile's counts mean nothing in another version's bins).
 *
 * @example
 * ```ts
 * const d = armDrift(championProfile, challengerProfile, championBaseline, challengerBaseline);
 * d?.drift.chosen; // { measure: "psi", value: 0.03, drifted: false, ... }
 * ```
 */
import type { Baseline, FeatureBaseline } from "../../core/schema/baseline.ts";
import { compareFeature, type FeatureDrift } from "../../core/drift/compare.ts";
import type { FeatureProfile, Profile } from "../../core/stats/profile-schema.ts";

export interface ArmDrift {
  /** Which distribution was compared: the predicted label, or the score in shared bins. */
  of: "predictionLabel" | "prediction";
  drift: FeatureDrift;
}

/** A profile as a baseline of the same bins, so core/drift can compare another profile with it. */
function asBaseline(p: FeatureProfile, edges: readonly number[]): FeatureBaseline {
  if (p.kind === "categorical") return { kind: "categorical", counts: { ...p.counts, ...p.unseen }, other: 0, missing: p.missing, topK: 1000 };
  const mean = p.count > 0 ? p.sum / p.count : null;
  const std = mean === null ? null : Math.sqrt(Math.max(0, p.sumSq / p.count - mean * mean));
  return { kind: "numeric", edges: [...edges], counts: [...p.counts], missing: p.missing, count: p.count, mean, std, min: p.min, max: p.max };
}

const sameEdges = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

export function armDrift(
  champion: Profile | undefined,
  challenger: Profile | undefined,
  championBaseline: Baseline | undefined,
  challengerBaseline: Baseline | undefined,
): ArmDrift | { of: null; reason: string } {
  if (champion === undefined || challenger === undefined) return { of: null, reason: "no profiles from one of the versions in this range" };
  const a = champion.predictionLabel;
  const b = challenger.predictionLabel;
  if (a !== undefined && b !== undefined && a.kind === "categorical") return { of: "predictionLabel", drift: compareFeature(asBaseline(a, []), b) };
  const pa = champion.prediction;
  const pb = challenger.prediction;
  const ea = championBaseline?.prediction?.kind === "numeric" ? championBaseline.prediction.edges : undefined;
  const eb = challengerBaseline?.prediction?.kind === "numeric" ? challengerBaseline.prediction.edges : undefined;
  if (pa?.kind === "numeric" && pb?.kind === "numeric" && sameEdges(ea, eb) && pa.counts.length === pb.counts.length) {
    return { of: "prediction", drift: compareFeature(asBaseline(pa, ea ?? []), pb) };
  }
  return { of: null, reason: "the versions' predictions are not in shared bins (register both baselines; scores compare only with the same edges)" };
}
