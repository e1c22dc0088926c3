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
import * as z from "zod";
import { TelemetryName } from "../../core/schema/telemetry.ts";
import { PARAMS, RULE_KINDS, type AlertRule, type RuleKind, type RuleParams } from "../schema/rules.ts";

export * from "../schema/rules.ts";

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

const TITLES: Record<RuleKind, string> = {
  drift: "Feature drift",
  error_rate: "Error rate",
  latency_p99: "Latency p99",
  prediction_rate: "Prediction rate deviation",
  metric_drop: "Metric drop",
  disagreement: "Challenger disagreement",
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
    disagreement: {},
  };
  // Disagreement only means something with a challenger: users create it for the rollouts they run.
  const kinds = RULE_KINDS.filter((k) => k !== "disagreement" && (k !== "metric_drop" || task !== "tensor"));
  return kinds.map((kind) => ({
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
