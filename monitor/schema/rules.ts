/**
 * What an alert rule is, as stored: its kinds, each kind's params (zod, with defaults) and the rule record. Shared by
 * the store contract (stores validate the params they read back) and the alerts code, so neither imports the other.
 *
 * @example
 * ```ts
 * const params = parseParams("error_rate", { max: 0.02 }); // {success: true, data: {max: 0.02, minRequests: 20}}
 * ```
 */
import * as z from "zod";
import { METRIC_NAMES } from "../../core/metrics/names.ts";

export const RULE_KINDS = ["drift", "error_rate", "latency_p99", "prediction_rate", "metric_drop", "disagreement"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse "10s", "5m", "1h", "1d", "250ms" (a bare number is seconds); undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] ?? "s"]!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

/** A duration as milliseconds or text ("1h"). */
const Duration = z.union([z.int().positive(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? v : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: 'expected milliseconds or a duration like "10s", "5m", "1h"' });
    return z.NEVER;
  }
  return ms;
});

const window = Duration.optional();
const count = (d: number) => z.int().nonnegative().default(d);

const DriftParams = z.strictObject({
  window,
  consecutive: z.int().min(1).max(100).default(3),
  /** Features to watch ("prediction" for the prediction); all of the baseline's by default. */
  features: z.array(z.string()).max(1000).optional(),
});
/** Champion-vs-challenger builds (issue 14): watch only the versions that were this arm in the window. */
const arm = z.enum(["champion", "challenger"]).optional();
const ErrorRateParams = z.strictObject({ window, max: z.number().min(0).max(1).default(0.05), minRequests: count(20), arm });
const LatencyParams = z.strictObject({ window, maxMs: z.number().positive().default(1000), minRequests: count(20), arm });
/**
 * Share of shadowed requests on which the challenger's prediction differs from the champion's (sampled pairs joined
 * by request id; numbers differ beyond `tolerance`). Only the challenger has a disagreement, so `arm` can only be it.
 */
const DisagreementParams = z.strictObject({
  window,
  max: z.number().min(0).max(1).default(0.05),
  minPairs: count(30),
  tolerance: z.number().nonnegative().optional(),
  arm: z.literal("challenger").default("challenger"),
});
const PredictionRateParams = z.strictObject({
  window,
  trailingWindows: z.int().min(1).max(1000).default(24),
  maxDeviationPct: z.number().positive().default(50),
  /** The deviation must also be unlikely by chance: the z-test's p-value below this. */
  pValue: z.number().gt(0).lt(1).default(0.01),
  minRows: count(50),
  slices: z.boolean().default(true),
});
const MetricDropParams = z.strictObject({
  window,
  metric: z.enum(METRIC_NAMES).default("accuracy"),
  maxDrop: z.number().positive().default(0.1),
  trailingWindows: z.int().min(1).max(1000).default(24),
  /** A fixed reference value (e.g. the validation metric) instead of the trailing one. */
  reference: z.number().optional(),
  /** Labeled rows needed in the window (and in the trailing windows): accuracy on 100 rows moves ±0.05 by chance. */
  minLabels: count(100),
  slices: z.boolean().default(true),
});

export const PARAMS = {
  drift: DriftParams,
  error_rate: ErrorRateParams,
  latency_p99: LatencyParams,
  prediction_rate: PredictionRateParams,
  metric_drop: MetricDropParams,
  disagreement: DisagreementParams,
} as const;
export type RuleParams = { [K in RuleKind]: z.output<(typeof PARAMS)[K]> };

export interface AlertRule<K extends RuleKind = RuleKind> {
  id: string;
  deployment: string;
  kind: K;
  name: string;
  params: RuleParams[K];
  webhook: string | null;
  enabled: boolean;
  /** "default": created on baseline registration; "user": created through the API. */
  source: "default" | "user";
  createdAt: number;
  updatedAt: number;
}

/** Validate a kind's params (unknown input, e.g. a stored row or a PUT body). */
export function parseParams<K extends RuleKind>(kind: K, params: unknown): z.ZodSafeParseResult<RuleParams[K]> {
  return PARAMS[kind].safeParse(params ?? {}) as z.ZodSafeParseResult<RuleParams[K]>;
}
