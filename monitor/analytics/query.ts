/**
 * The query string shared by the analytics endpoints (`/v1/drift`, `/v1/slices`, `/v1/prediction-rate`,
 * `/v1/performance`): which deployment and model version, which time range, which window length; and resolving an
 * omitted version to the one with the newest traffic.
 *
 * @example
 * ```ts
 * const q = parseAnalyticsQuery(c.req.query(), now(), { bucketMs: 60_000, defaultStepMs: 3_600_000 });
 * const series = await resolveSeries(store, q);
 * ```
 */
import * as z from "zod";
import { issuesFromZod } from "../../core/errors.ts";
import { parseDuration } from "../alerts/rules.ts";
import { MonitorError } from "../http-error.ts";
import type { BaselineRecord, MonitorStore } from "../store/contract.ts";

/** Most windows one analytics query may ask for. */
const MAX_ANALYTICS_WINDOWS = 5000;

export interface AnalyticsQuery {
  deployment: string;
  model: string | undefined;
  version: string | undefined;
  /** Inclusive start (a multiple of stepMs) and exclusive end. */
  from: number;
  to: number;
  stepMs: number;
  trailingMs: number | undefined;
  slice: { key: string; value: string | undefined } | undefined;
}

const time = z.string().transform((s, ctx) => {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) ctx.addIssue({ code: "custom", message: "expected epoch milliseconds or an ISO 8601 date" });
  return t;
});
const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) ctx.addIssue({ code: "custom", message: 'expected a duration like "10s", "5m", "1h", "1d"' });
  return ms ?? 0;
});
const Query = z.object({
  deployment: z.string().min(1),
  model: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  from: time.optional(),
  to: time.optional(),
  step: duration.optional(),
  trailing: duration.optional(),
  /** "sex" (every value of a slice feature) or "sex=male" (one value). */
  slice: z.string().min(1).optional(),
  /** Without `from`: how many windows back from `to` (default 24). */
  windows: z.string().regex(/^\d+$/, "expected a whole number").transform(Number).optional(),
});

export function parseAnalyticsQuery(
  query: Record<string, string>,
  now: number,
  o: { bucketMs: number; defaultStepMs: number; defaultWindows?: number },
): AnalyticsQuery {
  const parsed = Query.safeParse(query);
  if (!parsed.success) throw new MonitorError(400, "INVALID_QUERY", "invalid query", { issues: issuesFromZod(parsed.error.issues) });
  const q = parsed.data;
  const stepMs = q.step ?? o.defaultStepMs;
  if (stepMs % o.bucketMs !== 0) {
    throw new MonitorError(400, "INVALID_QUERY", `step must be a whole number of profile buckets (${o.bucketMs / 1000}s)`, {
      issues: [{ path: "step", message: `got ${query["step"]}` }],
    });
  }
  // Windows start at multiples of the step (stable across refreshes); the last one may still be filling up.
  const to = Math.ceil((q.to ?? now) / stepMs) * stepMs;
  const from = Math.floor((q.from ?? to - (q.windows ?? o.defaultWindows ?? 24) * stepMs) / stepMs) * stepMs;
  if (from >= to) throw new MonitorError(400, "INVALID_QUERY", "from must be before to");
  if ((to - from) / stepMs > MAX_ANALYTICS_WINDOWS) {
    throw new MonitorError(400, "INVALID_QUERY", `that is ${(to - from) / stepMs} windows; at most ${MAX_ANALYTICS_WINDOWS}`, { hint: "use a larger step" });
  }
  const [key, ...rest] = q.slice?.split("=") ?? [];
  const slice = key === undefined || key === "" ? undefined : { key, value: rest.length > 0 ? rest.join("=") : undefined };
  return { deployment: q.deployment, model: q.model, version: q.version, from, to, stepMs, trailingMs: q.trailing, slice };
}

export interface Series {
  model: string;
  version: string;
  record: BaselineRecord | undefined;
}

/**
 * The model version a query is about: the one named, else the version with the newest profiles that has a baseline,
 * else the newest registered baseline. 404 when the deployment has neither.
 */
export async function resolveSeries(store: MonitorStore, q: { deployment: string; model?: string | undefined; version?: string | undefined }): Promise<Series> {
  const baselines = await store.baselines(q.deployment);
  const find = (model: string, version: string) => baselines.find((b) => b.model === model && b.version === version);
  if (q.version !== undefined) {
    const model =
      q.model ?? baselines.find((b) => b.version === q.version)?.model ?? (await store.profileSeries(q.deployment)).find((s) => s.version === q.version)?.model;
    if (model === undefined) throw notFound(q.deployment, `no model version ${q.version}`);
    return { model, version: q.version, record: find(model, q.version) };
  }
  const series = (await store.profileSeries(q.deployment)).filter((s) => q.model === undefined || s.model === q.model);
  const withBaseline = series.find((s) => find(s.model, s.version) !== undefined);
  if (withBaseline) return { model: withBaseline.model, version: withBaseline.version, record: find(withBaseline.model, withBaseline.version) };
  const newest = baselines.find((b) => q.model === undefined || b.model === q.model);
  if (newest) return { model: newest.model, version: newest.version, record: newest };
  const any = series[0];
  if (any) return { model: any.model, version: any.version, record: undefined };
  throw notFound(q.deployment, "no profiles and no registered baseline");
}

function notFound(deployment: string, what: string): MonitorError {
  return new MonitorError(404, "NOT_FOUND", `deployment "${deployment}" has ${what}`, {
    hint: `register a baseline: POST /v1/deployments/${deployment}/baseline {model, version, baseline} (edge-ml dev and deploy do it)`,
  });
}

export function requireBaseline(s: Series, deployment: string): BaselineRecord {
  if (s.record === undefined) {
    throw new MonitorError(404, "NO_BASELINE", `no baseline registered for ${s.model}@${s.version} in "${deployment}"`, {
      hint: `POST /v1/deployments/${deployment}/baseline {model: "${s.model}", version: "${s.version}", baseline}`,
    });
  }
  return s.record;
}

/** Window starts from `from` to `to` by `stepMs`. */
export function windowStarts(from: number, to: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t += stepMs) out.push(t);
  return out;
}
