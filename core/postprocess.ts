/**
 * Postprocessing at inference time: one row of a model output in, one prediction object out.
 *
 * Steps compute numbers in order (sigmoid, softmax, argmax, threshold, top_k); `labels` only names things, so it
 * applies at the end wherever it is listed. A single logit through `sigmoid` becomes the two-class vector
 * `[1 - p, p]`, so a binary classifier reports both class probabilities and `argmax`, `labels` and `top_k`
 * work on it as on any two-class output (`threshold` reads the last value, p).
 *
 * @example
 * ```ts
 * const post = createPostprocessor({ steps: [{ op: "softmax" }, { op: "argmax" }, { op: "labels", labels: ["a", "b"] }] });
 * post([0, 2]); // { probabilities: { a: 0.119, b: 0.881 }, classIndex: 1, score: 0.881, label: "b" }
 * ```
 */
import { EdgeMlError, type Issue } from "./errors.ts";
import { formatShape } from "./describe-value.ts";
import type { TensorSpec } from "./schema/manifest.ts";
import type { Postprocessing } from "./schema/preprocessing.ts";

type Label = string | number;

export interface Prediction {
  /** Raw output row (no steps, more than one number). */
  output?: number[];
  /** Raw output (no steps, exactly one number: regression). */
  value?: number;
  /** Per-class probabilities, keyed by label when a `labels` step names the classes. */
  probabilities?: number[] | Record<string, number>;
  classIndex?: number;
  label?: Label;
  score?: number;
  topK?: { label: Label; score: number }[];
}

export type Postprocessor = (row: ArrayLike<number>) => Prediction;

/** Logistic function that cannot overflow: exp is only ever taken of a non-positive number. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Softmax shifted by the max logit, so logits like 1000 give probabilities instead of Infinity/Infinity = NaN. */
export function softmax(values: readonly number[]): number[] {
  // A loop, not Math.max(...values): spreading a 100k-class row would overflow the argument limit.
  let max = -Infinity;
  for (const v of values) if (v > max || Number.isNaN(v)) max = v;
  if (max === Infinity) {
    // The +Infinity logits share all the mass; the shifted formula would compute Infinity - Infinity = NaN.
    const n = values.filter((v) => v === Infinity).length;
    return values.map((v) => (v === Infinity ? 1 / n : 0));
  }
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}

/**
 * Compile a postprocessing spec into a function from one output row to a prediction.
 *
 * @example
 * ```ts
 * createPostprocessor(undefined)([3.5]); // { value: 3.5 }
 * createPostprocessor({ steps: [{ op: "sigmoid" }, { op: "threshold", threshold: 0.5, labels: ["no", "yes"] }] })([2]);
 * // { probabilities: [0.119, 0.881], score: 0.881, label: "yes" }
 * ```
 */
export function createPostprocessor(p: Postprocessing | undefined): Postprocessor {
  const apply = compileSteps(p);
  const post: Postprocessor = (row) => apply(toNumbers(row, 0, row.length));
  fromValues.set(post, apply);
  return post;
}

/** The compiled steps of each postprocessor, taking a fresh `number[]` it may keep (postprocessBatch builds one per row). */
const fromValues = new WeakMap<Postprocessor, (values: number[]) => Prediction>();

/** `width` values from `data[start]` as plain numbers: one packed array, no typed-array allocation per row. */
function toNumbers(data: ArrayLike<number | bigint>, start: number, width: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < width; j++) out.push(Number(data[start + j]));
  return out;
}

