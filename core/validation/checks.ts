/**
 * Evaluate gates against validation metrics: one `Check` per gate and scope (overall, then each slice), each with
 * its value, threshold and verdict, so a report can say exactly which slice blocked a version and by how much.
 *
 * @example
 * ```ts
 * const checks = evaluateGates({ task: "binary", rows: 328, metrics, slices, gates: { absolute: [{ metric: "roc_auc", min: 0.8, slices: false, minRows: 30 }], relative: [] },
 *   source: { absolute: "gates", relative: "gates" } });
 * checks.every((c) => c.pass);
 * ```
 */
import { EdgeMlError } from "../errors.ts";
import { METRICS, type MetricName, type MetricTask } from "../metrics/names.ts";
import type { AbsoluteGate, RelativeGate } from "./gates.ts";
import type { Check, MetricSet, SliceKey, SliceMetrics } from "./result.ts";

export interface GateSet {
  absolute: readonly AbsoluteGate[];
  relative: readonly RelativeGate[];
}

export interface GateInput {
  task: MetricTask;
  /** Rows evaluated overall. */
  rows: number;
  metrics: MetricSet;
  slices: readonly SliceMetrics[];
  /** The champion on the same rows; without it relative gates are skipped (there is nothing to compare with). */
  champion?: { version: string; metrics: MetricSet; slices: readonly SliceMetrics[] } | undefined;
  gates: GateSet;
  /** Where each list came from, for error messages (e.g. "models.titanic.gates" or "gates"). */
  source: { absolute: string; relative: string };
}

/** Rounding in metric arithmetic must not flip a verdict at an exact tie. */
const TOLERANCE = 1e-12;

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "undefined" : String(Number(x.toPrecision(4))));
const where = (slice: SliceKey | null, rows: number) => (slice === null ? `overall (${rows} rows)` : `on ${slice.feature}=${slice.value} (${rows} rows)`);

function checkMetric(task: MetricTask, metric: MetricName, path: string): void {
  if (!METRICS[metric].tasks.includes(task)) {
    const allowed = Object.entries(METRICS)
      .filter(([, m]) => m.tasks.includes(task))
      .map(([n]) => n);
    throw new EdgeMlError("ERR_BAD_CONFIG", `${path}.metric: "${metric}" is not a ${task} metric`, {
      hint: `Should be one of: ${allowed.join(", ")} (edit edge-ml.config.ts, then run \`npx edge-ml validate\` again)`,
    });
  }
}

function compare(value: number, threshold: number, op: ">=" | "<="): boolean {
  return op === ">=" ? value >= threshold - TOLERANCE : value <= threshold + TOLERANCE;
}

/** Scopes a gate applies to: overall, then every slice with enough rows (smaller ones come back as skipped). */
function scopes(input: GateInput, slices: boolean): { slice: SliceKey | null; rows: number; metrics: MetricSet }[] {
  const out: { slice: SliceKey | null; rows: number; metrics: MetricSet }[] = [{ slice: null, rows: input.rows, metrics: input.metrics }];
  if (slices) for (const s of input.slices) out.push({ slice: { feature: s.feature, value: s.value }, rows: s.rows, metrics: s.metrics });
  return out;
}

function absoluteChecks(input: GateInput, gate: AbsoluteGate, path: string): Check[] {
  checkMetric(input.task, gate.metric, path);
  const bounds: [number, ">=" | "<="][] = [];
  if (gate.min !== undefined) bounds.push([gate.min, ">="]);
  if (gate.max !== undefined) bounds.push([gate.max, "<="]);
  const out: Check[] = [];
  for (const scope of scopes(input, gate.slices)) {
    const value = scope.metrics[gate.metric]?.value ?? null;
    for (const [threshold, op] of bounds) {
      const base = { kind: "absolute" as const, metric: gate.metric, slice: scope.slice, rows: scope.rows, value, threshold, op };
      if (scope.slice !== null && scope.rows < gate.minRows) {
        out.push({
          ...base,
          pass: true,
          skipped: `fewer than minRows = ${gate.minRows} rows`,
          message: `${gate.metric} not gated ${where(scope.slice, scope.rows)}: fewer than ${gate.minRows} rows`,
        });
      } else if (value === null && scope.slice !== null) {
        out.push({
          ...base,
          pass: true,
          skipped: "metric undefined on this slice",
          message: `${gate.metric} is undefined ${where(scope.slice, scope.rows)} (e.g. one class only); not gated`,
        });
      } else {
        const pass = value !== null && compare(value, threshold, op);
        out.push({
          ...base,
          pass,
          message: `${gate.metric} ${fmt(value)} ${pass ? op : op === ">=" ? "<" : ">"} ${fmt(threshold)} ${where(scope.slice, scope.rows)}`,
        });
      }
    }
  }
  return out;
}

