/**
 * Alert rules: one zod schema per kind (params with defaults), the API's input shapes, and the default rules a
 * deployment gets when its first baseline is registered.
 *
 * | kind | fires when (per window of `window`, default the monitor's window) |
 * |---|---|
 * | `drift` | a feature (or the prediction) drifted in each of the last `consecutive` windows that had data |
 * | `error_rate` | errors / requests over `max` (with at least `minRequests`) |
 * | `latency_p99` | p99 latency over `maxMs` |
 * | `prediction_rate` | the positive rate (or mean prediction) deviates from its trailing average by over `maxDeviationPct` %, overall or in a slice |
 * | `metric_drop` | a label-joined metric fell by over `maxDrop` vs its trailing value (or `reference`), overall or in a slice |
 *
 * @example
 * ```ts
 * const input = RuleInput.parse({ deployment: "prod", kind: "drift", params: { consecutive: 2 }, webhook: "https://hooks.example/x" });
 * ```
 */
import { z } from "zod";
import { METRIC_NAMES } from "../../core/metrics/names.ts";
import { TelemetryName } from "../../core/schema/telemetry.ts";

export const RULE_KINDS = ["drift", "error_rate", "latency_p99", "prediction_rate", "metric_drop"] as const;
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
export const Duration = z.union([z.int().positive(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? v : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: 'expected milliseconds or a duration like "10s", "5m", "1h"' });
    return z.NEVER;
  }
  return ms;
});

const window = Duration.optional();
const count = (d: number) => z.int().nonnegative().default(d);

export const DriftParams = z.strictObject({
  window,
  consecutive: z.int().min(1).max(100).default(3),
  /** Features to watch ("prediction" for the prediction); all of the baseline's by default. */
  features: z.array(z.string()).max(1000).optional(),
});
export const ErrorRateParams = z.strictObject({ window, max: z.number().min(0).max(1).default(0.05), minRequests: count(20) });
export const LatencyParams = z.strictObject({ window, maxMs: z.number().positive().default(1000), minRequests: count(20) });
export const PredictionRateParams = z.strictObject({
  window,
  trailingWindows: z.int().min(1).max(1000).default(24),
  maxDeviationPct: z.number().positive().default(50),
  /** The deviation must also be unlikely by chance: the z-test's p-value below this. */
  pValue: z.number().gt(0).lt(1).default(0.01),
  minRows: count(50),
  slices: z.boolean().default(true),
});
export const MetricDropParams = z.strictObject({
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
} as const;
export type RuleParams = { [K in RuleKind]: z.output<(typeof PARAMS)[K]> };

const webhook = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
  .max(2048)
  .nullable();
const common = { deployment: TelemetryName, name: z.string().min(1).max(200).optional(), webhook: webhook.optional(), enabled: z.boolean().default(true) };

const RuleBase = z.strictObject({ kind: z.enum(RULE_KINDS), params: z.record(z.string(), z.unknown()).default({}), ...common });
export type RuleInput = Omit<z.output<typeof RuleBase>, "params"> & { params: RuleParams[RuleKind] };

/**
 * Validate the body of `POST /v1/alerts/rules`: the common fields and the kind's params (defaulted), reporting the
 * issues of both at once.
 */
export function parseRuleInput(body: unknown): { success: true; data: RuleInput } | { success: false; issues: { path: PropertyKey[]; message: string }[] } {
  const base = RuleBase.safeParse(body);
  const issues: { path: PropertyKey[]; message: string }[] = base.success ? [] : base.error.issues.map((i) => ({ path: i.path, message: i.message }));
  const raw = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const kind = (RULE_KINDS as readonly unknown[]).includes(raw["kind"]) ? (raw["kind"] as RuleKind) : undefined;
  const params = kind === undefined ? undefined : PARAMS[kind].safeParse(raw["params"] ?? {});
  if (params && !params.success) issues.push(...params.error.issues.map((i) => ({ path: ["params", ...i.path], message: i.message })));
  if (!base.success || !params?.success || issues.length > 0) return { success: false, issues };
  return { success: true, data: { ...base.data, params: params.data as RuleParams[RuleKind] } };
}

/** Body of `PUT /v1/alerts/rules/:id`: what to change (params are replaced as a whole, then defaulted). */
export const RulePatch = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  webhook: webhook.optional(),
  enabled: z.boolean().optional(),
});

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

const TITLES: Record<RuleKind, string> = {
  drift: "Feature drift",
  error_rate: "Error rate",
  latency_p99: "Latency p99",
  prediction_rate: "Prediction rate deviation",
  metric_drop: "Metric drop",
};

/**
 * The rules a deployment starts with. Their ids are fixed (`<deployment>:default:<kind>`), so registering again
 * never duplicates them and never undoes a user's edits. `metric_drop` watches accuracy for classifiers, MAE otherwise.
 */
export function defaultRules(deployment: string, task: string | undefined, at: number): AlertRule[] {
  const metric = task === "regression" ? "mae" : "accuracy";
  const params: { [K in RuleKind]: unknown } = {
    drift: {},
    error_rate: {},
    latency_p99: {},
    prediction_rate: {},
    metric_drop: { metric },
  };
  return RULE_KINDS.filter((k) => k !== "metric_drop" || task !== "tensor").map((kind) => ({
    id: `${deployment}:default:${kind}`,
    deployment,
    kind,
    name: TITLES[kind],
    params: PARAMS[kind].parse(params[kind]),
    webhook: null,
    enabled: true,
    source: "default",
    createdAt: at,
    updatedAt: at,
  }));
}

export function ruleTitle(kind: RuleKind): string {
  return TITLES[kind];
}
