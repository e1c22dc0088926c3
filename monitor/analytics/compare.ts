/**
 * Champion vs challenger for one model of a deployment (issue 14), over a time range: per arm its client requests
 * and shadow runs (apart), errors with an interval, latency quantiles from the fixed histogram buckets, the predicted
 * distribution, label metrics once delayed labels arrive; between the arms the drift of their predictions, the
 * agreement on shadowed requests (pairs of sampled rows by request id), and a verdict per metric from an always-valid
 * sequential test (./sequential.ts), so reading this every window keeps its false-positive rate.
 *
 * @example
 * ```ts
 * const report = await compareReport(store, { deployment: "prod", model: "titanic", from, to, stepMs: 3_600_000 });
 * report.verdicts.error_rate.verdict; // "better" | "worse" | "not_significant"
 * ```
 */
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry-constants.ts";
import { histogramQuantile } from "../../core/stats/histogram.ts";
import type { Profile } from "../../core/stats/profile-schema.ts";
import { MonitorError } from "../http-error.ts";
import type { BaselineRecord, MonitorStore, RolloutRow, WindowRow } from "../store/contract.ts";
import { type Agreement, agreementOf } from "./agreement.ts";
import { type ArmDrift, armDrift } from "./arm-drift.ts";
import { evaluateRows, type PerfTask, type PerformanceCell } from "./performance.ts";
import { compareMeans, compareRates, DEFAULT_ALPHA, type Difference, type Interval, wilson } from "./sequential.ts";
import { mergeAll } from "./windows.ts";

export interface CompareQuery {
  deployment: string;
  model: string;
  from: number;
  to: number;
  stepMs: number;
  /** |Δ| under which two numeric predictions agree. */
  tolerance?: number | undefined;
  alpha?: number | undefined;
}

export type ArmName = "champion" | "challenger";
/** How the challenger ran in the range: both when the rollout switched between canary and shadow inside it. */
export type RolloutModes = "canary" | "shadow" | "canary+shadow" | null;

export interface ArmReport {
  arm: ArmName;
  version: string;
  mode: RolloutModes;
  /** Requests clients made that this version answered. */
  requests: number;
  /** Challenger in shadow mode: runs after the champion answered (no client saw them). */
  shadowRuns: number;
  errors: number;
  errorRate: number | null;
  errorRateInterval: Interval | null;
  latency: { count: number; meanMs: number | null; p50: number | null; p90: number | null; p99: number | null; counts: number[] };
  prediction: { kind: "label" | "score"; labels: string[]; counts: number[] } | null;
  /** Metrics of sampled rows joined with delayed labels (null before any label arrived or without a registration). */
  labels: PerformanceCell | null;
  windows: { t: number; requests: number; errors: number; p50: number | null; p99: number | null }[];
}

/** Test settings per metric: the effect size τ each test is tuned to, and which direction is better. */
const TESTS = {
  error_rate: { tau: 0.01, lowerIsBetter: true },
  latency_mean: { tau: 5, lowerIsBetter: true },
  accuracy: { tau: 0.02, lowerIsBetter: false },
} as const;

