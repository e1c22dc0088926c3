/**
 * What each kind of alert rule checks, over completed windows only (`[end - window, end)` with `end` the current time
 * rounded down to the window): a window still filling up would look like a traffic drop. Each check returns findings
 * per subject (a feature, "overall", a slice value) in one of three states: `firing`, `ok`, or `unknown` (not enough
 * data), and the evaluator opens or resolves events from them; `unknown` changes nothing, so a quiet night neither
 * opens nor resolves an alert.
 *
 * @example
 * ```ts
 * const findings = await checkRule(rule, { store, now: Date.now(), windowMs: 3_600_000 });
 * ```
 */
import { METRICS } from "../../core/metrics/names.ts";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import { histogramQuantile } from "../../core/stats/histogram.ts";
import { agreementOf } from "../analytics/agreement.ts";
import { driftOf, PREDICTION } from "../analytics/drift.ts";
import { buildPerformance, evaluateRows, type PerfTask } from "../analytics/performance.ts";
import { rateSeries } from "../analytics/rate.ts";
import { mergeByWindow } from "../analytics/windows.ts";
import { MINUTE_MS, type BaselineRecord, type MonitorStore } from "../store/contract.ts";
import type { AlertRule, RuleParams } from "./rules.ts";

export interface Finding {
  subject: string;
  model: string;
  version: string;
  state: "firing" | "ok" | "unknown";
  value: number | null;
  threshold: number | null;
  message: string;
  details: Record<string, unknown>;
}

export interface CheckContext {
  store: MonitorStore;
  now: number;
  /** The monitor's default window, for rules that name none. */
  windowMs: number;
}

const fmt = (x: number | null) => (x === null ? "—" : Math.abs(x) >= 0.001 || x === 0 ? String(Number(x.toPrecision(3))) : x.toExponential(2));

function lastWindow(ctx: CheckContext, windowMs: number | undefined): { w: number; end: number } {
  const w = windowMs ?? ctx.windowMs;
  return { w, end: Math.floor(ctx.now / w) * w };
}

/** Baselines of the deployment that have profiles since `from`. */
async function watchedVersions(ctx: CheckContext, deployment: string, from: number): Promise<BaselineRecord[]> {
  const series = await ctx.store.profileSeries(deployment);
  const active = new Set(series.filter((s) => s.lastBucket >= from).map((s) => `${s.model}\u0000${s.version}`));
  return (await ctx.store.baselines(deployment)).filter((b) => active.has(`${b.model}\u0000${b.version}`));
}

async function checkDrift(rule: AlertRule<"drift">, ctx: CheckContext): Promise<Finding[]> {
  const { w, end } = lastWindow(ctx, rule.params.window);
  const k = rule.params.consecutive;
  // Windows without enough rows are skipped, not counted as "no drift": look back far enough to find k with data.
  const lookback = Math.max(4 * k, 24);
  const from = end - lookback * w;
  const out: Finding[] = [];
  for (const record of await watchedVersions(ctx, rule.deployment, from)) {
    const rows = await ctx.store.profiles({ deployment: rule.deployment, model: record.model, version: record.version, from, to: end, slices: "overall" });
    const t = record.config.thresholds;
    const reports = [...mergeByWindow(rows, from, w)]
      .filter(([, p]) => p.overall !== undefined && p.overall.rows >= t.minRows)
      .sort(([a], [b]) => b - a)
      .slice(0, k)
      .map(([start, p]) => ({ t: start, report: driftOf(record.baseline, p.overall!, t) }));
    const names = rule.params.features ?? [...Object.keys(record.baseline.features), ...(record.baseline.prediction ? [PREDICTION] : [])];
    for (const name of names) {
      const results = reports.map(({ t: start, report }) => ({ t: start, d: name === PREDICTION ? report.prediction : report.features[name] }));
      const latest = results[0]?.d;
      if (latest === undefined) continue;
      const drifted = results.filter((r) => r.d?.drifted).length;
      const state = drifted === k ? "firing" : !latest.drifted ? "ok" : "unknown";
      out.push({
        subject: name,
        model: record.model,
        version: record.version,
        state,
        value: latest.value,
        threshold: latest.threshold,
        message: `${name} drifted in ${drifted} of the last ${results.length} windows of ${w / 1000}s with data (${latest.measure} = ${fmt(latest.value)}, ${latest.type === "test" ? "drift below" : "drift from"} ${latest.threshold}; needs ${k} in a row)`,
        details: {
          windowMs: w,
          consecutive: k,
          windows: results.map((r) => ({ t: r.t, measure: r.d?.measure, value: r.d?.value, threshold: r.d?.threshold, drifted: r.d?.drifted ?? false })),
        },
      });
    }
  }
  return out;
}

