/**
 * The samples gates (core/validation/gates.ts `SamplesGates`) as checks: per model output, max absolute and relative
 * error, lowest cosine and argmax agreement; lines whose outputs could not be compared (a shape the reference does not
 * have, an output missing) fail a check of their own; with labels, accuracy or MAE when a gate asks for it. A variant
 * gets the optimize gates instead (`variantChecks`): argmax agreement with the fp32 outputs, accuracy loss against
 * the fp32 model on the labels, and max abs error only when `optimize.maxAbsError` is set.
 *
 * @example
 * ```ts
 * samplesChecks(agreements, problems, labels, SamplesGates.parse({}));
 * // [{ kind: "samples", metric: "max_abs_error", output: "y", value: 3e-8, threshold: 1e-4, op: "<=", pass: true, ... }]
 * ```
 */
import type { OptimizeGates } from "../../core/config.ts";
import type { SamplesGates } from "../../core/validation/gates.ts";
import type { Check, OutputAgreement, SamplesValidationResult } from "../../core/validation/result.ts";

/** Small errors in exponent form, the rest with six significant digits. */
export function formatError(x: number | null): string {
  if (x === null) return "not finite";
  if (x === 0) return "0";
  return Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6 ? x.toExponential(2) : String(Number(x.toPrecision(6)));
}

function gate(output: string, metric: string, rows: number, value: number | null, threshold: number, op: "<=" | ">=", what: string, extra = ""): Check {
  const pass = value !== null && (op === "<=" ? value <= threshold : value >= threshold);
  // Cosines sit next to 1: eight digits tell 0.99999 apart from 0.9999999 without printing sixteen.
  const shown =
    value === null ? "not finite" : metric === "min_cosine" ? value.toPrecision(8) : metric === "argmax_agreement" ? String(value) : formatError(value);
  const rel = pass ? op : op === "<=" ? ">" : "<";
  return {
    kind: "samples",
    metric,
    output,
    slice: null,
    rows,
    value,
    threshold,
    op,
    pass,
    message: `${output}: ${what} ${shown} ${rel} ${threshold}${extra}`,
  };
}

function outputChecks(o: OutputAgreement, g: SamplesGates): Check[] {
  const where = o.worstLine === null ? "" : ` (worst: line ${o.worstLine})`;
  const checks = [
    gate(o.name, "max_abs_error", o.values, o.maxAbsError, g.maxAbsError, "<=", "max abs error", where),
    gate(o.name, "max_rel_error", o.values, o.maxRelError, g.maxRelError, "<=", "max rel error"),
    gate(o.name, "min_cosine", o.lines, o.minCosine, g.minCosine, ">=", "lowest cosine"),
  ];
  if (o.argmaxAgreement === null) {
    checks.push({
      kind: "samples",
      metric: "argmax_agreement",
      output: o.name,
      slice: null,
      rows: o.rows,
      value: null,
      threshold: g.minArgmaxAgreement,
      op: ">=",
      pass: true,
      skipped: "the last axis has one value",
      message: `${o.name}: argmax agreement not checked (the last axis has one value)`,
    });
  } else checks.push(gate(o.name, "argmax_agreement", o.rows, o.argmaxAgreement, g.minArgmaxAgreement, ">=", "argmax agreement", ` over ${o.rows} rows`));
  return checks;
}

function labelChecks(labels: SamplesValidationResult["labels"], g: SamplesGates): Check[] {
  if (labels === null) return [];
  const out: Check[] = [];
  const skip = (metric: string, threshold: number, op: "<=" | ">=", why: string): Check => ({
    kind: "samples",
    metric,
    output: labels.output,
    slice: null,
    rows: labels.rows,
    value: null,
    threshold,
    op,
    pass: true,
    skipped: why,
    message: `${labels.output}: ${metric} not checked (${why})`,
  });
  if (g.minAccuracy !== undefined)
    out.push(
      labels.accuracy === null
        ? skip("accuracy", g.minAccuracy, ">=", "the labels are regression targets")
        : gate(labels.output, "accuracy", labels.rows, labels.accuracy, g.minAccuracy, ">=", "accuracy on the labels", ` over ${labels.rows} rows`),
    );
  if (g.maxMae !== undefined)
    out.push(
      labels.mae === null
        ? skip("mae", g.maxMae, "<=", "the labels are class indexes")
        : gate(labels.output, "mae", labels.rows, labels.mae, g.maxMae, "<=", "MAE on the labels", ` over ${labels.rows} rows`),
    );
  return out;
}

function problemChecks(problems: ReadonlyMap<string, string[]>): Check[] {
  return [...problems].map(([output, list]) => ({
    kind: "samples" as const,
    metric: "comparable",
    ...(output === "" ? {} : { output }),
    slice: null,
    rows: list.length,
    value: list.length,
    threshold: 0,
    op: "<=" as const,
    pass: false,
    message: `${output === "" ? "labels" : output}: ${list[0] ?? ""}${list.length > 1 ? ` (and ${list.length - 1} more line${list.length === 2 ? "" : "s"})` : ""}`,
  }));
}

/** A variant against the fp32 model's outputs, with the optimize gates (see the module comment). */
export function variantChecks(
  outputs: readonly OutputAgreement[],
  problems: ReadonlyMap<string, string[]>,
  labels: SamplesValidationResult["labels"],
  fp32Labels: SamplesValidationResult["labels"],
  g: OptimizeGates,
): Check[] {
  const checks = problemChecks(problems);
  for (const o of outputs) {
    if (g.maxAbsError !== undefined)
      checks.push(
        gate(
          o.name,
          "max_abs_error",
          o.values,
          o.maxAbsError,
          g.maxAbsError,
          "<=",
          "max abs error vs fp32",
          o.worstLine === null ? "" : ` (worst: line ${o.worstLine})`,
        ),
      );
    if (o.argmaxAgreement !== null)
      checks.push(
        gate(o.name, "argmax_agreement", o.rows, o.argmaxAgreement, g.minArgmaxAgreement, ">=", "argmax agreement with fp32", ` over ${o.rows} rows`),
      );
  }
  if (labels?.accuracy != null && fp32Labels?.accuracy != null) {
    const loss = Number((fp32Labels.accuracy - labels.accuracy).toPrecision(6));
    const extra = ` (accuracy ${labels.accuracy} vs fp32 ${fp32Labels.accuracy} over ${labels.rows} rows)`;
    checks.push(gate(labels.output, "accuracy_loss", labels.rows, loss, g.maxMetricLoss, "<=", "accuracy loss", extra));
  }
  return checks;
}

/** Problems by output name ("" for the labels): each output with problems fails one check naming the first. */
export function samplesChecks(
  outputs: readonly OutputAgreement[],
  problems: ReadonlyMap<string, string[]>,
  labels: SamplesValidationResult["labels"],
  gates: SamplesGates,
): Check[] {
  const checks = problemChecks(problems);
  for (const o of outputs) checks.push(...outputChecks(o, gates));
  checks.push(...labelChecks(labels, gates));
  return checks;
}