export async function compareReport(store: MonitorStore, q: CompareQuery) {
  const rows = await store.rollouts({ deployment: q.deployment, model: q.model, from: q.from, to: q.to });
  const champion = pick(rows, "champion");
  const challenger = pick(rows, "challenger");
  if (champion === undefined || challenger === undefined) {
    throw new MonitorError(404, "NOT_FOUND", `no champion and challenger telemetry for ${q.deployment}/${q.model} between ${iso(q.from)} and ${iso(q.to)}`, {
      hint: "serve the model with a challenger (edge-ml dev <model> --challenger <model>@<version> --shadow | --canary <share>), send traffic, or widen from/to",
    });
  }
  const windows = await store.windows({ deployment: q.deployment, from: q.from, to: q.to, stepMs: q.stepMs });
  const alpha = q.alpha ?? DEFAULT_ALPHA;
  const [a, b] = [armReport(q, rows, champion, windows), armReport(q, rows, challenger, windows)];
  const [baseA, baseB] = await Promise.all([
    store.baseline(q.deployment, q.model, champion.version),
    store.baseline(q.deployment, q.model, challenger.version),
  ]);
  const [profA, profB] = await Promise.all([overallProfile(store, q, champion.version), overallProfile(store, q, challenger.version)]);
  a.report.prediction = distribution(profA, baseA);
  b.report.prediction = distribution(profB, baseB);
  const limit = 20_000;
  const [samplesA, samplesB] = await Promise.all([
    store.versionSamples({ deployment: q.deployment, model: q.model, version: champion.version, from: q.from, to: q.to, limit }),
    store.versionSamples({ deployment: q.deployment, model: q.model, version: challenger.version, from: q.from, to: q.to, limit }),
  ]);
  const agreement: Agreement = agreementOf(samplesA, samplesB, q.tolerance === undefined ? {} : { tolerance: q.tolerance });
  const drift: ArmDrift | { of: null; reason: string } = armDrift(profA, profB, baseA?.baseline, baseB?.baseline);
  const labelsA = await labelCell(store, q, champion.version, baseA ?? baseB);
  const labelsB = await labelCell(store, q, challenger.version, baseB ?? baseA);
  a.report.labels = labelsA;
  b.report.labels = labelsB;

  // Errors over everything each version ran: for a shadow challenger its runs are the comparable count.
  const runsA = a.report.requests + a.report.shadowRuns;
  const runsB = b.report.requests + b.report.shadowRuns;
  const verdicts: Record<string, Difference> = {
    error_rate: compareRates({ k: a.report.errors, n: runsA }, { k: b.report.errors, n: runsB }, { ...TESTS.error_rate, alpha }),
    latency_mean: compareMeans(a.moments, b.moments, { ...TESTS.latency_mean, alpha }),
  };
  const accA = labelsA?.metrics["accuracy"];
  const accB = labelsB?.metrics["accuracy"];
  if (typeof accA === "number" && typeof accB === "number" && labelsA !== null && labelsB !== null) {
    const k = (c: PerformanceCell, acc: number) => ({ k: Math.round(acc * c.labeled), n: c.labeled });
    verdicts["accuracy"] = compareRates(k(labelsA, accA), k(labelsB, accB), { ...TESTS.accuracy, alpha });
  }
  return {
    deployment: q.deployment,
    model: q.model,
    from: q.from,
    to: q.to,
    stepMs: q.stepMs,
    mode: challenger.mode,
    arms: [a.report, b.report] as [ArmReport, ArmReport],
    drift,
    agreement,
    verdicts,
    method:
      "verdicts: mSPRT with a normal mixture over the difference challenger − champion (Johari et al., Operations Research 2022), always valid under continuous monitoring; per-arm intervals: Wilson 95 %",
  };
}

/** An arm's version, with every mode it ran in over the range. */
type PickedArm = Omit<RolloutRow, "mode"> & { mode: RolloutModes };

/** The version of an arm: the one with the most traffic in the range (a promotion inside the range leaves two). */
function pick(rows: readonly RolloutRow[], arm: ArmName): PickedArm | undefined {
  let best: RolloutRow | undefined;
  const byVersion = new Map<string, number>();
  for (const r of rows) if (r.arm === arm) byVersion.set(r.version, (byVersion.get(r.version) ?? 0) + r.requests);
  for (const r of rows) if (r.arm === arm && (best === undefined || byVersion.get(r.version)! > byVersion.get(best.version)!)) best = r;
  if (best === undefined) return undefined;
  const modes = new Set(rows.filter((r) => r.arm === arm && r.version === best.version && r.mode !== null).map((r) => r.mode));
  return { ...best, mode: modes.size === 2 ? "canary+shadow" : ([...modes][0] ?? null) };
}

