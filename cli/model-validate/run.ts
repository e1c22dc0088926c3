/**
 * The streaming pass of `edge-ml validate`: read the evaluation CSV once, check every row against the candidate's
 * feature schema (the same anomaly rules as `data validate`), encode labels, run the candidate and the champion on
 * the same rows in batches, and keep label, outputs and slice values for the metrics.
 *
 * A row enters the metrics only if it is usable by every model evaluated, so candidate and champion are compared on
 * exactly the same rows; rows with data errors are left out and reported through the data-validation summary.
 *
 * @example
 * ```ts
 * const run = await evaluateCsv({ csv, models: [candidate, champion], label: "survived", slices: ["sex"], codec, nullLimits });
 * run.rows.size; // rows evaluated
 * ```
 */
import { statSync } from "node:fs";
import { EdgeMlError } from "../../core/errors.ts";
import type { Prediction } from "../../core/postprocess.ts";
import type { FeatureSpec, Instance } from "../../core/schema/features.ts";
import { MISSING_TOKENS } from "../baseline/values.ts";
import type { BatchPredictor } from "../baseline/predict.ts";
import { openCsv, type RawRow } from "../data-validate/csv.ts";
import { createProgress } from "../terminal/progress.ts";
import type { Anomaly } from "../data-validate/anomaly.ts";
import { createRowValidator, DEFAULT_MAX_DISTINCT, type RowValidator } from "../data-validate/rows.ts";
import type { BadLabels } from "./bad-labels.ts";
import type { LabelCodec } from "./labels.ts";
import { createRowStore, type RowStore } from "./metrics.ts";

/** Rows per model run: large enough to amortize a session call, small enough to keep memory flat. */
const BATCH = 1024;
const MISSING_SLICE = "(missing)";

interface EvaluatedModel {
  features: readonly FeatureSpec[];
  predictor: BatchPredictor;
}

export interface EvaluateCsvOptions {
  csv: string;
  /** The candidate first, then the champion (if any). */
  models: readonly EvaluatedModel[];
  label: string;
  slices: readonly string[];
  codec: LabelCodec;
  nullLimits: ReadonlyMap<string, number>;
  /** Collects the rows whose label cannot be encoded (they are never scored). */
  badLabels: BadLabels;
}

export interface EvaluateCsvResult {
  rows: RowStore;
  /** Data rows in the file. */
  dataRows: number;
  sha256: string;
  anomalies: Anomaly[];
}

interface Pending {
  instances: Instance[][];
  labels: number[];
  slices: string[][];
}

export async function evaluateCsv(opts: EvaluateCsvOptions): Promise<EvaluateCsvResult> {
  const { csv, models, codec } = opts;
  let size = 0;
  try {
    size = statSync(csv).size;
  } catch {
    throw new EdgeMlError("ERR_USAGE", `data file ${csv} does not exist`, { hint: "pass the evaluation CSV with --data <file.csv>" });
  }
  const source = openCsv(csv);
  const store = createRowStore(opts.slices, models.length);
  const progress = createProgress(`evaluating ${csv}`, size);
  let validators: RowValidator[] | undefined;
  let pending: Pending = { instances: models.map(() => []), labels: [], slices: [] };

  const flush = async () => {
    if (pending.labels.length === 0) return;
    // One model at a time: onnxruntime-web's single-threaded wasm runs one session call at once.
    const outputs: Prediction[][] = [];
    for (const [k, m] of models.entries()) outputs.push(await m.predictor.predict(pending.instances[k] as Instance[]));
    pending.labels.forEach((label, i) =>
      store.push(
        label,
        outputs.map((o) => codec.output(o[i] ?? {})),
        pending.slices[i] ?? [],
      ),
    );
    pending = { instances: models.map(() => []), labels: [], slices: [] };
  };

  const header = (row: RawRow) => {
    for (const column of [opts.label, ...opts.slices]) {
      if (!row.fields.includes(column)) {
        throw new EdgeMlError("ERR_BAD_DATA", `${csv} has no column "${column}"${column === opts.label ? " (the label)" : " (a slice)"}`, {
          file: csv,
          hint: `its columns are: ${row.fields.join(", ")}; pass ${column === opts.label ? "--label <column>" : "--slice <column>"} to use another`,
        });
      }
    }
    const known = [opts.label, ...opts.slices];
    return models.map((m, k) =>
      createRowValidator({
        features: m.features,
        header: row.fields,
        headerLine: row.line,
        known,
        nullLimits: k === 0 ? opts.nullLimits : new Map(),
        maxDistinct: DEFAULT_MAX_DISTINCT,
      }),
    );
  };

  for await (const row of source.rows) {
    if (validators === undefined) {
      validators = header(row);
      continue;
    }
    const checks = validators.map((v) => v.check(row));
    const main = validators[0] as RowValidator;
    if (checks[0]?.ragged !== false) continue;
    let label: number | undefined;
    try {
      label = codec.encode(main.field(row, opts.label) ?? "", `${csv}:${row.line}`, opts.label);
    } catch (e) {
      opts.badLabels.add(row.line, e);
    }
    if (label !== undefined && checks.every((c) => c?.ok === true)) {
      checks.forEach((c, k) => (pending.instances[k] as Instance[]).push((c as { instance: Instance }).instance));
      pending.labels.push(label);
      pending.slices.push(
        opts.slices.map((s) => {
          const v = main.field(row, s) ?? "";
          return MISSING_TOKENS.has(v) ? MISSING_SLICE : v;
        }),
      );
      if (pending.labels.length === BATCH) await flush();
    }
    if ((main.rows & 1023) === 0) progress.update(source.bytesRead(), main.rows);
  }
  await flush();
  progress.done();
  opts.badLabels.refuseIfAny();
  if (validators === undefined)
    throw new EdgeMlError("ERR_BAD_DATA", `${csv} is empty: no header row`, { file: csv, hint: "a CSV with a header row, then one row per instance" });
  const main = validators[0] as RowValidator;
  return { rows: store, dataRows: main.rows, sha256: source.sha256(), anomalies: main.finish() };
}
