/**
 * The training-data baseline of `models add --data` and `data profile`: stream a CSV twice (pass 1 fixes the bins and
 * categories, pass 2 counts the rows in them with the edge's own profiler; see core/stats/baseline-build.ts), parsing
 * each cell by its feature's type, and, for a model, running it on every row to profile its predictions.
 *
 * A model's date_part steps add the numbers they derive from a date (year, month, weekday, ...) as baseline columns of
 * their own (core/derived-columns.ts), computed from the raw CSV date; the raw date itself stays out (values.ts).
 *
 * @example
 * ```ts
 * const baseline = await modelBaseline({ csv: "data/train.csv", createdFrom: { file, sha256 }, features, preprocessing,
 *   postprocessing, outputs: info.outputs, task: "binary", model: bytes });
 * ```
 */
import { createDerivedColumns } from "../../core/derived-columns.ts";
import { EdgeMlError, type Issue } from "../../core/errors.ts";
import type { Prediction } from "../../core/postprocess.ts";
import type { Baseline } from "../../core/schema/baseline.ts";
import type { FeatureSpec, Instance } from "../../core/schema/features.ts";
import type { Task, TensorSpec } from "../../core/schema/manifest.ts";
import type { Postprocessing, Preprocessing, PreprocessStep } from "../../core/schema/preprocessing.ts";
import { createSummarizer, finishBaseline, type BaselineOptions } from "../../core/stats/baseline-build.ts";
import { createProfiler } from "../../core/stats/profile.ts";
import { createBatchPredictor, type BatchPredictor } from "./predict.ts";
import { baselineFeatures, derivedColumnKind, featureKind, parseCell } from "./values.ts";
import { readCsv } from "../tabular/csv.ts";

/** Rows per model run: large enough to amortize a session call, small enough to keep memory flat. */
const BATCH = 1024;
/** Bad rows listed in an error; the rest are counted. */
const MAX_LISTED = 10;

export interface CsvBaselineOptions extends Pick<BaselineOptions, "bins" | "topK" | "task"> {
  csv: string;
  features: readonly FeatureSpec[];
  /** The model's preprocessing: its date_part steps become baseline columns (`month`, `weekday`, ...). */
  preprocessing?: { readonly steps: readonly PreprocessStep[] } | undefined;
  createdFrom: Baseline["createdFrom"];
  predictor?: BatchPredictor;
  /** What to run after fixing the data, for the error hint. */
  rerun?: string;
}

interface Batch {
  instances: Instance[];
  lines: number[];
}

/** Parse the CSV into typed instances, batch by batch; after the last batch, throw if any row did not fit. */
async function* readBatches(opts: CsvBaselineOptions): AsyncGenerator<Batch, void, undefined> {
  const issues: Issue[] = [];
  let bad = 0;
  let batch: Batch = { instances: [], lines: [] };
  let first = true;
  for await (const rec of readCsv(opts.csv)) {
    if (first) {
      first = false;
      const missing = opts.features.filter((f) => !Object.hasOwn(rec.values, f.name)).map((f) => `"${f.name}"`);
      if (missing.length > 0) {
        throw new EdgeMlError("ERR_BAD_DATA", `${opts.csv} has no column ${missing.join(", ")}`, {
          file: opts.csv,
          hint: `its columns are: ${Object.keys(rec.values).join(", ")}`,
        });
      }
    }
    const instance: Instance = {};
    let ok = true;
    for (const f of opts.features) {
      const cell = parseCell(f, rec.values[f.name] ?? "");
      if ("value" in cell) instance[f.name] = cell.value;
      else {
        ok = false;
        if (issues.length < MAX_LISTED) issues.push({ path: `${opts.csv}:${rec.line} column "${f.name}"`, message: cell.error });
      }
    }
    if (!ok) {
      bad++;
      continue;
    }
    batch.instances.push(instance);
    batch.lines.push(rec.line);
    if (batch.instances.length === BATCH) {
      yield batch;
      batch = { instances: [], lines: [] };
    }
  }
  if (batch.instances.length > 0) yield batch;
  if (bad > 0) {
    throw new EdgeMlError("ERR_BAD_DATA", `${bad} row${bad === 1 ? " does" : "s do"} not fit the feature schema`, {
      file: opts.csv,
      issues: bad > issues.length ? [...issues, { path: "…", message: `and ${bad - issues.length} more rows` }] : issues,
      hint: `fix those rows or the feature schema ("" and NA are missing values only for nullable features)${opts.rerun ? `, then run ${opts.rerun} again` : ""}`,
    });
  }
}

