/**
 * How a task's labels and predictions become numbers for the metrics.
 *
 * - binary: the label column holds the postprocessing threshold's labels (e.g. ["no", "yes"]: "no" is 0, "yes" is 1);
 *   the prediction is its positive-class score, and the threshold is the model's own.
 * - multiclass: the label column holds one of the `labels` step's names (or a class index without one); the
 *   prediction is its class index.
 * - regression: the label column is a number; the prediction is its value.
 * A label outside the model's labels is a user error naming the file and line: guessing would make the metrics lie.
 *
 * @example
 * ```ts
 * const codec = createLabelCodec(manifest);
 * codec.encode("yes", "eval.csv:12", "survived"); // 1
 * codec.output({ score: 0.81, label: "yes" });    // 0.81
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { MetricTask } from "../../core/metrics/names.ts";
import type { Prediction } from "../../core/postprocess.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { MISSING_TOKENS } from "../baseline/values.ts";

export interface LabelCodec {
  task: MetricTask;
  /** Binary: the decision threshold; the labels mapped to 0 and 1. Multiclass: the class names. */
  threshold: number;
  classes: string[];
  /** The label cell as a number (0/1, class index, or value); throws ERR_BAD_DATA naming `where`. */
  encode(raw: string, where: string, column: string): number;
  /** The prediction as the number the metrics use (score, class index, or value). */
  output(p: Prediction): number;
}

/** `where` is file:line; the message leads with it, so the error carries no separate file. */
function badLabel(where: string, column: string, raw: string, expected: string): EdgeMlError {
  const shown = MISSING_TOKENS.has(raw) ? `a missing label (${raw === "" ? "empty" : JSON.stringify(raw)})` : `label ${JSON.stringify(raw)}`;
  return new EdgeMlError("ERR_BAD_DATA", `${where}: ${shown} in column "${column}" is not ${expected}`, {
    hint: "fix or drop that row (every evaluated row needs a label the model knows), or pass the right column with --label",
  });
}

function lastProbability(p: Prediction): number {
  if (p.score !== undefined) return p.score;
  const probs = Array.isArray(p.probabilities) ? p.probabilities : p.probabilities ? Object.values(p.probabilities) : [];
  return probs[probs.length - 1] ?? p.value ?? Number.NaN;
}

function argmaxOf(p: Prediction): number {
  if (p.classIndex !== undefined) return p.classIndex;
  const values = Array.isArray(p.probabilities) ? p.probabilities : p.probabilities ? Object.values(p.probabilities) : (p.output ?? []);
  let best = 0;
  values.forEach((v, i) => v > (values[best] ?? -Infinity) && (best = i));
  return best;
}

export function createLabelCodec(manifest: Manifest): LabelCodec {
  const steps = manifest.postprocessing?.steps ?? [];
  if (manifest.task === "binary") {
    const t = steps.find((s) => s.op === "threshold");
    const named = steps.find((s) => s.op === "labels");
    const classes = (t?.labels ?? (named?.labels.length === 2 ? named.labels : [0, 1])).map(String);
    const index = new Map(classes.map((c, i) => [c, i]));
    return {
      task: "binary",
      threshold: t?.threshold ?? 0.5,
      classes,
      encode(raw, where, column) {
        const i = index.get(raw.trim());
        if (i === undefined)
          throw badLabel(where, column, raw, `one of the model's labels ${classes.join(", ")} (${classes[0]} = negative, ${classes[1]} = positive)`);
        return i;
      },
      output: lastProbability,
    };
  }
  if (manifest.task === "multiclass") {
    const named = steps.find((s) => s.op === "labels");
    const classes = (named?.labels ?? []).map(String);
    const index = new Map(classes.map((c, i) => [c, i]));
    return {
      task: "multiclass",
      threshold: 0,
      classes,
      encode(raw, where, column) {
        const key = raw.trim();
        const i = classes.length > 0 ? index.get(key) : /^\d+$/.test(key) ? Number(key) : undefined;
        if (i === undefined)
          throw badLabel(where, column, raw, classes.length > 0 ? `one of the model's labels ${classes.join(", ")}` : "a class index (0, 1, ...)");
        return i;
      },
      output: argmaxOf,
    };
  }
  if (manifest.task === "regression") {
    return {
      task: "regression",
      threshold: 0,
      classes: [],
      encode(raw, where, column) {
        const x = raw.trim() === "" ? Number.NaN : Number(raw);
        if (!Number.isFinite(x)) throw badLabel(where, column, raw, "a number");
        return x;
      },
      output: (p) => p.value ?? p.output?.[0] ?? Number.NaN,
    };
  }
  throw new EdgeMlError(
    "ERR_USAGE",
    `${manifest.name}@${manifest.version} is a ${manifest.task} model: validate needs a binary, multiclass or regression model`,
    {
      hint: "register it with --task binary|multiclass|regression and a feature schema",
    },
  );
}
