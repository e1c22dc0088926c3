/** Turn what the harness measured into the LatencyReport (pure: unit-tested on synthetic rounds). */
import { pairedRatio, quantile } from "./stats.ts";
import type { HarnessResult } from "./wire.ts";

export interface ReportModel {
  id: string;
  /**
   * Median over blocks of the block's time per run (µs), leaving out slices a preemption hit (harness.ts).
   * Single runs are not timed: clocks are too coarse.
   */
  medianUs: number;
  /** 90th percentile over blocks of the block's time per run (µs): how slow the slower stretches were. */
  p90Us: number;
  /** Timed runs (warm-up excluded). */
  runs: number;
  /** InferenceSession.create in a started runtime (ms). */
  loadMs: number;
}

export interface ReportRatio {
  id: string;
  vs: string;
  ratio: number;
  ci95: [number, number];
  blocks: number;
}

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function summarize(ids: readonly string[], result: HarnessResult): { models: ReportModel[]; ratios: ReportRatio[] } {
  // Each block's typical time per run (without slices hit by a preemption; harness.ts says why not the plain mean).
  const blockValues = (i: number) => result.rounds.map((r) => r.typicalMs[i]!);
  const models = ids.map((id, i) => ({
    id,
    medianUs: round(quantile(blockValues(i), 0.5) * 1000, 2),
    p90Us: round(quantile(blockValues(i), 0.9) * 1000, 2),
    runs: result.rounds.reduce((sum, r) => sum + r.runs[i]!, 0),
    loadMs: round(result.loadMs[i]!, 2),
  }));
  const ratios = ids.slice(1).map((id, k) => {
    const r = pairedRatio(blockValues(0), blockValues(k + 1));
    return { id, vs: ids[0]!, ratio: round(r.ratio, 4), ci95: [round(r.ci95[0], 4), round(r.ci95[1], 4)] as [number, number], blocks: r.blocks };
  });
  return { models, ratios };
}
