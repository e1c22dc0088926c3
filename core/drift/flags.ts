/**
 * Data-quality flags beside the drift measures: a jump in the missing rate, and categories the baseline never saw.
 *
 * @example
 * ```ts
 * missingRateJump({ missing: 5, rows: 100 }, { missing: 30, rows: 100 });  // { baseline: 0.05, current: 0.3, delta: 0.25, flagged: true }
 * unseenCategories(baseline.features.sex, profile.features.sex);         // { names: { "M": 12 }, rows: 12, share: 0.04, exact: true, flagged: true }
 * ```
 */
import type { CategoricalBaseline } from "../schema/baseline.ts";
import type { CategoricalProfile } from "../stats/profile-schema.ts";

/** A change of the missing rate by more than this (absolute, either way) is flagged. */
export const MISSING_RATE_JUMP = 0.05;

export interface MissingRateJump {
  baseline: number;
  current: number;
  delta: number;
  flagged: boolean;
}

/**
 * Compare missing rates. A drop is flagged too: a column that stops being missing often means an upstream default
 * (0, "") now fills it, which the model never saw.
 */
export function missingRateJump(
  baseline: { missing: number; rows: number },
  current: { missing: number; rows: number },
  threshold = MISSING_RATE_JUMP,
): MissingRateJump {
  const b = baseline.rows > 0 ? baseline.missing / baseline.rows : 0;
  const c = current.rows > 0 ? current.missing / current.rows : 0;
  const delta = c - b;
  return { baseline: b, current: c, delta, flagged: current.rows > 0 && Math.abs(delta) > threshold };
}

export interface UnseenCategories {
  /** Unseen values by name (capped per snapshot by the profiler, so possibly fewer than `rows`). */
  names: Record<string, number>;
  /** Current values outside the baseline's categories. */
  rows: number;
  /** `rows` over the current non-missing values. */
  share: number;
  /**
   * True when the baseline kept every training category (its `other` is 0), so these values are certainly new.
   * Otherwise they may be rare training categories beyond the top K, and are not flagged.
   */
  exact: boolean;
  flagged: boolean;
}

export function unseenCategories(baseline: CategoricalBaseline, current: CategoricalProfile): UnseenCategories {
  const exact = baseline.other === 0;
  const named = Object.values(current.unseen).reduce((a, c) => a + c, 0);
  // With a complete baseline every `other` value is new, including those past the profiler's name cap.
  const rows = exact ? current.other : named;
  const seen = Object.values(current.counts).reduce((a, c) => a + c, 0) + current.other;
  return { names: current.unseen, rows, share: seen > 0 ? rows / seen : 0, exact, flagged: exact && rows > 0 };
}