async function checkCounters(rule: AlertRule<"error_rate"> | AlertRule<"latency_p99">, ctx: CheckContext): Promise<Finding[]> {
  // Counters are kept per minute: shorter windows read the last whole minute.
  const w = Math.max(MINUTE_MS, Math.ceil((rule.params.window ?? ctx.windowMs) / MINUTE_MS) * MINUTE_MS);
  const end = Math.floor(ctx.now / MINUTE_MS) * MINUTE_MS;
  const all = await ctx.store.windows({ deployment: rule.deployment, from: end - w, to: end, stepMs: w });
  const arm = rule.params.arm;
  const armed = arm === undefined ? undefined : await versionsOfArm(ctx, rule.deployment, arm, end - w, end);
  const rows = armed === undefined ? all : all.filter((r) => armed.has(`${r.model}\u0000${r.version}`));
  return rows.map((r): Finding => {
    const enough = r.requests >= rule.params.minRequests;
    const base = {
      subject: "overall",
      model: r.model,
      version: r.version,
      details: { windowMs: w, requests: r.requests, errors: r.errors, errorsByClass: r.errorsByClass, ...(arm ? { arm } : {}) },
    };
    if (rule.kind === "error_rate") {
      const max = (rule.params as RuleParams["error_rate"]).max;
      const rate = r.requests > 0 ? r.errors / r.requests : null;
      return {
        ...base,
        state: !enough || rate === null ? "unknown" : rate > max ? "firing" : "ok",
        value: rate,
        threshold: max,
        message: `error rate ${fmt(rate === null ? null : 100 * rate)}% over ${r.requests} requests (max ${100 * max}%)`,
      };
    }
    const maxMs = (rule.params as RuleParams["latency_p99"]).maxMs;
    const p99 = histogramQuantile(LATENCY_BUCKETS_MS, r.latency, 0.99);
    return {
      ...base,
      state: !enough || p99 === null ? "unknown" : p99 > maxMs ? "firing" : "ok",
      value: p99,
      threshold: maxMs,
      message: `latency p99 ${fmt(p99)} ms over ${r.requests} requests (max ${maxMs} ms)`,
    };
  });
}

async function checkPredictionRate(rule: AlertRule<"prediction_rate">, ctx: CheckContext): Promise<Finding[]> {
  const p = rule.params;
  const { w, end } = lastWindow(ctx, p.window);
  const from = end - (p.trailingWindows + 1) * w;
  const out: Finding[] = [];
  for (const record of await watchedVersions(ctx, rule.deployment, end - w)) {
    const rows = await ctx.store.profiles({
      deployment: rule.deployment,
      model: record.model,
      version: record.version,
      from,
      to: end,
      slices: p.slices ? "all" : "overall",
    });
    const { measure, windows } = rateSeries(rows, {
      from: end - w,
      to: end,
      stepMs: w,
      trailingWindows: p.trailingWindows,
      positiveLabel: record.config.positiveLabel,
    });
    const last = windows[0];
    if (last === undefined) continue;
    const cells = [
      ["overall", last.overall] as const,
      ...Object.entries(last.slices).flatMap(([key, values]) => Object.entries(values).map(([v, c]) => [`${key}=${v}`, c] as const)),
    ];
    for (const [subject, c] of cells) {
      const known = c.rows >= p.minRows && c.trailingRows >= p.minRows && c.deviationPct !== null && c.pValue !== null;
      const firing = known && Math.abs(c.deviationPct!) > p.maxDeviationPct && c.pValue! < p.pValue;
      out.push({
        subject,
        model: record.model,
        version: record.version,
        state: !known ? "unknown" : firing ? "firing" : "ok",
        value: c.deviationPct,
        threshold: p.maxDeviationPct,
        message: `${measure === "positive_rate" ? "positive rate" : "mean prediction"} ${fmt(c.rate)} vs trailing ${fmt(c.trailing)} (${fmt(c.deviationPct)}%, p = ${fmt(c.pValue)}; alert beyond ±${p.maxDeviationPct}% with p < ${p.pValue})`,
        details: { windowMs: w, measure, ...c },
      });
    }
  }
  return out;
}