function armReport(q: CompareQuery, rows: readonly RolloutRow[], row: PickedArm, windows: readonly WindowRow[]) {
  const mine = rows.filter((r) => r.arm === row.arm && r.version === row.version);
  const shadowRuns = mine.filter((r) => r.arm === "challenger" && r.mode === "shadow").reduce((s, r) => s + r.requests, 0);
  const total = mine.reduce((s, r) => s + r.requests, 0);
  const errors = mine.reduce((s, r) => s + r.errors, 0);
  const counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  let sum = 0;
  const perWindow: ArmReport["windows"] = [];
  for (const w of windows) {
    if (w.model !== q.model || w.version !== row.version) continue;
    w.latency.forEach((c, i) => void (counts[i]! += c));
    sum += w.latencySum;
    const quantile = (p: number) => histogramQuantile(LATENCY_BUCKETS_MS, w.latency, p);
    perWindow.push({ t: w.t, requests: w.requests, errors: w.errors, p50: quantile(0.5), p99: quantile(0.99) });
  }
  const n = counts.reduce((s, c) => s + c, 0);
  const quantile = (p: number) => histogramQuantile(LATENCY_BUCKETS_MS, counts, p);
  const meanMs = n > 0 ? sum / n : null;
  const report: ArmReport = {
    arm: row.arm,
    version: row.version,
    mode: row.mode,
    requests: total - shadowRuns,
    shadowRuns,
    errors,
    errorRate: total > 0 ? errors / total : null,
    errorRateInterval: wilson(errors, total),
    latency: { count: n, meanMs, p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), counts },
    prediction: null,
    labels: null,
    windows: perWindow,
  };
  return { report, moments: { n, mean: meanMs ?? 0, variance: histogramVariance(counts, meanMs ?? 0, n) } };
}

/** The latency variance from bucket midpoints (the overflow bucket at its lower bound): what the mean test needs. */
function histogramVariance(counts: readonly number[], mean: number, n: number): number {
  if (n < 2) return 0;
  let ss = 0;
  counts.forEach((c, i) => {
    const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
    const upper = LATENCY_BUCKETS_MS[i] ?? lower;
    ss += c * ((lower + upper) / 2 - mean) ** 2;
  });
  return ss / (n - 1);
}

async function overallProfile(store: MonitorStore, q: CompareQuery, version: string): Promise<Profile | undefined> {
  const rows = await store.profiles({ deployment: q.deployment, model: q.model, version, from: q.from, to: q.to, slices: "overall" });
  return mergeAll(rows).overall;
}

function distribution(p: Profile | undefined, base: BaselineRecord | undefined): ArmReport["prediction"] {
  if (p?.predictionLabel?.kind === "categorical") {
    const c = p.predictionLabel;
    const labels = [...Object.keys(c.counts), ...(c.other > 0 ? ["__other__"] : [])];
    return { kind: "label", labels, counts: labels.map((l) => (l === "__other__" ? c.other : (c.counts[l] ?? 0))) };
  }
  if (p?.prediction?.kind === "numeric") {
    const edges = base?.baseline.prediction?.kind === "numeric" ? base.baseline.prediction.edges : undefined;
    const labels = p.prediction.counts.map((_c, i) => (edges === undefined ? `bin ${i}` : binLabel(edges, i)));
    return { kind: "score", labels, counts: [...p.prediction.counts] };
  }
  return null;
}

const round = (x: number) => Number(x.toPrecision(3));
function binLabel(edges: readonly number[], i: number): string {
  if (i === 0) return `< ${round(edges[0] ?? 0)}`;
  if (i >= edges.length) return `≥ ${round(edges[edges.length - 1] ?? 0)}`;
  return `${round(edges[i - 1]!)}–${round(edges[i]!)}`;
}

async function labelCell(store: MonitorStore, q: CompareQuery, version: string, base: BaselineRecord | undefined): Promise<PerformanceCell | null> {
  if (base === undefined) return null;
  const rows = await store.labeledSamples({ deployment: q.deployment, model: q.model, version, from: q.from, to: q.to });
  if (rows.length === 0) return null;
  const c = base.config;
  const task: PerfTask = c.task === "regression" || c.task === "multiclass" ? c.task : "binary";
  return evaluateRows(rows, { task, positiveLabel: c.positiveLabel, threshold: c.threshold ?? 0.5 });
}

const iso = (t: number) => new Date(t).toISOString();
