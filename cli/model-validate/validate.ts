/**
 * `edge-ml validate`: evaluate a model version on labelled data, gate it, and record the result in its manifest.
 *
 * One pass over the CSV runs the candidate and the `champion` alias on the same rows (model-validate-run.ts); metrics
 * come with percentile-bootstrap 95% intervals overall and per slice (model-validate-metrics.ts); the gates of
 * `edge-ml.config.ts` become checks (core/validation/checks.ts). The version is blessed when every check passes and
 * the data had no errors. The result goes into the manifest's `validation` field, or with `variant` into that
 * variant's (artifact.ts). Tensor models are validated on samples instead (samples.ts).
 *
 * @example
 * ```ts
 * const { result } = await validateModel({ root, ref: "titanic@1.0.0", data: "examples/titanic/data/eval.csv" });
 * result.blessed; // true when every gate passed
 * ```
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, rocCurve } from "../../core/metrics/index.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { checkGateMetrics, evaluateGates } from "../../core/validation/checks.ts";
import type { Check, TabularValidationResult } from "../../core/validation/result.ts";
import { gatesFor, loadConfig } from "../project/config.ts";
import { nullLimits } from "../data-validate/validate.ts";
import type { Anomaly } from "../data-validate/anomaly.ts";
import { createLabelCodec } from "./labels.ts";
import { recordValidation, validatedArtifact } from "./artifact.ts";
import { scoreRows } from "./metrics.ts";
import { createValidationPredictor, type Runtime } from "./predictor.ts";
import { createBadLabels } from "./bad-labels.ts";
import { evaluateCsv } from "./run.ts";
import { loadModel, readAliases } from "../registry/registry.ts";

export const CHAMPION = "champion";

export interface ModelValidateOptions {
  root: string;
  ref: string;
  data: string;
  label?: string;
  slices?: readonly string[];
  runtime?: Runtime;
  resamples?: number;
  seed?: number;
  /** Record the result in the manifest (default true). */
  write?: boolean;
  /** Leave rows with a missing or unknown label out (counted in a data check) instead of refusing the data. */
  dropBadLabels?: boolean;
  /** Validate this variant (`manifest.variants`) instead of the fp32 artifact; the result goes into the variant. */
  variant?: string;
}

export interface ModelValidation {
  result: TabularValidationResult;
  manifestFile: string;
  name: string;
  version: string;
  variant?: string;
  anomalies: Anomaly[];
  /** Binary models: the ROC curve over every evaluated row (for the report). */
  roc?: { fpr: number; tpr: number }[];
}

function requireTabular(manifest: Manifest): void {
  if (manifest.features === undefined || manifest.preprocessing === undefined) {
    const ref = `${manifest.name}@${manifest.version}`;
    throw new EdgeMlError("ERR_USAGE", `${ref} has no feature schema: --data runs tabular models on a CSV`, {
      hint: `validate a tensor model on recorded requests: \`npx edge-ml validate ${ref}\` (its stored samples) or --samples <samples.jsonl>`,
    });
  }
}

function dataCheck(anomalies: readonly Anomaly[], dataRows: number, evaluated: number): Check {
  const errors = anomalies.filter((a) => a.severity === "error");
  const rows = errors.reduce((a, x) => a + x.count, 0);
  const pass = errors.length === 0 && evaluated > 0;
  const message =
    evaluated === 0
      ? "no row could be evaluated"
      : pass
        ? `the evaluation data has no data errors (${evaluated} of ${dataRows} rows evaluated)`
        : `${errors.length} data error${errors.length === 1 ? "" : "s"} (${errors.map((e) => `${e.kind} in ${e.column ?? "rows"}`).join(", ")}); ${rows} bad value${rows === 1 ? "" : "s"}, ${evaluated} of ${dataRows} rows evaluated`;
  return { kind: "data", metric: null, slice: null, rows: evaluated, value: errors.length, threshold: 0, op: "<=", pass, message };
}