function compileSteps(p: Postprocessing | undefined): (values: number[]) => Prediction {
  const steps = p?.steps ?? [];
  if (steps.length === 0) return (values) => (values.length === 1 ? { value: values[0] as number } : { output: values });
  let labels: readonly Label[] | undefined;
  for (const s of steps) if (s.op === "labels") labels = s.labels;
  const name = (i: number): Label => labels?.[i] ?? i;

  return (input) => {
    let values = input;
    const pred: Prediction = {};
    let named = false;
    for (const step of steps) {
      switch (step.op) {
        case "sigmoid":
          if (values.length === 1) {
            const p1 = sigmoid(values[0] ?? 0);
            values = [1 - p1, p1];
          } else values = values.map(sigmoid);
          pred.probabilities = values;
          break;
        case "softmax":
          values = softmax(values);
          pred.probabilities = values;
          break;
        case "argmax": {
          const i = argmax(values);
          pred.classIndex = i;
          pred.score = values[i] ?? Number.NaN;
          named = true;
          break;
        }
        case "labels":
          break;
        case "threshold": {
          const score = values[values.length - 1] ?? Number.NaN;
          pred.score = score;
          // At or above the threshold is positive, as in ROC-curve and precision/recall conventions.
          pred.label = score >= step.threshold ? step.labels[1] : step.labels[0];
          named = false;
          break;
        }
        case "top_k": {
          const order = values.map((_, i) => i).sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0) || a - b);
          pred.topK = order.slice(0, step.k).map((i) => ({ label: name(i), score: values[i] ?? Number.NaN }));
          break;
        }
      }
    }
    if (named && pred.classIndex !== undefined && labels !== undefined) pred.label = name(pred.classIndex);
    if (labels !== undefined && Array.isArray(pred.probabilities)) {
      if (pred.probabilities.length !== labels.length) {
        throw new EdgeMlError("ERR_BAD_MANIFEST", `postprocessing names ${labels.length} classes, but the model output has ${pred.probabilities.length}`, {
          hint: "fix the labels step so it lists one label per model output value, then register a new version",
        });
      }
      pred.probabilities = Object.fromEntries(pred.probabilities.map((v, i) => [String(name(i)), v]));
    }
    return pred;
  };
}

/**
 * Split a [batch, ...] output tensor into rows and postprocess each. `pp` is a compiled postprocessor (build it once
 * per model) or the spec itself (compiled here; compiling is a loop over a few steps).
 *
 * @example
 * ```ts
 * postprocessBatch(new Float32Array([0.1, 0.9, 0.8, 0.2]), [2, 2], manifest.postprocessing);
 * // [{ output: [0.1, 0.9] }, { output: [0.8, 0.2] }]  (float32 values, when there are no steps)
 * ```
 */
export function postprocessBatch(
  data: ArrayLike<number> | BigInt64Array | BigUint64Array,
  dims: readonly number[],
  pp: Postprocessor | Postprocessing | undefined,
): Prediction[] {
  const post = typeof pp === "function" ? pp : createPostprocessor(pp);
  const batch = dims.length === 0 ? 1 : (dims[0] ?? 0);
  const width = dims.slice(1).reduce((a, b) => a * b, 1);
  if (data.length !== batch * width) {
    throw new EdgeMlError("ERR_ENGINE", `the model output has ${data.length} values, but its shape ${formatShape(dims)} needs ${batch * width}`);
  }
  const apply = fromValues.get(post);
  const out: Prediction[] = [];
  for (let i = 0; i < batch; i++) {
    const values = toNumbers(data, i * width, width);
    out.push(apply ? apply(values) : post(values));
  }
  return out;
}

/**
 * Check a postprocessing spec against the model's outputs: the output exists, and the labels and k fit its last
 * dimension when that is fixed. Returns every problem found.
 *
 * @example
 * ```ts
 * validatePostprocessing(p, manifest.io.outputs); // [{ path: "postprocessing.steps[2].labels", message: "..." }]
 * ```
 */
export function validatePostprocessing(p: Postprocessing, ioOutputs: readonly TensorSpec[]): Issue[] {
  const issues: Issue[] = [];
  const io = p.output === undefined ? ioOutputs[0] : ioOutputs.find((o) => o.name === p.output);
  if (io === undefined) {
    return [
      { path: "postprocessing.output", message: `"${p.output}" is not a model output (the model's outputs are: ${ioOutputs.map((o) => o.name).join(", ")})` },
    ];
  }
  const last = io.shape.length < 2 ? 1 : io.shape[io.shape.length - 1];
  if (typeof last !== "number") return issues;
  // A single logit through sigmoid becomes two classes (see the module comment).
  const classes = last === 1 && p.steps.some((s) => s.op === "sigmoid") ? 2 : last;
  p.steps.forEach((s, i) => {
    if (s.op === "labels" && s.labels.length !== classes) {
      issues.push({
        path: `postprocessing.steps[${i}].labels`,
        message: `${s.labels.length} labels, but the output "${io.name}" (shape ${formatShape(io.shape)}) has ${classes} classes`,
      });
    }
    if (s.op === "top_k" && s.k > classes) {
      issues.push({ path: `postprocessing.steps[${i}].k`, message: `k = ${s.k}, but the output "${io.name}" has only ${classes} values` });
    }
  });
  return issues;
}