async function checkMetricDrop(rule: AlertRule<"metric_drop">, ctx: CheckContext): Promise<Finding[]> {
  const p = rule.params;
  const { w, end } = lastWindow(ctx, p.window);
  const record = (await ctx.store.baselines(rule.deployment))[0];
  const task: PerfTask = record?.config.task === "regression" || record?.config.task === "multiclass" ? record.config.task : "binary";
  const from = end - (p.trailingWindows + 1) * w;
  const rows = await ctx.store.labeledSamples({ deployment: rule.deployment, from, to: end });
  const o = { task, positiveLabel: record?.config.positiveLabel, threshold: record?.config.threshold ?? 0.5 };
  const slices = p.slices ? (record?.config.slices ?? [...new Set(rows.flatMap((r) => Object.keys(r.slices ?? {})))]) : [];
  const current = buildPerformance(rows, { ...o, from: end - w, to: end, stepMs: w, slices }).total;
  const trailing = buildPerformance(rows, { ...o, from, to: end - w, stepMs: end - w - from, slices }).total;
  const higher = METRICS[p.metric].higherIsBetter;
  const cells = [
    ["overall", current.overall, trailing.overall] as const,
    ...Object.entries(current.slices).flatMap(([key, values]) =>
      Object.entries(values).map(([v, c]) => [`${key}=${v}`, c, trailing.slices[key]?.[v] ?? evaluateRows([], o)] as const),
    ),
  ];
  return cells.map(([subject, cur, ref]): Finding => {
    const value = cur.metrics[p.metric] ?? null;
    const reference = p.reference ?? (ref.labeled >= p.minLabels ? (ref.metrics[p.metric] ?? null) : null);
    const known = cur.labeled >= p.minLabels && value !== null && reference !== null;
    const drop = known ? (higher ? reference - value : value - reference) : null;
    return {
      subject,
      model: record?.model ?? "",
      version: "",
      state: !known ? "unknown" : drop! > p.maxDrop ? "firing" : "ok",
      value: drop,
      threshold: p.maxDrop,
      message: `${p.metric} ${fmt(value)} on ${cur.labeled} labeled rows vs ${p.reference !== undefined ? "reference" : "trailing"} ${fmt(reference)} (drop ${fmt(drop)}, max ${p.maxDrop})`,
      details: { windowMs: w, metric: p.metric, value, reference, labeled: cur.labeled, referenceLabeled: ref.labeled },
    };
  });
}

/** The model versions that were this arm of a rollout in [from, to) (`model\u0000version`). */
async function versionsOfArm(ctx: CheckContext, deployment: string, arm: string, from: number, to: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const model of await rolloutModels(ctx, deployment, from, to)) {
    for (const r of await ctx.store.rollouts({ deployment, model, from, to })) if (r.arm === arm) out.add(`${model}\u0000${r.version}`);
  }
  return out;
}

/** Models of the deployment with traffic in [from, to): the candidates for a rollout. */
async function rolloutModels(ctx: CheckContext, deployment: string, from: number, to: number): Promise<string[]> {
  const rows = await ctx.store.windows({ deployment, from, to, stepMs: to - from });
  return [...new Set(rows.map((r) => r.model))];
}

/** Issue 14: the challenger's predictions differ from the champion's on too many shadowed (paired) requests. */
async function checkDisagreement(rule: AlertRule<"disagreement">, ctx: CheckContext): Promise<Finding[]> {
  const p = rule.params;
  const w = Math.max(MINUTE_MS, Math.ceil((p.window ?? ctx.windowMs) / MINUTE_MS) * MINUTE_MS);
  const end = Math.floor(ctx.now / MINUTE_MS) * MINUTE_MS;
  const from = end - w;
  const out: Finding[] = [];
  for (const model of await rolloutModels(ctx, rule.deployment, from, end)) {
    const rows = await ctx.store.rollouts({ deployment: rule.deployment, model, from, to: end });
    const champion = rows.find((r) => r.arm === "champion");
    const challenger = rows.find((r) => r.arm === "challenger");
    if (champion === undefined || challenger === undefined) continue;
    const q = { deployment: rule.deployment, model, from, to: end, limit: 20_000 };
    const [a, b] = await Promise.all([
      ctx.store.versionSamples({ ...q, version: champion.version }),
      ctx.store.versionSamples({ ...q, version: challenger.version }),
    ]);
    const agreement = agreementOf(a, b, p.tolerance === undefined ? {} : { tolerance: p.tolerance });
    const value = agreement.pairs > 0 ? (agreement.pairs - agreement.agree) / agreement.pairs : null;
    const known = agreement.pairs >= p.minPairs && value !== null;
    out.push({
      subject: "challenger",
      model,
      version: challenger.version,
      state: !known ? "unknown" : value > p.max ? "firing" : "ok",
      value,
      threshold: p.max,
      message: `challenger ${challenger.version} disagrees with champion ${champion.version} on ${fmt(value === null ? null : 100 * value)}% of ${agreement.pairs} shadowed requests (max ${100 * p.max}%, needs ${p.minPairs} pairs)`,
      details: { windowMs: w, champion: champion.version, challenger: challenger.version, pairs: agreement.pairs, agree: agreement.agree, by: agreement.by },
    });
  }
  return out;
}

export function checkRule(rule: AlertRule, ctx: CheckContext): Promise<Finding[]> {
  switch (rule.kind) {
    case "drift":
      return checkDrift(rule as AlertRule<"drift">, ctx);
    case "error_rate":
    case "latency_p99":
      return checkCounters(rule as AlertRule<"error_rate"> | AlertRule<"latency_p99">, ctx);
    case "prediction_rate":
      return checkPredictionRate(rule as AlertRule<"prediction_rate">, ctx);
    case "metric_drop":
      return checkMetricDrop(rule as AlertRule<"metric_drop">, ctx);
    case "disagreement":
      return checkDisagreement(rule as AlertRule<"disagreement">, ctx);
  }
}