/** Predictions for a batch; a row the model cannot take (e.g. a null no step imputes) is named by file and line. */
async function predictBatch(predictor: BatchPredictor, batch: Batch, csv: string): Promise<Prediction[]> {
  try {
    return await predictor.predict(batch.instances);
  } catch (error) {
    if (!(error instanceof EdgeMlError) || error.code !== "ERR_BAD_INPUT") throw error;
    const issues = error.issues.map((i) => {
      const m = /^instances\[(\d+)\]\.(.*)$/.exec(i.path);
      return m ? { path: `${csv}:${batch.lines[Number(m[1])] ?? "?"} column "${m[2]}"`, message: i.message } : i;
    });
    throw new EdgeMlError("ERR_BAD_DATA", `${csv}: rows the model cannot take (${error.message})`, {
      file: csv,
      issues,
      ...(error.hint ? { hint: error.hint } : {}),
    });
  }
}

/**
 * Build a baseline from a CSV: the features, and the model's predictions when a predictor is given.
 *
 * @example
 * ```ts
 * const baseline = await baselineFromCsv({ csv: "train.csv", features, createdFrom: { file: "train.csv", sha256 } });
 * ```
 */
export async function baselineFromCsv(opts: CsvBaselineOptions): Promise<Baseline> {
  const derived = createDerivedColumns(opts.preprocessing, opts.features);
  const names = new Set(opts.features.map((f) => f.name));
  // Only parts of a date the CSV has: a date_part over a column an earlier step writes would be all missing here.
  const fromData = derived.columns.filter((c) => names.has(c.feature));
  const columns = [
    ...baselineFeatures(opts.features).map((f) => ({ name: f.name, kind: featureKind(f.type) })),
    ...fromData.map((c) => ({ name: c.name, kind: derivedColumnKind(c.part) })),
  ];
  // The predictor gets the instance as a request carries it; the summaries also see the derived numbers.
  const row = fromData.length > 0 ? (i: Instance) => derived.derive(i) as Instance : (i: Instance) => i;
  const summarizer = createSummarizer(columns, {
    ...(opts.bins ? { bins: opts.bins } : {}),
    ...(opts.topK ? { topK: opts.topK } : {}),
    ...(opts.task ? { task: opts.task } : {}),
  });
  for await (const batch of readBatches(opts)) {
    for (const instance of batch.instances) summarizer.add(row(instance));
    if (opts.predictor) for (const p of await predictBatch(opts.predictor, batch, opts.csv)) summarizer.addPrediction(p);
  }
  const plan = summarizer.plan();
  // Pass 2 runs the model again rather than holding every prediction: memory stays flat for any file size.
  const profiler = createProfiler(plan);
  for await (const batch of readBatches(opts)) {
    for (const instance of batch.instances) profiler.add(row(instance));
    if (opts.predictor && plan.prediction) for (const p of await predictBatch(opts.predictor, batch, opts.csv)) profiler.addPrediction(p);
  }
  return finishBaseline(plan, profiler.snapshot(), opts.createdFrom);
}

export interface ModelBaselineInput {
  /** The training CSV (the first `--data` file) and its lineage entry; no baseline without them. */
  csv: string | undefined;
  createdFrom: Baseline["createdFrom"] | undefined;
  features: readonly FeatureSpec[] | undefined;
  preprocessing: Preprocessing | undefined;
  postprocessing: Postprocessing | undefined;
  outputs: readonly TensorSpec[];
  task: Task;
  model: Uint8Array;
  bins?: number;
}

/**
 * The baseline `models add --data` stores: undefined for tensor models (no features) or without data.
 */
export async function modelBaseline(input: ModelBaselineInput): Promise<Baseline | undefined> {
  const { csv, createdFrom, features, preprocessing } = input;
  if (csv === undefined || createdFrom === undefined || features === undefined || preprocessing === undefined) return undefined;
  const predictor = await createBatchPredictor(input.model, preprocessing, input.postprocessing, input.outputs);
  try {
    return await baselineFromCsv({
      csv,
      features,
      preprocessing,
      createdFrom: { file: createdFrom.file, sha256: createdFrom.sha256 },
      task: input.task,
      predictor,
      rerun: "`npx edge-ml models add`",
      ...(input.bins ? { bins: input.bins } : {}),
    });
  } finally {
    await predictor.release();
  }
}