function relativeChecks(input: GateInput, gate: RelativeGate, path: string): Check[] {
  checkMetric(input.task, gate.metric, path);
  const higher = METRICS[gate.metric].higherIsBetter;
  const op: ">=" | "<=" = higher ? ">=" : "<=";
  const champion = input.champion;
  const out: Check[] = [];
  for (const scope of scopes(input, gate.slices)) {
    const value = scope.metrics[gate.metric]?.value ?? null;
    const base = { kind: "relative" as const, metric: gate.metric, slice: scope.slice, rows: scope.rows, value, op };
    if (champion === undefined) {
      out.push({
        ...base,
        threshold: null,
        champion: null,
        pass: true,
        skipped: "no champion to compare with",
        message: `${gate.metric}: no champion alias to compare with (set one: \`npx edge-ml models alias <name> champion <version>\`)`,
      });
      break;
    }
    const champ =
      scope.slice === null
        ? (champion.metrics[gate.metric]?.value ?? null)
        : (champion.slices.find((s) => s.feature === scope.slice?.feature && s.value === scope.slice.value)?.metrics[gate.metric]?.value ?? null);
    if (scope.slice !== null && scope.rows < gate.minRows) {
      out.push({
        ...base,
        threshold: null,
        champion: champ,
        pass: true,
        skipped: `fewer than minRows = ${gate.minRows} rows`,
        message: `${gate.metric} not compared ${where(scope.slice, scope.rows)}: fewer than ${gate.minRows} rows`,
      });
      continue;
    }
    if (champ === null || (value === null && scope.slice !== null)) {
      out.push({
        ...base,
        threshold: null,
        champion: champ,
        pass: scope.slice !== null,
        ...(scope.slice !== null ? { skipped: "metric undefined on this slice" } : {}),
        message: `${gate.metric} is undefined ${where(scope.slice, scope.rows)} for ${champ === null ? "the champion" : "this version"}`,
      });
      continue;
    }
    const threshold = higher ? champ - gate.maxDrop : champ + gate.maxDrop;
    const pass = value !== null && compare(value, threshold, op);
    const delta = value === null ? "undefined" : `${value - champ >= 0 ? "+" : ""}${fmt(value - champ)}`;
    out.push({
      ...base,
      threshold,
      champion: champ,
      pass,
      message: `${gate.metric} ${fmt(value)} vs champion ${champion.version} ${fmt(champ)} (${delta}, allowed ${higher ? "drop" : "rise"} ${fmt(gate.maxDrop)}) ${where(scope.slice, scope.rows)}`,
    });
  }
  return out;
}

/** Throw ERR_BAD_CONFIG for a gate on a metric the task has not: call it before spending time on evaluation. */
export function checkGateMetrics(task: MetricTask, gates: GateSet, source: GateInput["source"]): void {
  gates.absolute.forEach((g, i) => checkMetric(task, g.metric, `${source.absolute}.absolute[${i}]`));
  gates.relative.forEach((g, i) => checkMetric(task, g.metric, `${source.relative}.relative[${i}]`));
}

/**
 * Every check of every gate, absolute first, in config order. Throws ERR_BAD_CONFIG for a metric the task has not.
 */
export function evaluateGates(input: GateInput): Check[] {
  return [
    ...input.gates.absolute.flatMap((g, i) => absoluteChecks(input, g, `${input.source.absolute}.absolute[${i}]`)),
    ...input.gates.relative.flatMap((g, i) => relativeChecks(input, g, `${input.source.relative}.relative[${i}]`)),
  ];
}