export async function validateModel(opts: ModelValidateOptions): Promise<ModelValidation> {
  const config = await loadConfig(opts.root);
  const { manifest, ref, dir } = loadModel(opts.root, opts.ref);
  requireTabular(manifest);
  const codec = createLabelCodec(manifest);
  const own = Object.hasOwn(config.models, ref.name) ? config.models[ref.name] : undefined;
  const label = opts.label ?? own?.label ?? manifest.label;
  if (label === undefined) {
    throw new EdgeMlError("ERR_USAGE", `which column holds the labels? ${ref.name}@${ref.version} records none`, {
      hint: `pass --label <column> (or set models.${ref.name}.label in edge-ml.config.ts)`,
    });
  }
  const slices = opts.slices && opts.slices.length > 0 ? [...opts.slices] : (own?.slices ?? manifest.slices);
  const runtime = opts.runtime ?? "node";
  const bootstrapOpts = { resamples: opts.resamples ?? DEFAULT_RESAMPLES, seed: opts.seed ?? DEFAULT_SEED, confidence: DEFAULT_CONFIDENCE };

  const gates = gatesFor(config, ref.name);
  checkGateMetrics(codec.task, gates, gates.source);

  const championVersion = readAliases(opts.root, ref.name)[CHAMPION];
  const champion = championVersion !== undefined && championVersion !== ref.version ? loadModel(opts.root, `${ref.name}@${championVersion}`) : undefined;
  if (champion) {
    requireTabular(champion.manifest);
    const cc = createLabelCodec(champion.manifest);
    if (cc.task !== codec.task || cc.classes.join("\u0000") !== codec.classes.join("\u0000")) {
      throw new EdgeMlError(
        "ERR_USAGE",
        `the champion ${ref.name}@${championVersion} is not comparable: its task or labels differ (${cc.task} ${cc.classes.join("/")} vs ${codec.task} ${codec.classes.join("/")})`,
        {
          hint: `move the alias (\`npx edge-ml models alias ${ref.name} champion ${ref.version}\`), or drop relative gates for this model`,
        },
      );
    }
  }

  const bytes = (m: { manifest: Manifest; dir: string }) => readFileSync(join(m.dir, m.manifest.artifact.file));
  const target = validatedArtifact(manifest, dir, opts.variant);
  const badLabels = createBadLabels(relative(process.cwd(), opts.data) || opts.data, label, opts.dropBadLabels === true, `${ref.name}@${ref.version}`);
  const predictors = [await createValidationPredictor(runtime, target.bytes, manifest)];
  try {
    if (champion) predictors.push(await createValidationPredictor(runtime, bytes(champion), champion.manifest));
    const run = await evaluateCsv({
      csv: opts.data,
      models: [
        { features: manifest.features ?? [], predictor: predictors[0] as (typeof predictors)[0] },
        ...(champion ? [{ features: champion.manifest.features ?? [], predictor: predictors[1] as (typeof predictors)[0] }] : []),
      ],
      label,
      slices,
      codec,
      nullLimits: nullLimits(manifest.features ?? [], manifest.baseline, undefined),
      badLabels,
    });
    const dropped = badLabels.check(run.rows.size);
    const mine = scoreRows(run.rows, run.rows.outputs(0), codec, bootstrapOpts);
    const theirs = champion ? scoreRows(run.rows, run.rows.outputs(1), createLabelCodec(champion.manifest), bootstrapOpts) : undefined;
    const compared =
      champion && theirs ? { version: champion.ref.version, ...theirs } : championVersion === ref.version ? { version: ref.version, ...mine } : undefined;
    const checks = [
      dataCheck(run.anomalies, run.dataRows, run.rows.size),
      ...(dropped ? [dropped] : []),
      ...evaluateGates({ task: codec.task, rows: run.rows.size, metrics: mine.metrics, slices: mine.slices, champion: compared, gates, source: gates.source }),
    ];
    const errors = run.anomalies.filter((a) => a.severity === "error");
    const result: TabularValidationResult = {
      v: 1,
      blessed: checks.every((c) => c.pass),
      date: new Date().toISOString(),
      task: codec.task,
      artifactSha256: target.sha256,
      runtime,
      data: { file: relative(opts.root, opts.data) || opts.data, sha256: run.sha256, rows: run.dataRows, evaluated: run.rows.size, label },
      bootstrap: { method: "percentile", ...bootstrapOpts },
      metrics: mine.metrics,
      slices: mine.slices,
      compareTo: compared
        ? {
            alias: CHAMPION,
            version: compared.version,
            artifactSha256: champion?.manifest.artifact.sha256 ?? manifest.artifact.sha256,
            metrics: compared.metrics,
            slices: compared.slices,
          }
        : null,
      checks,
      dataValidation: {
        ok: errors.length === 0,
        errors: errors.length,
        warnings: run.anomalies.length - errors.length,
        anomalies: run.anomalies.map((a) => ({ kind: a.kind, severity: a.severity, column: a.column, count: a.count })),
      },
    };
    const manifestFile = join(dir, "manifest.json");
    if (opts.write !== false) recordValidation(manifestFile, manifest, result, opts.variant);
    const roc = codec.task === "binary" ? rocCurve(run.rows.labels(), run.rows.outputs(0)) : undefined;
    const variant = opts.variant !== undefined ? { variant: opts.variant } : {};
    return { result, manifestFile, name: ref.name, version: ref.version, ...variant, anomalies: run.anomalies, ...(roc ? { roc } : {}) };
  } finally {
    for (const p of predictors) await p.release();
  }
}
